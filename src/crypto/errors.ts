/**
 * @module crypto/errors
 * The typed error of the crypto layer (STYLE rule 5): `CryptoError` with a closed `kind`.
 *
 * Messages name *what* was wrong (which argument, which engine), never the bytes: a key, a tweak or a
 * shared secret must not end up in a log through an error message (STYLE rule 11, DESIGN §5).
 *
 * Does not: map errors to peer actions (the caller's policy).
 */
import { KindedError } from '../errors.js';

/** Closed set of crypto failure kinds. */
export const CRYPTO_ERROR_KINDS = [
  /** A requested secp256k1 engine could not be loaded (missing native build, WASM failure...). */
  'engineUnavailable',
  /** An engine name that is not one of `auto | native | wasm | noble`. */
  'unknownEngine',
  /** A public key that is not a valid compressed secp256k1 point. */
  'invalidPublicKey',
  /** A private key outside 1..n-1 or not 32 bytes. */
  'invalidPrivateKey',
  /** A tweak out of range, or a tweak whose result is the zero key / point at infinity. */
  'invalidTweak',
  /** Any other malformed argument (wrong length). */
  'invalidInput',
] as const;

/** One of {@link CRYPTO_ERROR_KINDS}. */
export type CryptoErrorKind = (typeof CRYPTO_ERROR_KINDS)[number];

/** Error thrown by `src/crypto`. `code` is always `CRYPTO`; switch on `kind`. */
export class CryptoError extends KindedError<'CRYPTO', CryptoErrorKind> {
  constructor(kind: CryptoErrorKind, message: string, options?: { cause?: unknown }) {
    super('CRYPTO', kind, message, options);
  }
}
