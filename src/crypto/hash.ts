/**
 * @module crypto/hash
 * SHA-256, double SHA-256, HMAC-SHA256 and HKDF-SHA256 from `node:crypto` (OpenSSL), returning
 * `Uint8Array`, plus a constant-time byte comparison.
 *
 * These are the hashes every Lightning layer needs: BOLT 7 signs `SHA256(SHA256(msg))`, BOLT 8 mixes
 * SHA-256 into its handshake hash and uses HMAC-SHA256 inside HKDF (RFC 5869 §2.2).
 * Pure computation, no I/O; safe to import from the sans-I/O cores (`wire`, `noise`, `gossip`).
 *
 * Does not: choose engines (only one implementation; `@noble/hashes` is used in tests as a cross-check).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** SHA256(SHA256(data)): the digest that BOLT 7 gossip signatures sign. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** HMAC-SHA256(key, concatenation of `parts`) (RFC 2104). */
export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/**
 * HKDF-SHA256 (RFC 5869 §2.2 extract, §2.3 expand) as BOLT 8 uses it: salt = `ck`, input keying
 * material = `ikm`, zero-length `info`, 64 bytes of output returned as two 32-byte halves.
 *
 * BOLT #8: `HKDF(salt,ikm)`: a function defined in `RFC 5869`<sup>[3](#reference-3)</sup>,
 * evaluated with a zero-length `info` field
 *
 * Written out as RFC 5869's three HMAC calls (rather than `hkdfSync`) so each step can be checked
 * against the RFC; tests cross-check it against `hkdfSync` and `@noble/hashes/hkdf`.
 */
export function hkdf(salt: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  // RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM)
  const prk = hmacSha256(salt, ikm);
  // RFC 5869 §2.3: T(1) = HMAC(PRK, "" || info || 0x01), T(2) = HMAC(PRK, T(1) || info || 0x02)
  const t1 = hmacSha256(prk, ONE);
  const t2 = hmacSha256(prk, t1, TWO);
  prk.fill(0);
  return [t1, t2];
}
const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);

/**
 * Constant-time equality of two byte strings (`crypto.timingSafeEqual`); different lengths compare
 * unequal immediately (lengths are public). Use for MACs and anything derived from a secret.
 */
export function equalConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
