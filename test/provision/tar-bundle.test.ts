/**
 * The bundle format: our ustar writer against GNU tar (both directions), the reader's refusals, and the
 * bundle's round trip, tamper detection and content rules (never the CA key or the node key).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTar, writeTar } from '../../src/provision/tar.js';
import { BUNDLE_MEMBERS, decodeBundle, encodeBundle, type BundleMember } from '../../src/provision/bundle.js';
import { ProvisionError } from '../../src/provision/errors.js';
import { NOW, initSample, provision, tmp } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const isInvalid = (re: RegExp) => (e: unknown) => e instanceof ProvisionError && e.code === 'BUNDLE_INVALID' && re.test(e.message);
const hasTar = spawnSync('tar', ['--version']).status === 0;

test('tar round trip, and GNU tar reads what we write and we read what it writes', { skip: !hasTar && 'no tar' }, (t) => {
  const dir = tmp(t);
  const entries = [{ name: 'a.txt', data: enc('hello\n') }, { name: 'empty', data: new Uint8Array(0) }, { name: 'big.bin', data: new Uint8Array(1500).fill(7), mode: 0o600 }];
  const bytes = writeTar(entries);
  assert.equal(bytes.length % 512, 0);
  assert.deepEqual(readTar(bytes, 4096).map((e) => [e.name, Buffer.from(e.data).toString('hex'), e.mode]), entries.map((e) => [e.name, Buffer.from(e.data).toString('hex'), e.mode ?? 0o644]));
  writeFileSync(join(dir, 'x.tar'), bytes);
  const list = spawnSync('tar', ['-tvf', join(dir, 'x.tar')], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /-rw------- root\/root +1500 .* big\.bin/);
  mkdirSync(join(dir, 'out'));
  assert.equal(spawnSync('tar', ['-xf', join(dir, 'x.tar'), '-C', join(dir, 'out')]).status, 0);
  assert.deepEqual(readdirSync(join(dir, 'out')).sort(), ['a.txt', 'big.bin', 'empty']);
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/m1'), 'one');
  writeFileSync(join(dir, 'src/m2'), 'two'.repeat(300));
  assert.equal(spawnSync('tar', ['--format=ustar', '-cf', join(dir, 'gnu.tar'), '-C', join(dir, 'src'), 'm1', 'm2']).status, 0);
  assert.deepEqual(readTar(readFileSync(join(dir, 'gnu.tar')), 4096).map((e) => [e.name, e.data.length]), [['m1', 3], ['m2', 900]]);
});

test('the tar reader refuses what a bundle never contains', (t) => {
  const good = writeTar([{ name: 'a', data: enc('x') }]);
  const flip = (at: number, v: number) => { const b = Uint8Array.from(good); b[at] = v; return b; };
  assert.throws(() => readTar(flip(0, 0x2e) /* name ".": bad checksum too */, 100), isInvalid(/checksum|flat/));
  assert.throws(() => readTar(good.subarray(0, 512), 100), isInvalid(/truncated/));
  assert.throws(() => readTar(good, 0), isInvalid(/limit 0/));
  assert.throws(() => writeTar([{ name: '../etc/passwd', data: enc('x') }]), isInvalid(/flat names/));
  assert.throws(() => readTar(writeTar([{ name: 'a', data: enc('1') }, { name: 'a', data: enc('2') }]), 100), isInvalid(/twice/));
  const dirEntry = Uint8Array.from(good);
  dirEntry[156] = 0x35; // '5': directory
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : dirEntry[i]!;
  dirEntry.set(enc(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  assert.throws(() => readTar(dirEntry, 100), isInvalid(/not a regular file/));
  const gnu = tmp(t);
  if (hasTar) {
    mkdirSync(join(gnu, 'd'));
    writeFileSync(join(gnu, 'd/f'), 'x');
    spawnSync('tar', ['--format=ustar', '-cf', join(gnu, 'sub.tar'), '-C', gnu, 'd']);
    assert.throws(() => readTar(readFileSync(join(gnu, 'sub.tar')), 100), isInvalid(/not a regular file|flat/));
  }
});

test('bundle: round trip, tamper detection, closed member set, no CA key or node key', async (t) => {
  const dir = tmp(t);
  await initSample(dir);
  assert.equal((await provision('board', 'front-a', '--dir', dir)).code, 0);
  const bytes = readFileSync(join(dir, 'boards/front-a/lnfleet-bundle.tar'));
  const b = decodeBundle(bytes);
  assert.deepEqual(Object.keys(b.files).sort(), [...BUNDLE_MEMBERS].sort());
  assert.equal(b.manifest.createdAt, NOW.toISOString());
  assert.equal(Buffer.from(b.files['front.key']).toString(), readFileSync(join(dir, 'front-front-a.key'), 'utf8'));
  const text = Buffer.from(bytes).toString('latin1');
  assert.ok(!text.includes(readFileSync(join(dir, 'ca.key'), 'utf8').split('\n')[1]!), 'the CA key is not in the bundle');
  assert.ok(!text.includes(readFileSync(join(dir, 'back-back.key'), 'utf8').split('\n')[1]!), 'the backend key is not in the bundle');
  assert.equal(text.split('PRIVATE KEY-----').length - 1, 2, 'exactly one private key (BEGIN + END)');
  // Re-encoding the decoded files gives the same archive (deterministic).
  assert.deepEqual(encodeBundle({ board: 'front-a', createdAt: NOW, nodeId: b.manifest.nodeId, files: b.files }), Uint8Array.from(bytes));

  const tampered = Uint8Array.from(bytes);
  const at = text.indexOf('192.0.2.10');
  tampered[at] = 0x39;
  // Header checksums cover headers only; the manifest hash catches the edited content.
  assert.throws(() => decodeBundle(tampered), isInvalid(/does not match its manifest hash/));
  const files = { ...b.files } as Record<BundleMember, Uint8Array>;
  const caKey = readFileSync(join(dir, 'ca.key'));
  assert.throws(() => encodeBundle({ board: 'front-a', createdAt: NOW, nodeId: null, files: { ...files, 'front.key': caKey } }), isInvalid(/front\.key does not belong to front\.crt/));
  assert.throws(() => encodeBundle({ board: 'front-a', createdAt: NOW, nodeId: null, files: { ...files, 'front.conf': caKey } }), isInvalid(/front\.conf contains a private key/));
  assert.throws(() => encodeBundle({ board: 'front-b', createdAt: NOW, nodeId: null, files }), isInvalid(/hostname does not match/));
  assert.throws(() => encodeBundle({ board: 'front-a', createdAt: NOW, nodeId: null, files: { ...files, 'front.crt': files['backend.crt'] } }), isInvalid(/not the front certificate of front-a/));
  const entries = readTar(bytes, 1 << 20);
  assert.throws(() => decodeBundle(writeTar([...entries, { name: 'node_seed', data: new Uint8Array(32) }])), isInvalid(/unexpected member node_seed/));
  assert.throws(() => decodeBundle(writeTar(entries.filter((e) => e.name !== 'keepalived.conf'))), isInvalid(/keepalived\.conf is missing/));
  assert.throws(() => decodeBundle(writeTar(entries.slice(1))), isInvalid(/first member must be manifest\.json/));
  assert.throws(() => decodeBundle(enc('not a tar')), isInvalid(/truncated/));
});
