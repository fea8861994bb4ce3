/**
 * @module test/helpers/ldk/errors
 * The one error type of the LDK interop harness (STYLE rule 5): `LdkHarnessError` with a closed `kind`.
 *
 * `openChannel` returns LDK's `APIError` as a value (tests assert on refusals); the channel calls of
 * `ldk-channels.ts` throw it as kind `apiError`.
 */
import { LnfleetError } from '../../../src/errors.js';

/** Closed set of harness failure kinds. */
export const LDK_HARNESS_ERROR_KINDS = [
  /** A bounded wait ran out; the message names what was awaited. */
  'timeout',
  /** `connect()` was given a host that is not a loopback address: the harness never leaves the box. */
  'notLoopback',
  /** A node id that is not 33 bytes of hex. */
  'badNodeId',
  /** The TCP connection could not be made. */
  'connectFailed',
  /** LDK's PeerManager refused a new connection. */
  'ldkRefused',
  /** The node was stopped before or during the call. */
  'stopped',
  /** A channel id that is not 32 bytes of hex. */
  'badChannelId',
  /** An LDK API call answered with an `APIError`; the message carries LDK's text. */
  'apiError',
  /** A chain operation of the harness failed (RPC, funding, block feeding). */
  'chain',
] as const;

/** One of {@link LDK_HARNESS_ERROR_KINDS}. */
export type LdkHarnessErrorKind = (typeof LDK_HARNESS_ERROR_KINDS)[number];

/** Error thrown by the LDK harness. `code` is always `LDK_HARNESS`; switch on `kind`. */
export class LdkHarnessError extends LnfleetError<'LDK_HARNESS'> {
  /** What went wrong, from a closed set. */
  readonly kind: LdkHarnessErrorKind;

  constructor(kind: LdkHarnessErrorKind, message: string, options?: { cause?: unknown }) {
    super('LDK_HARNESS', message, options);
    this.kind = kind;
  }
}
