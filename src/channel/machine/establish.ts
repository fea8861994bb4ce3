/**
 * @module channel/machine/establish
 * Channel establishment v1, both roles, up to `channel_ready`:
 *
 *   funder (we open)                                   fundee (they open)
 *   unopened ── open cmd / open_channel ─▶ waitAccept  unopened ── open_channel / accept_channel ─▶ waitFundingCreated
 *   waitAccept ── accept_channel / fundTx ─▶ waitFundingTx
 *   waitFundingTx ── fundingTx / funding_created ─▶ waitFundingSigned
 *   waitFundingSigned ── funding_signed / broadcast ─▶ waitConfirmed   waitFundingCreated ── funding_created / funding_signed ─▶ waitConfirmed
 *   waitConfirmed ── depth ≥ minimum_depth / channel_ready ─▶ waitChannelReady ── channel_ready ─▶ normal
 *
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#channel-establishment-v1
 * Does not: dual funding, zero-conf, or build the funding tx (the wallet does, on `fundTx`).
 */
import { channelReadyPoint, initialCommitments, receiveChannelReady, receiveInitialSignature, signRemoteCommitment } from '../commitments/index.js';
import { localPerCommitmentPoint } from '../commitments/build.js';
import type { Commitments } from '../commitments/types.js';
import { isValidShutdownScript } from '../closing.js';
import { MAX_FUNDING_SAT_NO_LARGE_CHANNEL, MSAT_PER_SAT } from '../constants.js';
import { verifyFundingTx } from '../funding.js';
import type { ChannelParams } from '../params.js';
import { channelPubkeys } from '../params.js';
import { fundingScript, p2wsh } from '../scripts.js';
import type { AcceptChannel, ChannelReady, FundingCreated, FundingSigned, OpenChannel } from '../../wire/index.js';
import { abort, engineOf, errorMessage, onLedgerError, send, stay, warnAndDisconnect, withSecrets } from './common.js';
import type { ChannelAction, ChannelContext, ChannelState, OpenParams, ChannelStepResult } from './types.js';
import { channelTypeBytes, checkAcceptChannel, checkOpenChannel, equal, ourAnnouncedConfig } from './validate.js';

type S<K extends ChannelState['kind']> = Extract<ChannelState, { kind: K }>;

/** `channel_flags` bit 0: `announce_channel`. */
const ANNOUNCE_CHANNEL_FLAG = 1;

/** Why our own `open` parameters cannot be used, or `undefined`. */
function checkOurOpen(p: OpenParams, s: S<'unopened'>, ctx: ChannelContext): string | undefined {
  const max = s.features.largeChannel ? ctx.policy.maxFundingSat : MAX_FUNDING_SAT_NO_LARGE_CHANNEL < ctx.policy.maxFundingSat ? MAX_FUNDING_SAT_NO_LARGE_CHANNEL : ctx.policy.maxFundingSat;
  if (p.fundingSat < ctx.policy.minFundingSat || p.fundingSat > max) return `funding ${p.fundingSat} sat is outside ${ctx.policy.minFundingSat}..${max}`;
  // BOLT #2: - MUST set `push_msat` to equal or less than 1000 * `funding_satoshis`.
  if (p.pushMsat < 0n || p.pushMsat > p.fundingSat * MSAT_PER_SAT) return 'push_msat exceeds the funding';
  if (p.format === 'anchors' && !s.features.anchors) return 'anchors needs option_anchors negotiated with the peer';
  if (p.temporaryChannelId.length !== 32) return 'temporary_channel_id must be 32 bytes';
  const rules = { anySegwit: s.features.shutdownAnySegwit, simpleClose: s.features.simpleClose };
  if (p.upfrontShutdownScript !== undefined && !isValidShutdownScript(p.upfrontShutdownScript, rules)) return 'upfront shutdown script is not a valid shutdown script';
  return undefined;
}

/** Command `open`: send `open_channel`. */
export function openCommand(s: S<'unopened'>, p: OpenParams, ctx: ChannelContext): ChannelStepResult {
  const why = checkOurOpen(p, s, ctx);
  if (why !== undefined) return stay(s, { kind: 'event', event: { kind: 'commandFailed', command: 'open', reason: why } });
  const engine = engineOf(ctx);
  const local = withSecrets(ctx, s.keyIndex, (sec) => ourAnnouncedConfig(ctx.policy, p.fundingSat, channelPubkeys(sec, engine), localPerCommitmentPoint(sec, 0, engine), p.upfrontShutdownScript));
  const open: OpenChannel = {
    name: 'open_channel',
    chainHash: ctx.chainHash,
    temporaryChannelId: p.temporaryChannelId,
    fundingSatoshis: p.fundingSat,
    pushMsat: p.pushMsat,
    dustLimitSatoshis: local.dustLimitSat,
    maxHtlcValueInFlightMsat: local.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: local.channelReserveSat,
    htlcMinimumMsat: local.htlcMinimumMsat,
    feeratePerKw: p.commitmentFeeratePerKw,
    toSelfDelay: local.toSelfDelay,
    maxAcceptedHtlcs: local.maxAcceptedHtlcs,
    fundingPubkey: local.fundingPubkey,
    ...local.basepoints,
    firstPerCommitmentPoint: local.firstPerCommitmentPoint,
    // BOLT #2: - MUST set undefined bits in `channel_flags` to 0.
    channelFlags: p.announce ? ANNOUNCE_CHANNEL_FLAG : 0,
    // BOLT #2: - if it includes `open_channel_tlvs`:
    //     - MUST include `upfront_shutdown_script`.
    tlvs: { upfrontShutdownScript: p.upfrontShutdownScript ?? new Uint8Array(0), channelType: channelTypeBytes(p.format) },
  };
  const next: S<'waitAccept'> = { ...base(s), kind: 'waitAccept', temporaryChannelId: p.temporaryChannelId, open: p, local, sentAt: ctx.now };
  return { state: next, actions: [send(open)] };
}

/** The common fields of any state. */
function base(s: ChannelState): Pick<ChannelState, 'remoteNodeId' | 'features' | 'keyIndex' | 'connected'> {
  return { remoteNodeId: s.remoteNodeId, features: s.features, keyIndex: s.keyIndex, connected: s.connected };
}

/** `accept_channel` as the funder: check it, then ask the wallet for the funding tx. */
export function onAcceptChannel(s: S<'waitAccept'>, m: AcceptChannel, ctx: ChannelContext): ChannelStepResult {
  if (!equal(m.temporaryChannelId, s.temporaryChannelId)) return warnAndDisconnect(s, 'accept_channel for another temporary_channel_id');
  const checked = checkAcceptChannel(m, { format: s.open.format, local: s.local, fundingSat: s.open.fundingSat }, ctx.policy, s.features, engineOf(ctx));
  if (!checked.ok) return abort(s, checked.why);
  const params: ChannelParams = {
    chainHash: ctx.chainHash,
    format: s.open.format,
    weAreFunder: true,
    fundingSat: s.open.fundingSat,
    pushMsat: s.open.pushMsat,
    announce: s.open.announce,
    minimumDepth: checked.value.minimumDepth,
    local: s.local,
    remote: checked.value.remote,
    remoteNodeId: s.remoteNodeId,
    keyIndex: s.keyIndex,
  };
  const script = p2wsh(fundingScript(params.local.fundingPubkey, params.remote.fundingPubkey));
  const next: S<'waitFundingTx'> = { ...base(s), kind: 'waitFundingTx', temporaryChannelId: s.temporaryChannelId, params, feeratePerKw: s.open.commitmentFeeratePerKw };
  return { state: next, actions: [{ kind: 'fundTx', request: { script, amountSat: params.fundingSat, feeratePerKw: s.open.fundingFeeratePerKw } }] };
}

/** The wallet built the funding tx: check it pays the funding output, sign the peer's first commitment, send `funding_created`. */
export function onFundingTx(s: S<'waitFundingTx'>, raw: Uint8Array, txid: Uint8Array, vout: number, ctx: ChannelContext): ChannelStepResult {
  const p = s.params;
  try {
    verifyFundingTx(raw, { fundingPubkeyA: p.local.fundingPubkey, fundingPubkeyB: p.remote.fundingPubkey, fundingSat: p.fundingSat, vout }, txid);
  } catch (e) {
    return abort(s, `the wallet's funding transaction is wrong: ${(e as Error).message}`);
  }
  const engine = engineOf(ctx);
  const init = initialCommitments({ params: p, fundingTxid: txid, fundingVout: vout, feeratePerKw: s.feeratePerKw, policy: { maxDustHtlcExposureMsat: ctx.policy.maxDustHtlcExposureMsat } }, engine);
  if (!init.ok) return abort(s, init.error.message);
  const signature = withSecrets(ctx, s.keyIndex, (sec) => signRemoteCommitment(init.commitments, sec, engine).signature);
  const created: FundingCreated = { name: 'funding_created', temporaryChannelId: s.temporaryChannelId, fundingTxid: txid, fundingOutputIndex: vout, signature, tlvs: {} };
  const next: S<'waitFundingSigned'> = { ...base(s), kind: 'waitFundingSigned', temporaryChannelId: s.temporaryChannelId, commitments: init.commitments, fundingRaw: raw };
  // The peer answers with funding_signed under the final id, so the channel is re-keyed before it can arrive:
  // BOLT #2: This message introduces the `channel_id` to identify the channel. It's derived from the funding transaction by combining the `funding_txid` and the `funding_output_index`, using big-endian exclusive-OR (i.e. `funding_output_index` alters the last 2 bytes).
  const assigned: ChannelAction = { kind: 'channelIdAssigned', temporaryChannelId: s.temporaryChannelId, channelId: init.commitments.channelId };
  return { state: next, actions: [assigned, send(created)] };
}

/**
 * Watches and id announcement once the funding is signed both ways. The funder announced the id when it
 * sent `funding_created` (`assignId` false); the fundee announces it here, with `funding_signed`.
 */
function fundingSignedActions(c: Commitments, temporaryChannelId: Uint8Array, assignId: boolean): ChannelAction[] {
  const p = c.params;
  const script = p2wsh(fundingScript(p.local.fundingPubkey, p.remote.fundingPubkey));
  return [
    ...(assignId ? [{ kind: 'channelIdAssigned', temporaryChannelId, channelId: c.channelId } as const] : []),
    { kind: 'watch', watch: { kind: 'fundingDepth', txid: c.fundingTxid, vout: c.fundingVout, script, amountSat: p.fundingSat, minDepth: p.minimumDepth } },
    { kind: 'watch', watch: { kind: 'fundingSpent', txid: c.fundingTxid, vout: c.fundingVout } },
    { kind: 'event', event: { kind: 'opened', channelId: c.channelId } },
  ];
}

/** `funding_signed` as the funder: check the signature of our first commitment, then broadcast the funding tx. */
export function onFundingSigned(s: S<'waitFundingSigned'>, m: FundingSigned, ctx: ChannelContext): ChannelStepResult {
  if (!equal(m.channelId, s.commitments.channelId)) return abort(s, 'funding_signed for another channel_id');
  const r = receiveInitialSignature(s.commitments, m.signature, engineOf(ctx));
  // Nothing is broadcast yet, so a bad signature only costs the open.
  if (!r.ok) return abort(s, r.error.message);
  const next: S<'waitConfirmed'> = { ...base(s), kind: 'waitConfirmed', commitments: r.commitments, theirReady: false };
  // BOLT #2: - on receipt of a valid `funding_signed`:
  //     - SHOULD broadcast the funding transaction.
  return { state: next, actions: [...fundingSignedActions(r.commitments, s.temporaryChannelId, false), { kind: 'broadcast', raw: s.fundingRaw, what: 'funding' }] };
}

/** `open_channel` as the fundee: every BOLT 2 check, then `accept_channel`. */
export function onOpenChannel(s: S<'unopened'>, m: OpenChannel, ctx: ChannelContext): ChannelStepResult {
  const engine = engineOf(ctx);
  const withTemp = m.temporaryChannelId;
  const checked = checkOpenChannel(m, ctx.chainHash, ctx.policy, s.features, engine);
  if (!checked.ok) return abortWith(withTemp, s, checked.why);
  const local0 = withSecrets(ctx, s.keyIndex, (sec) => ourAnnouncedConfig(ctx.policy, m.fundingSatoshis, channelPubkeys(sec, engine), localPerCommitmentPoint(sec, 0, engine), undefined));
  // BOLT #2: - MUST set `channel_reserve_satoshis` greater than or equal to `dust_limit_satoshis` from the `open_channel` message.
  const local = local0.channelReserveSat < m.dustLimitSatoshis ? { ...local0, channelReserveSat: m.dustLimitSatoshis } : local0;
  const params: ChannelParams = {
    chainHash: ctx.chainHash,
    format: checked.value.format,
    weAreFunder: false,
    fundingSat: m.fundingSatoshis,
    pushMsat: m.pushMsat,
    // BOLT #2: - ignore undefined bits in `channel_flags`.
    announce: (m.channelFlags & ANNOUNCE_CHANNEL_FLAG) !== 0,
    minimumDepth: ctx.policy.minimumDepth,
    local,
    remote: checked.value.remote,
    remoteNodeId: s.remoteNodeId,
    keyIndex: s.keyIndex,
  };
  // BOLT #2: - the funder's amount for the initial commitment transaction is not sufficient for full [fee payment](03-transactions.md#fee-payment).
  const trial = initialCommitments({ params, fundingTxid: new Uint8Array(32), fundingVout: 0, feeratePerKw: m.feeratePerKw }, engine);
  if (!trial.ok) return abortWith(withTemp, s, trial.error.message);
  // BOLT #2: - both `to_local` and `to_remote` amounts for the initial commitment transaction are less than or equal to `channel_reserve_satoshis` (see [BOLT 3](03-transactions.md#commitment-transaction-outputs)).
  const funderMsat = m.fundingSatoshis * MSAT_PER_SAT - m.pushMsat;
  if (funderMsat <= local.channelReserveSat * MSAT_PER_SAT && m.pushMsat <= m.channelReserveSatoshis * MSAT_PER_SAT) {
    return abortWith(withTemp, s, 'both sides of the first commitment are at or below the channel reserve');
  }
  const accept: AcceptChannel = {
    name: 'accept_channel',
    temporaryChannelId: m.temporaryChannelId,
    dustLimitSatoshis: local.dustLimitSat,
    maxHtlcValueInFlightMsat: local.maxHtlcValueInFlightMsat,
    channelReserveSatoshis: local.channelReserveSat,
    htlcMinimumMsat: local.htlcMinimumMsat,
    minimumDepth: params.minimumDepth,
    toSelfDelay: local.toSelfDelay,
    maxAcceptedHtlcs: local.maxAcceptedHtlcs,
    fundingPubkey: local.fundingPubkey,
    ...local.basepoints,
    firstPerCommitmentPoint: local.firstPerCommitmentPoint,
    // BOLT #2: - MUST set `channel_type` to the `channel_type` from `open_channel`.
    tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType: channelTypeBytes(params.format) },
  };
  const next: S<'waitFundingCreated'> = { ...base(s), kind: 'waitFundingCreated', temporaryChannelId: m.temporaryChannelId, params, feeratePerKw: m.feeratePerKw };
  return { state: next, actions: [send(accept)] };
}

/** Abort with an `error` naming the temporary channel id the peer used. */
function abortWith(temporaryChannelId: Uint8Array, s: S<'unopened'>, why: string): ChannelStepResult {
  const r = abort(s, why, true);
  return { state: r.state, actions: [send(errorMessage(temporaryChannelId, why)), ...r.actions] };
}

/** `funding_created` as the fundee: our first commitment must be signed correctly; answer `funding_signed`. */
export function onFundingCreated(s: S<'waitFundingCreated'>, m: FundingCreated, ctx: ChannelContext): ChannelStepResult {
  if (!equal(m.temporaryChannelId, s.temporaryChannelId)) return abort(s, 'funding_created for another temporary_channel_id');
  const engine = engineOf(ctx);
  const policy = { maxDustHtlcExposureMsat: ctx.policy.maxDustHtlcExposureMsat };
  const init = initialCommitments({ params: s.params, fundingTxid: m.fundingTxid, fundingVout: m.fundingOutputIndex, feeratePerKw: s.feeratePerKw, policy }, engine);
  if (!init.ok) return abort(s, init.error.message);
  // BOLT #2: - if `signature` is incorrect OR non-compliant with LOW-S-standard rule<sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
  //     - MUST send a `warning` and close the connection, or send an
  //       `error` and fail the channel.
  const r = receiveInitialSignature(init.commitments, m.signature, engine);
  if (!r.ok) return abort(s, r.error.message);
  const signature = withSecrets(ctx, s.keyIndex, (sec) => signRemoteCommitment(r.commitments, sec, engine).signature);
  // BOLT #2: - `channel_id` by exclusive-OR of the `funding_txid` and the `funding_output_index` from the `funding_created` message.
  const signed: FundingSigned = { name: 'funding_signed', channelId: r.commitments.channelId, signature, tlvs: {} };
  const next: S<'waitConfirmed'> = { ...base(s), kind: 'waitConfirmed', commitments: r.commitments, theirReady: false };
  return { state: next, actions: [send(signed), ...fundingSignedActions(r.commitments, s.temporaryChannelId, true)] };
}

/** Our `channel_ready`. */
export function channelReadyMessage(c: Commitments, ctx: ChannelContext, keyIndex: bigint): ChannelReady {
  const point = withSecrets(ctx, keyIndex, (sec) => channelReadyPoint(sec, engineOf(ctx)));
  return { name: 'channel_ready', channelId: c.channelId, secondPerCommitmentPoint: point, tlvs: {} };
}

/** Funding depth: at `minimum_depth`, send `channel_ready` (and enter `normal` if theirs came first). */
export function onFundingDepth(s: S<'waitConfirmed'>, depth: number, scid: bigint | undefined, ctx: ChannelContext): ChannelStepResult {
  const c = s.commitments;
  if (depth < c.params.minimumDepth || depth === 0) return stay(s);
  const ready = send(channelReadyMessage(c, ctx, s.keyIndex));
  if (s.theirReady) return toNormal(s, c, scid, depth, [ready]);
  const next: S<'waitChannelReady'> = { ...base(s), kind: 'waitChannelReady', commitments: c, ...(scid === undefined ? {} : { shortChannelId: scid }) };
  return { state: next, actions: [ready] };
}

/** The peer's `channel_ready` in `waitConfirmed` or `waitChannelReady`. */
export function onChannelReady(s: S<'waitConfirmed' | 'waitChannelReady'>, m: ChannelReady, ctx: ChannelContext): ChannelStepResult {
  const r = receiveChannelReady(s.commitments, m.secondPerCommitmentPoint, engineOf(ctx));
  if (!r.ok) return onLedgerError(s, r.error, ctx);
  if (s.kind === 'waitConfirmed') return stay({ ...s, commitments: r.commitments, theirReady: true });
  return toNormal(s, r.commitments, s.shortChannelId, r.commitments.params.minimumDepth, []);
}

function toNormal(s: S<'waitConfirmed' | 'waitChannelReady'>, c: Commitments, scid: bigint | undefined, depth: number, actions: ChannelAction[]): ChannelStepResult {
  const next: S<'normal'> = { ...base(s), kind: 'normal', commitments: c, announcement: { sent: false, received: false }, fundingDepth: depth, ...(scid === undefined ? {} : { shortChannelId: scid }) };
  return { state: next, actions: [...actions, { kind: 'event', event: { kind: 'ready', channelId: c.channelId, ...(scid === undefined ? {} : { shortChannelId: scid }) } }] };
}

/** A fundee forgets a channel whose funding never confirmed; a funder keeps waiting (its own funds). */
export function onBlockWhileUnconfirmed(s: S<'waitConfirmed'>, height: number, ctx: ChannelContext): ChannelStepResult {
  const since = s.sinceHeight ?? height;
  const next = { ...s, sinceHeight: since, currentHeight: height };
  if (!s.commitments.params.weAreFunder && height - since > ctx.policy.fundingTimeoutBlocks) {
    return abort(next, `the funding transaction did not confirm within ${ctx.policy.fundingTimeoutBlocks} blocks`);
  }
  return stay(next);
}

