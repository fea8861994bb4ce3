/**
 * @module channel/onchain/claims
 * One builder per kind of output BOLT 5 tells us to resolve, each giving a signed {@link Claim}:
 * our delayed outputs (`to_local`, HTLC-transaction outputs), our second-stage HTLC transactions,
 * our `to_remote` on the peer's commitments, direct HTLC claims on the peer's commitments, and the
 * penalties of a revoked commitment. Witnesses follow BOLT 3.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md,
 * https://github.com/lightning/bolts/blob/master/03-transactions.md
 *
 * Private keys are derived per claim and zeroed after signing; the channel secrets in the context are
 * the caller's.
 *
 * Does not: decide which claim applies or when to broadcast (see `./plans.ts`, `./resolver.ts`).
 */
import { activeEngine } from '../../crypto/engines.js';
import { HTLC_TX_SEQUENCE_ANCHORS } from '../constants.js';
import type { CommitmentKeys } from '../keys.js';
import { derivePrivkey, revocationPrivkey } from '../keys.js';
import { signHtlcTx, signedHtlcTx, type HtlcTx } from '../htlc.js';
import { offeredHtlcScript, p2pkh, receivedHtlcScript, toLocalScript, toRemoteAnchorsScript } from '../scripts.js';
import { serializeTx, txid } from '../tx.js';
import { delayOf, ourCommitmentKeys } from './rebuild.js';
import { buildClaim, type ClaimInput } from './sweep.js';
import { OnchainError, type Claim, type ClaimKind, type HtlcRef, type Outpoint, type ResolveContext } from './types.js';

/** The one-block CSV of every `option_anchors` output the other side may spend (to_remote, HTLCs). */
const ANCHORS_CSV = HTLC_TX_SEQUENCE_ANCHORS;
const EMPTY = new Uint8Array(0);
/** `1`: selects the revocation branch (`OP_IF`) of a `to_local`-style script (MINIMALIF: exactly 0x01). */
const TRUE = Uint8Array.of(1);

/** Signs one claim with a freshly derived key, zeroing the key after. */
function claimWith(ctx: ResolveContext, privkey: Uint8Array, input: Omit<ClaimInput, 'privkey'>): Claim | undefined {
  try {
    return buildClaim({ ...input, privkey }, ctx);
  } finally {
    privkey.fill(0);
  }
}

/** Our `to_local` (on our commitment) or our HTLC-tx output: `to_local`-style script, delayed key, CSV. */
export function claimOurDelayed(ctx: ResolveContext, kind: 'toLocalSweep' | 'htlcTxOutputSweep', outpoint: Outpoint, valueSat: bigint): Claim | undefined {
  const ch = ctx.channel;
  const point = ch.local.perCommitmentPoint;
  const keys = ourCommitmentKeys(ch, point, ctx.engine);
  const delay = delayOf(ch, true);
  const script = toLocalScript(keys.revocationPubkey, delay, keys.localDelayedPubkey);
  // BOLT #3: The output is spent by an input with `nSequence` field set to `to_self_delay` (which can only be valid after that duration has passed) and witness:
  // <local_delayedsig> <>
  return claimWith(ctx, derivePrivkey(ctx.secrets.delayedPaymentBasepointSecret, point, ctx.engine), {
    kind, outpoint, valueSat, scriptCode: script, csvDelay: delay, locktime: 0, witness: (sig) => [sig, EMPTY, script],
  });
}

/**
 * Our HTLC-timeout or HTLC-success transaction, with the peer's signature from `commitment_signed`
 * (`sigIndex` = its position among the commitment's HTLC transactions) and ours. With `option_anchors`
 * it pays no fee (`needsFeeInputs`).
 */
export function ourHtlcTxClaim(ctx: ResolveContext, h: HtlcTx, sigIndex: number, preimage?: Uint8Array): Claim {
  const ch = ctx.channel;
  const remoteSig = ch.local.remoteHtlcSigs[sigIndex];
  if (remoteSig === undefined) throw new OnchainError('invalidChannel', `no peer signature for HTLC transaction ${sigIndex}`);
  const key = derivePrivkey(ctx.secrets.htlcBasepointSecret, ch.local.perCommitmentPoint, ctx.engine);
  let localSig: Uint8Array;
  try {
    localSig = signHtlcTx(h, key, false, ctx.engine ?? activeEngine());
  } finally {
    key.fill(0);
  }
  const tx = signedHtlcTx(h, remoteSig, localSig, preimage);
  const anchors = h.format === 'anchors';
  return {
    kind: h.kind === 'success' ? 'htlcSuccess' : 'htlcTimeout',
    raw: serializeTx(tx),
    txid: txid(tx),
    locktime: tx.locktime,
    csvDelay: anchors ? ANCHORS_CSV : 0,
    needsFeeInputs: anchors,
    feeratePerKw: 0,
  };
}

/** Our `to_remote` on any of the peer's commitments (static remote key: our payment basepoint). */
export function claimToRemote(ctx: ResolveContext, outpoint: Outpoint, valueSat: bigint): Claim | undefined {
  const ch = ctx.channel;
  const pubkey = ch.params.local.basepoints.paymentBasepoint;
  const privkey = Uint8Array.from(ctx.secrets.paymentBasepointSecret);
  if (ch.params.format === 'anchors') {
    const script = toRemoteAnchorsScript(pubkey);
    // BOLT #3: The output is spent by an input with `nSequence` field set to `1` and witness:
    // <remote_sig>
    return claimWith(ctx, privkey, { kind: 'toRemoteSweep', outpoint, valueSat, scriptCode: script, csvDelay: ANCHORS_CSV, locktime: 0, witness: (sig) => [sig, script] });
  }
  // BOLT #3: Otherwise, this output is a simple P2WPKH to `remotepubkey`.
  return claimWith(ctx, privkey, { kind: 'toRemoteSweep', outpoint, valueSat, scriptCode: p2pkh(pubkey), csvDelay: 0, locktime: 0, witness: (sig) => [sig, pubkey] });
}

/**
 * A direct claim of an HTLC output on the peer's (valid) commitment whose keys are `keys` (the peer is
 * the owner, we are "remote"): with the preimage when the peer offered it, after `cltv_expiry` when we did.
 */
export function claimRemoteHtlc(ctx: ResolveContext, keys: CommitmentKeys, point: Uint8Array, htlc: HtlcRef, outpoint: Outpoint, valueSat: bigint, preimage?: Uint8Array): Claim | undefined {
  const anchors = ctx.channel.params.format === 'anchors';
  const csvDelay = anchors ? ANCHORS_CSV : 0;
  const privkey = derivePrivkey(ctx.secrets.htlcBasepointSecret, point, ctx.engine);
  if (!htlc.offeredByUs) {
    if (preimage === undefined) {
      privkey.fill(0);
      throw new OnchainError('invalidEvent', 'claiming an HTLC the peer offered needs its preimage');
    }
    const script = offeredHtlcScript(keys, htlc.paymentHash, anchors);
    // BOLT #3: The remote node can redeem the HTLC with the witness:
    // <remotehtlcsig> <payment_preimage>
    return claimWith(ctx, privkey, { kind: 'remoteHtlcPreimage', outpoint, valueSat, scriptCode: script, csvDelay, locktime: 0, witness: (sig) => [sig, preimage, script] });
  }
  const script = receivedHtlcScript(keys, htlc.paymentHash, htlc.cltvExpiry, anchors);
  // BOLT #3: To timeout the HTLC, the remote node spends it with the witness:
  // <remotehtlcsig> <>
  return claimWith(ctx, privkey, { kind: 'remoteHtlcTimeout', outpoint, valueSat, scriptCode: script, csvDelay, locktime: htlc.cltvExpiry, witness: (sig) => [sig, EMPTY, script] });
}

/**
 * Penalty on a revoked `to_local`-style output (the peer's `to_local`, or the output of its HTLC
 * transaction on a revoked commitment: the same script) with `toLocalWitnessScript`.
 */
export function penaltyDelayed(ctx: ResolveContext, kind: 'penaltyToLocal' | 'penaltyHtlcTxOutput', secret: Uint8Array, toLocalWitnessScript: Uint8Array, outpoint: Outpoint, valueSat: bigint): Claim | undefined {
  const privkey = revocationPrivkey(ctx.secrets.revocationBasepointSecret, secret, ctx.engine);
  // BOLT #3: If a revoked commitment transaction is published, the other party can spend this output immediately with the following witness:
  // <revocation_sig> 1
  return claimWith(ctx, privkey, { kind, outpoint, valueSat, scriptCode: toLocalWitnessScript, csvDelay: 0, locktime: 0, witness: (sig) => [sig, TRUE, toLocalWitnessScript] });
}

/** Penalty on an HTLC output of a revoked commitment whose witness script is `htlcWitnessScript`. */
export function penaltyHtlc(ctx: ResolveContext, secret: Uint8Array, keys: CommitmentKeys, htlcWitnessScript: Uint8Array, outpoint: Outpoint, valueSat: bigint): Claim | undefined {
  const privkey = revocationPrivkey(ctx.secrets.revocationBasepointSecret, secret, ctx.engine);
  const kind: ClaimKind = 'penaltyHtlc';
  // BOLT #3: If a revoked commitment transaction is published, the remote node can spend this output immediately with the following witness:
  // <revocation_sig> <revocationpubkey>
  return claimWith(ctx, privkey, { kind, outpoint, valueSat, scriptCode: htlcWitnessScript, csvDelay: 0, locktime: 0, witness: (sig) => [sig, keys.revocationPubkey, htlcWitnessScript] });
}
