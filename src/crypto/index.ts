/**
 * @module crypto
 * Public surface of `src/crypto`: hashes and HKDF, ChaCha20-Poly1305 engines, the secp256k1 engine
 * interface with its three implementations and the selection that picks one, and the start-up self check.
 *
 * Does not: hold keys. Callers own every key buffer they pass in (and zero it when done).
 */
export * from './hash.js';
export * from './errors.js';
export * from './aead.js';
export * from './secp256k1.js';
export * from './engines.js';
export * from './selfcheck.js';
