/**
 * @module noise/errors
 * `NoiseError`: the one typed error of the BOLT 8 layer, with a closed `kind` (STYLE rule 5).
 *
 * Every kind means "disconnect": BOLT 8 says to terminate the connection without further messages on
 * any handshake failure, and a transport MAC failure leaves no way to resynchronise the stream.
 * `specCode` gives the label the BOLT 8 test vectors use (e.g. `ACT2_BAD_VERSION`).
 *
 * Does not: carry key material or plaintext in its message.
 */
import { KindedError } from '../errors.js';

/** Closed set of BOLT 8 failure kinds. */
export const NOISE_ERROR_KINDS = [
  /** The stream ended before a whole act (or frame) arrived. */
  'shortRead',
  /** An act's version byte is not 0. */
  'badVersion',
  /** A received ephemeral key, or the decrypted static key of act three, is not a valid point. */
  'badPublicKey',
  /** Act three: the encrypted static key failed its MAC check. */
  'badCiphertext',
  /** A handshake tag, or a transport length/body MAC, failed to verify. */
  'badMac',
  /** A message to send is longer than 65535 bytes. */
  'messageTooLong',
  /** The static-key ECDH callback returned something other than 32 bytes, or threw. */
  'badEcdhResult',
  /** A call that the current handshake/transport state does not allow (a programming error). */
  'badState',
] as const;

/** One of {@link NOISE_ERROR_KINDS}. */
export type NoiseErrorKind = (typeof NOISE_ERROR_KINDS)[number];

/** Handshake act number, or `undefined` for transport-phase errors. */
export type Act = 1 | 2 | 3;

const SPEC_LABEL: Partial<Record<NoiseErrorKind, string>> = {
  shortRead: 'READ_FAILED',
  badVersion: 'BAD_VERSION',
  badPublicKey: 'BAD_PUBKEY',
  badCiphertext: 'BAD_CIPHERTEXT',
  badMac: 'BAD_TAG',
};

/** Error thrown by `src/noise`. `code` is always `NOISE`; switch on `kind`. Action: disconnect. */
export class NoiseError extends KindedError<'NOISE', NoiseErrorKind> {
  /** The handshake act that failed, if the failure is in the handshake. */
  readonly act: Act | undefined;

  constructor(kind: NoiseErrorKind, message: string, act?: Act, options?: { cause?: unknown }) {
    super('NOISE', kind, message, options);
    this.act = act;
  }

  /** The BOLT 8 test-vector label (`ACT1_BAD_TAG`, `ACT3_BAD_CIPHERTEXT`…), if this is a handshake failure it names. */
  get specCode(): string | undefined {
    const label = SPEC_LABEL[this.kind];
    return this.act !== undefined && label !== undefined ? `ACT${this.act}_${label}` : undefined;
  }
}
