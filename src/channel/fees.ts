/**
 * @module channel/fees
 * BOLT 3 fee arithmetic: expected weights, the HTLC-timeout / HTLC-success fees, the commitment base
 * fee, and which HTLCs are trimmed (too small to be worth an output once their second-stage fee is paid).
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#fees
 *
 * Amounts are `bigint` satoshis / millisatoshis; `feeratePerKw` is a u32 `number` (sat per 1000 WU).
 * Does not: decide feerates or check them against policy (BOLT 2 `update_fee` bounds).
 */
import {
  COMMITMENT_BASE_WEIGHT,
  COMMITMENT_BASE_WEIGHT_ANCHORS,
  COMMITMENT_WEIGHT_PER_HTLC,
  HTLC_SUCCESS_WEIGHT,
  HTLC_SUCCESS_WEIGHT_ANCHORS,
  HTLC_TIMEOUT_WEIGHT,
  HTLC_TIMEOUT_WEIGHT_ANCHORS,
  MSAT_PER_SAT,
  WEIGHT_PER_KW,
} from './constants.js';
import { ChannelTxError } from './errors.js';

/**
 * The commitment format: `staticRemoteKey` (`option_static_remotekey`, the Appendix C vectors) or
 * `anchors` (`option_anchors` with zero-fee HTLC transactions, Appendix F).
 */
export type CommitmentFormat = 'staticRemoteKey' | 'anchors';

/** Which way an HTLC goes, from the point of view of the commitment's owner. */
export type HtlcDirection = 'offered' | 'received';

function feerate(feeratePerKw: number): bigint {
  if (!Number.isInteger(feeratePerKw) || feeratePerKw < 0 || feeratePerKw > 0xffffffff) {
    throw new ChannelTxError('invalidInput', `feerate_per_kw must be a u32, got ${feeratePerKw}`);
  }
  return BigInt(feeratePerKw);
}

/** Expected weight of an HTLC-timeout transaction (663, or 666 with anchors). */
export function htlcTimeoutWeight(format: CommitmentFormat): number {
  return format === 'anchors' ? HTLC_TIMEOUT_WEIGHT_ANCHORS : HTLC_TIMEOUT_WEIGHT;
}

/** Expected weight of an HTLC-success transaction (703, or 706 with anchors). */
export function htlcSuccessWeight(format: CommitmentFormat): number {
  return format === 'anchors' ? HTLC_SUCCESS_WEIGHT_ANCHORS : HTLC_SUCCESS_WEIGHT;
}

/** Fee of an HTLC-timeout transaction in satoshis. */
export function htlcTimeoutFeeSat(feeratePerKw: number, format: CommitmentFormat): bigint {
  // BOLT #3: The fee for an HTLC-timeout transaction:
  // - If `option_anchors` applies:
  // 1. MUST be 0.
  // - Otherwise, MUST be calculated to match:
  // 1. Multiply `feerate_per_kw` by 663 and divide by 1000 (rounding down).
  if (format === 'anchors') return 0n;
  return (feerate(feeratePerKw) * BigInt(HTLC_TIMEOUT_WEIGHT)) / WEIGHT_PER_KW;
}

/** Fee of an HTLC-success transaction in satoshis. */
export function htlcSuccessFeeSat(feeratePerKw: number, format: CommitmentFormat): bigint {
  // BOLT #3: The fee for an HTLC-success transaction:
  // - If `option_anchors` applies:
  // 1. MUST be 0.
  // - Otherwise, MUST be calculated to match:
  // 1. Multiply `feerate_per_kw` by 703 and divide by 1000 (rounding down).
  if (format === 'anchors') return 0n;
  return (feerate(feeratePerKw) * BigInt(HTLC_SUCCESS_WEIGHT)) / WEIGHT_PER_KW;
}

/** Fee of the second-stage transaction that spends an HTLC output of this direction. */
export function htlcTxFeeSat(direction: HtlcDirection, feeratePerKw: number, format: CommitmentFormat): bigint {
  return direction === 'offered' ? htlcTimeoutFeeSat(feeratePerKw, format) : htlcSuccessFeeSat(feeratePerKw, format);
}

/** Expected weight of a commitment transaction with `untrimmedHtlcs` HTLC outputs. */
export function commitmentWeight(untrimmedHtlcs: number, format: CommitmentFormat): number {
  // BOLT #3: 1. Start with `weight` = 724 (1124 if `option_anchors` applies).
  // 2. For each committed HTLC, if that output is not trimmed as specified in
  // [Trimmed Outputs](#trimmed-outputs), add 172 to `weight`.
  const base = format === 'anchors' ? COMMITMENT_BASE_WEIGHT_ANCHORS : COMMITMENT_BASE_WEIGHT;
  return base + COMMITMENT_WEIGHT_PER_HTLC * untrimmedHtlcs;
}

/** The base fee of a commitment transaction in satoshis (what the funder pays before trimming adds more). */
export function commitmentFeeSat(feeratePerKw: number, untrimmedHtlcs: number, format: CommitmentFormat): bigint {
  // BOLT #3: 3. Multiply `feerate_per_kw` by `weight`, divide by 1000 (rounding down).
  return (feerate(feeratePerKw) * BigInt(commitmentWeight(untrimmedHtlcs, format))) / WEIGHT_PER_KW;
}

/** Whole satoshis of an msat amount, rounded down. */
export function msatToSat(msat: bigint): bigint {
  if (msat < 0n) throw new ChannelTxError('invalidInput', 'amounts cannot be negative');
  // BOLT #3: The amounts for each output MUST be rounded down to whole satoshis.
  return msat / MSAT_PER_SAT;
}

/**
 * Whether an HTLC of `amountMsat` in direction `direction` is trimmed from a commitment whose owner
 * uses `dustLimitSat`.
 */
export function isTrimmed(direction: HtlcDirection, amountMsat: bigint, feeratePerKw: number, dustLimitSat: bigint, format: CommitmentFormat): boolean {
  // BOLT #3: - for every offered HTLC:
  // - if the HTLC amount minus the HTLC-timeout fee would be less than
  // `dust_limit_satoshis` set by the transaction owner:
  // - MUST NOT contain that output.
  return msatToSat(amountMsat) - htlcTxFeeSat(direction, feeratePerKw, format) < dustLimitSat;
}
