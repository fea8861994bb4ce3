/**
 * @module channel/machine/normal
 * `normal` and `shutdown`: commands and peer updates delegated to the commitments ledger
 * (`../commitments/`), automatic re-signing after the peer's commitment_signed / revoke_and_ack, and
 * the shutdown exchange (script forms, upfront script, draining HTLCs) up to closing negotiation.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation,
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#closing-initiation-shutdown
 *
 * Signing policy: our own updates wait for the `sign` command (the backend batches them); after the
 * peer's `commitment_signed` or `revoke_and_ack` we sign at once if anything is left to sign, so the
 * two commitments converge without the backend's help.
 * Does not: negotiate the closing fee (`./negotiate.ts`), or relay HTLCs (events tell the backend).
 */
import type { Shutdown } from '../../wire/index.js';
import {
  hasHtlcs, hasPendingChanges, localHasChanges, receiveAdd, receiveCommit, receiveFail, receiveFailMalformed, receiveFee, receiveFulfill,
  receiveRevoke, sendAdd, sendCommit, sendFail, sendFailMalformed, sendFee, sendFulfill,
} from '../commitments/index.js';
import type { Commitments, Update } from '../commitments/types.js';
import { isValidShutdownScript } from '../closing.js';
import { engineOf, forceClose, onLedgerError, send, stay, warnAndDisconnect, withSecrets } from './common.js';
import { startNegotiation } from './negotiate.js';
import type { ChannelAction, ChannelCommand, ChannelContext, ChannelPeerMessage, ChannelState, ShutdownInfo, ChannelStepResult } from './types.js';
import { equal } from './validate.js';

/** States that run the ledger. */
export type Operating = Extract<ChannelState, { kind: 'normal' | 'shutdown' }>;

/** An update as its wire message. */
export function updateMessage(channelId: Uint8Array, u: Update): ChannelPeerMessage {
  switch (u.kind) {
    case 'add': {
      const h = u.htlc;
      return { name: 'update_add_htlc', channelId, id: h.id, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onionRoutingPacket: h.onionRoutingPacket, tlvs: h.pathKey ? { blindedPath: { pathKey: h.pathKey } } : {} };
    }
    case 'fulfill':
      return { name: 'update_fulfill_htlc', channelId, id: u.id, paymentPreimage: u.paymentPreimage, tlvs: {} };
    case 'fail':
      return { name: 'update_fail_htlc', channelId, id: u.id, reason: u.reason, tlvs: {} };
    case 'failMalformed':
      return { name: 'update_fail_malformed_htlc', channelId, id: u.id, sha256OfOnion: u.sha256OfOnion, failureCode: u.failureCode, tlvs: {} };
    case 'fee':
      return { name: 'update_fee', channelId, feeratePerKw: u.feeratePerKw, tlvs: {} };
  }
}

/** Our `commitment_signed` if there is something to sign and we may sign now; else nothing. */
function signIfNeeded(c: Commitments, ctx: ChannelContext, keyIndex: bigint): { commitments: Commitments; actions: ChannelAction[] } {
  if (!localHasChanges(c) || c.nextRemote.kind !== 'ready') return { commitments: c, actions: [] };
  const r = withSecrets(ctx, keyIndex, (sec) => sendCommit(c, sec, engineOf(ctx)));
  if (!r.ok) return { commitments: c, actions: [] };
  const m = r.commitmentSigned;
  return { commitments: r.commitments, actions: [send({ name: 'commitment_signed', channelId: c.channelId, signature: m.signature, htlcSignature: [...m.htlcSignatures], tlvs: {} })] };
}

/**
 * After every ledger step in `shutdown`: send our `shutdown` once none of our updates is unsigned,
 * and start closing negotiation once both sides sent `shutdown` and nothing is left in flight.
 */
export function progressShutdown(s: Operating, actions: ChannelAction[], ctx: ChannelContext): ChannelStepResult {
  if (s.kind !== 'shutdown') return { state: s, actions };
  let sh = s.shutdown;
  let c = s.commitments;
  if (!sh.localSent && c.localChanges.proposed.length > 0 && s.connected) {
    // BOLT #2: - if there are updates pending on the receiving node's commitment transaction:
    //     - MUST NOT send a `shutdown`.
    //
    // So we sign them first (as the BOLT 2 rationale says), when we may sign now.
    const signed = signIfNeeded(c, ctx, s.keyIndex);
    c = signed.commitments;
    actions.push(...signed.actions);
  }
  if (!sh.localSent && c.localChanges.proposed.length === 0 && s.connected) {
    actions.push(send(shutdownMessage(c.channelId, sh.localScript)));
    sh = { ...sh, localSent: true };
  }
  const next: Operating = { ...s, commitments: c, shutdown: sh };
  if (sh.localSent && sh.remoteScript !== undefined && !hasPendingChanges(c) && !hasHtlcs(c)) {
    const r = startNegotiation({ ...next, shutdown: { ...sh, remoteScript: sh.remoteScript } }, ctx);
    return { state: r.state, actions: [...actions, ...r.actions] };
  }
  return { state: next, actions };
}

function shutdownMessage(channelId: Uint8Array, script: Uint8Array): Shutdown {
  return { name: 'shutdown', channelId, scriptpubkey: script, tlvs: {} };
}

/** A command in `normal` / `shutdown`. */
export function onCommand(s: Operating, cmd: Exclude<ChannelCommand, { kind: 'open' }>, ctx: ChannelContext): ChannelStepResult {
  const c = s.commitments;
  const failed = (reason: string): ChannelStepResult => stay(s, { kind: 'event', event: { kind: 'commandFailed', command: cmd.kind, reason } });
  const ok = (commitments: Commitments, message: ChannelPeerMessage): ChannelStepResult => progressShutdown({ ...s, commitments }, [send(message)], ctx);
  switch (cmd.kind) {
    case 'addHtlc': {
      // BOLT #2: - MUST NOT send an `update_add_htlc` after a `shutdown`.
      if (s.kind === 'shutdown') return failed('the channel is shutting down');
      const r = sendAdd(c, cmd);
      return r.ok ? ok(r.commitments, updateMessage(c.channelId, { kind: 'add', htlc: r.add })) : failed(r.error.message);
    }
    case 'fulfill': {
      const r = sendFulfill(c, cmd.id, cmd.paymentPreimage);
      return r.ok ? ok(r.commitments, updateMessage(c.channelId, r.update)) : failed(r.error.message);
    }
    case 'fail': {
      const r = sendFail(c, cmd.id, cmd.reason);
      return r.ok ? ok(r.commitments, updateMessage(c.channelId, r.update)) : failed(r.error.message);
    }
    case 'failMalformed': {
      const r = sendFailMalformed(c, cmd.id, cmd.sha256OfOnion, cmd.failureCode);
      return r.ok ? ok(r.commitments, updateMessage(c.channelId, r.update)) : failed(r.error.message);
    }
    case 'updateFee': {
      const r = sendFee(c, cmd.feeratePerKw, { minPerKw: ctx.policy.minFeeratePerKw, maxPerKw: ctx.policy.maxFeeratePerKw });
      return r.ok ? ok(r.commitments, updateMessage(c.channelId, { kind: 'fee', feeratePerKw: r.feeratePerKw })) : failed(r.error.message);
    }
    case 'sign': {
      const r = withSecrets(ctx, s.keyIndex, (sec) => sendCommit(c, sec, engineOf(ctx)));
      if (!r.ok) return failed(r.error.message);
      const m = r.commitmentSigned;
      return ok(r.commitments, { name: 'commitment_signed', channelId: c.channelId, signature: m.signature, htlcSignature: [...m.htlcSignatures], tlvs: {} });
    }
    case 'close':
      return closeCommand(s, cmd, ctx);
    case 'forceClose':
      return forceClose(s, { kind: 'localForce', why: cmd.reason }, ctx, true);
  }
}

/** The script rules the negotiated features allow. */
function scriptRules(s: ChannelState): { anySegwit: boolean; simpleClose: boolean } {
  return { anySegwit: s.features.shutdownAnySegwit, simpleClose: s.features.simpleClose };
}

/** Command `close` (mutual): our `shutdown`, now or once our unsigned updates are signed. */
function closeCommand(s: Operating, cmd: Extract<ChannelCommand, { kind: 'close' }>, ctx: ChannelContext): ChannelStepResult {
  const failed = (reason: string): ChannelStepResult => stay(s, { kind: 'event', event: { kind: 'commandFailed', command: 'close', reason } });
  if (s.kind === 'shutdown' && s.shutdown.localSent) return failed('shutdown already sent');
  const upfront = s.commitments.params.local.upfrontShutdownScript;
  // BOLT #2: - if it sent a non-zero-length `shutdown_scriptpubkey` in `open_channel` or `accept_channel`:
  //     - MUST send the same value in `scriptpubkey`.
  if (upfront !== undefined && cmd.scriptpubkey !== undefined && !equal(upfront, cmd.scriptpubkey)) return failed('we committed to an upfront shutdown script; close must pay to it');
  const script = upfront ?? cmd.scriptpubkey ?? ctx.defaultShutdownScript;
  if (!isValidShutdownScript(script, scriptRules(s))) return failed('the shutdown script is not one of the forms BOLT 2 allows for this peer');
  const feeratePerKw = cmd.feeratePerKw ?? ctx.closingFeeratePerKw;
  const shutdown: ShutdownInfo = s.kind === 'shutdown' ? { ...s.shutdown, localScript: script, feeratePerKw } : { localScript: script, localSent: false, feeratePerKw };
  const { kind: _k, ...rest } = s;
  return progressShutdown({ ...rest, kind: 'shutdown', shutdown }, [], ctx);
}

/** The peer's `shutdown` in `normal` / `shutdown`. */
export function onShutdown(s: Operating, m: Shutdown, ctx: ChannelContext): ChannelStepResult {
  // BOLT #2: - if the `scriptpubkey` is not in one of the above forms:
  //     - SHOULD send a `warning`.
  if (!isValidShutdownScript(m.scriptpubkey, scriptRules(s))) return warnAndDisconnect(s, 'shutdown scriptpubkey is not in an allowed form');
  const upfront = s.commitments.params.remote.upfrontShutdownScript;
  // BOLT #2: - if both nodes advertised the `option_upfront_shutdown_script` feature, and the receiving node received a non-zero-length `shutdown_scriptpubkey` in `open_channel` or `accept_channel`, and that `shutdown_scriptpubkey` is not equal to `scriptpubkey`:
  //     - MAY send a `warning`.
  //     - MUST fail the connection.
  if (upfront !== undefined && s.features.upfrontShutdownScript && !equal(upfront, m.scriptpubkey)) return warnAndDisconnect(s, 'shutdown scriptpubkey differs from the upfront_shutdown_script');
  if (s.kind === 'shutdown' && s.shutdown.remoteScript !== undefined) return warnAndDisconnect(s, 'a second shutdown');
  const ours = s.commitments.params.local.upfrontShutdownScript ?? ctx.defaultShutdownScript;
  const shutdown: ShutdownInfo = s.kind === 'shutdown'
    ? { ...s.shutdown, remoteScript: Uint8Array.from(m.scriptpubkey) }
    : { localScript: ours, localSent: false, remoteScript: Uint8Array.from(m.scriptpubkey), feeratePerKw: ctx.closingFeeratePerKw };
  const { kind: _k, ...rest } = s;
  // BOLT #2: - once there are no outstanding updates on the peer, UNLESS it has already sent a `shutdown`:
  //     - MUST reply to a `shutdown` message with a `shutdown`
  return progressShutdown({ ...rest, kind: 'shutdown', shutdown }, [], ctx);
}

/** A peer update or signature message in `normal` / `shutdown`. */
export function onUpdateMessage(s: Operating, m: ChannelPeerMessage, ctx: ChannelContext): ChannelStepResult {
  const c = s.commitments;
  const engine = engineOf(ctx);
  const next = (commitments: Commitments, actions: ChannelAction[] = []): ChannelStepResult => progressShutdown({ ...s, commitments }, actions, ctx);
  switch (m.name) {
    case 'update_add_htlc': {
      // BOLT #2: - MUST NOT send an `update_add_htlc` after a `shutdown`.
      if (s.kind === 'shutdown' && s.shutdown.remoteScript !== undefined) return warnAndDisconnect(s, 'update_add_htlc after shutdown');
      const r = receiveAdd(c, { id: m.id, amountMsat: m.amountMsat, paymentHash: m.paymentHash, cltvExpiry: m.cltvExpiry, onionRoutingPacket: m.onionRoutingPacket, ...(m.tlvs.blindedPath ? { pathKey: m.tlvs.blindedPath.pathKey } : {}) });
      return r.ok ? next(r.commitments) : onLedgerError(s, r.error, ctx);
    }
    case 'update_fulfill_htlc': {
      const r = receiveFulfill(c, m.id, m.paymentPreimage);
      // The preimage is ours to use upstream at once, before it is irrevocably committed.
      return r.ok ? next(r.commitments, [{ kind: 'event', event: { kind: 'htlcFulfilledByPeer', id: m.id, paymentPreimage: m.paymentPreimage } }]) : onLedgerError(s, r.error, ctx);
    }
    case 'update_fail_htlc': {
      const r = receiveFail(c, m.id, m.reason);
      return r.ok ? next(r.commitments) : onLedgerError(s, r.error, ctx);
    }
    case 'update_fail_malformed_htlc': {
      const r = receiveFailMalformed(c, m.id, m.sha256OfOnion, m.failureCode);
      return r.ok ? next(r.commitments) : onLedgerError(s, r.error, ctx);
    }
    case 'update_fee': {
      const r = receiveFee(c, m.feeratePerKw, { minPerKw: ctx.policy.minFeeratePerKw, maxPerKw: ctx.policy.maxFeeratePerKw });
      return r.ok ? next(r.commitments) : onLedgerError(s, r.error, ctx);
    }
    case 'commitment_signed': {
      const r = withSecrets(ctx, s.keyIndex, (sec) => receiveCommit(c, { signature: m.signature, htlcSignatures: m.htlcSignature }, sec, engine));
      if (!r.ok) return onLedgerError(s, r.error, ctx);
      const revoke = send({ name: 'revoke_and_ack', channelId: c.channelId, perCommitmentSecret: r.revokeAndAck.perCommitmentSecret, nextPerCommitmentPoint: r.revokeAndAck.nextPerCommitmentPoint, tlvs: {} });
      const signed = signIfNeeded(r.commitments, ctx, s.keyIndex);
      return next(signed.commitments, [revoke, ...signed.actions]);
    }
    case 'revoke_and_ack': {
      const r = receiveRevoke(c, { perCommitmentSecret: m.perCommitmentSecret, nextPerCommitmentPoint: m.nextPerCommitmentPoint }, engine);
      if (!r.ok) return onLedgerError(s, r.error, ctx);
      const settled: ChannelAction[] = r.settled.forwardAdds.length + r.settled.removals.length > 0
        ? [{ kind: 'event', event: { kind: 'htlcsSettled', forwardAdds: r.settled.forwardAdds, removals: r.settled.removals } }] : [];
      const signed = signIfNeeded(r.commitments, ctx, s.keyIndex);
      return next(signed.commitments, [...settled, ...signed.actions]);
    }
    default:
      return warnAndDisconnect(s, `unexpected ${m.name} in ${s.kind}`);
  }
}
