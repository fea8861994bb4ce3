/**
 * @module channel/onchain/classify
 * Which transaction spent a channel's funding output (BOLT 5): the mutual close, our commitment, the
 * peer's current or next commitment, a revoked peer commitment, or something we cannot place.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Our and the peer's valid commitments are recognised by txid (rebuilt from the channel state). A
 * revoked one by its commitment number — recovered from `nLockTime` / `nSequence` with the obscuring
 * factor — for which the peer revealed the secret, confirmed by an output paying the revoked
 * `to_local` script, our `to_remote` script or a known HTLC at the revoked keys. A commitment
 * numbered above the peer's latest means we lost state (`unknown`, reason `remoteAhead`); anything
 * else is `unknown`, reason `unrecognized`.
 *
 * Does not: check signatures (an invalid transaction never confirms; the caller feeds confirmed or
 * mempool-accepted transactions only) or build claims (see `./plans.ts`).
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { assertNever } from '../../errors.js';
import { commitmentNumberFromTx, type Commitment } from '../commitment.js';
import { COMMITMENT_LOCKTIME_PREFIX, COMMITMENT_SEQUENCE_PREFIX } from '../constants.js';
import { ChannelTxError } from '../errors.js';
import { derivePubkey, perCommitmentPoint, revocationPubkey } from '../keys.js';
import { OP, p2wsh, toLocalScript } from '../scripts.js';
import { PerCommitmentSecretStore, commitmentIndex } from '../shachain.js';
import { txid, type Transaction } from '../tx.js';
import { channelObscuringFactor, delayOf, ourToRemoteScript, rebuildLocal, rebuildRemote, theirCommitmentKeys } from './rebuild.js';
import { matchRevokedHtlcs } from './revoked-htlcs.js';
import { OnchainError, sameBytes, type OnchainChannel, type RemoteCommitmentState } from './types.js';

/** What spent the funding output. */
export type SpendKind =
  | { readonly kind: 'mutualClose' }
  | { readonly kind: 'localCommitment'; readonly commitmentNumber: number }
  | { readonly kind: 'remoteCommitment'; readonly which: 'current' | 'next'; readonly commitmentNumber: number }
  | { readonly kind: 'revokedCommitment'; readonly commitmentNumber: number }
  | { readonly kind: 'unknown'; readonly reason: 'remoteAhead' | 'unrecognized'; readonly commitmentNumber?: number };

/** {@link SpendKind} with what planning needs (rebuilt commitments, the revoked secret). */
export type Identified =
  | { readonly kind: 'mutualClose' }
  | { readonly kind: 'localCommitment'; readonly commitmentNumber: number; readonly commitment: Commitment }
  | {
    readonly kind: 'remoteCommitment';
    readonly which: 'current' | 'next';
    readonly commitmentNumber: number;
    readonly commitment: Commitment;
    readonly state: RemoteCommitmentState;
  }
  | { readonly kind: 'revokedCommitment'; readonly commitmentNumber: number; readonly secret: Uint8Array }
  | { readonly kind: 'unknown'; readonly reason: 'remoteAhead' | 'unrecognized'; readonly commitmentNumber?: number };

/** Index of the input spending the funding outpoint; throws `notFundingSpend` if there is none. */
export function fundingInputIndex(ch: OnchainChannel, tx: Transaction): number {
  const i = tx.inputs.findIndex((inp) => inp.vout === ch.fundingVout && sameBytes(inp.txid, ch.fundingTxid));
  if (i < 0) throw new OnchainError('notFundingSpend', 'the transaction does not spend the channel funding output');
  return i;
}

/** Whether `tx` has the shape of a BOLT 3 commitment (one input, 0x20 locktime and 0x80 sequence prefixes). */
function looksLikeCommitment(tx: Transaction): boolean {
  const seq = tx.inputs[0]!.sequence;
  return tx.inputs.length === 1 && tx.locktime >>> 24 === COMMITMENT_LOCKTIME_PREFIX && seq >>> 24 === COMMITMENT_SEQUENCE_PREFIX;
}

/** Every output pays a shutdown script, or is an `OP_RETURN` (`option_simple_close` may replace a dust closer output with one). */
function isMutualClose(ch: OnchainChannel, tx: Transaction): boolean {
  const s = ch.shutdown;
  const ours = (script: Uint8Array): boolean => sameBytes(script, s!.local) || sameBytes(script, s!.remote);
  return s !== undefined && tx.outputs.some((o) => ours(o.script)) && tx.outputs.every((o) => ours(o.script) || o.script[0] === OP.OP_RETURN);
}

/** The revealed secret of the peer's commitment `n`, or undefined if it was not revoked. The caller zeroes it. */
export function peerRevokedSecret(ch: OnchainChannel, n: number): Uint8Array | undefined {
  if (ch.remoteSecrets.length === 0) return undefined;
  const store = PerCommitmentSecretStore.fromEntries(ch.remoteSecrets);
  try {
    return store.derive(commitmentIndex(n));
  } catch (e) {
    if (e instanceof ChannelTxError && e.kind === 'secretUnknown') return undefined;
    throw e;
  } finally {
    store.clear();
  }
}

/** The peer's revoked `to_local` witness script at commitment point `point`. */
export function revokedToLocalScript(ch: OnchainChannel, point: Uint8Array, engine?: Secp256k1Engine): Uint8Array {
  const rev = revocationPubkey(ch.params.local.basepoints.revocationBasepoint, point, engine);
  const delayed = derivePubkey(ch.params.remote.basepoints.delayedPaymentBasepoint, point, engine);
  return toLocalScript(rev, delayOf(ch, false), delayed);
}

/** Identifies a transaction spending the funding output (see the module comment). */
export function identifySpend(ch: OnchainChannel, tx: Transaction, engine?: Secp256k1Engine): Identified {
  fundingInputIndex(ch, tx);
  if (!looksLikeCommitment(tx)) {
    // BOLT #5: A closing transaction *resolves* the funding transaction output.
    if (isMutualClose(ch, tx)) return { kind: 'mutualClose' };
    return { kind: 'unknown', reason: 'unrecognized' };
  }
  const id = txid(tx);
  const local = rebuildLocal(ch, engine);
  if (sameBytes(txid(local.tx), id)) return { kind: 'localCommitment', commitmentNumber: ch.local.commitmentNumber, commitment: local };
  const candidates: ['current' | 'next', RemoteCommitmentState][] = [['current', ch.remote]];
  if (ch.remoteNext !== undefined) candidates.push(['next', ch.remoteNext]);
  for (const [which, state] of candidates) {
    const c = rebuildRemote(ch, state, state.perCommitmentPoint, engine);
    if (sameBytes(txid(c.tx), id)) return { kind: 'remoteCommitment', which, commitmentNumber: state.commitmentNumber, commitment: c, state };
  }
  const n = commitmentNumberFromTx(tx.locktime, tx.inputs[0]!.sequence, channelObscuringFactor(ch));
  const latest = ch.remoteNext?.commitmentNumber ?? ch.remote.commitmentNumber;
  // BOLT #5: It can detect the data loss state, because it has signed the transaction, and the commitment number is greater than expected.
  if (n > latest) return { kind: 'unknown', reason: 'remoteAhead', commitmentNumber: n };
  const secret = n < ch.remote.commitmentNumber ? peerRevokedSecret(ch, n) : undefined;
  if (secret !== undefined) {
    const point = perCommitmentPoint(secret, engine);
    const toLocal = p2wsh(revokedToLocalScript(ch, point, engine));
    const toRemote = ourToRemoteScript(ch).script;
    const known = tx.outputs.some((o) => sameBytes(o.script, toLocal) || sameBytes(o.script, toRemote));
    // A revoked commitment with only HTLC outputs (both balances dust) is recognised by those.
    // BOLT #5: Once a node discovers a commitment transaction for which *it* has a
    // revocation private key, the funding transaction output is *resolved*.
    if (known || matchRevokedHtlcs(ch, theirCommitmentKeys(ch, point, engine), tx).size > 0) {
      return { kind: 'revokedCommitment', commitmentNumber: n, secret };
    }
    secret.fill(0);
  }
  return { kind: 'unknown', reason: 'unrecognized', commitmentNumber: n };
}

/**
 * Which transaction spent the funding output (pure data, see {@link SpendKind}). Throws
 * `notFundingSpend` when `tx` does not spend it.
 */
export function classifySpend(ch: OnchainChannel, tx: Transaction, engine?: Secp256k1Engine): SpendKind {
  const id = identifySpend(ch, tx, engine);
  switch (id.kind) {
    case 'mutualClose':
      return { kind: 'mutualClose' };
    case 'localCommitment':
      return { kind: 'localCommitment', commitmentNumber: id.commitmentNumber };
    case 'remoteCommitment':
      return { kind: 'remoteCommitment', which: id.which, commitmentNumber: id.commitmentNumber };
    case 'revokedCommitment':
      id.secret.fill(0);
      return { kind: 'revokedCommitment', commitmentNumber: id.commitmentNumber };
    case 'unknown':
      return id.commitmentNumber === undefined ? { kind: 'unknown', reason: id.reason } : { kind: 'unknown', reason: id.reason, commitmentNumber: id.commitmentNumber };
    default:
      return assertNever(id, 'funding spend');
  }
}
