/**
 * @module channel/commitments/errors
 * The typed error of the commitments ledger (STYLE rule 5): `CommitmentsError` with a closed `kind` and
 * the `action` BOLT 2 calls for. Ledger functions *return* it (`{ ok: false, error }`) rather than throw,
 * because a bad peer message is an expected input, not a bug.
 *
 * Actions:
 * | action       | meaning                                                                                   |
 * |--------------|-------------------------------------------------------------------------------------------|
 * | `refuse`     | our own command cannot be done (limits, nothing to sign, …); nothing goes to the peer     |
 * | `warning`    | send `warning` and close the connection; the channel stays, uncommitted updates are dropped on reconnect |
 * | `error`      | send `error` asking the peer to fail the channel, and do NOT broadcast our commitment (we may have lost data) |
 * | `forceClose` | send `error` and fail the channel: broadcast our latest commitment                         |
 *
 * Where BOLT 2 allows "a `warning` and close the connection, or an `error` and fail the channel", the
 * ledger picks `warning` when nothing was committed yet (the offending update dies with the connection)
 * and `forceClose` where the spec says MUST fail (a bad revocation) or the peer proved it is behind.
 *
 * Does not: send anything; messages never contain secret material.
 */
import { KindedError } from '../../errors.js';

/** Closed set of ledger failure kinds. */
export const COMMITMENTS_ERROR_KINDS = [
  /** `amount_msat` is 0 or below the receiver's `htlc_minimum_msat`. */
  'htlcBelowMinimum',
  /** More HTLCs offered than the receiver's `max_accepted_htlcs` (or our own). */
  'tooManyHtlcs',
  /** Offered HTLCs would exceed the receiver's `max_htlc_value_in_flight_msat`. */
  'htlcValueInFlightTooHigh',
  /** The offerer cannot pay the HTLC while keeping its reserve (and, if funder, the fee and anchors). */
  'insufficientFunds',
  /** The funder cannot pay the commitment fee (and anchors) above its reserve. */
  'cannotAffordFees',
  /** Trimmed HTLCs would exceed our `max_dust_htlc_exposure_msat` (we refuse to send). */
  'dustExposureTooHigh',
  /** `cltv_expiry` ≥ 500000000 (a timestamp, not a block height). */
  'invalidCltvExpiry',
  /** An `update_add_htlc` whose `id` is not the next one. */
  'unexpectedHtlcId',
  /** A malformed field of an update (onion length, hash length). */
  'invalidUpdate',
  /** A fulfill/fail for an HTLC that is not cross-committed, or already being removed. */
  'unknownHtlc',
  /** `payment_preimage` does not hash to the HTLC's `payment_hash`. */
  'invalidPreimage',
  /** `update_fail_malformed_htlc` without the BADONION bit. */
  'invalidFailureCode',
  /** `update_fee` from (or by) the side that does not pay the fee. */
  'notFunder',
  /** `feerate_per_kw` outside the bounds we accept. */
  'feerateOutOfBounds',
  /** `commitment_signed` with no update to sign (we would send, or the peer sent, one). */
  'noChangesToSign',
  /** We cannot sign now: waiting for `revoke_and_ack`, or the peer's next point is not known yet. */
  'cannotSignYet',
  /** The peer's commitment signature does not verify (or is not low-S). */
  'invalidCommitmentSig',
  /** `num_htlcs` differs from the number of HTLC outputs of our commitment. */
  'invalidHtlcSigCount',
  /** An HTLC signature does not verify (or is not low-S). */
  'invalidHtlcSig',
  /** A message that is not expected in the ledger's current stage (e.g. `revoke_and_ack` we did not ask for). */
  'unexpectedMessage',
  /** `per_commitment_secret` does not generate the point of the commitment it revokes. */
  'invalidRevocation',
  /** The secret is not from the same shachain as the ones before it. */
  'revocationSecretMismatch',
  /** `channel_reestablish`: the peer is behind us (it lost state); fail the channel. */
  'peerBehind',
  /** `channel_reestablish`: the peer proved we lost state. Never broadcast our commitment. */
  'weAreBehind',
  /** `channel_reestablish` numbers or secret that make no sense. */
  'invalidReestablish',
] as const;

/** One of {@link COMMITMENTS_ERROR_KINDS}. */
export type CommitmentsErrorKind = (typeof COMMITMENTS_ERROR_KINDS)[number];

/** What the caller must do about a {@link CommitmentsError} (see the module header). */
export type CommitmentsAction = 'refuse' | 'warning' | 'error' | 'forceClose';

/** A ledger failure. `code` is `CHANNEL_COMMITMENTS`; switch on `kind`, act on `action`. */
export class CommitmentsError extends KindedError<'CHANNEL_COMMITMENTS', CommitmentsErrorKind> {
  /** What BOLT 2 asks the caller to do. */
  readonly action: CommitmentsAction;

  constructor(kind: CommitmentsErrorKind, action: CommitmentsAction, message: string, options?: { cause?: unknown }) {
    super('CHANNEL_COMMITMENTS', kind, message, options);
    this.action = action;
  }
}

/** The result of every ledger step: a new state plus outputs, or a typed error (the old state stays valid). */
export type CommitmentsResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly error: CommitmentsError };

/** Shorthand for a failed {@link CommitmentsResult}. */
export function fail(kind: CommitmentsErrorKind, action: CommitmentsAction, message: string): { ok: false; error: CommitmentsError } {
  return { ok: false, error: new CommitmentsError(kind, action, message) };
}
