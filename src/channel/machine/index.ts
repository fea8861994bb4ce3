/**
 * @module channel/machine
 * The BOLT 2 channel state machine, sans-I/O: `step(state, input, ctx) → { state, actions }`.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md
 *
 * How the backend drives it:
 *   1. `initialState({ remoteNodeId, features, keyIndex, connected })` per channel (a fresh `keyIndex`
 *      for each new channel); then `command open` (we fund) or `peerMessage open_channel` (they fund).
 *   2. Every input (decoded peer message for this channel, command, wallet answer, chain event,
 *      connection change) goes through `step`. It never throws on peer input: bad input becomes
 *      `send warning` + `disconnect`, `send error` + `closed`, or a force close, as BOLT 2 says.
 *   3. PERSIST the returned state (plain data) BEFORE performing its actions, in order:
 *      `send` (encode with `src/wire` and write to the peer), `fundTx` (ask the wallet; answer with
 *      `fundingTx` / `fundingTxFailed`), `broadcast`, `watch` (answer with `fundingDepth`; a spend of the
 *      funding output goes to `src/channel/onchain`, whose end is reported back as `onchainResolved`),
 *      `channelIdAssigned` (re-key the channel from
 *      temporary to final id), `disconnect`, `event` (logs, API, HTLC relay), `closed` (forget the channel
 *      once nothing is left on chain).
 *   4. On reconnection send `peerReconnected`: the machine sends `channel_reestablish` and, on the
 *      peer's, retransmits what BOLT 2 asks (updates, commitment_signed, revoke_and_ack, channel_ready,
 *      shutdown) and restarts closing negotiation.
 *
 * States: unopened → (funder) waitAccept → waitFundingTx → waitFundingSigned → waitConfirmed, or
 * (fundee) waitFundingCreated → waitConfirmed; → waitChannelReady → normal → shutdown → negotiating →
 * closing → closed; aborted (nothing at stake) and errored (we may have lost data: never broadcast).
 * Normal operation is the commitments ledger's (`../commitments/`); closing transactions are
 * `../closing.ts`'s.
 *
 * Public channels: at 6 confirmations both sides exchange `announcement_signatures` (`./announce.ts`)
 * and the machine emits the complete `channel_announcement` as an event for the gossip.
 *
 * Does not: encode bytes, persist, talk to the chain, relay HTLCs, sign channel_update, or do dual
 * funding, splicing, zero-conf or quiescence.
 */
import { assertNever } from '../../errors.js';
import type { ChannelReestablish } from '../../wire/index.js';
import { onReestablish, reestablishFields } from '../commitments/index.js';
import { abort, engineOf, errorMessage, forceClose, isCommitted, onLedgerError, send, stay, warnAndDisconnect, withSecrets } from './common.js';
import { channelReadyMessage, onAcceptChannel, onBlockWhileUnconfirmed, onChannelReady, onFundingCreated, onFundingDepth, onFundingSigned, onFundingTx, onOpenChannel, openCommand } from './establish.js';
import { maybeAnnounce, onAnnouncementSignatures } from './announce.js';
import { onBlock } from './deadlines.js';
import { onClosingComplete, onClosingSig, onClosingSigned, restartNegotiation } from './negotiate.js';
import { onCommand, onShutdown, onUpdateMessage, progressShutdown, updateMessage } from './normal.js';
import { equal } from './validate.js';
import type { ChannelAction, ChannelCommand, ChannelContext, ChannelInput, CloseReason, ChannelPeerMessage, ChannelState, NegotiatedFeatures, ChannelStepResult } from './types.js';

export * from './types.js';
export { channelTypeBytes, checkAcceptChannel, checkOpenChannel, parseChannelTypeFormat } from './validate.js';

type S<K extends ChannelState['kind']> = Extract<ChannelState, { kind: K }>;
type Committed = Extract<ChannelState, { commitments: unknown }>;

/** A new channel with a peer, before any message. */
export function initialState(o: { remoteNodeId: Uint8Array; features: NegotiatedFeatures; keyIndex: bigint; connected: boolean }): ChannelState {
  return { kind: 'unopened', remoteNodeId: o.remoteNodeId, features: o.features, keyIndex: o.keyIndex, connected: o.connected };
}

/** One transition. Never throws on peer input; the returned state must be persisted before the actions run. */
export function step(state: ChannelState, input: ChannelInput, ctx: ChannelContext): ChannelStepResult {
  const r = dispatch(state, input, ctx);
  if (r.state.kind === state.kind) return r;
  return { state: r.state, actions: [{ kind: 'event', event: { kind: 'stateChanged', from: state.kind, to: r.state.kind } }, ...r.actions] };
}

function dispatch(s: ChannelState, input: ChannelInput, ctx: ChannelContext): ChannelStepResult {
  switch (input.kind) {
    case 'peerMessage':
      return onPeerMessage(s, input.message, ctx);
    case 'command':
      return onAnyCommand(s, input.command, ctx);
    case 'fundingTx':
      return s.kind === 'waitFundingTx' ? onFundingTx(s, input.raw, input.txid, input.vout, ctx) : stay(s);
    case 'fundingTxFailed':
      return s.kind === 'waitFundingTx' ? abort(s, `the wallet could not fund the channel: ${input.reason}`) : stay(s);
    case 'fundingDepth':
      if (s.kind === 'waitConfirmed') return onFundingDepth(s, input.depth, input.shortChannelId, ctx);
      if (s.kind === 'normal') return maybeAnnounce({ ...s, fundingDepth: input.depth, ...(input.shortChannelId === undefined ? {} : { shortChannelId: input.shortChannelId }) }, ctx);
      return stay(s);
    case 'blockHeight':
      if (s.kind === 'waitConfirmed') return onBlockWhileUnconfirmed(s, input.height, ctx);
      if (s.kind === 'normal' || s.kind === 'shutdown') return onBlock(s, input.height, ctx);
      return stay(s);
    case 'onchainResolved':
      return onResolved(s);
    case 'peerDisconnected':
      return onDisconnected(s);
    case 'peerReconnected':
      return onReconnected(s, ctx);
  }
}

/** The funding spend is resolved on chain: the channel is over. */
function onResolved(s: ChannelState): ChannelStepResult {
  const { remoteNodeId, features, keyIndex, connected } = s;
  const done = (reason: CloseReason): ChannelStepResult => ({ state: { kind: 'closed', remoteNodeId, features, keyIndex, connected, reason }, actions: [{ kind: 'closed', reason }] });
  switch (s.kind) {
    case 'closing':
      return done(s.reason);
    case 'negotiating':
      return done({ kind: 'mutual' });
    case 'errored':
      return done({ kind: 'remoteError', why: s.reason });
    case 'waitConfirmed':
    case 'waitChannelReady':
    case 'normal':
    case 'shutdown':
      // The peer broadcast its commitment without telling us; the resolver handled it.
      return done({ kind: 'remoteError', why: 'the funding output was spent by the peer' });
    case 'unopened':
    case 'waitAccept':
    case 'waitFundingTx':
    case 'waitFundingCreated':
    case 'waitFundingSigned':
    case 'closed':
    case 'aborted':
      return stay(s);
  }
}

function onDisconnected(s: ChannelState): ChannelStepResult {
  switch (s.kind) {
    // Before funding_signed the channel is only a negotiation (nothing was broadcast, no signature
    // exists that the peer could use): a disconnection ends it, as eclair and CLN do.
    case 'waitAccept':
    case 'waitFundingTx':
    case 'waitFundingCreated':
    case 'waitFundingSigned':
      return abort({ ...s, connected: false }, 'disconnected during channel establishment', true);
    case 'unopened':
    case 'closed':
    case 'aborted':
    case 'waitConfirmed':
    case 'waitChannelReady':
    case 'normal':
    case 'shutdown':
    case 'negotiating':
    case 'closing':
    case 'errored':
      return stay({ ...s, connected: false });
  }
}

function onReconnected(s: ChannelState, ctx: ChannelContext): ChannelStepResult {
  const up = { ...s, connected: true } as ChannelState;
  // We may have lost data: repeat the request that the peer close the channel, and nothing else.
  if (up.kind === 'errored') return stay(up, send(errorMessage(up.commitments.channelId, up.reason)));
  if (up.kind === 'closing' || up.kind === 'closed' || up.kind === 'aborted' || !isCommitted(up)) return stay(up);
  const c = (up as Committed).commitments;
  const f = withSecrets(ctx, up.keyIndex, (sec) => reestablishFields(c, sec, engineOf(ctx)));
  const m: ChannelReestablish = { name: 'channel_reestablish', channelId: c.channelId, ...f, tlvs: {} };
  return stay(up, send(m));
}

/** The peer's `channel_reestablish`: retransmit what it misses, or fail as the ledger says. */
function onChannelReestablish(s: Committed, m: ChannelReestablish, ctx: ChannelContext): ChannelStepResult {
  if (s.kind === 'closing' || s.kind === 'errored') return stay(s);
  const theirs = { nextCommitmentNumber: m.nextCommitmentNumber, nextRevocationNumber: m.nextRevocationNumber, yourLastPerCommitmentSecret: m.yourLastPerCommitmentSecret, myCurrentPerCommitmentPoint: m.myCurrentPerCommitmentPoint };
  const r = withSecrets(ctx, s.keyIndex, (sec) => onReestablish(s.commitments, theirs, sec, engineOf(ctx)));
  if (!r.ok) return onLedgerError(s, r.error, ctx);
  const c = r.commitments;
  const actions: ChannelAction[] = [];
  if (r.dropped.length > 0) actions.push({ kind: 'event', event: { kind: 'updatesDropped', dropped: r.dropped } });
  const sentReady = s.kind !== 'waitConfirmed';
  if (r.resendChannelReady && sentReady) actions.push(send(channelReadyMessage(c, ctx, s.keyIndex)));
  for (const x of r.retransmit) {
    if (x.kind === 'update') actions.push(send(updateMessage(c.channelId, x.update)));
    else if (x.kind === 'commitmentSigned') actions.push(send({ name: 'commitment_signed', channelId: c.channelId, signature: x.commitmentSigned.signature, htlcSignature: [...x.commitmentSigned.htlcSignatures], tlvs: {} }));
    else actions.push(send({ name: 'revoke_and_ack', channelId: c.channelId, ...x.revokeAndAck, tlvs: {} }));
  }
  const updated = { ...s, commitments: c } as Committed;
  if ((updated.kind === 'shutdown' || updated.kind === 'negotiating') && (updated.kind === 'negotiating' || updated.shutdown.localSent)) {
    // BOLT #2: - upon reconnection:
    //     - if it has sent a previous `shutdown`:
    //       - MUST retransmit `shutdown`.
    actions.push(send({ name: 'shutdown', channelId: c.channelId, scriptpubkey: updated.shutdown.localScript, tlvs: {} }));
  }
  // Our shutdown may have waited for updates that the reconnection dropped; negotiation may start now.
  if (updated.kind === 'shutdown') return progressShutdown(updated, actions, ctx);
  if (updated.kind === 'normal' && !updated.announcement.received) {
    // BOLT #7: - If it has NOT previously received `announcement_signatures` for the funding transaction:
    //       - MUST send its own `announcement_signatures` message.
    const n = maybeAnnounce({ ...updated, announcement: { sent: false, received: false } }, ctx);
    return { state: n.state, actions: [...actions, ...n.actions] };
  }
  if (updated.kind === 'negotiating') {
    const n = restartNegotiation(updated, ctx);
    return { state: n.state, actions: [...actions, ...n.actions] };
  }
  return { state: updated, actions };
}

function onPeerMessage(s: ChannelState, m: ChannelPeerMessage, ctx: ChannelContext): ChannelStepResult {
  if (m.name === 'warning') return stay(s, { kind: 'event', event: { kind: 'peerWarning', text: printable(m.data) } });
  if (m.name === 'error' && (!isCommitted(s) || m.channelId.every((x) => x === 0) || equal(m.channelId, (s as Committed).commitments.channelId))) return onPeerError(s, printable(m.data), ctx);
  // The backend routes by channel id; a message for another id of a committed channel is not ours.
  if (isCommitted(s) && 'channelId' in m && !equal(m.channelId, (s as Committed).commitments.channelId)) {
    return stay(s, { kind: 'event', event: { kind: 'protocolViolation', text: `${m.name} for another channel_id` } });
  }
  if (m.name === 'channel_reestablish' && isCommitted(s)) return onChannelReestablish(s as Committed, m, ctx);
  switch (s.kind) {
    case 'unopened':
      return m.name === 'open_channel' ? onOpenChannel(s, m, ctx) : stay(s, { kind: 'event', event: { kind: 'protocolViolation', text: `${m.name} for a channel not opened` } });
    case 'waitAccept':
      return m.name === 'accept_channel' ? onAcceptChannel(s, m, ctx) : abort(s, `unexpected ${m.name} while waiting for accept_channel`);
    case 'waitFundingTx':
      return abort(s, `unexpected ${m.name} while funding`);
    case 'waitFundingCreated':
      return m.name === 'funding_created' ? onFundingCreated(s, m, ctx) : abort(s, `unexpected ${m.name} while waiting for funding_created`);
    case 'waitFundingSigned':
      return m.name === 'funding_signed' ? onFundingSigned(s, m, ctx) : abort(s, `unexpected ${m.name} while waiting for funding_signed`);
    case 'waitConfirmed':
    case 'waitChannelReady':
      if (m.name === 'channel_ready') return onChannelReady(s, m, ctx);
      if (m.name === 'announcement_signatures') return stay(s);
      // BOLT #2: - MAY send a `shutdown` before a `channel_ready`, i.e. before the funding transaction has reached `minimum_depth`.
      if (m.name === 'shutdown') return onShutdown(asNormal(s), m, ctx);
      return warnAndDisconnect(s, `unexpected ${m.name} before channel_ready`);
    case 'normal':
    case 'shutdown':
      if (m.name === 'shutdown') return onShutdown(s, m, ctx);
      // BOLT #2: - MUST ignore any redundant `channel_ready` it receives.
      if (m.name === 'channel_ready') return stay(s);
      if (m.name === 'announcement_signatures') return s.kind === 'normal' ? onAnnouncementSignatures(s, m, ctx) : stay(s);
      return onUpdateMessage(s, m, ctx);
    case 'negotiating':
      if (m.name === 'closing_signed') return onClosingSigned(s, m, ctx);
      if (m.name === 'closing_complete') return onClosingComplete(s, m, ctx);
      if (m.name === 'closing_sig') return onClosingSig(s, m, ctx);
      if (m.name === 'shutdown') return stay(s);
      return warnAndDisconnect(s, `unexpected ${m.name} during closing negotiation`);
    case 'closing':
    case 'closed':
    case 'aborted':
    case 'errored':
      return stay(s);
    default:
      return assertNever(s, 'channel state');
  }
}

/** The peer's `error`: fail the channel (broadcast our commitment) unless nothing is at stake. */
function onPeerError(s: ChannelState, text: string, ctx: ChannelContext): ChannelStepResult {
  const ev: ChannelAction = { kind: 'event', event: { kind: 'peerError', text } };
  switch (s.kind) {
    case 'waitAccept':
    case 'waitFundingTx':
    case 'waitFundingCreated':
    case 'waitFundingSigned': {
      const r = abort(s, `peer error: ${text}`, true);
      return { state: r.state, actions: [ev, ...r.actions] };
    }
    case 'negotiating': {
      if (s.closingTxs.length === 0) return failOnError(s, text, ev, ctx);
      // A fully signed closing tx is already out: it is better than our commitment.
      const { remoteNodeId, features, keyIndex, connected, commitments, closingTxs } = s;
      return { state: { kind: 'closing', remoteNodeId, features, keyIndex, connected, commitments, reason: { kind: 'mutual' }, broadcast: closingTxs }, actions: [ev] };
    }
    case 'waitConfirmed':
    case 'waitChannelReady':
    case 'normal':
    case 'shutdown':
      return failOnError(s, text, ev, ctx);
    case 'unopened':
    case 'closing':
    case 'closed':
    case 'aborted':
    case 'errored':
      return stay(s, ev);
  }
}

function failOnError(s: Committed, text: string, ev: ChannelAction, ctx: ChannelContext): ChannelStepResult {
  // BOLT #1: - upon receiving `error`:
  //     - if `channel_id` is all zero:
  //       - MUST fail all channels with the sending node.
  const r = forceClose(s, { kind: 'remoteError', why: text }, ctx, false);
  return { state: r.state, actions: [ev, ...r.actions] };
}

function onAnyCommand(s: ChannelState, cmd: ChannelCommand, ctx: ChannelContext): ChannelStepResult {
  const refused = (why: string): ChannelStepResult => stay(s, { kind: 'event', event: { kind: 'commandFailed', command: cmd.kind, reason: why } });
  if (cmd.kind === 'open') return s.kind === 'unopened' ? openCommand(s, cmd.params, ctx) : refused(`the channel is ${s.kind}`);
  switch (s.kind) {
    case 'normal':
    case 'shutdown':
      return onCommand(s, cmd, ctx);
    case 'waitConfirmed':
    case 'waitChannelReady':
      // A mutual close before channel_ready: no HTLC can exist yet, so negotiation follows the shutdowns.
      if (cmd.kind === 'close' || cmd.kind === 'forceClose') return onCommand(asNormal(s), cmd, ctx);
      return refused(`the channel is ${s.kind}`);
    case 'negotiating':
      return cmd.kind === 'forceClose' ? forceClose(s, { kind: 'localForce', why: cmd.reason }, ctx, true) : refused(`the channel is ${s.kind}`);
    case 'waitAccept':
    case 'waitFundingTx':
    case 'waitFundingCreated':
    case 'waitFundingSigned':
      return cmd.kind === 'forceClose' || cmd.kind === 'close' ? abort(s, 'closed by us before funding') : refused(`the channel is ${s.kind}`);
    case 'errored':
    case 'unopened':
    case 'closing':
    case 'closed':
    case 'aborted':
      return refused(`the channel is ${s.kind}`);
  }
}

/** A channel not yet ready seen as `normal` (no update can exist yet): lets `shutdown` / `close` use the normal path. */
function asNormal(s: S<'waitConfirmed' | 'waitChannelReady'>): S<'normal'> {
  const { remoteNodeId, features, keyIndex, connected, commitments } = s;
  return { kind: 'normal', remoteNodeId, features, keyIndex, connected, commitments, announcement: { sent: false, received: false }, fundingDepth: 0 };
}

/** Peer text for logs: printable ASCII only, bounded. */
function printable(b: Uint8Array): string {
  const MAX_TEXT = 200;
  return Array.from(b.subarray(0, MAX_TEXT), (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '?')).join('');
}

export type { S as StateOf };
