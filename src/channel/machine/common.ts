/**
 * @module channel/machine/common
 * Helpers every transition uses: secrets borrowed for one step and zeroed, the channel id of a state,
 * error / warning messages, failing a channel (broadcast our commitment, or not when we may have lost
 * data), and mapping a commitments-ledger failure to the action BOLT 2 asks for.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md,
 * https://github.com/lightning/bolts/blob/master/05-onchain.md#failing-a-channel
 *
 * Does not: decide transitions (the per-phase modules do).
 */
import { activeEngine } from '../../crypto/engines.js';
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import type { ErrorMessage, Warning } from '../../wire/index.js';
import type { CommitmentsError } from '../commitments/index.js';
import { localCommitmentTx } from '../commitments/index.js';
import type { Commitments } from '../commitments/types.js';
import type { ChannelSecrets } from '../params.js';
import { zeroChannelSecrets } from '../params.js';
import type { ChannelAction, ChannelContext, ChannelPeerMessage, ChannelState, CloseReason, ChannelStepResult } from './types.js';

const text = new TextEncoder();

/** The secp256k1 engine of this step. */
export function engineOf(ctx: ChannelContext): Secp256k1Engine {
  return ctx.engine ?? activeEngine();
}

/** Runs `fn` with the channel's secrets and zeroes them afterwards (STYLE rule 11). */
export function withSecrets<T>(ctx: ChannelContext, keyIndex: bigint, fn: (s: ChannelSecrets) => T): T {
  const s = ctx.secrets(keyIndex);
  try {
    return fn(s);
  } finally {
    zeroChannelSecrets(s);
  }
}

/** The id the peer knows this channel by now (temporary before funding_created/funding_signed). */
export function channelIdOf(s: ChannelState): Uint8Array {
  switch (s.kind) {
    case 'unopened':
    case 'closed':
    case 'aborted':
      return new Uint8Array(32);
    case 'waitAccept':
    case 'waitFundingTx':
    case 'waitFundingCreated':
    case 'waitFundingSigned':
      return s.temporaryChannelId;
    case 'waitConfirmed':
    case 'waitChannelReady':
    case 'normal':
    case 'shutdown':
    case 'negotiating':
    case 'closing':
    case 'errored':
      return s.commitments.channelId;
  }
}

/** `send` of one message. */
export function send(message: ChannelPeerMessage): ChannelAction {
  return { kind: 'send', message };
}

/** An `error` message for `channelId` (the text names the problem; it never holds secrets). */
export function errorMessage(channelId: Uint8Array, why: string): ErrorMessage {
  return { name: 'error', channelId, data: text.encode(why), tlvs: {} };
}

/** A `warning` message. */
export function warningMessage(channelId: Uint8Array, why: string): Warning {
  return { name: 'warning', channelId, data: text.encode(why), tlvs: {} };
}

/** Same state, plus actions. */
export function stay(state: ChannelState, ...actions: ChannelAction[]): ChannelStepResult {
  return { state, actions };
}

/** Send a `warning` and close the connection; the channel state stays (uncommitted updates die on reconnect). */
export function warnAndDisconnect(state: ChannelState, why: string): ChannelStepResult {
  return {
    state: isCommitted(state) ? { ...state, connected: false } : state,
    actions: [
      { kind: 'event', event: { kind: 'protocolViolation', text: why } },
      send(warningMessage(channelIdOf(state), why)),
      { kind: 'disconnect', reason: why },
    ],
  };
}

/** Whether `s` holds a signed funding (there is something on chain to take care of). */
export function isCommitted(s: ChannelState): boolean {
  return 'commitments' in s;
}

/** Give up a channel before funds are at stake: `error` to the peer (unless `quiet`), then forget it. */
export function abort(state: ChannelState, why: string, quiet = false): ChannelStepResult {
  const reason: CloseReason = { kind: 'abandoned', why };
  const actions: ChannelAction[] = quiet || !state.connected ? [] : [send(errorMessage(channelIdOf(state), why))];
  actions.push({ kind: 'closed', reason });
  const { remoteNodeId, features, keyIndex, connected } = state;
  return { state: { kind: 'aborted', remoteNodeId, features, keyIndex, connected, reason: why }, actions };
}

/**
 * Fail the channel by broadcasting our latest commitment (BOLT 5 "Failing a Channel"), after an
 * `error` to the peer unless the peer sent one. On-chain resolution continues in `../onchain/`.
 */
export function forceClose(state: ChannelState & { commitments: Commitments }, reason: CloseReason, ctx: ChannelContext, tellPeer: boolean): ChannelStepResult {
  const c = state.commitments;
  const actions: ChannelAction[] = [];
  if (tellPeer && state.connected) actions.push(send(errorMessage(c.channelId, 'why' in reason ? reason.why : 'closing')));
  const { remoteNodeId, features, keyIndex, connected } = state;
  if (c.localCommit.remoteSig === undefined) {
    // Nothing signed by the peer: nothing we could broadcast (and so nothing at stake).
    actions.push({ kind: 'closed', reason });
    return { state: { kind: 'aborted', remoteNodeId, features, keyIndex, connected, reason: 'why' in reason ? reason.why : 'closed' }, actions };
  }
  const raw = withSecrets(ctx, keyIndex, (s) => localCommitmentTx(c, s, [], engineOf(ctx)).raw);
  actions.push({ kind: 'broadcast', raw, what: 'commitment' });
  const broadcast = state.kind === 'closing' ? [...state.broadcast, raw] : [raw];
  return { state: { kind: 'closing', remoteNodeId, features, keyIndex, connected, commitments: c, reason, broadcast }, actions };
}

/** Apply the action a ledger failure asks for (see `../commitments/errors.ts`). */
export function onLedgerError(state: ChannelState & { commitments: Commitments }, e: CommitmentsError, ctx: ChannelContext, command?: string): ChannelStepResult {
  switch (e.action) {
    case 'refuse':
      return stay(state, { kind: 'event', event: { kind: 'commandFailed', command: (command ?? 'sign') as never, reason: e.message } });
    case 'warning':
      return warnAndDisconnect(state, e.message);
    case 'error': {
      // We may have lost data: ask the peer to close, never broadcast our (possibly revoked) commitment.
      const { remoteNodeId, features, keyIndex, connected } = state;
      return {
        state: { kind: 'errored', remoteNodeId, features, keyIndex, connected, commitments: state.commitments, reason: e.message },
        actions: [send(errorMessage(state.commitments.channelId, e.message)), { kind: 'event', event: { kind: 'protocolViolation', text: e.message } }],
      };
    }
    case 'forceClose':
      return forceClose(state, { kind: 'protocolError', why: e.message }, ctx, true);
  }
}
