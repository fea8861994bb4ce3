/**
 * @module channel/errors
 * The typed error of `src/channel` (STYLE rule 5): `ChannelTxError` with a closed `kind`.
 *
 * | kind                | meaning                                                                 | what to do                          |
 * |---------------------|-------------------------------------------------------------------------|-------------------------------------|
 * | `invalidInput`      | a key, hash, secret or amount has the wrong length or range              | fix the caller (a bug, not a peer)  |
 * | `invalidIndex`      | a per-commitment index is not a 48-bit integer                           | fix the caller                      |
 * | `secretMismatch`    | a received per-commitment secret does not derive the ones already stored | fail the channel (peer lied)        |
 * | `secretOutOfOrder`  | a per-commitment secret arrived for an index other than the next one     | fail the channel                    |
 * | `secretUnknown`     | an old secret was asked for that was never received                     | the commitment is not revoked yet   |
 * | `invalidSignature`  | DER bytes that are not a strict, minimal ECDSA signature                 | reject the signature                |
 * | `malformedTx`       | transaction bytes that do not parse                                      | reject the transaction              |
 * | `fundingMismatch`   | a funding transaction has no output paying the expected script and value | refuse the funding                  |
 *
 * Messages never contain secret material (per-commitment secrets, private keys): they name *what* was
 * wrong, never the bytes (STYLE rule 11).
 * Does not: map errors to peer actions (the channel state machine's policy).
 */
import { KindedError } from '../errors.js';

/** Closed set of `src/channel` failure kinds. */
export const CHANNEL_TX_ERROR_KINDS = [
  'invalidInput',
  'invalidIndex',
  'secretMismatch',
  'secretOutOfOrder',
  'secretUnknown',
  'invalidSignature',
  'malformedTx',
  'fundingMismatch',
] as const;

/** One of {@link CHANNEL_TX_ERROR_KINDS}. */
export type ChannelTxErrorKind = (typeof CHANNEL_TX_ERROR_KINDS)[number];

/** Error thrown by `src/channel`. `code` is always `CHANNEL_TX`; switch on `kind`. */
export class ChannelTxError extends KindedError<'CHANNEL_TX', ChannelTxErrorKind> {
  constructor(kind: ChannelTxErrorKind, message: string, options?: { cause?: unknown }) {
    super('CHANNEL_TX', kind, message, options);
  }
}

/** Throws `invalidInput` unless `b` is a `len`-byte Uint8Array; `what` names it (never its bytes). */
export function expectBytes(b: Uint8Array, len: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== len) {
    throw new ChannelTxError('invalidInput', `${what} must be a ${len}-byte Uint8Array`);
  }
}
