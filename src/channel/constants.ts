/**
 * @module channel/constants
 * Every fixed number of BOLT 3 transaction building, with its unit and where it comes from
 * (STYLE rule 7). Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md
 *
 * The last section holds the defaults of the BOLT 2 acceptance policy (`DEFAULT_CHANNEL_POLICY`, the
 * `ChannelPolicy` of `./machine/`), which the backend overrides from its config.
 */
import type { ChannelPolicy } from './machine/types.js';

/** Expected weight of a commitment transaction without HTLC outputs, no `option_anchors` (WU). BOLT 3 "Fee Calculation". */
export const COMMITMENT_BASE_WEIGHT = 724;
/** Same with `option_anchors` (two more P2WSH outputs, one more output-count byte × 4) (WU). */
export const COMMITMENT_BASE_WEIGHT_ANCHORS = 1124;
/** Weight each untrimmed HTLC output adds to a commitment transaction: 43 bytes × 4 (WU). */
export const COMMITMENT_WEIGHT_PER_HTLC = 172;
/** Expected weight of an HTLC-timeout transaction without `option_anchors` (WU). */
export const HTLC_TIMEOUT_WEIGHT = 663;
/** Expected weight of an HTLC-timeout transaction with `option_anchors` (WU; its fee is 0 anyway). */
export const HTLC_TIMEOUT_WEIGHT_ANCHORS = 666;
/** Expected weight of an HTLC-success transaction without `option_anchors` (WU). */
export const HTLC_SUCCESS_WEIGHT = 703;
/** Expected weight of an HTLC-success transaction with `option_anchors` (WU; its fee is 0 anyway). */
export const HTLC_SUCCESS_WEIGHT_ANCHORS = 706;

/** Value of each anchor output in satoshis: "fixed at 330 sats, the default dust limit for P2WSH". */
export const ANCHOR_OUTPUT_SAT = 330n;

/** Millisatoshis per satoshi. Output amounts are msat / 1000 rounded down. */
export const MSAT_PER_SAT = 1000n;

/** Feerates are per 1000 weight units (`feerate_per_kw`). */
export const WEIGHT_PER_KW = 1000n;

/** Largest per-commitment index: 2^48 - 1, the first secret used (BOLT 3 "Per-commitment Secret Requirements"). */
export const MAX_COMMITMENT_INDEX = 2 ** 48 - 1;

/** Commitment numbers are 48 bits; the obscuring factor is the low 48 bits of a SHA-256. */
export const COMMITMENT_NUMBER_BITS = 48;

/** Upper byte of a commitment transaction's locktime (makes it a past timestamp: no locktime effect). */
export const COMMITMENT_LOCKTIME_PREFIX = 0x20;
/** Upper byte of a commitment transaction's input sequence (disables BIP 68 relative locktime). */
export const COMMITMENT_SEQUENCE_PREFIX = 0x80;

/** Commitment and HTLC transactions are version 2 (BIP 68 sequence locks need version ≥ 2). */
export const CHANNEL_TX_VERSION = 2;

/** BIP 143 / legacy sighash flag: sign all inputs and outputs. */
export const SIGHASH_ALL = 0x01;
/** Sighash flag: sign only the output with the same index as the input. */
export const SIGHASH_SINGLE = 0x03;
/** Sighash modifier: sign only this input. */
export const SIGHASH_ANYONECANPAY = 0x80;
/** `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY`: the remote's HTLC signatures under `option_anchors` (BOLT 5). */
export const SIGHASH_SINGLE_ANYONECANPAY = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY;

/** Sequence of an HTLC transaction's input without / with `option_anchors` (the 1-block CSV of the anchor scripts). */
export const HTLC_TX_SEQUENCE = 0;
/** Sequence of an HTLC transaction's input with `option_anchors`. */
export const HTLC_TX_SEQUENCE_ANCHORS = 1;

/** Relative delay (blocks) after which anyone may sweep an anchor output (`OP_16 OP_CHECKSEQUENCEVERIFY`). */
export const ANCHOR_SWEEP_DELAY = 16;

// ---- BOLT 2 acceptance policy defaults (https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#the-open_channel-message)

// BOLT #2: - `max_accepted_htlcs` is greater than 483.
/** Largest `max_accepted_htlcs` BOLT 2 allows (the commitment must stay under the standard tx weight with every HTLC). */
export const MAX_ACCEPTED_HTLCS_LIMIT = 483;

// BOLT #2: - `dust_limit_satoshis` is smaller than `354 satoshis` (see [BOLT 3](03-transactions.md#dust-limits)).
/** Smallest `dust_limit_satoshis` BOLT 2 allows: the unknown-segwit-version dust threshold. */
export const MIN_DUST_LIMIT_SAT = 354n;

/** Without option_support_large_channel, `funding_satoshis` must be below 2^24 sat. */
export const MAX_FUNDING_SAT_NO_LARGE_CHANNEL = (1n << 24n) - 1n;

// BOLT #2: - SHOULD ensure the funding transaction confirms in the next 2016 blocks.
/** Blocks a fundee waits for the funding tx before forgetting the channel (two weeks of blocks). */
export const FUNDING_TIMEOUT_BLOCKS = 2016;

/**
 * Defaults (as eclair / CLN ship them, rounded): 20 000 sat minimum funding (CLN's floor: smaller
 * channels cannot pay anchor fees), 1% reserve (BOLT 2 "1% of the channel total is suggested"), dust
 * limit 546 sat (above every Bitcoin Core threshold), 30 HTLCs each way (eclair; each HTLC adds an
 * output someone may have to sweep), to_self_delay 144 blocks (one day) and at most 2016 (two weeks)
 * imposed on us, minimum_depth 3 (and at most 144 asked of us), commitment feerates 253 (relay floor) to
 * 100 000 sat/kw, dust exposure 50 000 sat.
 */
export const DEFAULT_CHANNEL_POLICY: ChannelPolicy = {
  minFundingSat: 20_000n,
  maxFundingSat: MAX_FUNDING_SAT_NO_LARGE_CHANNEL,
  reserveRatioPpm: 10_000,
  dustLimitSat: 546n,
  maxRemoteDustLimitSat: 10_000n,
  maxAcceptedHtlcs: 30,
  maxHtlcValueInFlightPpm: 1_000_000,
  htlcMinimumMsat: 1n,
  toSelfDelay: 144,
  maxToSelfDelay: 2016,
  minimumDepth: 3,
  maxMinimumDepth: 144,
  minFeeratePerKw: 253,
  maxFeeratePerKw: 100_000,
  maxDustHtlcExposureMsat: 50_000_000n,
  acceptIncoming: true,
  fundingTimeoutBlocks: FUNDING_TIMEOUT_BLOCKS,
};
