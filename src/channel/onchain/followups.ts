/**
 * @module channel/onchain/followups
 * What a spend of a watched output leads to (BOLT 5): the preimage it reveals, the second-stage HTLC
 * output it creates (ours to sweep after `to_self_delay`, or the peer's on a revoked commitment, to
 * penalise), and the claims a preimage learned later makes possible.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Does not: decide timing (see `./resolver.ts`).
 */
import { sha256 } from '../../crypto/hash.js';
import { buildHtlcTxs } from '../htlc.js';
import { perCommitmentPoint } from '../keys.js';
import { p2wsh, toLocalScript } from '../scripts.js';
import { parseTx, txid, type Transaction } from '../tx.js';
import { assertNever } from '../../errors.js';
import { claimOurDelayed, claimRemoteHtlc, claimToRemote, ourHtlcTxClaim, penaltyDelayed, penaltyHtlc } from './claims.js';
import { peerRevokedSecret, revokedToLocalScript, type SpendKind } from './classify.js';
import type { WatchedOutput } from './plans.js';
import { delayOf, ourCommitmentKeys, rebuildLocal, theirCommitmentKeys } from './rebuild.js';
import { sameBytes, type Claim, type ResolveContext } from './types.js';

/** Size of a payment preimage (bytes). */
const PREIMAGE_BYTES = 32;

/** The preimage of `paymentHash` if input `inputIndex` of `tx` reveals it in its witness. */
export function extractPreimage(tx: Transaction, inputIndex: number, paymentHash: Uint8Array): Uint8Array | undefined {
  // BOLT #5: - MUST extract the payment preimage from the transaction input witness.
  return tx.inputs[inputIndex]?.witness.find((w) => w.length === PREIMAGE_BYTES && sameBytes(sha256(w), paymentHash));
}

/**
 * The second-stage output created when `tx` spends watched HTLC output `o` through input `inputIndex`,
 * or undefined when the spend is a final one (a direct claim or a penalty). An HTLC transaction pays its
 * output at the same index as its input (SIGHASH_SINGLE keeps that pairing when fee inputs are added).
 */
export function secondStageOutput(ctx: ResolveContext, spend: SpendKind, o: WatchedOutput, tx: Transaction, inputIndex: number): WatchedOutput | undefined {
  const ch = ctx.channel;
  const out = tx.outputs[inputIndex];
  if (out === undefined) return undefined;
  const outpoint = { txid: txid(tx), vout: inputIndex };
  if (o.role.kind === 'localHtlc') {
    const keys = ourCommitmentKeys(ch, ch.local.perCommitmentPoint, ctx.engine);
    if (!sameBytes(out.script, p2wsh(toLocalScript(keys.revocationPubkey, delayOf(ch, true), keys.localDelayedPubkey)))) return undefined;
    // BOLT #5: - MUST resolve the output of that HTLC-timeout transaction.
    const claim = claimOurDelayed(ctx, 'htlcTxOutputSweep', outpoint, out.value);
    return { outpoint, valueSat: out.value, role: { kind: 'localHtlcTxOutput', htlc: o.role.htlc }, ...(claim ? { claim } : {}) };
  }
  if (o.role.kind === 'revokedHtlc' && spend.kind === 'revokedCommitment') {
    const secret = peerRevokedSecret(ch, spend.commitmentNumber);
    if (secret === undefined) return undefined;
    try {
      const script = revokedToLocalScript(ch, perCommitmentPoint(secret, ctx.engine), ctx.engine);
      if (!sameBytes(out.script, p2wsh(script))) return undefined;
      // BOLT #5: - MUST *resolve* the _remote node's HTLC-timeout transaction_ by spending it
      // using the revocation private key.
      // - MUST *resolve* the _remote node's HTLC-success transaction_ by spending it
      // using the revocation private key.
      const claim = penaltyDelayed(ctx, 'penaltyHtlcTxOutput', secret, script, outpoint, out.value);
      return { outpoint, valueSat: out.value, role: { kind: 'revokedHtlcTxOutput', htlc: o.role.htlc }, ...(claim ? { claim } : {}) };
    } finally {
      secret.fill(0);
    }
  }
  return undefined;
}

/** The claim a newly learned `preimage` allows on `o` (an HTLC the peer offered us), if any. */
export function claimWithPreimage(ctx: ResolveContext, o: WatchedOutput, preimage: Uint8Array): Claim | undefined {
  const role = o.role;
  if (role.kind !== 'localHtlc' && role.kind !== 'remoteHtlc') return undefined;
  if (role.htlc.offeredByUs || !sameBytes(sha256(preimage), role.htlc.paymentHash)) return undefined;
  if (role.kind === 'localHtlc') {
    const htlcTxs = buildHtlcTxs(rebuildLocal(ctx.channel, ctx.engine));
    const i = htlcTxs.findIndex((h) => h.commitmentOutputIndex === o.outpoint.vout);
    return i < 0 ? undefined : ourHtlcTxClaim(ctx, htlcTxs[i]!, i, preimage);
  }
  const keys = theirCommitmentKeys(ctx.channel, role.perCommitmentPoint, ctx.engine);
  return claimRemoteHtlc(ctx, keys, role.perCommitmentPoint, role.htlc, o.outpoint, o.valueSat, preimage);
}

/** Witness position of the script in a penalty witness (`<sig> 1 <script>`, `<sig> <revocationpubkey> <script>`). */
const PENALTY_SCRIPT_INDEX = 2;
/** Witness position of the preimage in a direct HTLC claim (`<sig> <preimage> <script>`). */
const CLAIM_PREIMAGE_INDEX = 1;

function penaltyAgain(ctx: ResolveContext, spend: SpendKind, o: WatchedOutput, witness: readonly Uint8Array[]): Claim | undefined {
  if (spend.kind !== 'revokedCommitment') return undefined;
  const secret = peerRevokedSecret(ctx.channel, spend.commitmentNumber);
  const script = witness[PENALTY_SCRIPT_INDEX];
  if (secret === undefined || script === undefined) return undefined;
  try {
    if (o.role.kind === 'revokedHtlc') {
      const keys = theirCommitmentKeys(ctx.channel, perCommitmentPoint(secret, ctx.engine), ctx.engine);
      return penaltyHtlc(ctx, secret, keys, script, o.outpoint, o.valueSat);
    }
    return penaltyDelayed(ctx, o.role.kind === 'revokedToLocal' ? 'penaltyToLocal' : 'penaltyHtlcTxOutput', secret, script, o.outpoint, o.valueSat);
  } finally {
    secret.fill(0);
  }
}

/**
 * The claim of `o` rebuilt at `ctx.feeratePerKw`: a BIP 125 replacement (same input, more fee; every
 * claim signals replaceability). Undefined when `o` has no claim, a pre-signed one (our HTLC
 * transactions: their fee is fixed), or the output would be dust at the new feerate.
 */
export function rebuildClaim(ctx: ResolveContext, spend: SpendKind, o: WatchedOutput): Claim | undefined {
  const c = o.claim;
  if (c === undefined || c.feeratePerKw === 0) return undefined;
  const witness = parseTx(c.raw).inputs[0]!.witness;
  const role = o.role;
  switch (role.kind) {
    case 'localHtlc':
      return undefined;
    case 'localToLocal':
      return claimOurDelayed(ctx, 'toLocalSweep', o.outpoint, o.valueSat);
    case 'localHtlcTxOutput':
      return claimOurDelayed(ctx, 'htlcTxOutputSweep', o.outpoint, o.valueSat);
    case 'toRemote':
      return claimToRemote(ctx, o.outpoint, o.valueSat);
    case 'remoteHtlc': {
      const keys = theirCommitmentKeys(ctx.channel, role.perCommitmentPoint, ctx.engine);
      const preimage = role.htlc.offeredByUs ? undefined : witness[CLAIM_PREIMAGE_INDEX];
      return claimRemoteHtlc(ctx, keys, role.perCommitmentPoint, role.htlc, o.outpoint, o.valueSat, preimage);
    }
    case 'revokedToLocal':
    case 'revokedHtlc':
    case 'revokedHtlcTxOutput':
      return penaltyAgain(ctx, spend, o, witness);
    default:
      return assertNever(role, 'output role');
  }
}
