/**
 * Differential tests of the three secp256k1 engines (STYLE rule 10): same results on random keys,
 * messages and tweaks; high-S signatures rejected by all; invalid input handled the same way;
 * engine selection, environment override and loud failure of an unavailable engine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CryptoError } from '../../src/crypto/errors.js';
import { ENGINE_ENV_VAR, engineReport, loadEngine, selectEngine } from '../../src/crypto/engines.js';
import { sha256 } from '../../src/crypto/hash.js';
import { bigIntTo32, bytesToBigInt, CURVE_N, isHighS, type Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { selfCheck } from '../../src/crypto/selfcheck.js';

const ENGINES: Secp256k1Engine[] = (['native', 'wasm', 'noble'] as const).map(loadEngine);
const [ref] = ENGINES.filter((e) => e.name === 'noble') as [Secp256k1Engine];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ROUNDS = 40;

function randomKey(): Uint8Array {
  for (;;) {
    const k = Uint8Array.from(randomBytes(32));
    if (ref.isValidPrivateKey(k)) return k;
  }
}
/** Flip s to n - s: the same signature, malleated to high-S. */
function toHighS(sig: Uint8Array): Uint8Array {
  const out = sig.slice();
  out.set(bigIntTo32(CURVE_N - bytesToBigInt(sig.subarray(32))), 32);
  return out;
}
/** All engines give the same answer (hex of a result, or the CryptoError kind). */
function agree(what: string, f: (e: Secp256k1Engine) => Uint8Array | boolean): void {
  const results = ENGINES.map((e) => {
    try {
      const r = f(e);
      return typeof r === 'boolean' ? String(r) : hex(r);
    } catch (err) {
      return err instanceof CryptoError ? `error:${err.kind}` : `threw:${String(err)}`;
    }
  });
  assert.deepEqual(results, Array(ENGINES.length).fill(results[0]), `${what}: ${ENGINES.map((e, i) => `${e.name}=${results[i]}`).join(' ')}`);
}

test('publicKey, sign, verify and ecdh agree across engines on random keys', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const a = randomKey();
    const b = randomKey();
    const msg = sha256(randomBytes(40));
    agree('publicKey', (e) => e.publicKey(a));
    agree('sign', (e) => e.sign(msg, a));
    const sig = ref.sign(msg, a);
    const pubA = ref.publicKey(a);
    for (const e of ENGINES) assert.ok(e.verify(sig, msg, pubA), `${e.name} verify`);
    agree('verify wrong key', (e) => e.verify(sig, msg, ref.publicKey(b)));
    agree('ecdh', (e) => e.ecdh(ref.publicKey(b), a));
    for (const e of ENGINES) assert.equal(hex(e.ecdh(ref.publicKey(b), a)), hex(e.ecdh(pubA, b)), `${e.name} ecdh symmetric`);
  }
});

test('ecdh is SHA256 of the compressed shared point (BOLT 8), checked via tweakMul', () => {
  const a = randomKey();
  const pubB = ref.publicKey(randomKey());
  for (const e of ENGINES) assert.equal(hex(e.ecdh(pubB, a)), hex(sha256(e.publicKeyTweakMul(pubB, a))));
});

test('signatures are low-S, and every engine rejects the high-S twin of a valid signature', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const k = randomKey();
    const msg = sha256(randomBytes(8));
    const sig = ref.sign(msg, k);
    assert.equal(isHighS(sig), false);
    const high = toHighS(sig);
    assert.equal(isHighS(high), true);
    for (const e of ENGINES) assert.equal(e.verify(high, msg, ref.publicKey(k)), false, `${e.name} accepted high-S`);
  }
});

test('tweaks and combine agree across engines', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const k = randomKey();
    const t = randomKey(); // a valid scalar is a valid tweak
    const pub = ref.publicKey(k);
    agree('privateKeyTweakAdd', (e) => e.privateKeyTweakAdd(k, t));
    agree('privateKeyTweakMul', (e) => e.privateKeyTweakMul(k, t));
    agree('publicKeyTweakAdd', (e) => e.publicKeyTweakAdd(pub, t));
    agree('publicKeyTweakMul', (e) => e.publicKeyTweakMul(pub, t));
    const three = [pub, ref.publicKey(t), ref.publicKey(randomKey())];
    agree('publicKeyCombine', (e) => e.publicKeyCombine(three));
    // consistency: pub(k + t) = pub(k) + t·G, pub(k·t) = t·pub(k)
    for (const e of ENGINES) {
      assert.equal(hex(e.publicKey(e.privateKeyTweakAdd(k, t))), hex(e.publicKeyTweakAdd(pub, t)));
      assert.equal(hex(e.publicKey(e.privateKeyTweakMul(k, t))), hex(e.publicKeyTweakMul(pub, t)));
    }
  }
});

test('edge cases fail the same way everywhere: zero/overflowing keys and tweaks, infinity, bad points', () => {
  const k = randomKey();
  const pub = ref.publicKey(k);
  const zero = new Uint8Array(32);
  const n = bigIntTo32(CURVE_N);
  const negK = bigIntTo32(CURVE_N - bytesToBigInt(k));
  const negPub = ref.publicKey(negK);
  const notOnCurve = Uint8Array.from(Buffer.from('02' + 'ff'.repeat(32), 'hex'));
  agree('isValidPrivateKey(0)', (e) => e.isValidPrivateKey(zero));
  agree('isValidPrivateKey(n)', (e) => e.isValidPrivateKey(n));
  agree('isValidPublicKey(bad)', (e) => e.isValidPublicKey(notOnCurve));
  agree('isValidPublicKey(65 bytes)', (e) => e.isValidPublicKey(new Uint8Array(65)));
  agree('publicKey(0)', (e) => e.publicKey(zero));
  agree('ecdh(bad point)', (e) => e.ecdh(notOnCurve, k));
  // The backend's ECDH service and NodeKey rely on this kind instead of checking the point first.
  for (const e of ENGINES) {
    assert.throws(() => e.ecdh(notOnCurve, k), (err: unknown) => err instanceof CryptoError && err.kind === 'invalidPublicKey', `${e.name} ecdh(bad point)`);
  }
  agree('privateKeyTweakAdd(k, -k)', (e) => e.privateKeyTweakAdd(k, negK));
  agree('privateKeyTweakAdd(k, 0)', (e) => e.privateKeyTweakAdd(k, zero));
  agree('privateKeyTweakAdd(k, n)', (e) => e.privateKeyTweakAdd(k, n));
  agree('privateKeyTweakMul(k, 0)', (e) => e.privateKeyTweakMul(k, zero));
  agree('publicKeyTweakAdd(P, 0)', (e) => e.publicKeyTweakAdd(pub, zero));
  agree('publicKeyTweakAdd(-kG, k)', (e) => e.publicKeyTweakAdd(negPub, k));
  agree('publicKeyTweakMul(P, 0)', (e) => e.publicKeyTweakMul(pub, zero));
  agree('publicKeyCombine(P, -P)', (e) => e.publicKeyCombine([pub, negPub]));
  agree('publicKeyCombine(P, -P, P)', (e) => e.publicKeyCombine([pub, negPub, pub]));
  agree('verify(garbage sig)', (e) => e.verify(new Uint8Array(64).fill(0xff), sha256(k), pub));
  agree('verify(zero sig)', (e) => e.verify(new Uint8Array(64), sha256(k), pub));
  agree('verify(short sig)', (e) => e.verify(new Uint8Array(63), sha256(k), pub));
});

test('no engine keeps or mutates the caller\'s key', () => {
  for (const e of ENGINES) {
    const k = Buffer.from(randomKey()); // a Buffer: its slice() is a view, so a careless copy would alias
    const copy = hex(k);
    e.privateKeyTweakAdd(k, randomKey());
    e.privateKeyTweakMul(k, randomKey());
    e.sign(sha256(k), k);
    assert.equal(hex(k), copy, e.name);
  }
});

test('error messages never contain key bytes', () => {
  const k = Uint8Array.from(Buffer.from('ff'.repeat(32), 'hex')); // > n: invalid
  for (const e of ENGINES) {
    assert.throws(() => e.publicKey(k), (err: unknown) => err instanceof CryptoError && err.kind === 'invalidPrivateKey' && !err.message.includes('ffff'));
  }
});

test('selectEngine: auto picks native here and reports why; a name selects that engine', () => {
  assert.equal(selectEngine('auto', {}).name, 'native');
  assert.equal(engineReport().name, 'native');
  assert.match(engineReport().reason, /auto/);
  for (const name of ['wasm', 'noble', 'native'] as const) {
    assert.equal(selectEngine(name, {}).name, name);
    assert.equal(engineReport().source, 'argument');
  }
});

test('selectEngine: LNFLEET_SECP256K1_ENGINE overrides the argument; a bad name is unknownEngine', () => {
  assert.equal(selectEngine('native', { [ENGINE_ENV_VAR]: 'wasm' }).name, 'wasm');
  assert.equal(engineReport().source, 'environment');
  assert.throws(() => selectEngine('auto', { [ENGINE_ENV_VAR]: 'openssl' }), (e: unknown) => e instanceof CryptoError && e.kind === 'unknownEngine');
  selectEngine('auto', {});
});

test('a requested engine that cannot load is an engineUnavailable error, not a fallback', async () => {
  // Simulate a board without a native build: in a child process, make `secp256k1/bindings` fail
  // to load the way node-gyp-build does when no prebuild matches.
  const { spawnSync } = await import('node:child_process');
  const engines = new URL('../../src/crypto/engines.js', import.meta.url).href;
  const script = `
    import Module from 'node:module';
    const orig = Module._load;
    Module._load = function (req, ...rest) { if (req === 'secp256k1/bindings') throw new Error('No native build was found'); return orig.call(this, req, ...rest); };
    const { selectEngine, engineReport } = await import(${JSON.stringify(engines)});
    const out = {};
    try { selectEngine('native', {}); out.native = 'loaded'; } catch (e) { out.native = e.code + ':' + e.kind; }
    out.auto = selectEngine('auto', {}).name;
    out.reason = engineReport().reason;
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { native: string; auto: string; reason: string };
  assert.equal(out.native, 'CRYPTO:engineUnavailable');
  assert.equal(out.auto, 'wasm');
  assert.match(out.reason, /native did not load/);
});

test('selfCheck passes for every engine', () => {
  for (const e of ENGINES) {
    const r = selfCheck(e);
    assert.ok(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)));
    assert.equal(r.engine.name, e.name);
    assert.ok(r.checks.length >= 7);
  }
  const active = selfCheck();
  assert.ok(active.ok);
  assert.ok('reason' in active.engine && active.engine.reason.length > 0);
});
