/**
 * @module crypto/hash
 * SHA-256, double SHA-256 and HMAC-SHA256 from `node:crypto` (OpenSSL), returning `Uint8Array`.
 *
 * These are the hashes every Lightning layer needs: BOLT 7 signs `SHA256(SHA256(msg))`, BOLT 8 mixes
 * SHA-256 into its handshake hash and uses HMAC-SHA256 inside HKDF (RFC 5869 §2.2).
 * Pure computation, no I/O; safe to import from the sans-I/O cores (`wire`, `noise`, `gossip`).
 *
 * Does not: choose engines (only one implementation; `@noble/hashes` is used in tests as a cross-check).
 */
import { createHash, createHmac } from 'node:crypto';

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
