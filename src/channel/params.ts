/**
 * @module channel/params
 * The shared vocabulary of a channel (BOLT 2): what each side announced in `open_channel` /
 * `accept_channel`, the fixed parameters of one channel, and the secrets our signer derives for it.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#channel-establishment-v1
 *
 * The channel state machine (`./machine/`), the commitments ledger (`./commitments/`), the on-chain
 * resolver (`./onchain/`) and the backend's channel manager all use these types, so they are declared
 * once here. Everything is plain data (bigint, number, Uint8Array, string unions), so it round-trips
 * through the backend's persistence without custom classes.
 *
 * Secrets: every channel key is derived on demand from the backend's channel master seed and the
 * channel's key index ({@link deriveChannelSecrets}); only the index is persisted. Callers zero the
 * returned secrets when done (STYLE rule 11).
 *
 * Does not: decide policy (limits and acceptance live in the backend's config), or touch I/O.
 */
import { activeEngine } from '../crypto/engines.js';
import { hmacSha256 } from '../crypto/hash.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { expectBytes } from './errors.js';
import { obscuringFactor, type CommitmentSpec, type Htlc } from './commitment.js';
import type { CommitmentFormat } from './fees.js';
import type { Basepoints, CommitmentKeys } from './keys.js';

/**
 * What one side announced about itself in `open_channel` / `accept_channel`, with the spec's
 * meaning (note who each limit binds):
 * - `dustLimitSat`: applies to the announcer's own commitment transaction.
 * - `maxHtlcValueInFlightMsat`, `htlcMinimumMsat`, `maxAcceptedHtlcs`: limit HTLCs offered *to* the announcer.
 * - `channelReserveSat`: the reserve the announcer requires the *other* side to keep.
 * - `toSelfDelay`: the CSV delay the announcer imposes on the *other* side's `to_local` output.
 */
export interface AnnouncedConfig {
  readonly dustLimitSat: bigint;
  readonly maxHtlcValueInFlightMsat: bigint;
  readonly channelReserveSat: bigint;
  readonly htlcMinimumMsat: bigint;
  readonly toSelfDelay: number;
  readonly maxAcceptedHtlcs: number;
  readonly fundingPubkey: Uint8Array;
  readonly basepoints: Basepoints;
  /** `first_per_commitment_point` as announced (33 bytes). */
  readonly firstPerCommitmentPoint: Uint8Array;
  /** `upfront_shutdown_script` TLV when present and non-empty; closes must pay to it. */
  readonly upfrontShutdownScript?: Uint8Array;
}

/** The fixed parameters of one channel, known once `accept_channel` is exchanged. */
export interface ChannelParams {
  readonly chainHash: Uint8Array;
  /** Negotiated `channel_type`: `staticRemoteKey` = option_static_remotekey, `anchors` = option_anchors (zero-fee HTLC txs). */
  readonly format: CommitmentFormat;
  /** True if we sent `open_channel` (we fund the channel and pay the commitment fee and anchors). */
  readonly weAreFunder: boolean;
  readonly fundingSat: bigint;
  readonly pushMsat: bigint;
  /** `channel_flags` bit 0: announce the channel. */
  readonly announce: boolean;
  /** `minimum_depth` from `accept_channel`. */
  readonly minimumDepth: number;
  /** What we announced. */
  readonly local: AnnouncedConfig;
  /** What the peer announced. */
  readonly remote: AnnouncedConfig;
  /** The peer's node id (33 bytes). */
  readonly remoteNodeId: Uint8Array;
  /** Index our signer derives this channel's secrets from (see {@link deriveChannelSecrets}). */
  readonly keyIndex: bigint;
}

/** The secrets of one channel: funding key, basepoint secrets and the per-commitment seed. */
export interface ChannelSecrets {
  readonly fundingPrivkey: Uint8Array;
  readonly revocationBasepointSecret: Uint8Array;
  readonly paymentBasepointSecret: Uint8Array;
  readonly delayedPaymentBasepointSecret: Uint8Array;
  readonly htlcBasepointSecret: Uint8Array;
  /** Seed of our per-commitment secrets (BOLT 3 shachain generation, `generateFromSeed`). */
  readonly perCommitmentSeed: Uint8Array;
}

/** The public half of {@link ChannelSecrets}: what goes into `open_channel` / `accept_channel`. */
export interface ChannelPubkeys {
  readonly fundingPubkey: Uint8Array;
  readonly basepoints: Basepoints;
}

const SEED_BYTES = 32;
const DERIVATION_TAG = new TextEncoder().encode('lnfleet/channel-secrets/v1');
const LABELS = ['funding', 'revocation', 'payment', 'delayed', 'htlc', 'commitment-seed'] as const;

function indexBytes(keyIndex: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, keyIndex);
  return out;
}

/**
 * Derive one channel's secrets: HMAC-SHA256(masterSeed, tag ‖ u64 keyIndex ‖ label) per secret.
 * Deterministic, so a restarted backend re-derives the same keys from the persisted index. The
 * 2^-128-probability case of a derived scalar ≥ n is not handled (the engine rejects it loudly).
 */
export function deriveChannelSecrets(channelMasterSeed: Uint8Array, keyIndex: bigint): ChannelSecrets {
  expectBytes(channelMasterSeed, SEED_BYTES, 'channel master seed');
  const idx = indexBytes(keyIndex);
  const [funding, revocation, payment, delayed, htlc, seed] = LABELS.map((l) =>
    hmacSha256(channelMasterSeed, DERIVATION_TAG, idx, new TextEncoder().encode(l))) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return {
    fundingPrivkey: funding,
    revocationBasepointSecret: revocation,
    paymentBasepointSecret: payment,
    delayedPaymentBasepointSecret: delayed,
    htlcBasepointSecret: htlc,
    perCommitmentSeed: seed,
  };
}

/** The public keys of {@link ChannelSecrets}. */
export function channelPubkeys(s: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): ChannelPubkeys {
  return {
    fundingPubkey: engine.publicKey(s.fundingPrivkey),
    basepoints: {
      revocationBasepoint: engine.publicKey(s.revocationBasepointSecret),
      paymentBasepoint: engine.publicKey(s.paymentBasepointSecret),
      delayedPaymentBasepoint: engine.publicKey(s.delayedPaymentBasepointSecret),
      htlcBasepoint: engine.publicKey(s.htlcBasepointSecret),
    },
  };
}

/** Zero every secret of `s` in place (STYLE rule 11). */
export function zeroChannelSecrets(s: ChannelSecrets): void {
  for (const k of [s.fundingPrivkey, s.revocationBasepointSecret, s.paymentBasepointSecret,
    s.delayedPaymentBasepointSecret, s.htlcBasepointSecret, s.perCommitmentSeed]) k.fill(0);
}

/** The channel's commitment-number obscuring factor (opener's `payment_basepoint` first). */
export function paramsObscuringFactor(p: ChannelParams): bigint {
  const [opener, accepter] = p.weAreFunder ? [p.local, p.remote] : [p.remote, p.local];
  return obscuringFactor(opener.basepoints.paymentBasepoint, accepter.basepoints.paymentBasepoint);
}

/** What one commitment holds, from its owner's point of view. */
export interface CommitmentContent {
  readonly commitmentNumber: number;
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly feeratePerKw: number;
  readonly htlcs: readonly Htlc[];
}

/**
 * The BOLT 3 spec of the commitment owned by us (`ours`) or by the peer: which side's funding key,
 * dust limit and funder role apply, and that the `to_self_delay` each side announced binds the *other*
 * side's `to_local`. The one place that maps channel params onto a commitment's owner.
 */
export function commitmentSpecOf(
  p: ChannelParams, funding: { readonly txid: Uint8Array; readonly vout: number }, ours: boolean, content: CommitmentContent, keys: CommitmentKeys,
): CommitmentSpec {
  const [owner, other] = ours ? [p.local, p.remote] : [p.remote, p.local];
  return {
    format: p.format,
    fundingTxid: funding.txid,
    fundingVout: funding.vout,
    fundingSat: p.fundingSat,
    localFundingPubkey: owner.fundingPubkey,
    remoteFundingPubkey: other.fundingPubkey,
    obscuringFactor: paramsObscuringFactor(p),
    commitmentNumber: content.commitmentNumber,
    localIsFunder: ours === p.weAreFunder,
    toLocalMsat: content.toLocalMsat,
    toRemoteMsat: content.toRemoteMsat,
    feeratePerKw: content.feeratePerKw,
    dustLimitSat: owner.dustLimitSat,
    toSelfDelay: other.toSelfDelay,
    keys,
    htlcs: content.htlcs,
  };
}
