/**
 * @module channel/commitments
 * The commitments ledger of a BOLT 2 channel: both commitment chains, updates in flight each way,
 * signing and revocation. Pure and sans-I/O: every function takes the ledger (plain data, see
 * `./types.ts`) and returns a new one plus the message fields to send, or a typed `CommitmentsError`
 * carrying the action BOLT 2 calls for (`refuse | warning | error | forceClose`).
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 *
 * Establishment (v1):
 *   c = initialCommitments({ params, fundingTxid, fundingVout, feeratePerKw })   commitment #0 both sides
 *   signRemoteCommitment(c, secrets).signature      → funding_created / funding_signed `signature`
 *   receiveInitialSignature(c, sig)                 ← the peer's signature of our #0
 *   channelReadyPoint(secrets) / receiveChannelReady(c, point)   channel_ready's second point
 *
 * Normal operation (each returns `{ ok: true, commitments, ... } | { ok: false, error }`):
 *   sendAdd / receiveAdd, sendFulfill / receiveFulfill, sendFail / receiveFail,
 *   sendFailMalformed / receiveFailMalformed, sendFee / receiveFee        update_* messages
 *   sendCommit(c, secrets)          → commitment_signed fields (HTLC sigs in BOLT 3 output order)
 *   receiveCommit(c, msg, secrets)  → revoke_and_ack fields (persist the ledger before sending!)
 *   receiveRevoke(c, msg)           → `settled`: peer HTLCs now irrevocable (relay them), removals of ours
 *
 *   A                                         B          ledger stages of an update sent by A
 *   sendAdd ───── update_add_htlc ─────────▶ receiveAdd   A local.proposed   B remote.proposed
 *   sendCommit ── commitment_signed ───────▶ receiveCommit A local.signed    B remote.acked
 *   receiveRevoke ◀──── revoke_and_ack ───── (B's output)  A local.acked     B remote.acked
 *   receiveCommit ◀─── commitment_signed ─── sendCommit    A (in A's commit) B remote.signed
 *   (A's output) ───── revoke_and_ack ─────▶ receiveRevoke A gone           B gone: irrevocable
 *
 * Reconnection: onDisconnect(c) drops uncommitted updates; reestablishFields(c, secrets) is our
 * channel_reestablish; onReestablish(c, theirs, secrets) says what to retransmit, in order, or who lost
 * data (`weAreBehind` → action `error`: never broadcast).
 *
 * Queries: balances, htlcs, hasPendingChanges, hasHtlcs, local/remoteHasUnsignedChanges,
 * localCommitmentTx (signed, ready to broadcast), remoteChainInfo / remotePerCommitmentSecret (BOLT 5),
 * htlcDeadlines(c, height) (HTLCs that force a close or must be failed back at this block),
 * maxSendableMsat (the largest HTLC sendAdd accepts now).
 *
 * Persistence: the caller persists the returned ledger before sending what it returned. Secrets are
 * never stored in the ledger; pass `ChannelSecrets` to the functions that sign.
 *
 * Does not: encode messages, persist, talk to peers, decide policy beyond `CommitmentsPolicy`, or
 * handle splicing / interactive funding.
 */
export * from './types.js';
export { COMMITMENTS_ERROR_KINDS, CommitmentsError } from './errors.js';
export type { CommitmentsAction, CommitmentsErrorKind, CommitmentsResult } from './errors.js';
export * from './constants.js';
export { channelIdFromFunding, initialCommitments, signRemoteCommitment, receiveInitialSignature, channelReadyPoint, receiveChannelReady } from './init.js';
export type { InitialCommitmentsInput } from './init.js';
export { buildLocalCommitment, buildRemoteCommitment, localPerCommitmentPoint } from './build.js';
export type { ChannelFrame } from './build.js';
export { sendAdd, receiveAdd, sendFulfill, receiveFulfill, sendFail, receiveFail, sendFailMalformed, receiveFailMalformed, sendFee, receiveFee, DEFAULT_FEERATE_BOUNDS } from './updates.js';
export type { AddHtlcCommand, FeerateBounds } from './updates.js';
export { sendCommit, receiveCommit, receiveRevoke, localHasChanges, remoteHasChanges } from './sign.js';
export type { Settled } from './sign.js';
export { onDisconnect, reestablishFields, onReestablish } from './reestablish.js';
export type { Retransmission, ReestablishOutcome } from './reestablish.js';
export { balances, htlcs, hasPendingChanges, hasHtlcs, localHasUnsignedChanges, remoteHasUnsignedChanges, localCommitmentTx, remoteChainInfo, remotePerCommitmentSecret } from './queries.js';
export { maxSendableMsat } from './capacity.js';
export { htlcDeadlines, OFFERED_HTLC_GRACE_BLOCKS, FULFILL_SAFETY_BLOCKS } from './deadlines.js';
export type { HtlcDeadlines } from './deadlines.js';
export type { BalanceView, HtlcState, LocalHtlcTx, SignedLocalCommitment, RemoteChainInfo } from './queries.js';
