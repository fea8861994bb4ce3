/**
 * @module back/channels/machine-adapter
 * The `MachinePort` (`./port.ts`) over the BOLT 2 state machine (`src/channel/machine`): raw peer
 * messages are decoded here (a message that does not parse is a warning and a disconnect for that peer,
 * the channel unchanged), inputs and actions are translated both ways, the backend's `channels.*` config
 * becomes the machine's `ChannelPolicy`, and a state is read for listings (phase, balances, funding).
 *
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md
 * Does not: persist or send (the manager does), or keep anything between calls.
 */
import { DEFAULT_CHANNEL_POLICY } from '../../channel/constants.js';
import { balances } from '../../channel/commitments/index.js';
import { remoteNextView } from '../../channel/commitments/spec.js';
import { channelPubkeys, zeroChannelSecrets } from '../../channel/params.js';
import { p2wpkh } from '../../channel/scripts.js';
import { txidFromHex, txidToHex } from '../../channel/tx.js';
import { step as machineStep } from '../../channel/machine/index.js';
import type { ChannelAction, ChannelContext, ChannelInput, ChannelPeerMessage, ChannelPolicy, ChannelState, NegotiatedFeatures } from '../../channel/machine/types.js';
import type { ConfigValues } from '../../config/index.js';
import { decodeMessage, encodeMessage, scidToString } from '../../wire/index.js';
import type { OurChannel, OurGossip } from './our-gossip.js';
import type { ChannelEvent, ChannelView, MachinePort, PeerFeatures, PortAction, PortInput, StepContext, StepResult } from './port.js';

/** Depth after which the funding watch stops reporting (BOLT 7 announces a channel at 6 confirmations). */
export const ANNOUNCE_DEPTH = 6;

/** Feature bit pairs (BOLT 9) the machine cares about: the even (required) bit of each. */
const BIT = { upfrontShutdownScript: 4, largeChannel: 18, anchors: 22, shutdownAnySegwit: 26, simpleClose: 60 } as const;

function hasBit(f: Uint8Array, even: number): boolean {
  const test = (bit: number): boolean => {
    const byte = f.length - 1 - (bit >> 3);
    return byte >= 0 && (f[byte]! & (1 << (bit & 7))) !== 0;
  };
  return test(even) || test(even + 1);
}

/** What both inits offer (each feature set by both sides, required or optional). */
export function negotiated(f: PeerFeatures): NegotiatedFeatures {
  const both = (bit: number) => hasBit(f.ours, bit) && hasBit(f.theirs, bit);
  return {
    upfrontShutdownScript: both(BIT.upfrontShutdownScript), shutdownAnySegwit: both(BIT.shutdownAnySegwit),
    simpleClose: both(BIT.simpleClose), anchors: both(BIT.anchors), largeChannel: both(BIT.largeChannel),
  };
}

/** `channels.*` config → the machine's policy (unset fields keep `DEFAULT_CHANNEL_POLICY`). */
export function policyFromConfig(v: ConfigValues): ChannelPolicy {
  return {
    ...DEFAULT_CHANNEL_POLICY,
    acceptIncoming: v['channels.accept-inbound'],
    minFundingSat: BigInt(v['channels.min-funding-sat']),
    maxFundingSat: BigInt(v['channels.max-funding-sat']),
    minimumDepth: v['channels.minimum-depth'],
    toSelfDelay: v['channels.to-self-delay'],
    maxToSelfDelay: v['channels.max-to-self-delay'],
    maxAcceptedHtlcs: v['channels.max-accepted-htlcs'],
    htlcMinimumMsat: BigInt(v['channels.htlc-minimum-msat']),
    maxHtlcValueInFlightPpm: v['channels.max-htlc-in-flight-percent'] * 10_000,
    reserveRatioPpm: v['channels.reserve-percent'] * 10_000,
    dustLimitSat: BigInt(v['channels.dust-limit-sat']),
    minFeeratePerKw: v['channels.fee-floor'],
  };
}

/** What the adapter needs besides the step context. */
export interface AdapterDeps {
  readonly policy: ChannelPolicy;
  readonly chainHash: Uint8Array;
  readonly localNodeId: Uint8Array;
  readonly signWithNodeKey: (digest32: Uint8Array) => Uint8Array;
  /** Our channel gossip (`./our-gossip.ts`): told after each step of a channel past channel_ready with a scid. */
  readonly ourGossip?: Pick<OurGossip, 'channel' | 'announced'>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The machine's events as the manager's: settled HTLC batches become one event per HTLC. */
function events(e: Extract<ChannelAction, { kind: 'event' }>['event']): ChannelEvent[] {
  if (e.kind !== 'htlcsSettled') {
    const one = event(e);
    return one === undefined ? [] : [one];
  }
  // Incoming HTLCs now irrevocably committed on both sides: the relay layer fulfills or fails them.
  const adds: ChannelEvent[] = e.forwardAdds.map((h) => ({ kind: 'htlcAdded', id: h.id, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onion: h.onionRoutingPacket }));
  // Fulfills were reported when the preimage arrived (htlcFulfilledByPeer); failures are final here.
  const fails: ChannelEvent[] = e.removals.flatMap((u) => (u.kind === 'fail' || u.kind === 'failMalformed' ? [{ kind: 'htlcSettled', id: u.id, outcome: 'failed' } as const] : []));
  return [...adds, ...fails];
}

function event(e: Extract<ChannelAction, { kind: 'event' }>['event']): ChannelEvent | undefined {
  switch (e.kind) {
    case 'opened': return { kind: 'opened' };
    case 'ready': return { kind: 'ready' };
    case 'peerError': return { kind: 'failed', reason: `peer error: ${e.text}` };
    case 'protocolViolation': return { kind: 'failed', reason: `protocol violation: ${e.text}` };
    case 'commandFailed': return { kind: 'info', message: `${e.command} failed: ${e.reason}` };
    case 'peerWarning': return { kind: 'info', message: `peer warning: ${e.text}` };
    case 'stateChanged': return { kind: 'info', message: `${e.from} → ${e.to}` };
    case 'htlcFulfilledByPeer': return { kind: 'htlcSettled', id: e.id, outcome: 'fulfilled', preimage: e.paymentPreimage };
    case 'htlcsSettled': return undefined; // expanded by `events` below
    case 'updatesDropped': return { kind: 'info', message: `${e.dropped.length} uncommitted update(s) dropped on disconnect` };
    // Published by our gossip (`AdapterDeps.ourGossip`); logged here too.
    case 'channelAnnouncement': return { kind: 'info', message: `channel_announcement ready for ${e.message.shortChannelId}` };
  }
}

function action(a: ChannelAction): PortAction[] {
  switch (a.kind) {
    case 'send': return [{ kind: 'send', message: encodeMessage(a.message) }];
    case 'fundTx': return [{ kind: 'fundTx', script: a.request.script, sats: a.request.amountSat, feeratePerKw: a.request.feeratePerKw }];
    case 'broadcast': return [{ kind: 'broadcast', txHex: hex(a.raw), what: a.what }];
    case 'watch':
      // Spends of the funding output are the on-chain resolver's (BOLT 5); only the depth is watched here.
      return a.watch.kind === 'fundingDepth' ? [{ kind: 'watch', txid: txidToHex(a.watch.txid), vout: a.watch.vout, untilDepth: Math.max(a.watch.minDepth, ANNOUNCE_DEPTH) }] : [];
    case 'channelIdAssigned': return [{ kind: 'channelIdAssigned', channelId: a.channelId }];
    case 'disconnect': return [{ kind: 'disconnect', reason: a.reason }];
    case 'event': return events(a.event).map((e) => ({ kind: 'event', event: e }));
    case 'closed': return [{ kind: 'closed', reason: a.reason.kind === 'mutual' ? 'mutual close' : `${a.reason.kind}: ${a.reason.why}` }];
  }
}

/** Reports a channel with a scid, past channel_ready, to our gossip after a step: enabled only in `normal` and connected. */
export function tellGossip(g: Pick<OurGossip, 'channel' | 'announced'>, s: ChannelState, actions: readonly ChannelAction[]): void {
  if ((s.kind !== 'normal' && s.kind !== 'shutdown') || s.shortChannelId === undefined) return;
  const p = s.commitments.params;
  const c: OurChannel = {
    shortChannelId: s.shortChannelId, remoteNodeId: s.remoteNodeId, capacitySat: p.fundingSat, public: p.announce,
    remoteHtlcMinimumMsat: p.remote.htlcMinimumMsat, remoteMaxHtlcValueInFlightMsat: p.remote.maxHtlcValueInFlightMsat,
  };
  const enabled = s.kind === 'normal' && s.connected;
  const a = actions.find((x) => x.kind === 'event' && x.event.kind === 'channelAnnouncement');
  if (a?.kind === 'event' && a.event.kind === 'channelAnnouncement') return g.announced(a.event.message, c, enabled);
  // After a restart the announcement is not emitted again (the graph store kept it): both signatures
  // exchanged, or a public channel already closing, means our update is public.
  const announced = p.announce && (s.kind === 'shutdown' || (s.announcement.sent && s.announcement.received));
  g.channel(c, enabled, announced);
}

/** The machine port; see the module comment. */
export function createMachinePort(deps: AdapterDeps): MachinePort<ChannelState> {
  const ctxOf = (c: StepContext, keyIndex: bigint): ChannelContext => {
    let shutdown = c.shutdownScript;
    if (shutdown === undefined) {
      // No wallet: pay closes to a P2WPKH of this channel's payment basepoint, which our seed can always spend.
      const s = c.secrets(keyIndex);
      shutdown = p2wpkh(channelPubkeys(s).basepoints.paymentBasepoint);
      zeroChannelSecrets(s);
    }
    return {
      now: c.now, policy: deps.policy, chainHash: deps.chainHash, secrets: c.secrets, localNodeId: deps.localNodeId,
      signWithNodeKey: deps.signWithNodeKey, closingFeeratePerKw: c.feeratePerKw, defaultShutdownScript: shutdown,
    };
  };
  const run = (s: ChannelState, input: ChannelInput, c: StepContext): StepResult<ChannelState> => {
    const r = machineStep(s, input, ctxOf(c, s.keyIndex));
    if (deps.ourGossip !== undefined) tellGossip(deps.ourGossip, r.state, r.actions);
    return { state: r.state, actions: r.actions.flatMap(action) };
  };
  const toInput = (s: ChannelState, i: PortInput): ChannelInput | { warn: string } => {
    switch (i.kind) {
      case 'message': {
        let m;
        try {
          m = decodeMessage(i.message);
        } catch (e) {
          return { warn: `message does not parse: ${(e as Error).message}` };
        }
        return { kind: 'peerMessage', message: m as ChannelPeerMessage };
      }
      case 'connected': return { kind: 'peerReconnected' };
      case 'disconnected': return { kind: 'peerDisconnected' };
      case 'fundingDepth': return { kind: 'fundingDepth', depth: i.depth, ...(i.shortChannelId === undefined ? {} : { shortChannelId: i.shortChannelId }) };
      case 'block': return { kind: 'blockHeight', height: i.height };
      case 'funded': return { kind: 'fundingTx', raw: Uint8Array.from(Buffer.from(i.txHex, 'hex')), txid: txidFromHex(i.txid), vout: i.vout };
      case 'fundingFailed': return { kind: 'fundingTxFailed', reason: i.reason };
      case 'close': return { kind: 'command', command: i.force ? { kind: 'forceClose', reason: 'closed by the operator' } : { kind: 'close', scriptpubkey: i.scriptPubkey } };
      case 'addHtlc': return { kind: 'command', command: { kind: 'addHtlc', amountMsat: i.amountMsat, paymentHash: i.paymentHash, cltvExpiry: i.cltvExpiry, onionRoutingPacket: i.onion } };
      case 'fulfillHtlc': return { kind: 'command', command: { kind: 'fulfill', id: i.id, paymentPreimage: i.preimage } };
      case 'failHtlc': return { kind: 'command', command: { kind: 'fail', id: i.id, reason: i.reason } };
      case 'updateFee': return { kind: 'command', command: { kind: 'updateFee', feeratePerKw: i.feeratePerKw } };
      case 'tick': return { kind: 'command', command: { kind: 'sign' } };
      case 'onchainResolved': return { kind: 'onchainResolved' };
    }
    void s;
  };
  return {
    openOutbound(p, c) {
      const s: ChannelState = { kind: 'unopened', remoteNodeId: p.remoteNodeId, features: negotiated(p.features), keyIndex: p.keyIndex, connected: true };
      return run(s, { kind: 'command', command: { kind: 'open', params: {
        fundingSat: p.fundingSat, pushMsat: p.pushMsat, commitmentFeeratePerKw: c.feeratePerKw, fundingFeeratePerKw: c.feeratePerKw,
        announce: p.announce, format: 'staticRemoteKey', temporaryChannelId: p.temporaryChannelId,
      } } }, c);
    },
    openInbound(p, c) {
      const s: ChannelState = { kind: 'unopened', remoteNodeId: p.remoteNodeId, features: negotiated(p.features), keyIndex: p.keyIndex, connected: true };
      return this.step(s, { kind: 'message', message: p.message }, c);
    },
    step(s, i, c) {
      const input = toInput(s, i);
      if ('warn' in input) {
        const warning = encodeMessage({ name: 'warning', channelId: new Uint8Array(32), data: new TextEncoder().encode(input.warn), tlvs: {} });
        return { state: s, actions: [{ kind: 'send', message: warning }, { kind: 'disconnect', reason: input.warn }] };
      }
      return run(s, input, c);
    },
    view: viewOf,
  };
}

/** A state as listings show it. */
export function viewOf(s: ChannelState): ChannelView {
  const base = { phase: s.kind, active: s.kind !== 'closed' && s.kind !== 'aborted' && s.kind !== 'unopened', wantsBlocks: s.kind === 'waitConfirmed' || s.kind === 'waitFundingCreated' };
  if (!('commitments' in s)) {
    const params = 'params' in s ? s.params : undefined;
    return { ...base, funder: params?.weAreFunder ?? s.kind === 'waitAccept', ...(params === undefined ? {} : { capacitySat: params.fundingSat }) };
  }
  const c = s.commitments;
  const b = balances(c).localCommit;
  const scid = 'shortChannelId' in s && s.shortChannelId !== undefined ? scidToString(s.shortChannelId) : undefined;
  return {
    ...base, channelId: c.channelId, funder: c.params.weAreFunder, capacitySat: c.params.fundingSat, localMsat: b.ourMsat, remoteMsat: b.theirMsat,
    funding: { txid: txidToHex(c.fundingTxid), vout: c.fundingVout }, feeratePerKw: remoteNextView(c).feeratePerKw, anchors: c.params.format === 'anchors', ...(scid === undefined ? {} : { shortChannelId: scid }),
  };
}
