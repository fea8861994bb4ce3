/**
 * @module channel/onchain/rebuild
 * Rebuilds, from an {@link OnchainChannel}, the BOLT 3 commitment transactions the resolver must
 * recognise (ours, the peer's current and next) with the keys of each side, and the keys of a revoked
 * peer commitment from its revealed secret.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction
 *
 * Does not: sign anything, or decide what to do with an output (see `./plans.ts`).
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { buildCommitment, type Commitment, type CommitmentSpec } from '../commitment.js';
import { commitmentKeys, perCommitmentPoint, type CommitmentKeys } from '../keys.js';
import { commitmentSpecOf, paramsObscuringFactor, type ChannelSecrets } from '../params.js';
import { p2wpkh, p2wsh, toRemoteAnchorsScript } from '../scripts.js';
import { commitmentIndex, generateFromSeed } from '../shachain.js';
import type { CommitmentState, OnchainChannel } from './types.js';

/** The channel's 48-bit commitment-number obscuring factor (opener's payment basepoint first). */
export function channelObscuringFactor(ch: OnchainChannel): bigint {
  return paramsObscuringFactor(ch.params);
}

/** Our per-commitment point for commitment number `n` (from our seed), to fill `LocalCommitmentState.perCommitmentPoint`. */
export function ourPerCommitmentPoint(secrets: ChannelSecrets, n: number, engine?: Secp256k1Engine): Uint8Array {
  const secret = generateFromSeed(secrets.perCommitmentSeed, commitmentIndex(n));
  const point = perCommitmentPoint(secret, engine);
  secret.fill(0);
  return point;
}

/** Keys of our commitment at `point` (we are the owner). */
export function ourCommitmentKeys(ch: OnchainChannel, point: Uint8Array, engine?: Secp256k1Engine): CommitmentKeys {
  return commitmentKeys(ch.params.local.basepoints, ch.params.remote.basepoints, point, engine);
}

/** Keys of the peer's commitment at its `point` (the peer is the owner). */
export function theirCommitmentKeys(ch: OnchainChannel, point: Uint8Array, engine?: Secp256k1Engine): CommitmentKeys {
  return commitmentKeys(ch.params.remote.basepoints, ch.params.local.basepoints, point, engine);
}

function specOf(ch: OnchainChannel, state: CommitmentState, keys: CommitmentKeys, ours: boolean): CommitmentSpec {
  return commitmentSpecOf(ch.params, { txid: ch.fundingTxid, vout: ch.fundingVout }, ours, state, keys);
}

/** Our latest local commitment, unsigned. */
export function rebuildLocal(ch: OnchainChannel, engine?: Secp256k1Engine): Commitment {
  return buildCommitment(specOf(ch, ch.local, ourCommitmentKeys(ch, ch.local.perCommitmentPoint, engine), true));
}

/** One of the peer's commitments (`state` from the peer's point of view) at its `point`. */
export function rebuildRemote(ch: OnchainChannel, state: CommitmentState, point: Uint8Array, engine?: Secp256k1Engine): Commitment {
  return buildCommitment(specOf(ch, state, theirCommitmentKeys(ch, point, engine), false));
}

/** The `to_self_delay` that binds the `to_local` (and HTLC-tx outputs) of our / the peer's commitment. */
export function delayOf(ch: OnchainChannel, ours: boolean): number {
  return ours ? ch.params.remote.toSelfDelay : ch.params.local.toSelfDelay;
}

/**
 * Our `to_remote` output script on any of the peer's commitments. With `option_static_remotekey` (and
 * `option_anchors`) it does not depend on the per-commitment point, which is what lets a node that lost
 * its state still find and sweep it.
 */
export function ourToRemoteScript(ch: OnchainChannel): { script: Uint8Array; witnessScript: Uint8Array | undefined } {
  const key = ch.params.local.basepoints.paymentBasepoint;
  if (ch.params.format === 'anchors') {
    const witnessScript = toRemoteAnchorsScript(key);
    return { script: p2wsh(witnessScript), witnessScript };
  }
  return { script: p2wpkh(key), witnessScript: undefined };
}
