/**
 * @module channel/onchain/resolver-advance
 * The time-driven half of the resolver: after every event, given the tip, which claims are now valid
 * (CLTV / CSV) and must be (re)broadcast, which HTLC outputs are given up, which HTLCs to fail upstream,
 * and whether everything is irrevocably resolved.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Timing, with `tip` the height of the latest block: a claim with `nLockTime` L can enter the next block
 * once tip ≥ L; one with CSV d once its parent has d confirmations (tip − parentHeight + 1 ≥ d).
 *
 * Does not: parse transactions or build claims (see `./resolver.ts`, `./followups.ts`).
 */
import { assertNever } from '../../errors.js';
import { HTLC_FAIL_DEPTH, IRREVOCABLE_DEPTH } from './constants.js';
import type { ResolverAction, ResolverState, StepResult, TrackedOutput } from './resolver.js';

type Resolving = Extract<ResolverState, { phase: 'resolving' }>;

/** Confirmations of a transaction confirmed at `height` (0 when unconfirmed). */
function depthAt(tip: number, height: number | undefined): number {
  return height === undefined || height > tip ? 0 : tip - height + 1;
}

/** Whether `o`'s claim may enter the next block. */
function claimValid(o: TrackedOutput, tip: number): boolean {
  const c = o.claim;
  if (c === undefined) return false;
  // BOLT #5: The HTLC output has *timed out* once the height of the latest block is equal to
  // or greater than the HTLC `cltv_expiry`.
  if (c.locktime > 0 && tip < c.locktime) return false;
  // BOLT #5: - MUST wait until the `OP_CHECKSEQUENCEVERIFY` delay has passed (as
  // specified by the remote node's `open_channel` `to_self_delay` field)
  return c.csvDelay === 0 || depthAt(tip, o.parentHeight) >= c.csvDelay;
}

/** An unspent output we will never claim: given up once nothing more can happen to it. */
function giveUp(o: TrackedOutput, tip: number): TrackedOutput {
  if (o.status.kind !== 'unspent' || o.claim !== undefined) return o;
  if (!('htlc' in o.role)) return { ...o, status: { kind: 'abandoned', reason: 'dust' } };
  const h = o.role.htlc;
  if (tip < h.cltvExpiry) return o;
  // BOLT #5: If not otherwise resolved, once the HTLC output has expired, it is considered
  // *irrevocably resolved*.
  return { ...o, status: { kind: 'abandoned', reason: h.offeredByUs ? 'dust' : 'expired' } };
}

function resolved(o: TrackedOutput, tip: number): boolean {
  switch (o.status.kind) {
    case 'unspent':
      return false;
    case 'abandoned':
      return true;
    case 'spent':
      // BOLT #5: Outputs that are *resolved* are considered *irrevocably resolved*
      // once the remote's *resolving* transaction is included in a block at least 100
      // deep, on the most-work blockchain.
      return depthAt(tip, o.status.height) >= IRREVOCABLE_DEPTH;
    default:
      return assertNever(o.status, 'output status');
  }
}

/** Whether an HTLC we offered is now known to be failed (timed out or given up, deep enough). */
function failedUpstream(o: TrackedOutput, tip: number): boolean {
  // Only the commitment's own HTLC outputs decide; their second-stage outputs are ours whatever happens.
  const firstStage = o.role.kind === 'localHtlc' || o.role.kind === 'remoteHtlc' || o.role.kind === 'revokedHtlc';
  if (o.failReported || !firstStage || !o.role.htlc.offeredByUs) return false;
  if (o.status.kind === 'abandoned') return true;
  // BOLT #5: - once the resolving transaction has reached reasonable depth:
  // - MUST fail the corresponding incoming HTLC (if any).
  return o.status.kind === 'spent' && !o.status.preimageRevealed && depthAt(tip, o.status.height) >= HTLC_FAIL_DEPTH;
}

/** Applies the passage of time to a resolving state and appends the resulting actions. */
export function advance(state: Resolving, actions: ResolverAction[]): StepResult {
  const { tip } = state;
  const outputs = state.outputs.map((o0): TrackedOutput => {
    let o = giveUp(o0, tip);
    if (o.status.kind === 'unspent' && o.claim !== undefined && o.lastBroadcastTip !== tip && claimValid(o, tip)) {
      const c = o.claim;
      actions.push({ type: 'broadcast', raw: c.raw, txid: c.txid, spends: o.outpoint, role: o.role.kind, needsFeeInputs: c.needsFeeInputs });
      o = { ...o, lastBroadcastTip: tip };
    }
    if (failedUpstream(o, tip) && 'htlc' in o.role) {
      actions.push({ type: 'htlcFailed', htlc: o.role.htlc });
      o = { ...o, failReported: true };
    }
    return o;
  });
  let closing = state.closing;
  if (closing.height === undefined && closing.lastBroadcastTip !== tip) {
    // BOLT #5: - MUST be prepared to resolve outputs multiple times, in case of blockchain
    // reorganizations.
    actions.push({ type: 'broadcast', raw: closing.raw, txid: closing.txid, spends: state.funding, role: 'closing', needsFeeInputs: false });
    closing = { ...closing, lastBroadcastTip: tip };
  }
  const closingDepth = depthAt(tip, closing.height);
  let pendingFails = state.pendingFails;
  if (pendingFails.length > 0 && closingDepth >= HTLC_FAIL_DEPTH) {
    for (const htlc of pendingFails) actions.push({ type: 'htlcFailed', htlc });
    pendingFails = [];
  }
  if (closingDepth >= IRREVOCABLE_DEPTH && pendingFails.length === 0 && outputs.every((o) => resolved(o, tip))) {
    actions.push({ type: 'done' });
    return { state: { phase: 'done', tip, funding: state.funding, closing }, actions };
  }
  return { state: { ...state, closing, outputs, pendingFails }, actions };
}
