/**
 * @module channel/machine/validate
 * BOLT 2 establishment checks: `open_channel` as the fundee, `accept_channel` as the funder, the
 * `channel_type` negotiation (static_remotekey and anchors_zero_fee_htlc_tx; anything else is refused
 * with a clear reason), and what we announce from our policy.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#the-open_channel-message
 *
 * Every rejection returns a reason string (sent in `error`, so it contains no secret); the caller fails
 * the channel. Does not: build transactions or hold state.
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import type { AcceptChannel, OpenChannel } from '../../wire/index.js';
import { FeatureVector } from '../../wire/index.js';
import { isValidShutdownScript } from '../closing.js';
import { MAX_ACCEPTED_HTLCS_LIMIT, MAX_FUNDING_SAT_NO_LARGE_CHANNEL, MIN_DUST_LIMIT_SAT, MSAT_PER_SAT } from '../constants.js';
import type { CommitmentFormat } from '../fees.js';
import type { AnnouncedConfig, ChannelPubkeys } from '../params.js';
import type { ChannelPolicy, NegotiatedFeatures } from './types.js';

/** Feature bit of option_static_remotekey in a channel_type. */
const STATIC_REMOTEKEY_BIT = 12;
/** Feature bit of option_anchors (anchors_zero_fee_htlc_tx) in a channel_type. */
const ANCHORS_BIT = 22;
/** Parts per million. */
const PPM = 1_000_000n;

/** A check result: the value, or why the channel is refused. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly why: string };

const refuse = (why: string): { ok: false; why: string } => ({ ok: false, why });

/** The `channel_type` bytes of a format (smallest bitmap). */
export function channelTypeBytes(format: CommitmentFormat): Uint8Array {
  // BOLT #2: - MUST use the smallest bitmap possible to represent the channel type.
  return FeatureVector.fromBits(format === 'anchors' ? [STATIC_REMOTEKEY_BIT, ANCHORS_BIT] : [STATIC_REMOTEKEY_BIT]).toBytes();
}

/** The format a received `channel_type` asks for, if we support it. */
export function parseChannelTypeFormat(bytes: Uint8Array | undefined, features: NegotiatedFeatures): Checked<CommitmentFormat> {
  // BOLT #2: - if the message doesn't include a `channel_type`:
  //     - fail the channel.
  if (bytes === undefined) return refuse('channel_type is required');
  if (bytes.length > 0 && bytes[0] === 0) return refuse('channel_type is not minimally encoded');
  const bits = FeatureVector.fromBytes(bytes).bits().join(',');
  if (bits === `${STATIC_REMOTEKEY_BIT}`) return { ok: true, value: 'staticRemoteKey' };
  if (bits === `${STATIC_REMOTEKEY_BIT},${ANCHORS_BIT}`) {
    if (!features.anchors) return refuse('channel_type anchors needs option_anchors, which was not negotiated');
    return { ok: true, value: 'anchors' };
  }
  // BOLT #2: - the `channel_type` is not suitable.
  return refuse(`channel_type with bits [${bits}] is not supported (we support static_remotekey [12] and anchors [12,22])`);
}

/** The peer's `upfront_shutdown_script`, if it committed to one: checked against the shutdown forms. */
function upfrontScript(tlv: Uint8Array | undefined, features: NegotiatedFeatures): Checked<Uint8Array | undefined> {
  if (tlv === undefined || tlv.length === 0 || !features.upfrontShutdownScript) return { ok: true, value: undefined };
  // BOLT #2: - MUST include `upfront_shutdown_script` with either a valid `shutdown_scriptpubkey` as required by `shutdown` `scriptpubkey`, or a zero-length `shutdown_scriptpubkey` (ie. `0x0000`).
  if (!isValidShutdownScript(tlv, { anySegwit: features.shutdownAnySegwit, simpleClose: features.simpleClose })) return refuse('upfront_shutdown_script is not a valid shutdown script');
  return { ok: true, value: Uint8Array.from(tlv) };
}

type Announced = Pick<OpenChannel, 'dustLimitSatoshis' | 'maxHtlcValueInFlightMsat' | 'channelReserveSatoshis' | 'htlcMinimumMsat' | 'toSelfDelay' | 'maxAcceptedHtlcs' | 'fundingPubkey' | 'revocationBasepoint' | 'paymentBasepoint' | 'delayedPaymentBasepoint' | 'htlcBasepoint' | 'firstPerCommitmentPoint'>;

/** Checks shared by open_channel and accept_channel ("Other fields have the same requirements"). */
function checkCommon(m: Announced, policy: ChannelPolicy, engine: Secp256k1Engine): string | undefined {
  // BOLT #2: - `to_self_delay` is unreasonably large.
  if (m.toSelfDelay > policy.maxToSelfDelay) return `to_self_delay ${m.toSelfDelay} is unreasonably large (we accept at most ${policy.maxToSelfDelay})`;
  // BOLT #2: - `max_accepted_htlcs` is greater than 483.
  if (m.maxAcceptedHtlcs > MAX_ACCEPTED_HTLCS_LIMIT) return `max_accepted_htlcs ${m.maxAcceptedHtlcs} is greater than 483`;
  if (m.maxAcceptedHtlcs === 0) return 'max_accepted_htlcs is 0';
  // BOLT #2: - `funding_pubkey`, `revocation_basepoint`, `htlc_basepoint`, `payment_basepoint`, or `delayed_payment_basepoint`
  // are not valid secp256k1 pubkeys in compressed format.
  const keys = [m.fundingPubkey, m.revocationBasepoint, m.htlcBasepoint, m.paymentBasepoint, m.delayedPaymentBasepoint, m.firstPerCommitmentPoint];
  if (!keys.every((k) => engine.isValidPublicKey(k))) return 'a pubkey or basepoint is not a valid secp256k1 point';
  // BOLT #2: - `dust_limit_satoshis` is smaller than `354 satoshis` (see [BOLT 3](03-transactions.md#dust-limits)).
  if (m.dustLimitSatoshis < MIN_DUST_LIMIT_SAT) return `dust_limit_satoshis ${m.dustLimitSatoshis} is smaller than 354 satoshis`;
  // BOLT #2: - it considers `dust_limit_satoshis` too large (see [BOLT 3](03-transactions.md#dust-limits)).
  if (m.dustLimitSatoshis > policy.maxRemoteDustLimitSat) return `dust_limit_satoshis ${m.dustLimitSatoshis} is too large (we accept at most ${policy.maxRemoteDustLimitSat})`;
  return undefined;
}

/** What the peer announced, as the shared vocabulary. */
export function announcedFrom(m: Announced, upfront: Uint8Array | undefined): AnnouncedConfig {
  return {
    dustLimitSat: m.dustLimitSatoshis,
    maxHtlcValueInFlightMsat: m.maxHtlcValueInFlightMsat,
    channelReserveSat: m.channelReserveSatoshis,
    htlcMinimumMsat: m.htlcMinimumMsat,
    toSelfDelay: m.toSelfDelay,
    maxAcceptedHtlcs: m.maxAcceptedHtlcs,
    fundingPubkey: Uint8Array.from(m.fundingPubkey),
    basepoints: {
      revocationBasepoint: Uint8Array.from(m.revocationBasepoint),
      paymentBasepoint: Uint8Array.from(m.paymentBasepoint),
      delayedPaymentBasepoint: Uint8Array.from(m.delayedPaymentBasepoint),
      htlcBasepoint: Uint8Array.from(m.htlcBasepoint),
    },
    firstPerCommitmentPoint: Uint8Array.from(m.firstPerCommitmentPoint),
    ...(upfront === undefined ? {} : { upfrontShutdownScript: upfront }),
  };
}

/** What we announce for a channel of `fundingSat` (reserve and in-flight limit from the policy ratios). */
export function ourAnnouncedConfig(policy: ChannelPolicy, fundingSat: bigint, keys: ChannelPubkeys, firstPoint: Uint8Array, upfront: Uint8Array | undefined): AnnouncedConfig {
  let reserve = (fundingSat * BigInt(policy.reserveRatioPpm)) / PPM;
  // BOLT #2: - MUST set `channel_reserve_satoshis` greater than or equal to `dust_limit_satoshis`.
  if (reserve < policy.dustLimitSat) reserve = policy.dustLimitSat;
  return {
    dustLimitSat: policy.dustLimitSat,
    maxHtlcValueInFlightMsat: (fundingSat * MSAT_PER_SAT * BigInt(policy.maxHtlcValueInFlightPpm)) / PPM,
    channelReserveSat: reserve,
    htlcMinimumMsat: policy.htlcMinimumMsat,
    toSelfDelay: policy.toSelfDelay,
    maxAcceptedHtlcs: policy.maxAcceptedHtlcs,
    fundingPubkey: keys.fundingPubkey,
    basepoints: keys.basepoints,
    firstPerCommitmentPoint: firstPoint,
    ...(upfront === undefined ? {} : { upfrontShutdownScript: upfront }),
  };
}

/** What a valid `open_channel` gives the fundee. */
export interface CheckedOpen {
  readonly format: CommitmentFormat;
  readonly remote: AnnouncedConfig;
}

/** The fundee's checks of `open_channel` (BOLT 2 "The receiving node MUST fail the channel if"). */
export function checkOpenChannel(m: OpenChannel, chainHash: Uint8Array, policy: ChannelPolicy, features: NegotiatedFeatures, engine: Secp256k1Engine): Checked<CheckedOpen> {
  if (!policy.acceptIncoming) return refuse('we do not accept incoming channels');
  // BOLT #2: - the `chain_hash` value is set to a hash of a chain that is unknown to the receiver.
  if (!equal(m.chainHash, chainHash)) return refuse('chain_hash is not our chain');
  // BOLT #2: - `funding_satoshis` is greater than or equal to 2^24 and the receiver does not support `option_support_large_channel`.
  if (m.fundingSatoshis > MAX_FUNDING_SAT_NO_LARGE_CHANNEL && !features.largeChannel) return refuse(`funding_satoshis ${m.fundingSatoshis} needs option_support_large_channel`);
  // BOLT #2: - `funding_satoshis` is too small.
  if (m.fundingSatoshis < policy.minFundingSat) return refuse(`funding_satoshis ${m.fundingSatoshis} is below our minimum ${policy.minFundingSat}`);
  if (m.fundingSatoshis > policy.maxFundingSat) return refuse(`funding_satoshis ${m.fundingSatoshis} is above our maximum ${policy.maxFundingSat}`);
  // BOLT #2: - `push_msat` is greater than `funding_satoshis` * 1000.
  if (m.pushMsat > m.fundingSatoshis * MSAT_PER_SAT) return refuse(`push_msat ${m.pushMsat} is greater than funding_satoshis * 1000`);
  // BOLT #2: - it considers `feerate_per_kw` too small for timely processing or unreasonably large.
  if (m.feeratePerKw < policy.minFeeratePerKw || m.feeratePerKw > policy.maxFeeratePerKw) {
    return refuse(`feerate_per_kw ${m.feeratePerKw} is outside ${policy.minFeeratePerKw}..${policy.maxFeeratePerKw}`);
  }
  // BOLT #2: - it considers `channel_reserve_satoshis` too large.
  if (m.channelReserveSatoshis > m.fundingSatoshis / 5n) return refuse(`channel_reserve_satoshis ${m.channelReserveSatoshis} is more than 20% of the channel`);
  // BOLT #2: - `dust_limit_satoshis` is greater than `channel_reserve_satoshis`.
  if (m.dustLimitSatoshis > m.channelReserveSatoshis) return refuse(`dust_limit_satoshis ${m.dustLimitSatoshis} is greater than channel_reserve_satoshis ${m.channelReserveSatoshis}`);
  const common = checkCommon(m, policy, engine);
  if (common !== undefined) return refuse(common);
  // BOLT #2: - if `channel_reserve_satoshis` from the `open_channel` message is less than `dust_limit_satoshis`:
  //     - MUST fail the channel.
  if (m.channelReserveSatoshis < policy.dustLimitSat) return refuse(`channel_reserve_satoshis ${m.channelReserveSatoshis} is below our dust_limit_satoshis ${policy.dustLimitSat}`);
  const format = parseChannelTypeFormat(m.tlvs.channelType, features);
  if (!format.ok) return format;
  const upfront = upfrontScript(m.tlvs.upfrontShutdownScript, features);
  if (!upfront.ok) return upfront;
  return { ok: true, value: { format: format.value, remote: announcedFrom(m, upfront.value) } };
}

/** What a valid `accept_channel` gives the funder. */
export interface CheckedAccept {
  readonly remote: AnnouncedConfig;
  readonly minimumDepth: number;
}

/** The funder's checks of `accept_channel` against the `open_channel` we sent. */
export function checkAcceptChannel(m: AcceptChannel, ours: { format: CommitmentFormat; local: AnnouncedConfig; fundingSat: bigint }, policy: ChannelPolicy, features: NegotiatedFeatures, engine: Secp256k1Engine): Checked<CheckedAccept> {
  // BOLT #2: - if `minimum_depth` is unreasonably large:
  //     - MAY fail the channel.
  if (m.minimumDepth > policy.maxMinimumDepth) return refuse(`minimum_depth ${m.minimumDepth} is unreasonably large (we accept at most ${policy.maxMinimumDepth})`);
  // BOLT #2: - if `channel_reserve_satoshis` is less than `dust_limit_satoshis` within the `open_channel` message:
  //     - MUST fail the channel.
  if (m.channelReserveSatoshis < ours.local.dustLimitSat) return refuse(`channel_reserve_satoshis ${m.channelReserveSatoshis} is less than our dust_limit_satoshis ${ours.local.dustLimitSat}`);
  // BOLT #2: - if `channel_reserve_satoshis` from the `open_channel` message is less than `dust_limit_satoshis`:
  //     - MUST fail the channel.
  if (ours.local.channelReserveSat < m.dustLimitSatoshis) return refuse(`our channel_reserve_satoshis ${ours.local.channelReserveSat} is less than their dust_limit_satoshis ${m.dustLimitSatoshis}`);
  if (m.channelReserveSatoshis > ours.fundingSat / 5n) return refuse(`channel_reserve_satoshis ${m.channelReserveSatoshis} is more than 20% of the channel`);
  const common = checkCommon(m, policy, engine);
  if (common !== undefined) return refuse(common);
  // BOLT #2: - if `channel_type` does not match the `channel_type` from `open_channel`:
  //     - MUST fail the channel.
  const format = parseChannelTypeFormat(m.tlvs.channelType, features);
  if (!format.ok) return format;
  if (format.value !== ours.format) return refuse(`channel_type ${format.value} does not match the ${ours.format} we asked for`);
  const upfront = upfrontScript(m.tlvs.upfrontShutdownScript, features);
  if (!upfront.ok) return upfront;
  return { ok: true, value: { remote: announcedFrom(m, upfront.value), minimumDepth: m.minimumDepth } };
}

/** Byte equality. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
