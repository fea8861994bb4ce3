/**
 * @module channel/commitments/constants
 * Every fixed number of the commitments ledger, with its unit and reason (STYLE rule 7).
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 *
 * Does not: hold negotiated limits (those are in `ChannelParams`).
 */
import type { CommitmentsPolicy } from './types.js';

/** `cltv_expiry` must be below this: larger values would be a Unix time, and expiries are block heights. */
export const MAX_CLTV_EXPIRY = 500_000_000;

/** Length of `onion_routing_packet` in `update_add_htlc` (BOLT 4: 1 + 33 + 1300 + 32 bytes). */
export const ONION_PACKET_BYTES = 1366;

/** `payment_hash`, `payment_preimage`, `sha256_of_onion`, per-commitment secrets: 32 bytes. */
export const HASH_BYTES = 32;

/** Compact ECDSA signature length in `commitment_signed` / `funding_signed` (r ‖ s). */
export const SIG_BYTES = 64;

/** BOLT 4 `BADONION` failure-code bit: `update_fail_malformed_htlc` must set it. */
export const BADONION = 0x8000;

/**
 * Multiple of the current feerate the funder keeps in reserve when it offers an HTLC (BOLT 2 "fee spike
 * buffer", "recommended … twice the current `feerate_per_kw`"), plus room for one more HTLC output.
 */
export const FEE_SPIKE_BUFFER_MULTIPLE = 2;

/**
 * Lowest `feerate_per_kw` we send or accept by default: 253 sat/kw = 1 sat/vbyte rounded up, Bitcoin
 * Core's default minimum relay fee (a commitment below it would not propagate).
 */
export const MIN_FEERATE_PER_KW = 253;

/**
 * Default `max_dust_htlc_exposure_msat`: 50 000 sat, the default of eclair and Core Lightning. The
 * most we are willing to lose to miners through trimmed HTLCs if a commitment is broadcast.
 */
export const DEFAULT_MAX_DUST_HTLC_EXPOSURE_MSAT = 50_000_000n;

/** The policy {@link initialCommitments} uses unless told otherwise. */
export const DEFAULT_POLICY: CommitmentsPolicy = { maxDustHtlcExposureMsat: DEFAULT_MAX_DUST_HTLC_EXPOSURE_MSAT };
