/**
 * @module channel/commitments/init
 * The ledger's birth during channel establishment v1 (BOLT 2): `channel_id` from the funding outpoint,
 * commitment #0 on both sides from `funding_satoshis` / `push_msat`, our signature of the peer's #0
 * (`funding_created` / `funding_signed`), the peer's signature of ours, and `channel_ready`'s second
 * per-commitment point.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#channel-establishment-v1
 *
 * Does not: check `open_channel` / `accept_channel` policy (the state machine does), or build the
 * funding transaction.
 */
import { activeEngine } from '../../crypto/engines.js';
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { expectBytes } from '../errors.js';
import { MSAT_PER_SAT } from '../constants.js';
import type { ChannelParams, ChannelSecrets } from '../params.js';
import { buildLocalCommitment, buildRemoteCommitment, checkLocalSigs, commitmentTxid, localPerCommitmentPoint, signRemote } from './build.js';
import { DEFAULT_POLICY } from './constants.js';
import { fail, type CommitmentsResult as Result } from './errors.js';
import { funderCostMsat, mirror } from './spec.js';
import type { CommitSpec, CommitmentSigned, Commitments, CommitmentsPolicy } from './types.js';

/** `funding_output_index` is a u16 in `funding_created`, and packed into the last 2 bytes of `channel_id`. */
const MAX_FUNDING_VOUT = 0xffff;

/**
 * BOLT 2 `channel_id`: the funding txid (serialised byte order, as in `funding_created`) with the
 * output index XORed into its last two bytes, big-endian.
 */
export function channelIdFromFunding(fundingTxid: Uint8Array, fundingVout: number): Uint8Array {
  expectBytes(fundingTxid, 32, 'funding_txid');
  if (!Number.isInteger(fundingVout) || fundingVout < 0 || fundingVout > MAX_FUNDING_VOUT) throw new RangeError('funding_output_index must be a u16');
  // BOLT #2: It's
  // derived from the funding transaction by combining the `funding_txid`
  // and the `funding_output_index`, using big-endian exclusive-OR
  // (i.e. `funding_output_index` alters the last 2 bytes).
  const id = Uint8Array.from(fundingTxid);
  id[30]! ^= fundingVout >> 8;
  id[31]! ^= fundingVout & 0xff;
  return id;
}

/** Inputs of {@link initialCommitments}. */
export interface InitialCommitmentsInput {
  readonly params: ChannelParams;
  /** Funding txid in serialised byte order (as in `funding_created`). */
  readonly fundingTxid: Uint8Array;
  readonly fundingVout: number;
  /** `feerate_per_kw` from `open_channel`. */
  readonly feeratePerKw: number;
  /** Local policy; defaults to {@link DEFAULT_POLICY}. */
  readonly policy?: CommitmentsPolicy;
}

/**
 * Commitment #0 on both sides: the funder holds `funding_satoshis` − `push_msat`, the other side
 * `push_msat`; no HTLCs. The peer's #0 uses `params.remote.firstPerCommitmentPoint`, ours
 * `params.local.firstPerCommitmentPoint`. Fails with `cannotAffordFees` (`forceClose` before any
 * signature exists means: abandon the channel) if the funder cannot pay the fee and anchors of #0.
 */
export function initialCommitments(input: InitialCommitmentsInput, engine: Secp256k1Engine = activeEngine()): Result<{ commitments: Commitments }> {
  const { params: p, fundingTxid, fundingVout, feeratePerKw } = input;
  const funderMsat = p.fundingSat * MSAT_PER_SAT - p.pushMsat;
  if (p.pushMsat < 0n || funderMsat < 0n) return fail('insufficientFunds', 'forceClose', 'push_msat exceeds the funding amount');
  const local: CommitSpec = {
    feeratePerKw,
    toLocalMsat: p.weAreFunder ? funderMsat : p.pushMsat,
    toRemoteMsat: p.weAreFunder ? p.pushMsat : funderMsat,
    htlcs: [],
  };
  const remote = mirror(local);
  // BOLT #2: - the funder's amount for the initial commitment transaction is not sufficient for full [fee payment](03-transactions.md#fee-payment).
  const need = [funderCostMsat(local, p.local.dustLimitSat, p.format), funderCostMsat(remote, p.remote.dustLimitSat, p.format)];
  if (need.some((n) => n > funderMsat)) return fail('cannotAffordFees', 'forceClose', 'the funder cannot pay the fee of the first commitment');
  const frame = { params: p, fundingTxid, fundingVout };
  const localTx = buildLocalCommitment(frame, 0, local, p.local.firstPerCommitmentPoint, engine);
  const remoteTx = buildRemoteCommitment(frame, 0, remote, p.remote.firstPerCommitmentPoint, engine);
  const commitments: Commitments = {
    version: 1,
    params: p,
    policy: input.policy ?? DEFAULT_POLICY,
    channelId: channelIdFromFunding(fundingTxid, fundingVout),
    fundingTxid: Uint8Array.from(fundingTxid),
    fundingVout,
    localCommit: { index: 0, spec: local, txid: commitmentTxid(localTx), htlcRemoteSigs: [] },
    remoteCommit: { index: 0, spec: remote, txid: commitmentTxid(remoteTx), remotePerCommitmentPoint: p.remote.firstPerCommitmentPoint },
    nextRemote: { kind: 'awaitingSecondPoint' },
    localChanges: { proposed: [], signed: [], acked: [] },
    remoteChanges: { proposed: [], acked: [], signed: [] },
    localNextHtlcId: 0n,
    remoteNextHtlcId: 0n,
    remotePerCommitmentSecrets: [],
  };
  return { ok: true, commitments };
}

/**
 * Our signature of the peer's current commitment (`c.remoteCommit`): for #0 this is the `signature` of
 * `funding_created` (funder) or `funding_signed` (fundee). Deterministic: signing again gives the same bytes.
 */
export function signRemoteCommitment(c: Commitments, secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): CommitmentSigned {
  const rc = c.remoteCommit;
  return signRemote(buildRemoteCommitment(c, rc.index, rc.spec, rc.remotePerCommitmentPoint, engine), rc.remotePerCommitmentPoint, secrets, engine);
}

/**
 * The peer's signature of our commitment #0 (from `funding_created` or `funding_signed`): verified
 * (valid and low-S) and stored. After this, our commitment #0 can be broadcast.
 */
export function receiveInitialSignature(c: Commitments, signature: Uint8Array, engine: Secp256k1Engine = activeEngine()): Result<{ commitments: Commitments }> {
  if (c.localCommit.index !== 0 || c.localCommit.remoteSig !== undefined) return fail('unexpectedMessage', 'warning', 'the first commitment is already signed');
  const tx = buildLocalCommitment(c, 0, c.localCommit.spec, c.params.local.firstPerCommitmentPoint, engine);
  // BOLT #2: - if `signature` is incorrect OR non-compliant with LOW-S-standard rule<sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
  // - MUST send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  const { check } = checkLocalSigs(c, tx, { signature, htlcSignatures: [] }, engine);
  if (check !== undefined) return fail('invalidCommitmentSig', 'warning', 'the signature of our first commitment is invalid');
  return { ok: true, commitments: { ...c, localCommit: { ...c.localCommit, remoteSig: Uint8Array.from(signature) } } };
}

/** `second_per_commitment_point` for our `channel_ready`: our point for commitment #1. */
export function channelReadyPoint(secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  return localPerCommitmentPoint(secrets, 1, engine);
}

/**
 * The peer's `channel_ready`: its `second_per_commitment_point` lets us sign its commitment #1. A
 * repeated `channel_ready` (after reconnection) is ignored, as BOLT 2 says.
 */
export function receiveChannelReady(c: Commitments, secondPerCommitmentPoint: Uint8Array, engine: Secp256k1Engine = activeEngine()): Result<{ commitments: Commitments }> {
  // BOLT #2: - MUST ignore any redundant `channel_ready` it receives.
  if (c.nextRemote.kind !== 'awaitingSecondPoint') return { ok: true, commitments: c };
  if (!engine.isValidPublicKey(secondPerCommitmentPoint)) return fail('invalidUpdate', 'warning', 'second_per_commitment_point is not a valid point');
  return { ok: true, commitments: { ...c, nextRemote: { kind: 'ready', perCommitmentPoint: Uint8Array.from(secondPerCommitmentPoint) } } };
}
