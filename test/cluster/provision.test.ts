// `lnfleet provision` on a temporary directory: file modes, refusal to overwrite, errors that change
// nothing, revocation by name/serial picked up by the backend's RevocationStore, --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RevocationStore, certSummary, type ReloadResult } from '../../src/cluster/pki.js';
import { loadBackendTls, loadFrontTls } from '../../src/cluster/tls.js';
import { makeProvisionCommand } from '../../src/cli/provision.js';
import { CliUsageError } from '../../src/cli/command.js';
import { WELCOME, dial, startBackend } from './tls-harness.js';

const PASSWORD = 'correct horse battery staple';
const cmd = makeProvisionCommand({ env: () => ({ CLUSTER_TLS_PASSWORD: PASSWORD }) });

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'lnfleet-prov-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const mode = (p: string) => statSync(p).mode & 0o777;

test('ca and cert write keys 0600, refuse to overwrite, and need a CA', async (t) => {
  const dir = join(tmp(t), 'pki');
  const noCa = await run('cert', '--role', 'front', '--name', 'front-a', '--dir', dir);
  assert.equal(noCa.code, 1);
  assert.match(noCa.err, /ca\.crt not found: run 'lnfleet provision ca/);
  assert.equal(existsSync(dir), false, 'a failed command creates nothing');
  assert.equal((await run('ca', '--dir', dir)).code, 0);
  assert.equal(mode(join(dir, 'ca.key')), 0o600);
  const caBefore = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const again = await run('ca', '--dir', dir);
  assert.equal(again.code, 1);
  assert.match(again.err, /already exist.*--force/);
  assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), caBefore);
  assert.equal((await run('cert', '--role', 'front', '--name', 'front-a', '--dir', dir)).code, 0);
  assert.equal(mode(join(dir, 'front-front-a.key')), 0o600);
  assert.deepEqual(certSummary(readFileSync(join(dir, 'front-front-a.crt'), 'utf8')).identity, { role: 'front', name: 'front-a' });
  const dup = await run('cert', '--role', 'front', '--name', 'front-a', '--dir', dir);
  assert.equal(dup.code, 1);
  const clash = await run('cert', '--role', 'back', '--name', 'front-a', '--dir', dir);
  assert.equal(clash.code, 1);
  assert.match(clash.err, /names are unique across roles/);
  const re = await run('cert', '--role', 'front', '--name', 'front-a', '--dir', dir, '--force');
  assert.equal(re.code, 0);
  assert.match(re.out, /stays valid until you run: lnfleet provision revoke --serial/);
  assert.ok(!readdirSync(dir).some((f) => f.includes('.tmp-')), 'no temporary files left');
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (text.includes('PRIVATE KEY')) assert.equal(mode(join(dir, f)), 0o600, f);
  }
});

test('revoke by name and serial; the backend reloads the list on change and refuses the front', { timeout: 30_000 }, async (t) => {
  const dir = tmp(t);
  assert.equal((await run('ca', '--dir', dir)).code, 0);
  assert.ok(existsSync(join(dir, 'revocations.json')), 'ca starts an empty revocation list');
  assert.equal((await run('cert', '--role', 'back', '--name', 'back', '--dir', dir)).code, 0);
  assert.equal((await run('cert', '--role', 'front', '--name', 'front-a', '--dir', dir)).code, 0);
  assert.equal((await run('cert', '--role', 'front', '--name', 'front-b', '--dir', dir)).code, 0);
  const listBefore = readFileSync(join(dir, 'revocations.json'), 'utf8');
  const unknown = await run('revoke', '--name', 'front-z', '--dir', dir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /no certificate named front-z/);
  await assert.rejects(run('revoke', '--name', 'front-a', '--dir', dir, '--reason', 'bogus'), CliUsageError);
  assert.equal(readFileSync(join(dir, 'revocations.json'), 'utf8'), listBefore, 'failed revokes change nothing');

  const bt = loadBackendTls({ mode: 'ca', ca: join(dir, 'ca.crt'), cert: join(dir, 'back-back.crt'), key: join(dir, 'back-back.key'), revocations: join(dir, 'revocations.json') });
  assert.equal(bt.trust.mode, 'ca');
  const store = bt.trust.mode === 'ca' ? bt.trust.revocations : new RevocationStore();
  const reloads: ReloadResult[] = [];
  const events = new (await import('node:events')).EventEmitter();
  const watcher = store.watch((r) => { reloads.push(r); events.emit('reload', r); });
  t.after(() => watcher?.close());
  const b = await startBackend(bt.serverOptions, bt.trust);
  t.after(() => b.close());
  const front = (name: string) => loadFrontTls({ mode: 'ca', ca: join(dir, 'ca.crt'), cert: join(dir, `front-${name}.crt`), key: join(dir, `front-${name}.key`), backendCert: join(dir, 'back-back.crt') });
  assert.equal((await dial(b.port, front('front-a'))).data, WELCOME);

  const reloaded = new Promise<void>((resolve) => {
    const onReload = () => { if (store.size === 1) { events.off('reload', onReload); resolve(); } };
    events.on('reload', onReload);
  });
  const rv = await run('revoke', '--name', 'front-a', '--dir', dir, '--reason', 'keyCompromise');
  assert.equal(rv.code, 0, rv.err);
  await reloaded; // the watcher saw the file change; no restart, no explicit reload() call
  assert.equal((await dial(b.port, front('front-a'))).data, '');
  assert.equal((await dial(b.port, front('front-b'))).data, WELCOME);
  const last = b.verdicts.at(-2);
  assert.equal(last?.kind === 'rejected' && last.reason, 'revoked');

  const serialB = certSummary(readFileSync(join(dir, 'front-front-b.crt'), 'utf8')).serial;
  assert.equal((await run('revoke', '--serial', serialB.toUpperCase(), '--dir', dir)).code, 0);
  const listAfter = readFileSync(join(dir, 'revocations.json'), 'utf8');
  const twice = await run('revoke', '--serial', serialB, '--dir', dir);
  assert.equal(twice.code, 0);
  assert.match(twice.out, /already revoked/);
  assert.equal(readFileSync(join(dir, 'revocations.json'), 'utf8'), listAfter);
  assert.ok(reloads.every((r) => r.ok));
});

test('shared writes an encrypted key 0600 and needs the password env', async (t) => {
  const dir = tmp(t);
  const none = makeProvisionCommand({ env: () => ({}) });
  const err: string[] = [];
  assert.equal(await none.run(['shared', '--dir', dir], { out: () => {}, err: (l) => err.push(l) }), 1);
  assert.match(err.join(), /CLUSTER_TLS_PASSWORD/);
  assert.equal(readdirSync(dir).length, 0);
  assert.equal((await run('shared', '--dir', dir)).code, 0);
  assert.equal(mode(join(dir, 'shared.key')), 0o600);
  assert.match(readFileSync(join(dir, 'shared.key'), 'utf8'), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  const alias = makeProvisionCommand({ env: () => ({ AKKA_TLS_PASSWORD: PASSWORD }) });
  assert.equal(await alias.run(['shared', '--dir', dir], { out: () => {}, err: () => {} }), 1, 'exists without --force');
  assert.equal(await alias.run(['shared', '--dir', dir, '--force'], { out: () => {}, err: () => {} }), 0);
  assert.doesNotThrow(() => loadFrontTls({ mode: 'shared', cert: join(dir, 'shared.crt'), key: join(dir, 'shared.key'), password: PASSWORD }));
});

test('--help on every subcommand; usage errors are CliUsageError', async () => {
  for (const sub of ['ca', 'cert', 'revoke', 'shared']) {
    const r = await run(sub, '--help');
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`usage: .*lnfleet provision ${sub}`));
  }
  assert.match((await run('--help')).out, /usage: lnfleet provision <ca\|cert\|revoke\|shared>/);
  await assert.rejects(run('mint', '--dir', '/tmp/x'), CliUsageError);
  await assert.rejects(run('ca'), /--dir D is required/);
  await assert.rejects(run('cert', '--role', 'middle', '--name', 'x', '--dir', '/nonexistent'), CliUsageError);
  await assert.rejects(run('revoke', '--name', 'a', '--serial', '1', '--dir', '/nonexistent'), CliUsageError);
});
