/**
 * @module noise/symmetric
 * The handshake's symmetric primitives: the initial `h`/`ck`, `mixHash`, `mixKey` (HKDF), and
 * `encryptWithAD`/`decryptWithAD` with BOLT 8's nonce encoding. Small pure functions the handshake
 * state machine composes.
 *
 * Spec: <https://github.com/lightning/bolts/blob/master/08-transport.md#handshake-state>.
 * Does not: hold state or touch private keys (ECDH happens in `./handshake.ts`).
 */
import { hkdf, sha256 } from '../crypto/hash.js';
import type { AeadEngine } from '../crypto/aead.js';
import { PROLOGUE, PROTOCOL_NAME } from './constants.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

// BOLT #8: `h = SHA-256(protocolName)`
const H0 = sha256(ascii(PROTOCOL_NAME));

/**
 * Initial chaining key: SHA-256 of the protocol name.
 *
 * BOLT #8: `ck = h`
 */
export const INITIAL_CK: Uint8Array = Uint8Array.from(H0);

/**
 * Initial handshake hash, before the responder's static key is mixed in.
 *
 * BOLT #8: `h = SHA-256(h || prologue)`
 */
export const INITIAL_H: Uint8Array = sha256(H0, ascii(PROLOGUE));

/** `h = SHA-256(h || data)`. */
export function mixHash(h: Uint8Array, data: Uint8Array): Uint8Array {
  return sha256(h, data);
}

/** `ck, temp_k = HKDF(ck, ikm)`; zeroes `ikm` (an ECDH output) afterwards. */
export function mixKey(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdf(ck, ikm);
  ikm.fill(0);
  return out;
}

/**
 * The two handshake nonces: 0 (every act's tag) and 1 (act three's static key).
 *
 * BOLT #8: with nonce `n` encoded as 32 zero bits,
 * followed by a *little-endian* 64-bit value.
 */
export const NONCE_0: Uint8Array = new Uint8Array(12);
/** Nonce 1: four zero bytes, then 1 as a little-endian u64. */
export const NONCE_1: Uint8Array = Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0);

const EMPTY = new Uint8Array(0);

/** `encryptWithAD(k, n, ad, plaintext)` → ciphertext || tag. */
export function encryptWithAD(aead: AeadEngine, k: Uint8Array, n: Uint8Array, ad: Uint8Array, plaintext: Uint8Array = EMPTY): Uint8Array {
  return aead.seal(k, n, ad, plaintext);
}

/** `decryptWithAD(k, n, ad, ciphertext)` → plaintext, or `null` if the MAC check fails. */
export function decryptWithAD(aead: AeadEngine, k: Uint8Array, n: Uint8Array, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  return aead.open(k, n, ad, ciphertext);
}

/** `HKDF(ck, zero)` with a zero-length input: the final two transport keys. */
export function splitKeys(ck: Uint8Array): [Uint8Array, Uint8Array] {
  return hkdf(ck, EMPTY);
}

/** Zero every buffer given (secrets we own). */
export function wipe(...bufs: Uint8Array[]): void {
  for (const b of bufs) b.fill(0);
}
