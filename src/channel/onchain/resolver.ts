/**
 * @module channel/onchain/resolver
 * The BOLT 5 resolver of one channel: a plain-data state (objects, arrays, bigint, number, string,
 * boolean, Uint8Array; persist it as is) and a pure step function `resolverStep(state, event, ctx)`
 * returning the next state and the actions to perform. No I/O, no clock.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * How the backend drives it (the `chback` integration):
 * 1. When a channel's funding is broadcast or it has anything at stake, create `initialResolverState`
 *    and persist it with the channel; watch the funding outpoint.
 * 2. Feed, in chain order, each as it happens (persisting the new state *before* performing actions):
 *    - `fundingSpent {tx, height?}` when any transaction spending the funding outpoint is seen (height
 *      undefined while in the mempool; confirmations then come as `txConfirmed`);
 *    - `block {height}` for every new tip (at least once per block; heights never go down);
 *    - `txConfirmed {txid, height}` when any transaction the resolver asked about confirms (the closing
 *      transaction, our claims, the peer's spends);
 *    - `outputSpent {outpoint, tx, height?}` when a transaction spends an outpoint of a `watchOutpoint`;
 *    - `preimage {preimage}` when the node learns a preimage (from a downstream fulfill);
 *    - `feerate` when fee estimates rose: unconfirmed claims are rebuilt at `ctx.feeratePerKw` (RBF);
 *    - `reorg {height}` when blocks above `height` are disconnected (then `block`s for the new ones).
 *    Report a block's spends and confirmations *before* its `block` event, so a claim that just
 *    confirmed is not rebroadcast. A spend seen in the mempool (height undefined) counts only once its
 *    confirmation is reported (`txConfirmed`, or the same `outputSpent` again with a height).
 *    The `ctx` (channel snapshot taken when the funding was spent, secrets, current feerate, sweep
 *    script) is rebuilt for each call; secrets never enter the state.
 * 3. Perform actions: `broadcast` (re-sent at most once per block while its output is unspent, and
 *    the closing transaction itself while it is unconfirmed, role `closing`; with
 *    `needsFeeInputs`, broadcast `fundAnchorHtlcTx(ctx, action.raw, coins, change)` signed
 *    by the wallet instead), `watchOutpoint`, `channelClosed`
 *    (fail the channel, send `error`), `preimageFound` (fulfill upstream), `htlcFailed` (fail upstream),
 *    `warnLostFunds` (tell the operator), `done` (forget the channel: every output is irrevocably
 *    resolved).
 *
 * Does not: bump fees, spend anchors (CPFP), pick wallet coins for anchor HTLC transactions, or decide which
 * preimages may be used (the caller only passes preimages it may reveal).
 */
import type { HtlcRef, OutputRole, Outpoint, ResolveContext } from './types.js';
import { OnchainError, sameBytes, sameOutpoint } from './types.js';
import type { SpendKind } from './classify.js';
import type { WatchedOutput } from './plans.js';
import { planResolution } from './plans.js';
import { claimWithPreimage, extractPreimage, rebuildClaim, secondStageOutput } from './followups.js';
import { parseTx, txid as txidOf } from '../tx.js';
import { advance } from './resolver-advance.js';
import { sha256 } from '../../crypto/hash.js';
import { assertNever } from '../../errors.js';

/** Where a watched output stands. */
export type OutputStatus =
  | { readonly kind: 'unspent' }
  /** Spent by `txid` (ours or the peer's), confirmed at `height` (undefined: mempool). */
  | { readonly kind: 'spent'; readonly txid: Uint8Array; readonly height?: number; readonly preimageRevealed: boolean }
  /** Needs nothing more: an HTLC the peer offered that expired unclaimed, or an output not worth claiming. */
  | { readonly kind: 'abandoned'; readonly reason: 'expired' | 'dust' };

/** A watched output and its progress. */
export interface TrackedOutput extends WatchedOutput {
  /** Height of the block confirming the transaction that created this output (CSV counts from it). */
  readonly parentHeight?: number;
  readonly status: OutputStatus;
  /** Tip height at which we last broadcast its claim (at most once per block). */
  readonly lastBroadcastTip?: number;
  /** An `htlcFailed` action was emitted for it. */
  readonly failReported: boolean;
}

/** The transaction that spent the funding output. */
export interface ClosingInfo {
  readonly txid: Uint8Array;
  /** The signed transaction: rebroadcast (once per block) while it is not confirmed, e.g. after a reorg. */
  readonly raw: Uint8Array;
  readonly spend: SpendKind;
  readonly height?: number;
  /** Tip height at which it was last rebroadcast. */
  readonly lastBroadcastTip?: number;
}

/** The resolver's state. */
export type ResolverState =
  | { readonly phase: 'watching'; readonly tip: number; readonly funding: Outpoint }
  | {
    readonly phase: 'resolving';
    readonly tip: number;
    readonly funding: Outpoint;
    readonly closing: ClosingInfo;
    readonly outputs: readonly TrackedOutput[];
    /** HTLCs we offered without an output on chain, failed upstream once the closing tx is deep. */
    readonly pendingFails: readonly HtlcRef[];
  }
  | { readonly phase: 'done'; readonly tip: number; readonly funding: Outpoint; readonly closing: ClosingInfo };

/** What happened on chain (or in the node). */
export type ResolverEvent =
  | { readonly type: 'fundingSpent'; readonly tx: Uint8Array; readonly height?: number }
  | { readonly type: 'block'; readonly height: number }
  | { readonly type: 'txConfirmed'; readonly txid: Uint8Array; readonly height: number }
  | { readonly type: 'outputSpent'; readonly outpoint: Outpoint; readonly tx: Uint8Array; readonly height?: number }
  | { readonly type: 'preimage'; readonly preimage: Uint8Array }
  /** Fee estimates rose: claims built below `ctx.feeratePerKw` are rebuilt (RBF) and sent again. */
  | { readonly type: 'feerate' }
  | { readonly type: 'reorg'; readonly height: number };

/** What the backend must do. */
export type ResolverAction =
  | { readonly type: 'channelClosed'; readonly spend: SpendKind; readonly closingTxid: Uint8Array }
  | { readonly type: 'watchOutpoint'; readonly outpoint: Outpoint }
  /** `role` names the output spent; `closing` is the funding spend itself (rebroadcast while unconfirmed). */
  | { readonly type: 'broadcast'; readonly raw: Uint8Array; readonly txid: Uint8Array; readonly spends: Outpoint; readonly role: OutputRole['kind'] | 'closing'; readonly needsFeeInputs: boolean }
  | { readonly type: 'preimageFound'; readonly paymentHash: Uint8Array; readonly preimage: Uint8Array }
  | { readonly type: 'htlcFailed'; readonly htlc: HtlcRef }
  | { readonly type: 'warnLostFunds'; readonly reason: 'unknownSpend' | 'remoteAhead' | 'unplacedOutputs'; readonly detail: string }
  | { readonly type: 'done' };

/** The result of one step. */
export interface StepResult {
  readonly state: ResolverState;
  readonly actions: readonly ResolverAction[];
}

/** A fresh resolver watching the funding outpoint at tip height `tip`. */
export function initialResolverState(funding: Outpoint, tip: number): ResolverState {
  return { phase: 'watching', tip, funding };
}

type Resolving = Extract<ResolverState, { phase: 'resolving' }>;

/** Applies one event. Pure: the input state is not modified. */
export function resolverStep(state: ResolverState, event: ResolverEvent, ctx: ResolveContext): StepResult {
  if (state.phase === 'done') return { state: event.type === 'block' ? { ...state, tip: Math.max(state.tip, event.height) } : state, actions: [] };
  const actions: ResolverAction[] = [];
  let next: ResolverState;
  switch (event.type) {
    case 'fundingSpent':
      next = onFundingSpent(state, event.tx, event.height, ctx, actions);
      break;
    case 'block':
      if (event.height < state.tip) throw new OnchainError('invalidEvent', `block ${event.height} is below the tip ${state.tip}: send a reorg first`);
      next = { ...state, tip: event.height };
      break;
    case 'txConfirmed':
      next = state.phase === 'resolving' ? onConfirmed(state, event.txid, event.height) : state;
      break;
    case 'outputSpent':
      if (sameOutpoint(event.outpoint, state.funding)) next = onFundingSpent(state, event.tx, event.height, ctx, actions);
      else next = state.phase === 'resolving' ? onOutputSpent(state, event.outpoint, event.tx, event.height, ctx, actions) : state;
      break;
    case 'preimage':
      next = state.phase === 'resolving' ? onPreimage(state, event.preimage, ctx) : state;
      break;
    case 'feerate':
      next = state.phase === 'resolving' ? onFeerate(state, ctx) : state;
      break;
    case 'reorg':
      next = state.phase === 'resolving' ? onReorg(state, event.height) : { ...state, tip: Math.min(state.tip, event.height) };
      break;
    default:
      return assertNever(event, 'resolver event');
  }
  return next.phase === 'resolving' ? advance(next, actions) : { state: next, actions };
}

function onFundingSpent(state: Exclude<ResolverState, { phase: 'done' }>, raw: Uint8Array, height: number | undefined, ctx: ResolveContext, actions: ResolverAction[]): ResolverState {
  const tx = parseTx(raw);
  const id = txidOf(tx);
  if (state.phase === 'resolving' && sameBytes(state.closing.txid, id)) return height === undefined ? state : onConfirmed(state, id, height);
  if (state.phase === 'resolving' && state.closing.height !== undefined) {
    throw new OnchainError('invalidEvent', 'the funding output is already spent by a confirmed transaction: send a reorg first');
  }
  // A new closing transaction (first spend, or one replacing an unconfirmed one): plan from scratch.
  const plan = planResolution(ctx, tx);
  // BOLT #5: - upon the funding transaction being spent, if the channel is NOT already
  // closed:
  // - MAY send a descriptive `error`.
  // - SHOULD fail the channel.
  actions.push({ type: 'channelClosed', spend: plan.spend, closingTxid: id });
  if (plan.spend.kind === 'unknown') {
    // BOLT #5: - MUST warn the user of potentially lost funds.
    actions.push({ type: 'warnLostFunds', reason: plan.spend.reason === 'remoteAhead' ? 'remoteAhead' : 'unknownSpend', detail: `funding spent by an unrecognised transaction (${plan.spend.reason}); only our static to_remote can be swept` });
  } else if (plan.unplacedOutputs.length > 0) {
    actions.push({ type: 'warnLostFunds', reason: 'unplacedOutputs', detail: `${plan.unplacedOutputs.length} output(s) of the closing transaction could not be identified` });
  }
  const outputs: TrackedOutput[] = plan.outputs.map((o) => ({ ...o, status: { kind: 'unspent' }, failReported: false, ...(height !== undefined ? { parentHeight: height } : {}) }));
  for (const o of outputs) actions.push({ type: 'watchOutpoint', outpoint: o.outpoint });
  return {
    phase: 'resolving',
    tip: state.tip,
    funding: state.funding,
    // Seen confirmed or in the mempool: no need to send it again this block.
    closing: { txid: id, raw, spend: plan.spend, lastBroadcastTip: state.tip, ...(height !== undefined ? { height } : {}) },
    outputs,
    pendingFails: plan.missingOfferedHtlcs,
  };
}

function onConfirmed(state: Resolving, id: Uint8Array, height: number): Resolving {
  const closing = sameBytes(state.closing.txid, id) ? { ...state.closing, height } : state.closing;
  const outputs = state.outputs.map((o): TrackedOutput => {
    let out = o;
    if (sameBytes(o.outpoint.txid, id)) out = { ...out, parentHeight: height };
    if (out.status.kind === 'spent' && sameBytes(out.status.txid, id)) out = { ...out, status: { ...out.status, height } };
    return out;
  });
  return { ...state, closing, outputs };
}

function onOutputSpent(state: Resolving, outpoint: Outpoint, raw: Uint8Array, height: number | undefined, ctx: ResolveContext, actions: ResolverAction[]): Resolving {
  const i = state.outputs.findIndex((o) => sameOutpoint(o.outpoint, outpoint));
  if (i < 0) return state;
  const o = state.outputs[i]!;
  const tx = parseTx(raw);
  const id = txidOf(tx);
  if (o.status.kind === 'spent' && sameBytes(o.status.txid, id)) return height === undefined ? state : onConfirmed(state, id, height);
  const inputIndex = tx.inputs.findIndex((inp) => inp.vout === outpoint.vout && sameBytes(inp.txid, outpoint.txid));
  if (inputIndex < 0) throw new OnchainError('invalidEvent', 'outputSpent: the transaction does not spend the outpoint');
  const htlc = 'htlc' in o.role ? o.role.htlc : undefined;
  const preimage = htlc ? extractPreimage(tx, inputIndex, htlc.paymentHash) : undefined;
  if (preimage !== undefined && htlc?.offeredByUs) {
    // BOLT #5: - SHOULD extract the payment preimage from the transaction input witness, if
    // it's not already known.
    actions.push({ type: 'preimageFound', paymentHash: htlc.paymentHash, preimage });
  }
  const status: OutputStatus = { kind: 'spent', txid: id, preimageRevealed: preimage !== undefined, ...(height !== undefined ? { height } : {}) };
  // Another spend of the same output replaces the first one (a reorg or a mempool race): drop what the first created.
  const previous = o.status.kind === 'spent' ? o.status.txid : undefined;
  const kept = state.outputs.filter((x) => previous === undefined || !sameBytes(x.outpoint.txid, previous));
  const outputs = kept.map((x) => (sameOutpoint(x.outpoint, outpoint) ? { ...x, status } : x));
  const second = secondStageOutput(ctx, state.closing.spend, o, tx, inputIndex);
  if (second !== undefined) {
    outputs.push({ ...second, status: { kind: 'unspent' }, failReported: false, ...(height !== undefined ? { parentHeight: height } : {}) });
    actions.push({ type: 'watchOutpoint', outpoint: second.outpoint });
  }
  return { ...state, outputs };
}

function onPreimage(state: Resolving, preimage: Uint8Array, ctx: ResolveContext): Resolving {
  const hash = sha256(preimage);
  const outputs = state.outputs.map((o): TrackedOutput => {
    if (o.status.kind !== 'unspent' || o.claim !== undefined || !('htlc' in o.role) || !sameBytes(o.role.htlc.paymentHash, hash)) return o;
    const claim = claimWithPreimage(ctx, o, preimage);
    return claim === undefined ? o : { ...o, claim };
  });
  return { ...state, outputs };
}

function onFeerate(state: Resolving, ctx: ResolveContext): Resolving {
  const outputs = state.outputs.map((o): TrackedOutput => {
    if (o.status.kind !== 'unspent' || o.claim === undefined || o.claim.feeratePerKw === 0 || o.claim.feeratePerKw >= ctx.feeratePerKw) return o;
    const claim = rebuildClaim(ctx, state.closing.spend, o);
    if (claim === undefined) return o;
    const { lastBroadcastTip: _sent, ...rest } = o;
    return { ...rest, claim };
  });
  return { ...state, outputs };
}

function onReorg(state: Resolving, height: number): Resolving {
  const above = (h: number | undefined): boolean => h !== undefined && h > height;
  const closing = above(state.closing.height) ? { txid: state.closing.txid, raw: state.closing.raw, spend: state.closing.spend } : state.closing;
  // Transactions confirmed above `height` are unconfirmed again: their spends are undone (they may
  // confirm again, reported anew), and the outputs they created are dropped with them.
  const undone = state.outputs.filter((o) => o.status.kind === 'spent' && above(o.status.height)).map((o) => (o.status as { txid: Uint8Array }).txid);
  const outputs = state.outputs
    .filter((o) => !undone.some((t) => sameBytes(t, o.outpoint.txid)))
    .map((o): TrackedOutput => {
      const { parentHeight, lastBroadcastTip, ...rest } = o;
      const keepParent = parentHeight !== undefined && !above(parentHeight) ? { parentHeight } : {};
      const status: OutputStatus = o.status.kind === 'spent' && above(o.status.height) ? { kind: 'unspent' } : o.status;
      return { ...rest, ...keepParent, status, failReported: status.kind === 'unspent' ? false : o.failReported };
    });
  return { ...state, tip: Math.min(state.tip, height), closing, outputs };
}
