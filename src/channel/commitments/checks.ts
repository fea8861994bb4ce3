/**
 * @module channel/commitments/checks
 * The BOLT 2 limits on offering an HTLC and changing the fee, as pure predicates over a commitment
 * view. The sender and the receiver run the *same* check on the *same* commitment (the receiver's next
 * one: the sender's `remoteNextView`, the receiver's `localNextView`), so whatever a compliant sender
 * offers, the receiver accepts; the sender adds only the optional fee spike buffer on top.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#adding-an-htlc-update_add_htlc
 *
 * Does not: decide who acts on a failure (the caller picks `refuse` or `warning`).
 */
import { ANCHOR_OUTPUT_SAT, MSAT_PER_SAT } from '../constants.js';
import { commitmentFeeSat, isTrimmed, type CommitmentFormat } from '../fees.js';
import type { AnnouncedConfig } from '../params.js';
import { FEE_SPIKE_BUFFER_MULTIPLE } from './constants.js';
import type { CommitmentsErrorKind } from './errors.js';
import { dustExposureMsat, funderCostMsat, untrimmedHtlcs } from './spec.js';
import type { CommitSpec, DirectedHtlc } from './types.js';

/** Who announced what, seen from the commitment being checked. */
export interface OfferContext {
  readonly format: CommitmentFormat;
  /** What the receiver of the HTLCs (the owner of `view`) announced. */
  readonly receiver: AnnouncedConfig;
  /** What the offerer announced. */
  readonly sender: AnnouncedConfig;
  readonly senderIsFunder: boolean;
  /** Whether to keep the funder's fee spike buffer (only a sending funder does). */
  readonly feeSpikeBuffer: boolean;
}

/** A failed check: its kind and a message naming the amounts (never secrets). */
export interface CheckFailure {
  readonly kind: CommitmentsErrorKind;
  readonly message: string;
}

/**
 * The limits on the HTLCs the sender has offered in `view` (the receiver's next commitment, from the
 * receiver's point of view, where the sender's HTLCs are `received`), and whether both sides can still
 * pay for it. `undefined` when everything holds.
 */
export function checkOffered(view: CommitSpec, x: OfferContext): CheckFailure | undefined {
  const offered = view.htlcs.filter((h) => h.direction === 'received');
  // BOLT #2: - if result would be offering more than the remote's
  // `max_accepted_htlcs` HTLCs, in the remote commitment transaction:
  // - MUST NOT add an HTLC.
  if (offered.length > x.receiver.maxAcceptedHtlcs) return { kind: 'tooManyHtlcs', message: `${offered.length} HTLCs offered, max_accepted_htlcs is ${x.receiver.maxAcceptedHtlcs}` };
  // BOLT #2: - if the total value of offered HTLCs would exceed the remote's
  // `max_htlc_value_in_flight_msat`:
  // - MUST NOT add an HTLC.
  const inFlight = offered.reduce((s, h) => s + h.add.amountMsat, 0n);
  if (inFlight > x.receiver.maxHtlcValueInFlightMsat) {
    return { kind: 'htlcValueInFlightTooHigh', message: `${inFlight} msat offered, max_htlc_value_in_flight_msat is ${x.receiver.maxHtlcValueInFlightMsat}` };
  }
  return checkFunds(view, x);
}

/** Reserve and fee affordability of `view` after the offer (see {@link checkOffered}). */
function checkFunds(view: CommitSpec, x: OfferContext): CheckFailure | undefined {
  const fees = funderCostMsat(view, x.receiver.dustLimitSat, x.format);
  const senderReserve = x.receiver.channelReserveSat * MSAT_PER_SAT;
  const receiverReserve = x.sender.channelReserveSat * MSAT_PER_SAT;
  const sender = view.toRemoteMsat;
  const receiver = view.toLocalMsat;
  if (x.senderIsFunder) {
    // BOLT #2: - MUST NOT offer `amount_msat` if, after adding that HTLC to its commitment
    // transaction, it cannot pay the fee for either the local or remote commitment
    // transaction at the current `feerate_per_kw` while maintaining its channel
    // reserve (see [Updating Fees](#updating-fees-update_fee)).
    const need = x.feeSpikeBuffer ? max(fees, feeSpikeBufferMsat(view, x)) : fees;
    if (sender - senderReserve - need < 0n) return { kind: 'insufficientFunds', message: `the funder has ${sender} msat, needs the HTLCs plus ${need} msat of fees above its ${senderReserve} msat reserve` };
    // The receiver may stay below its reserve: its balance only grows.
    return undefined;
  }
  if (sender - senderReserve < 0n) return { kind: 'insufficientFunds', message: `the offerer has ${sender} msat, below its ${senderReserve} msat reserve after the HTLCs` };
  // BOLT #2: - SHOULD NOT offer `amount_msat` if, once the remote node adds that HTLC to
  // its commitment transaction, it cannot pay the fee for the updated local or
  // remote transaction at the current `feerate_per_kw` while maintaining its
  // channel reserve.
  if (receiver - receiverReserve - fees < 0n) return { kind: 'cannotAffordFees', message: `the funder has ${receiver} msat, cannot pay ${fees} msat of fees above its ${receiverReserve} msat reserve` };
  return undefined;
}

/**
 * The fee spike buffer: the funder's cost of `view` at {@link FEE_SPIKE_BUFFER_MULTIPLE} × the feerate
 * with one more untrimmed HTLC output.
 */
function feeSpikeBufferMsat(view: CommitSpec, x: OfferContext): bigint {
  // BOLT #2: - SHOULD NOT offer `amount_msat` if, after adding that HTLC to its commitment
  // transaction, its remaining balance doesn't allow it to pay the commitment
  // transaction fee when receiving or sending a future additional non-dust HTLC
  // while maintaining its channel reserve. It is recommended that this "fee spike
  // buffer" can handle twice the current `feerate_per_kw` to ensure predictability
  // between implementations.
  const spiked: CommitSpec = { ...view, feeratePerKw: view.feeratePerKw * FEE_SPIKE_BUFFER_MULTIPLE };
  const outputs = untrimmedHtlcs(spiked, x.receiver.dustLimitSat, x.format).length + 1;
  const anchors = x.format === 'anchors' ? 2n * ANCHOR_OUTPUT_SAT : 0n;
  return (commitmentFeeSat(spiked.feeratePerKw, outputs, x.format) + anchors) * MSAT_PER_SAT;
}

/** Whether the funder of `view` (its owner if `ownerIsFunder`) can pay its fee above `reserveSat`. */
export function funderCanAfford(view: CommitSpec, ownerIsFunder: boolean, ownerDustLimitSat: bigint, reserveSat: bigint, format: CommitmentFormat): boolean {
  const balance = ownerIsFunder ? view.toLocalMsat : view.toRemoteMsat;
  return balance - reserveSat * MSAT_PER_SAT - funderCostMsat(view, ownerDustLimitSat, format) >= 0n;
}

/**
 * Whether HTLC `h` is trimmed from `view` (owner's `dustLimitSat`) and the trimmed total then exceeds
 * `maxMsat`: BOLT 2 "Bounding exposure to trimmed in-flight HTLCs".
 */
export function dustExposureExceeded(view: CommitSpec, h: DirectedHtlc, dustLimitSat: bigint, format: CommitmentFormat, maxMsat: bigint): boolean {
  if (!isTrimmed(h.direction, h.add.amountMsat, view.feeratePerKw, dustLimitSat, format)) return false;
  return dustExposureMsat(view, dustLimitSat, format) > maxMsat;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
