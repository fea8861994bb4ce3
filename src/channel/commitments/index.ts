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
 * Does not: encode messages, persist, talk to peers, decide policy beyond `CommitmentsPolicy`, or
 * handle splicing / interactive funding.
 */
export * from './types.js';
export { COMMITMENTS_ERROR_KINDS, CommitmentsError } from './errors.js';
export type { CommitmentsAction, CommitmentsErrorKind, CommitmentsResult } from './errors.js';
export * from './constants.js';
export { channelIdFromFunding, initialCommitments, signRemoteCommitment, receiveInitialSignature, channelReadyPoint, receiveChannelReady } from './init.js';
export type { InitialCommitmentsInput } from './init.js';
export { localPerCommitmentPoint } from './build.js';
