/**
 * First boot against a fake root: the golden snapshot of the resulting tree (paths, modes, owners,
 * contents with certificates and keys replaced by their manifest labels), the shredded bundle and the
 * done marker, logs without secrets, idempotent re-runs, and refusals that write nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyFirstboot } from '../../src/provision/firstboot.js';
import { decodeBundle } from '../../src/provision/bundle.js';
import { ProvisionError } from '../../src/provision/errors.js';
import { makeBoardCommand } from '../../src/cli/board.js';
import { runFirstboot } from '../../src/cli/firstboot.js';
import { readTar, writeTar } from '../../src/provision/tar.js';
import { NOW, assertGolden, initSample, provision, snapshotRoot, tmp, treeState } from './helpers.js';

/** A provisioned board `front-a` and a fake board root with Debian's /etc/hosts and the bundle on /boot/firmware. */
async function board(t: { after(fn: () => void): void }): Promise<{ dir: string; root: string; bundle: string }> {
  process.umask(0o022); // directory modes in the golden snapshot are the ones a board's umask gives
  const dir = tmp(t);
  await initSample(dir, ['--backend-address', '192.0.2.5', '--leds', 'ok=512,warn=513,fault=514,status=515']);
  assert.equal((await provision('board', 'front-b', '--dir', dir, '--ip', '192.0.2.12')).code, 0);
  assert.equal((await provision('board', 'front-a', '--dir', dir, '--ip', '192.0.2.11')).code, 0);
  const root = tmp(t, 'lnfleet-root-');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n\n::1\t\tlocalhost ip6-localhost ip6-loopback\n');
  mkdirSync(join(root, 'boot/firmware'), { recursive: true });
  const bundle = join(root, 'boot/firmware/lnfleet-bundle.tar');
  copyFileSync(join(dir, 'boards/front-a/lnfleet-bundle.tar'), bundle);
  return { dir, root, bundle };
}

test('first boot on a fake root: golden tree, shredded bundle, marker, no secrets in the log', async (t) => {
  const { root, bundle } = await board(t);
  const bytes = readFileSync(bundle);
  const b = decodeBundle(bytes);
  const owners = new Map<string, string>();
  const log: string[] = [];
  applyFirstboot({ bundlePath: bundle, root, now: NOW, chown: (p, o, g) => owners.set(p, `${o}:${g}`), log: (l) => log.push(l) });
  assert.equal(existsSync(bundle), false, 'the bundle is shredded');
  // Certificates and keys are random per run; keepalived.conf and nftables.conf are the deploy
  // generators' output (golden-tested in test/deploy): here it is enough that they are installed
  // byte for byte as the bundle carries them.
  const hashed = new Map(Object.entries(b.manifest.members).filter(([m]) => m !== 'front.conf' && m !== 'hostname').map(([m, i]) => [i.sha256, `bundle ${m}, sha256 as in the manifest`]));
  const replace = new Map([[b.sha256, '<bundle sha256>']]);
  assertGolden('firstboot-root.txt', snapshotRoot(root, owners, hashed, replace));
  const logText = log.join('\n');
  assert.match(logText, /installed \/etc\/lnfleet\/front\.key \(0600 lnfleet:lnfleet, secret\)/);
  assert.ok(!logText.includes('PRIVATE KEY') && !logText.includes(b.manifest.members['front.key'].sha256), 'the log holds neither the key nor its hash');
  const key = Buffer.from(b.files['front.key']).toString().split('\n')[1]!;
  assert.ok(!logText.includes(key));
});

test('re-running first boot is idempotent; the unit\'s command line works through lnfleet board', async (t) => {
  const { root, bundle, dir } = await board(t);
  const keep = join(dir, 'copy.tar');
  copyFileSync(bundle, keep);
  const out: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
  // As root the command applies ownership with the ids of the root's own passwd/group (the image's).
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nlnfleet:x:998:998::/nonexistent:/usr/sbin/nologin\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nlnfleet:x:998:\n');
  const cmd = makeBoardCommand();
  assert.equal(await cmd.run(['firstboot', '--bundle', bundle, '--root', root], io), 0, out.join('\n'));
  const first = treeState(root);
  copyFileSync(keep, bundle);
  assert.equal(await runFirstboot(['--bundle', bundle, '--root', root, '--keep-bundle'], io, () => NOW), 0);
  assert.ok(existsSync(bundle), '--keep-bundle keeps it');
  const second = treeState(root);
  second.delete(bundle);
  const marker = join(root, 'var/lib/lnfleet-firstboot/done');
  first.delete(marker);
  second.delete(marker);
  assert.deepEqual(second, first, 'the same tree again (only the marker time differs)');
  assert.match(readFileSync(join(root, 'etc/hosts'), 'utf8'), /^127\.0\.1\.1\tfront-a$/m);
  assert.equal(readFileSync(join(root, 'etc/hosts'), 'utf8').match(/127\.0\.1\.1/g)?.length, 1);
});

test('a bad bundle or root is refused before anything is written', async (t) => {
  const { root, bundle } = await board(t);
  const before = treeState(root);
  const entries = readTar(readFileSync(bundle), 1 << 20);
  const edit = (name: string, f: (s: string) => string) => writeTar(entries.map((e) => e.name === name ? { ...e, data: new TextEncoder().encode(f(Buffer.from(e.data).toString())) } : e));
  const cases: [Uint8Array, RegExp][] = [
    [edit('front.conf', (s) => s + 'bogus.key = 1\n'), /does not match its manifest hash/],
    [new Uint8Array(100), /truncated/],
  ];
  // A front.conf that hashes right but is not a valid config: rebuild the manifest too.
  const manifest = JSON.parse(Buffer.from(entries[0]!.data).toString());
  const conf = Buffer.from(entries.find((e) => e.name === 'front.conf')!.data).toString() + 'front.listen = nowhere\n';
  manifest.members['front.conf'] = { sha256: createHash('sha256').update(conf).digest('hex'), size: Buffer.byteLength(conf) };
  cases.push([writeTar([{ name: 'manifest.json', data: new TextEncoder().encode(JSON.stringify(manifest)) }, ...entries.slice(1).map((e) => e.name === 'front.conf' ? { ...e, data: new TextEncoder().encode(conf) } : e)]), /front\.conf is not a valid front config/]);
  for (const [bytes, re] of cases) {
    writeFileSync(bundle, bytes);
    assert.throws(() => applyFirstboot({ bundlePath: bundle, root, now: NOW, chown: false, log: () => {} }), (e: unknown) => e instanceof ProvisionError && e.code === 'BUNDLE_INVALID' && re.test(e.message));
  }
  writeFileSync(bundle, Buffer.from(before.get(bundle)!.split(' ')[1]!, 'base64'));
  assert.deepEqual(treeState(root), before, 'nothing written, bundle kept');
  // Ownership on: the service account must exist in the root's passwd (the image creates it).
  assert.throws(() => applyFirstboot({ bundlePath: bundle, root, now: NOW, chown: true, log: () => {} }), (e: unknown) => e instanceof ProvisionError && /lnfleet is not in .*etc\/passwd/.test(e.message));
  assert.deepEqual(treeState(root), before);
  const err: string[] = [];
  assert.equal(await runFirstboot(['--bundle', join(root, 'missing.tar'), '--root', root], { out: () => {}, err: (l) => err.push(l) }), 1);
  assert.match(err.join(), /\[BUNDLE_INVALID\] cannot read bundle .*missing\.tar \(ENOENT\)/);
});
