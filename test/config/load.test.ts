// The I/O shell (loadConfig) and `lnfleet config check|describe`, on real temporary files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { makeConfigCommand } from '../../src/cli/config.js';
import { CliUsageError } from '../../src/cli/command.js';

const SECRET = 'hunter2-very-secret';

function capture(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

test('loadConfig reads the file and names it in sources; a missing file is CONFIG_IO', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dev.conf');
  writeFileSync(file, '# dev\nlog.level = debug\n');
  const c = loadConfig('dev', { file, env: {} });
  assert.equal(c.values['log.level'], 'debug');
  assert.deepEqual(c.sources['log.level'], { kind: 'file', file, line: 2 });
  assert.throws(() => loadConfig('dev', { file: join(dir, 'nope.conf'), env: {} }), (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_IO' && e.message.includes('nope.conf'));
});

test('config check prints the redacted config, or every problem with exit 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'back.conf');
  writeFileSync(file, 'cluster.tls.mode = shared\ncluster.tls.cert = /s.crt\ncluster.tls.key = /s.key\n');
  const ok = capture();
  const cmd = makeConfigCommand({ env: () => ({ CLUSTER_TLS_PASSWORD: SECRET }) });
  assert.equal(await cmd.run(['check', '--role', 'back', '--file', file], ok.io), 0);
  const dump = ok.out.join('\n');
  assert.match(dump, /cluster\.tls\.password = <redacted> +# env CLUSTER_TLS_PASSWORD/);
  assert.ok(!dump.includes(SECRET));
  writeFileSync(file, 'cluster.tls.mode = shared\ncluster.prot = 1\ncluster.port = x\n');
  const bad = capture();
  assert.equal(await cmd.run(['check', '--role', 'back', '--file', file], bad.io), 1);
  const errs = bad.err.join('\n');
  assert.match(errs, /\[CONFIG_UNKNOWN_KEY\] cluster\.prot \(.*back\.conf:2\): .*did you mean cluster\.port\?/);
  assert.match(errs, /\[CONFIG_INVALID_VALUE\] cluster\.port \(.*back\.conf:3\)/);
  assert.ok(!errs.includes(SECRET));
  await assert.rejects(cmd.run(['check', '--role', 'boss'], capture().io), CliUsageError);
});

test('config describe prints the Markdown table; --help prints usage', async () => {
  const c = capture();
  assert.equal(await makeConfigCommand().run(['describe'], c.io), 0);
  assert.match(c.out.join('\n'), /^\| key \| type \| default \| roles \| env \| description \|/);
  const h = capture();
  assert.equal(await makeConfigCommand().run(['check', '--help'], h.io), 0);
  assert.match(h.out.join('\n'), /usage: lnfleet config check/);
});
