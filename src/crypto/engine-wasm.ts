/**
 * @module crypto/engine-wasm
 * The `wasm` secp256k1 engine: `tiny-secp256k1` v2 (libsecp256k1 compiled to WebAssembly), the
 * portable fallback where the native addon does not build (DESIGN §10, §12).
 *
 * Loaded through `createRequire` (its CommonJS entry instantiates the WASM module synchronously), so
 * engine selection stays synchronous. Its `verify` accepts high-S signatures unless `strict` is set; we
 * always pass `strict = true` (checked in the engine tests). It has no ECDH: we compute the compressed
 * shared point with `pointMultiply` and hash it, which is BOLT 8's definition. It has no private-key
 * multiplication: we do that mod n with bigint.
 *
 * Does not: decide whether this engine is used (see `./engines.ts`).
 */
import { createRequire } from 'node:module';
import { sha256 } from './hash.js';
import { CryptoError } from './errors.js';
import { bigIntTo32, bytesToBigInt, CURVE_N, expectLength, expectTweak, type Secp256k1Engine } from './secp256k1.js';

/** The subset of tiny-secp256k1's API we call. */
interface TinySecp {
  isPoint(p: Uint8Array): boolean;
  isPrivate(d: Uint8Array): boolean;
  pointFromScalar(d: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointMultiply(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointAddScalar(p: Uint8Array, tweak: Uint8Array, compressed?: boolean): Uint8Array | null;
  pointAdd(a: Uint8Array, b: Uint8Array, compressed?: boolean): Uint8Array | null;
  privateAdd(d: Uint8Array, tweak: Uint8Array): Uint8Array | null;
  sign(h: Uint8Array, d: Uint8Array): Uint8Array;
  verify(h: Uint8Array, q: Uint8Array, sig: Uint8Array, strict?: boolean): boolean;
}

/** Load tiny-secp256k1 or throw `engineUnavailable` (with the loader's error as `cause`). */
export function loadWasmEngine(): Secp256k1Engine {
  let lib: TinySecp;
  try {
    lib = createRequire(import.meta.url)('tiny-secp256k1') as TinySecp;
  } catch (cause) {
    throw new CryptoError('engineUnavailable', 'tiny-secp256k1 (WASM) did not load', { cause });
  }
  return wasmEngine(lib);
}

function wasmEngine(lib: TinySecp): Secp256k1Engine {
  const isPub = (p: Uint8Array): boolean => p instanceof Uint8Array && p.length === 33 && lib.isPoint(p);
  const isPriv = (k: Uint8Array): boolean => k instanceof Uint8Array && k.length === 32 && lib.isPrivate(k);
  const pub = (p: Uint8Array): void => {
    expectLength(p, 33, 'public key');
    if (!lib.isPoint(p)) throw new CryptoError('invalidPublicKey', 'public key is not a valid secp256k1 point');
  };
  const priv = (k: Uint8Array): void => {
    expectLength(k, 32, 'private key');
    if (!lib.isPrivate(k)) throw new CryptoError('invalidPrivateKey', 'private key is out of range');
  };
  const nonNull = (r: Uint8Array | null): Uint8Array => {
    if (r === null) throw new CryptoError('invalidTweak', 'tweak gives the zero key or the point at infinity');
    return r;
  };
  return {
    name: 'wasm',
    verify(sig64, msg32, pub33) {
      if (sig64.length !== 64 || msg32.length !== 32 || !isPub(pub33)) return false;
      try {
        return lib.verify(msg32, pub33, sig64, true); // strict: high-S is rejected
      } catch {
        return false; // r or s out of range
      }
    },
    sign(msg32, priv32) {
      expectLength(msg32, 32, 'message hash');
      priv(priv32);
      return lib.sign(msg32, priv32);
    },
    ecdh(pub33, priv32) {
      pub(pub33);
      priv(priv32);
      const point = nonNull(lib.pointMultiply(pub33, priv32, true));
      const out = sha256(point);
      point.fill(0);
      return out;
    },
    publicKey(priv32) {
      priv(priv32);
      return nonNull(lib.pointFromScalar(priv32, true));
    },
    privateKeyTweakAdd(priv32, tweak32) {
      priv(priv32);
      expectTweak(tweak32, true);
      return nonNull(lib.privateAdd(priv32, tweak32));
    },
    privateKeyTweakMul(priv32, tweak32) {
      priv(priv32);
      const t = expectTweak(tweak32, false);
      return bigIntTo32((bytesToBigInt(priv32) * t) % CURVE_N); // non-zero: n is prime
    },
    publicKeyTweakAdd(pub33, tweak32) {
      pub(pub33);
      expectTweak(tweak32, true);
      return nonNull(lib.pointAddScalar(pub33, tweak32, true));
    },
    publicKeyTweakMul(pub33, tweak32) {
      pub(pub33);
      expectTweak(tweak32, false);
      return nonNull(lib.pointMultiply(pub33, tweak32, true));
    },
    publicKeyCombine(pubs33) {
      if (pubs33.length === 0) throw new CryptoError('invalidInput', 'publicKeyCombine needs at least one key');
      for (const p of pubs33) pub(p);
      // tiny-secp256k1 returns null for the point at infinity; ∞ + P = P, so a null partial sum just
      // restarts from the next key, and only a null final sum is an error (as in libsecp256k1).
      let acc: Uint8Array | null = pubs33[0]!;
      for (let i = 1; i < pubs33.length; i++) {
        acc = acc === null ? pubs33[i]! : lib.pointAdd(acc, pubs33[i]!, true);
      }
      return nonNull(acc);
    },
    isValidPublicKey: isPub,
    isValidPrivateKey: isPriv,
  };
}
