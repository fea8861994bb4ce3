/**
 * @module channel/onchain/plans
 * The resolution plan of a funding spend (BOLT 5): every output of the closing transaction we must
 * watch, what it is, and the signed claim to broadcast for it (with its CLTV / CSV timing), plus the
 * HTLCs we offered that have no output on chain. The resolver (`./resolver.ts`) drives it over time;
 * tests and tools may use it alone.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Outputs that need nothing from us are left out: our anchor (we need no CPFP here; the backend may
 * spend it to bump the commitment), the peer's anchor and, on a valid commitment, the other side's
 * main output. They count as resolved by the closing transaction itself.
 *
 * Does not: track time or spends (see `./resolver.ts`), or handle HTLC-transaction outputs (built when
 * the HTLC transaction is seen, see `./followups.ts`).
 */
import { sha256 } from '../../crypto/hash.js';
import { assertNever } from '../../errors.js';
import type { Commitment } from '../commitment.js';
import { buildHtlcTxs } from '../htlc.js';
import { perCommitmentPoint } from '../keys.js';
import { anchorScript, p2wsh } from '../scripts.js';
import { txid, type Transaction } from '../tx.js';
import { claimOurDelayed, claimRemoteHtlc, claimToRemote, ourHtlcTxClaim, penaltyDelayed, penaltyHtlc } from './claims.js';
import { identifySpend, revokedToLocalScript, type Identified, type SpendKind } from './classify.js';
import { matchRevokedHtlcs } from './revoked-htlcs.js';
import { ourToRemoteScript, theirCommitmentKeys } from './rebuild.js';
import { hexOf, sameBytes, type Claim, type HtlcRef, type OutputRole, type Outpoint, type ResolveContext } from './types.js';

/** One output the resolver watches until it is irrevocably resolved. */
export interface WatchedOutput {
  readonly outpoint: Outpoint;
  readonly valueSat: bigint;
  readonly role: OutputRole;
  /** What we broadcast for it; absent while we wait (for a preimage or the peer), or when it is dust. */
  readonly claim?: Claim;
}

/** Everything to do about one funding spend. */
export interface ResolutionPlan {
  readonly spend: SpendKind;
  readonly closingTxid: Uint8Array;
  readonly outputs: readonly WatchedOutput[];
  /** HTLCs we offered with no output in the closing transaction: fail them upstream once it is deep. */
  readonly missingOfferedHtlcs: readonly HtlcRef[];
  /** Indexes of outputs we could not place (revoked HTLCs without history, anything in an unknown spend). */
  readonly unplacedOutputs: readonly number[];
}

/** Preimages we know, by payment hash (hex). */
export function preimageIndex(preimages: readonly Uint8Array[]): Map<string, Uint8Array> {
  return new Map(preimages.map((p) => [hexOf(sha256(p)), p]));
}

const hashKey = (h: { paymentHash: Uint8Array; cltvExpiry: number }): string => `${hexOf(h.paymentHash)}:${h.cltvExpiry}`;

function planLocal(ctx: ResolveContext, c: Commitment, id: Uint8Array, preimages: Map<string, Uint8Array>): WatchedOutput[] {
  const out: WatchedOutput[] = [];
  const htlcTxs = buildHtlcTxs(c);
  c.outputs.forEach((info, vout) => {
    const outpoint = { txid: id, vout };
    const valueSat = c.tx.outputs[vout]!.value;
    if (info.kind === 'toLocal') {
      // BOLT #5: - SHOULD spend the `to_local` output to a convenient address.
      // - MUST wait until the `OP_CHECKSEQUENCEVERIFY` delay has passed (as
      // specified by the remote node's `to_self_delay` field) before spending the
      // output.
      const claim = claimOurDelayed(ctx, 'toLocalSweep', outpoint, valueSat);
      out.push({ outpoint, valueSat, role: { kind: 'localToLocal' }, ...(claim ? { claim } : {}) });
    } else if (info.kind === 'htlc') {
      const h = info.htlc;
      const htlc: HtlcRef = { offeredByUs: h.direction === 'offered', paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, amountMsat: h.amountMsat, ...(h.id !== undefined ? { id: h.id } : {}) };
      const sigIndex = htlcTxs.findIndex((t) => t.commitmentOutputIndex === vout);
      const preimage = preimages.get(hexOf(h.paymentHash));
      // BOLT #5: - if the commitment transaction HTLC output has *timed out* and hasn't been
      // *resolved*:
      // - MUST *resolve* the output by spending it using the HTLC-timeout
      // transaction.
      let claim: Claim | undefined;
      if (htlc.offeredByUs) claim = ourHtlcTxClaim(ctx, htlcTxs[sigIndex]!, sigIndex);
      // BOLT #5: - MUST *resolve* the output by spending it, using the HTLC-success
      // transaction.
      else if (preimage !== undefined) claim = ourHtlcTxClaim(ctx, htlcTxs[sigIndex]!, sigIndex, preimage);
      out.push({ outpoint, valueSat, role: { kind: 'localHtlc', htlc }, ...(claim ? { claim } : {}) });
    }
    // BOLT #5: - MAY ignore the `to_remote` output.
  });
  return out;
}

function planRemote(ctx: ResolveContext, c: Commitment, point: Uint8Array, id: Uint8Array, preimages: Map<string, Uint8Array>): WatchedOutput[] {
  const out: WatchedOutput[] = [];
  c.outputs.forEach((info, vout) => {
    const outpoint = { txid: id, vout };
    const valueSat = c.tx.outputs[vout]!.value;
    if (info.kind === 'toRemote') {
      const claim = claimToRemote(ctx, outpoint, valueSat);
      out.push({ outpoint, valueSat, role: { kind: 'toRemote' }, ...(claim ? { claim } : {}) });
    } else if (info.kind === 'htlc') {
      const h = info.htlc;
      // The peer's `received` is what we offered.
      const htlc: HtlcRef = { offeredByUs: h.direction === 'received', paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, amountMsat: h.amountMsat, ...(h.id !== undefined ? { id: h.id } : {}) };
      const preimage = preimages.get(hexOf(h.paymentHash));
      let claim: Claim | undefined;
      // BOLT #5: - if the commitment transaction HTLC output has *timed out* AND NOT been
      // *resolved*:
      // - MUST *resolve* the output, by spending it to a convenient address.
      if (htlc.offeredByUs) claim = claimRemoteHtlc(ctx, c.spec.keys, point, htlc, outpoint, valueSat);
      // BOLT #5: - if it receives (or already possesses) a payment preimage for an unresolved
      // HTLC output that it was offered AND for which it has committed to an
      // outgoing HTLC:
      // - MUST *resolve* the output by spending it to a convenient address.
      else if (preimage !== undefined) claim = claimRemoteHtlc(ctx, c.spec.keys, point, htlc, outpoint, valueSat, preimage);
      out.push({ outpoint, valueSat, role: { kind: 'remoteHtlc', htlc, perCommitmentPoint: point }, ...(claim ? { claim } : {}) });
    }
    // BOLT #5: - MAY take no action in regard to the associated `to_local`, which is a
    // payment output to the *remote node*.
  });
  return out;
}

function planRevoked(ctx: ResolveContext, tx: Transaction, id: Uint8Array, secret: Uint8Array): { outputs: WatchedOutput[]; unplaced: number[] } {
  const ch = ctx.channel;
  const point = perCommitmentPoint(secret, ctx.engine);
  const keys = theirCommitmentKeys(ch, point, ctx.engine);
  const toLocalScript = revokedToLocalScript(ch, point, ctx.engine);
  const toLocal = p2wsh(toLocalScript);
  const toRemote = ourToRemoteScript(ch).script;
  const htlcs = matchRevokedHtlcs(ch, keys, tx);
  const outputs: WatchedOutput[] = [];
  const unplaced: number[] = [];
  tx.outputs.forEach((o, vout) => {
    const outpoint = { txid: id, vout };
    const valueSat = o.value;
    if (sameBytes(o.script, toLocal)) {
      // BOLT #5: - MUST *resolve* the _remote node's main output_ by spending it using the
      // revocation private key.
      const claim = penaltyDelayed(ctx, 'penaltyToLocal', secret, toLocalScript, outpoint, valueSat);
      outputs.push({ outpoint, valueSat, role: { kind: 'revokedToLocal' }, ...(claim ? { claim } : {}) });
    } else if (sameBytes(o.script, toRemote)) {
      // Our own main output: BOLT 5 allows leaving it, but with a static remote key it pays a basepoint
      // our wallet does not watch, so we sweep it like any `to_remote`.
      const claim = claimToRemote(ctx, outpoint, valueSat);
      outputs.push({ outpoint, valueSat, role: { kind: 'toRemote' }, ...(claim ? { claim } : {}) });
    } else {
      const m = htlcs.get(vout);
      if (m === undefined) {
        if (!isAnchor(ctx, o.script)) unplaced.push(vout);
        return;
      }
      // BOLT #5: * spend the *commitment tx* using the payment revocation private key.
      const claim = penaltyHtlc(ctx, secret, keys, m.witnessScript, outpoint, valueSat);
      outputs.push({ outpoint, valueSat, role: { kind: 'revokedHtlc', htlc: m.htlc }, ...(claim ? { claim } : {}) });
    }
  });
  return { outputs, unplaced };
}

/** Whether `script` pays one of the channel's anchors (never ours to claim here). */
function isAnchor(ctx: ResolveContext, script: Uint8Array): boolean {
  const p = ctx.channel.params;
  return p.format === 'anchors' && [p.local.fundingPubkey, p.remote.fundingPubkey].some((k) => sameBytes(p2wsh(anchorScript(k)), script));
}

/** All HTLCs we offered on any commitment we know (ours, the peer's current and next). */
function ourOfferedHtlcs(ctx: ResolveContext): HtlcRef[] {
  const ch = ctx.channel;
  const seen = new Set<string>();
  const out: HtlcRef[] = [];
  const add = (h: { paymentHash: Uint8Array; cltvExpiry: number; amountMsat: bigint; id?: bigint }): void => {
    const k = hashKey(h);
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ offeredByUs: true, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, amountMsat: h.amountMsat, ...(h.id !== undefined ? { id: h.id } : {}) });
  };
  for (const h of ch.local.htlcs) if (h.direction === 'offered') add(h);
  for (const s of [ch.remote, ch.remoteNext]) for (const h of s?.htlcs ?? []) if (h.direction === 'received') add(h);
  return out;
}

function missingOffered(ctx: ResolveContext, outputs: readonly WatchedOutput[], preimages: Map<string, Uint8Array>): HtlcRef[] {
  const onChain = new Set<string>();
  for (const o of outputs) if ('htlc' in o.role && o.role.htlc.offeredByUs) onChain.add(hashKey(o.role.htlc));
  // BOLT #5: - for any committed HTLC that does NOT have an output in this commitment
  // transaction:
  // - if the payment preimage is known:
  // - MUST fulfill the corresponding incoming HTLC (if any).
  // - otherwise:
  // - once the commitment transaction has reached reasonable depth:
  // - MUST fail the corresponding incoming HTLC (if any).
  return ourOfferedHtlcs(ctx).filter((h) => !onChain.has(hashKey(h)) && !preimages.has(hexOf(h.paymentHash)));
}

/** The plan for an already identified spend. */
export function planIdentified(ctx: ResolveContext, tx: Transaction, id: Identified): ResolutionPlan {
  const closingTxid = txid(tx);
  const preimages = preimageIndex(ctx.channel.preimages);
  const base = { closingTxid, missingOfferedHtlcs: [] as HtlcRef[], unplacedOutputs: [] as number[] };
  switch (id.kind) {
    case 'mutualClose':
      // BOLT #5: In the case of a mutual close, a node need not do anything else, as it has
      // already agreed to the output, which is sent to its specified `scriptpubkey` (see
      return { ...base, spend: { kind: 'mutualClose' }, outputs: [] };
    case 'localCommitment': {
      const outputs = planLocal(ctx, id.commitment, closingTxid, preimages);
      return { ...base, spend: { kind: id.kind, commitmentNumber: id.commitmentNumber }, outputs, missingOfferedHtlcs: missingOffered(ctx, outputs, preimages) };
    }
    case 'remoteCommitment': {
      const outputs = planRemote(ctx, id.commitment, id.state.perCommitmentPoint, closingTxid, preimages);
      return { ...base, spend: { kind: id.kind, which: id.which, commitmentNumber: id.commitmentNumber }, outputs, missingOfferedHtlcs: missingOffered(ctx, outputs, preimages) };
    }
    case 'revokedCommitment': {
      const { outputs, unplaced } = planRevoked(ctx, tx, closingTxid, id.secret);
      id.secret.fill(0);
      return { ...base, spend: { kind: id.kind, commitmentNumber: id.commitmentNumber }, outputs, missingOfferedHtlcs: missingOffered(ctx, outputs, preimages), unplacedOutputs: unplaced };
    }
    case 'unknown':
      return { ...base, ...planUnknown(ctx, tx, closingTxid), spend: id.commitmentNumber === undefined ? { kind: 'unknown', reason: id.reason } : { kind: 'unknown', reason: id.reason, commitmentNumber: id.commitmentNumber } };
    default:
      return assertNever(id, 'funding spend');
  }
}

/**
 * Unknown spend or lost state: only our static `to_remote` can be found without the peer's
 * per-commitment point; everything else is reported as unplaced.
 */
function planUnknown(ctx: ResolveContext, tx: Transaction, closingTxid: Uint8Array): { outputs: WatchedOutput[]; unplacedOutputs: number[] } {
  // BOLT #5: It can derive its own `remotepubkey` for the transaction, in order to salvage its own funds.
  const toRemote = ourToRemoteScript(ctx.channel).script;
  const outputs: WatchedOutput[] = [];
  const unplacedOutputs: number[] = [];
  tx.outputs.forEach((o, vout) => {
    if (!sameBytes(o.script, toRemote)) {
      if (!isAnchor(ctx, o.script)) unplacedOutputs.push(vout);
      return;
    }
    const outpoint = { txid: closingTxid, vout };
    const claim = claimToRemote(ctx, outpoint, o.value);
    outputs.push({ outpoint, valueSat: o.value, role: { kind: 'toRemote' }, ...(claim ? { claim } : {}) });
  });
  return { outputs, unplacedOutputs };
}

/** Identifies `tx` (a funding spend) and plans its resolution. Throws `notFundingSpend` if it is not one. */
export function planResolution(ctx: ResolveContext, tx: Transaction): ResolutionPlan {
  return planIdentified(ctx, tx, identifySpend(ctx.channel, tx, ctx.engine));
}
