/**
 * @module channel/commitments/build
 * From ledger state to BOLT 3 transactions: our per-commitment points and secrets, the keys of each
 * side's commitment, the commitment transactions (via `buildCommitment`) and their HTLC transactions,
 * signing the peer's commitment and checking the peer's signatures of ours.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction
 *
 * Our commitment is built from our point of view (our dust limit, the peer's `to_self_delay` on our
 * `to_local`, our per-commitment point); the peer's from theirs, so both sides build identical bytes.
 *
 * Does not: decide what goes into a commitment (see `./spec.ts`), or hold keys past a call: every
 * derived private key is zeroed before returning (STYLE rule 11).
 */
import { activeEngine } from '../../crypto/engines.js';
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { buildCommitment, signCommitment, verifyCommitmentSig, type Commitment } from '../commitment.js';
import { buildHtlcTxs, signHtlcTx, verifyRemoteHtlcSig, type HtlcTx } from '../htlc.js';
import { commitmentKeys, derivePrivkey, perCommitmentPoint } from '../keys.js';
import { commitmentSpecOf, type ChannelParams, type ChannelSecrets, type CommitmentContent } from '../params.js';
import { commitmentIndex, generateFromSeed } from '../shachain.js';
import { txid } from '../tx.js';
import type { CommitSpec, CommitmentSigned } from './types.js';

/** The funding outpoint and parameters a commitment is built from (a subset of {@link Commitments}). */
export interface ChannelFrame {
  readonly params: ChannelParams;
  readonly fundingTxid: Uint8Array;
  readonly fundingVout: number;
}

/** Our per-commitment secret for commitment number `n` (caller zeroes it). */
export function localPerCommitmentSecret(secrets: ChannelSecrets, n: number): Uint8Array {
  return generateFromSeed(secrets.perCommitmentSeed, commitmentIndex(n));
}

/** Our per-commitment point for commitment number `n`. */
export function localPerCommitmentPoint(secrets: ChannelSecrets, n: number, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  const s = localPerCommitmentSecret(secrets, n);
  try {
    return perCommitmentPoint(s, engine);
  } finally {
    s.fill(0);
  }
}

function contentOf(index: number, spec: CommitSpec): CommitmentContent {
  return {
    commitmentNumber: index, toLocalMsat: spec.toLocalMsat, toRemoteMsat: spec.toRemoteMsat, feeratePerKw: spec.feeratePerKw,
    htlcs: spec.htlcs.map((h) => ({ direction: h.direction, amountMsat: h.add.amountMsat, paymentHash: h.add.paymentHash, cltvExpiry: h.add.cltvExpiry, id: h.add.id })),
  };
}

/** Our commitment number `index` with content `spec` (our view), keyed by our `point` for it. */
export function buildLocalCommitment(f: ChannelFrame, index: number, spec: CommitSpec, point: Uint8Array, engine: Secp256k1Engine = activeEngine()): Commitment {
  const p = f.params;
  return buildCommitment(commitmentSpecOf(p, { txid: f.fundingTxid, vout: f.fundingVout }, true, contentOf(index, spec),
    commitmentKeys(p.local.basepoints, p.remote.basepoints, point, engine)));
}

/** The peer's commitment number `index` with content `spec` (their view), keyed by their `point`. */
export function buildRemoteCommitment(f: ChannelFrame, index: number, spec: CommitSpec, point: Uint8Array, engine: Secp256k1Engine = activeEngine()): Commitment {
  const p = f.params;
  return buildCommitment(commitmentSpecOf(p, { txid: f.fundingTxid, vout: f.fundingVout }, false, contentOf(index, spec),
    commitmentKeys(p.remote.basepoints, p.local.basepoints, point, engine)));
}

/** Txid of a built commitment (serialised byte order). */
export function commitmentTxid(c: Commitment): Uint8Array {
  return txid(c.tx);
}

/**
 * Our `commitment_signed` for the peer's commitment `tx`: the funding-key signature and one HTLC
 * signature per HTLC output in output order (SIGHASH_SINGLE|ANYONECANPAY under anchors, by `signHtlcTx`).
 */
export function signRemote(tx: Commitment, remotePoint: Uint8Array, secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): CommitmentSigned {
  const signature = signCommitment(tx, secrets.fundingPrivkey, engine);
  const htlcTxs = buildHtlcTxs(tx);
  if (htlcTxs.length === 0) return { signature, htlcSignatures: [] };
  // Our HTLC key on the peer's commitment is derived with the peer's per-commitment point.
  const htlcKey = derivePrivkey(secrets.htlcBasepointSecret, remotePoint, engine);
  try {
    return { signature, htlcSignatures: htlcTxs.map((h) => signHtlcTx(h, htlcKey, true, engine)) };
  } finally {
    htlcKey.fill(0);
  }
}

/** Why the peer's signatures of our commitment do not check out, or `undefined` if they do. */
export type SigCheck = { readonly bad: 'commitment' | 'htlcCount' | 'htlc'; readonly index?: number } | undefined;

/** Checks the peer's signatures of our commitment `tx` (the funding-key one and every HTLC one). */
export function checkLocalSigs(f: ChannelFrame, tx: Commitment, sig: CommitmentSigned, engine: Secp256k1Engine = activeEngine()): { check: SigCheck; htlcTxs: HtlcTx[] } {
  const htlcTxs = buildHtlcTxs(tx);
  if (!verifyCommitmentSig(tx, sig.signature, f.params.remote.fundingPubkey, engine)) return { check: { bad: 'commitment' }, htlcTxs };
  if (sig.htlcSignatures.length !== htlcTxs.length) return { check: { bad: 'htlcCount' }, htlcTxs };
  for (let i = 0; i < htlcTxs.length; i++) {
    if (!verifyRemoteHtlcSig(htlcTxs[i]!, sig.htlcSignatures[i]!, tx.spec.keys.remoteHtlcPubkey, engine)) return { check: { bad: 'htlc', index: i }, htlcTxs };
  }
  return { check: undefined, htlcTxs };
}
