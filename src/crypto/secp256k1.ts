/**
 * @module crypto/secp256k1
 * The one interface every secp256k1 engine implements, and the shared checks they use.
 *
 * Three engines (DESIGN §10): `native` (libsecp256k1 through the `secp256k1` addon, fastest),
 * `wasm` (`tiny-secp256k1`, libsecp256k1 compiled to WASM, portable), `noble` (`@noble/secp256k1`,
 * pure JS, the reference). All take and return compressed 33-byte public keys, 32-byte private keys,
 * 64-byte compact signatures (r || s) and 32-byte message hashes; none keeps a copy of a key.
 *
 * Does not: load engines or pick one (see `./engines.ts`), hash messages (callers pass the digest).
 */
import { CryptoError } from './errors.js';

/** Name of a secp256k1 implementation. */
export type EngineName = 'native' | 'wasm' | 'noble';

/** secp256k1 operations lnfleet needs, identical in result across engines (tests check it). */
export interface Secp256k1Engine {
  /** Which implementation runs. */
  readonly name: EngineName;
  /**
   * ECDSA verification of a compact signature over a 32-byte digest. A high-S signature is invalid
   * (BOLT 7 requires low-S, as Bitcoin does); malformed input of any kind is `false`, never a throw.
   */
  verify(sig64: Uint8Array, msg32: Uint8Array, pub33: Uint8Array): boolean;
  /** Deterministic (RFC 6979) low-S ECDSA signature over a 32-byte digest; 64 bytes r || s. */
  sign(msg32: Uint8Array, priv32: Uint8Array): Uint8Array;
  /**
   * BOLT 8 ECDH: SHA256 of the compressed shared point (0x02/0x03 || x). Throws `CryptoError` `invalidPublicKey`
   * for a point that is not on the curve (callers rely on this instead of checking first), `invalidPrivateKey`
   * for a bad scalar.
   */
  ecdh(pub33: Uint8Array, priv32: Uint8Array): Uint8Array;
  /** Compressed public key of `priv32`. */
  publicKey(priv32: Uint8Array): Uint8Array;
  /** (priv + tweak) mod n, as a new buffer. Throws `invalidTweak` if tweak ≥ n or the result is 0. */
  privateKeyTweakAdd(priv32: Uint8Array, tweak32: Uint8Array): Uint8Array;
  /** (priv × tweak) mod n, as a new buffer. Throws `invalidTweak` if tweak is 0 or ≥ n. */
  privateKeyTweakMul(priv32: Uint8Array, tweak32: Uint8Array): Uint8Array;
  /** pub + tweak·G. Throws `invalidTweak` if tweak ≥ n or the result is infinity. */
  publicKeyTweakAdd(pub33: Uint8Array, tweak32: Uint8Array): Uint8Array;
  /** tweak·pub. Throws `invalidTweak` if tweak is 0 or ≥ n. */
  publicKeyTweakMul(pub33: Uint8Array, tweak32: Uint8Array): Uint8Array;
  /** Sum of the points. Throws `invalidTweak` if the sum is infinity, `invalidPublicKey` on a bad key. */
  publicKeyCombine(pubs33: readonly Uint8Array[]): Uint8Array;
  /** `true` for a valid compressed (33-byte) point on the curve. */
  isValidPublicKey(pub33: Uint8Array): boolean;
  /** `true` for 32 bytes encoding 1..n-1. */
  isValidPrivateKey(priv32: Uint8Array): boolean;
}

/** The secp256k1 group order n. */
export const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = CURVE_N >> 1n;

/** Big-endian bytes → bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
}

/** bigint → 32 big-endian bytes (x must be < 2^256). */
export function bigIntTo32(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** `true` if the compact signature's s is in the upper half of the order (a malleated signature). */
export function isHighS(sig64: Uint8Array): boolean {
  return bytesToBigInt(sig64.subarray(32, 64)) > HALF_N;
}

/** Throws `invalidInput` unless `b` is `len` bytes; `what` names the argument (never its bytes). */
export function expectLength(b: Uint8Array, len: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== len) {
    throw new CryptoError('invalidInput', `${what} must be a ${len}-byte Uint8Array`);
  }
}

/** Throws `invalidTweak` unless 32 bytes encoding a value < n (zero allowed only if `allowZero`). */
export function expectTweak(tweak32: Uint8Array, allowZero: boolean): bigint {
  expectLength(tweak32, 32, 'tweak');
  const t = bytesToBigInt(tweak32);
  if (t >= CURVE_N || (!allowZero && t === 0n)) {
    throw new CryptoError('invalidTweak', 'tweak is out of range for secp256k1');
  }
  return t;
}
