// Node key providers (src/keys): seed file creation and reuse, permissions, env, file, the
// NODE_PUB_KEY check, and that the key object never shows its private bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { activeEngine, hmacSha256 } from '../../src/crypto/index.js';
import { createNodeKey, KeyError, loadNodeKey, NODE_KEY_LABEL, SEED_FILE_NAME } from '../../src/keys/index.js';

const PRIV_HEX = '1111111111111111111111111111111111111111111111111111111111111111';
const engine = activeEngine();
const pubHex = (privHex: string) => Buffer.from(engine.publicKey(Buffer.from(privHex, 'hex'))).toString('hex');

function tempDir(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'lnfleet-keys-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Asserts a KeyError with `code` whose message holds none of `secrets`. */
async function rejectsWith(p: Promise<unknown>, code: string, secrets: string[] = []): Promise<KeyError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof KeyError, `expected KeyError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  for (const s of secrets) assert.ok(!caught.message.toLowerCase().includes(s.toLowerCase()), 'error message leaks key material');
  return caught;
}

test('seed: created 0600 on first start, reused after, key = HMAC(seed, label)', async (t) => {
  const dir = join(tempDir(t), 'data');
  const a = await loadNodeKey({ kind: 'seed', dataDir: dir });
  const path = join(dir, SEED_FILE_NAME);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const seed = readFileSync(path);
  assert.equal(seed.length, 32);
  const expected = engine.publicKey(hmacSha256(seed, new TextEncoder().encode(NODE_KEY_LABEL)));
  assert.deepEqual(a.nodeId, expected);
  const b = await loadNodeKey({ kind: 'seed', dataDir: dir });
  assert.equal(b.nodeIdHex, a.nodeIdHex);
  assert.deepEqual(readFileSync(path), seed);
});

test('seed: a group- or world-readable seed file is refused', async (t) => {
  const dir = tempDir(t);
  await loadNodeKey({ kind: 'seed', dataDir: dir });
  chmodSync(join(dir, SEED_FILE_NAME), 0o640);
  const e = await rejectsWith(loadNodeKey({ kind: 'seed', dataDir: dir }), 'KEY_PERMISSIONS');
  assert.match(e.message, /chmod 600/);
  chmodSync(join(dir, SEED_FILE_NAME), 0o604);
  await rejectsWith(loadNodeKey({ kind: 'seed', dataDir: dir }), 'KEY_PERMISSIONS');
});

test('seed: a truncated seed file is refused, not replaced', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, SEED_FILE_NAME), Buffer.alloc(16, 7), { mode: 0o600 });
  await rejectsWith(loadNodeKey({ kind: 'seed', dataDir: dir }), 'KEY_INVALID');
  assert.equal(readFileSync(join(dir, SEED_FILE_NAME)).length, 16);
});

test('env: NODE_PRIV_KEY hex; missing and malformed values are typed errors without the value', async () => {
  const k = await loadNodeKey({ kind: 'env', env: { NODE_PRIV_KEY: PRIV_HEX } });
  assert.equal(k.nodeIdHex, pubHex(PRIV_HEX));
  assert.equal(k.provider, 'env');
  await rejectsWith(loadNodeKey({ kind: 'env', env: {} }), 'KEY_MISSING');
  await rejectsWith(loadNodeKey({ kind: 'env', env: { NODE_PRIV_KEY: PRIV_HEX.slice(2) } }), 'KEY_INVALID', [PRIV_HEX.slice(2)]);
  await rejectsWith(loadNodeKey({ kind: 'env', env: { NODE_PRIV_KEY: '00'.repeat(32) } }), 'KEY_INVALID');
  await rejectsWith(loadNodeKey({ kind: 'env', env: { NODE_PRIV_KEY: 'ff'.repeat(32) } }), 'KEY_INVALID');
});

test('file: hex or raw 32 bytes, 0600 only, missing file named', async (t) => {
  const dir = tempDir(t);
  const hexFile = join(dir, 'key.hex');
  writeFileSync(hexFile, `  ${PRIV_HEX}\n`, { mode: 0o600 });
  assert.equal((await loadNodeKey({ kind: 'file', path: hexFile })).nodeIdHex, pubHex(PRIV_HEX));
  const rawFile = join(dir, 'key.raw');
  writeFileSync(rawFile, Buffer.from(PRIV_HEX, 'hex'), { mode: 0o600 });
  assert.equal((await loadNodeKey({ kind: 'file', path: rawFile })).nodeIdHex, pubHex(PRIV_HEX));
  chmodSync(rawFile, 0o644);
  await rejectsWith(loadNodeKey({ kind: 'file', path: rawFile }), 'KEY_PERMISSIONS');
  const e = await rejectsWith(loadNodeKey({ kind: 'file', path: join(dir, 'nope') }), 'KEY_MISSING');
  assert.match(e.message, /nope/);
  const bad = join(dir, 'bad');
  writeFileSync(bad, 'not a key at all', { mode: 0o600 });
  await rejectsWith(loadNodeKey({ kind: 'file', path: bad }), 'KEY_INVALID', ['not a key at all']);
});

test('NODE_PUB_KEY mismatch: refused with a clear error naming no key', async (t) => {
  const other = pubHex('22'.repeat(32));
  const e = await rejectsWith(
    loadNodeKey({ kind: 'env', env: { NODE_PRIV_KEY: PRIV_HEX } }, { expectedNodeId: other }),
    'KEY_MISMATCH',
    [PRIV_HEX, other, pubHex(PRIV_HEX)],
  );
  assert.match(e.message, /NODE_PUB_KEY/);
  assert.match(e.message, /refusing to start/);
  const ok = await loadNodeKey({ kind: 'env', env: { NODE_PRIV_KEY: PRIV_HEX } }, { expectedNodeId: pubHex(PRIV_HEX).toUpperCase() });
  assert.equal(ok.nodeIdHex, pubHex(PRIV_HEX));
  const dir = tempDir(t);
  await rejectsWith(loadNodeKey({ kind: 'seed', dataDir: dir }, { expectedNodeId: other }), 'KEY_MISMATCH');
});

test('NodeKey: ECDH equals the engine with the key, and no private bytes are reachable', () => {
  const priv = Buffer.from(PRIV_HEX, 'hex');
  const k = createNodeKey(Uint8Array.from(priv), 'env');
  const peerPriv = Buffer.from('33'.repeat(32), 'hex');
  const peerPub = engine.publicKey(peerPriv);
  assert.deepEqual(k.ecdh(peerPub), engine.ecdh(engine.publicKey(priv), peerPriv));
  const shown = [JSON.stringify(k), inspect(k, { showHidden: true, depth: 5 }), String(Object.keys(k))];
  for (const s of shown) assert.ok(!s.includes(PRIV_HEX), 'private key visible');
  assert.throws(() => k.ecdh(new Uint8Array(33)), /not a valid/);
  k.destroy();
  assert.throws(() => k.ecdh(peerPub), (e: unknown) => e instanceof KeyError && e.code === 'KEY_DESTROYED');
});

test('createNodeKey zeroes the buffer it was given', () => {
  const b = Uint8Array.from(Buffer.from(PRIV_HEX, 'hex'));
  createNodeKey(b, 'file');
  assert.deepEqual(b, new Uint8Array(32));
});
