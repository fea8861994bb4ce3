/**
 * @module gossip/decide
 * The backend's verdict on gossip a front forwards: accepted, or rejected with one reason from a
 * closed set. `channel_update` and `node_announcement` verdicts are pure and synchronous (graph view
 * and time in, decision out); a `channel_announcement` consults the chain source when there is one,
 * so only that path is async, and its chain-free part (`judgeFunding`) is pure too.
 *
 * Trust boundary: signatures were verified by the front before forwarding (DESIGN §2, §4, §9;
 * `./verify.ts`). The backend does not verify them again: fronts are our own processes on an mTLS
 * link with per-board certificates, the same boundary that already trusts a front to report peers'
 * node ids (DESIGN §5), and moving signature work off the backend is the point of the design. A
 * compromised front can therefore inject validly-shaped but unsigned gossip; with a chain source it
 * still cannot invent channels whose funding output does not exist.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md), BOLT #3
 * "Funding Transaction Output". Does not: store anything (the caller applies an accepted decision to
 * `GraphStore`), verify signatures, or rate-limit.
 */
import type { FundingLookup } from '../chain/funding.js';
import { lookupFunding } from '../chain/funding.js';
import { fundingOutputScript } from '../chain/bitcoin.js';
import type { ChainSource } from '../chain/source.js';
import { assertNever } from '../errors.js';
import type { ShortChannelId } from '../wire/scid.js';
import { gossipSignedBytes } from '../wire/signed.js';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../wire/messages/gossip.js';
import { updateDirection } from '../wire/messages/gossip.js';

/** Every reason a decision can carry (closed set; metrics label on it). */
export const DECISION_REASONS = [
  'accepted',
  /** Same content as what we hold (same scid and keys; same timestamp and signed bytes). */
  'duplicate',
  /** Older than what we hold, or the same timestamp with different content. */
  'stale',
  /** Older than the prune horizon (two weeks): it would be pruned at once. */
  'tooOld',
  /** More than {@link MAX_FUTURE_TIMESTAMP_SECONDS} ahead of our clock. */
  'futureTimestamp',
  /** `chain_hash` is not our chain. */
  'unknownChain',
  /** channel_update for a short_channel_id we have no announcement for. */
  'noKnownChannel',
  /** node_announcement from a node that has no channel in our graph. */
  'noRelatedChannel',
  /** A different channel_announcement for a short_channel_id we already hold. */
  'conflictingAnnouncement',
  /** The block exists but has no such transaction or output. */
  'fundingNotFound',
  /** The funding output is spent by a confirmed transaction. */
  'fundingSpent',
  /** The output is not the P2WSH of the 2-of-2 of `bitcoin_key_1`/`bitcoin_key_2`. */
  'fundingScriptMismatch',
  /** The output holds less than {@link MIN_CHANNEL_CAPACITY_SAT}: no channel can live in it. */
  'fundingBelowDust',
  /** The funding block is not deep enough yet (or not mined at our tip). */
  'tooFewConfirmations',
  /** The chain source failed; the same message may be accepted later. */
  'chainUnavailable',
] as const;

/** One of {@link DECISION_REASONS}. */
export type DecisionReason = (typeof DECISION_REASONS)[number];
/** A reason other than `accepted`. */
export type RejectReason = Exclude<DecisionReason, 'accepted'>;

/** What the chain said about an accepted channel (absent with the `none` source). */
export interface FundingInfo {
  readonly txid: string;
  readonly vout: number;
  readonly capacitySat: bigint;
  readonly confirmations: number;
}

/** The verdict. */
export type Decision =
  | { readonly accepted: true; readonly reason: 'accepted'; readonly funding?: FundingInfo }
  | { readonly accepted: false; readonly reason: RejectReason; readonly detail?: string };

/**
 * How far ahead of our clock a timestamp may be, in seconds: one day, as Core Lightning
 * (`gossipd` `timestamp_reasonable`: "More than one day ahead?") and LDK (`routing/gossip.rs`:
 * "channel_update has a timestamp more than a day in the future") do. Not two weeks: both use a day.
 */
export const MAX_FUTURE_TIMESTAMP_SECONDS = 24 * 60 * 60;

/**
 * How old a timestamp may be, in seconds: two weeks, the BOLT 7 prune age. Core Lightning and LDK
 * drop older updates on receipt ("More than 2 weeks behind?"); storing them would only prune them.
 */
export const MAX_TIMESTAMP_AGE_SECONDS = 1_209_600;

/** Confirmations BOLT 7 senders wait for before announcing (`announcement_signatures`). */
export const ANNOUNCEMENT_MIN_DEPTH = 6;

/**
 * Leeway on {@link ANNOUNCEMENT_MIN_DEPTH}, in blocks: our tip may lag the announcer's by a block or
 * two, and rejecting in that window drops honest announcements peers will not resend soon. So we
 * require `6 - 2 = 4` confirmations at our tip.
 */
export const ANNOUNCEMENT_DEPTH_LEEWAY = 2;

/**
 * Smallest funding output we accept as a channel, in satoshis: 354, the lowest `dust_limit_satoshis`
 * BOLT 2 lets a channel use. BOLT 7 does not compare the announced and on-chain amounts (there is no
 * announced amount); a smaller output cannot carry a single non-dust commitment output, so it is no
 * channel anyone can route through — only a cheap way to fill our graph.
 */
export const MIN_CHANNEL_CAPACITY_SAT = 354n;

/** Our chain and clock. */
export interface DecisionContext {
  /** `chain_hash` of our chain, wire byte order. */
  readonly chainHash: Uint8Array;
  /** UNIX seconds. */
  readonly now: number;
}

/** The reads a decision needs; `GraphStore` implements it. */
export interface GraphView {
  getChannel(scid: ShortChannelId): { readonly nodeId1: Uint8Array; readonly nodeId2: Uint8Array; readonly announcement: Uint8Array } | undefined;
  getChannelUpdate(scid: ShortChannelId, direction: 0 | 1): { readonly timestamp: number; readonly raw: Uint8Array } | undefined;
  getNode(nodeId: Uint8Array): { readonly timestamp: number; readonly raw: Uint8Array } | undefined;
  nodeHasChannel(nodeId: Uint8Array): boolean;
}

const ACCEPTED: Decision = { accepted: true, reason: 'accepted' };
const reject = (reason: RejectReason, detail?: string): Decision => (detail === undefined ? { accepted: false, reason } : { accepted: false, reason, detail });
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;

function checkChain(chainHash: Uint8Array, ctx: DecisionContext): Decision | undefined {
  // BOLT #7: - if the specified `chain_hash` is unknown to the receiver:
  //     - MUST ignore the message.
  return same(chainHash, ctx.chainHash) ? undefined : reject('unknownChain');
}

/** Timestamp window and ordering against what we hold; shared by updates and node announcements. */
function checkTimestamp(raw: Uint8Array, timestamp: number, held: { timestamp: number; raw: Uint8Array } | undefined, ctx: DecisionContext): Decision | undefined {
  if (held) {
    if (timestamp === held.timestamp) return same(gossipSignedBytes(raw), gossipSignedBytes(held.raw)) ? reject('duplicate') : reject('stale', 'same timestamp, different content');
    if (timestamp < held.timestamp) return reject('stale');
  }
  // BOLT #7: - if the `timestamp` is unreasonably far in the future:
  //       - MAY discard the `channel_update`.
  if (timestamp > ctx.now + MAX_FUTURE_TIMESTAMP_SECONDS) return reject('futureTimestamp');
  if (timestamp < ctx.now - MAX_TIMESTAMP_AGE_SECONDS) return reject('tooOld');
  return undefined;
}

/** Verdict on a `channel_update` (pure). `raw` is the whole message as received. */
export function decideChannelUpdate(m: ChannelUpdate, raw: Uint8Array, view: GraphView, ctx: DecisionContext): Decision {
  const chain = checkChain(m.chainHash, ctx);
  if (chain) return chain;
  // BOLT #7: - if the `short_channel_id` does NOT match a previous `channel_announcement`:
  //     - MUST ignore `channel_update`s that do NOT correspond to one of its own channels.
  if (!view.getChannel(m.shortChannelId)) return reject('noKnownChannel');
  return checkTimestamp(raw, m.timestamp, view.getChannelUpdate(m.shortChannelId, updateDirection(m)), ctx) ?? ACCEPTED;
}

/** Verdict on a `node_announcement` (pure). */
export function decideNodeAnnouncement(m: NodeAnnouncement, raw: Uint8Array, view: GraphView, ctx: DecisionContext): Decision {
  // BOLT #7: - if `node_id` is NOT previously known from a `channel_announcement` message, OR if `timestamp` is NOT greater than the last-received `node_announcement` from this `node_id`:
  //     - SHOULD ignore the message.
  if (!view.nodeHasChannel(m.nodeId)) return reject('noRelatedChannel');
  return checkTimestamp(raw, m.timestamp, view.getNode(m.nodeId), ctx) ?? ACCEPTED;
}

/** The chain-free checks of a `channel_announcement` (pure): chain hash, already known. */
export function precheckChannelAnnouncement(m: ChannelAnnouncement, raw: Uint8Array, view: GraphView, ctx: DecisionContext): Decision | undefined {
  const chain = checkChain(m.chainHash, ctx);
  if (chain) return chain;
  const held = view.getChannel(m.shortChannelId);
  if (!held) return undefined;
  return same(gossipSignedBytes(raw), gossipSignedBytes(held.announcement)) ? reject('duplicate') : reject('conflictingAnnouncement');
}

/** Verdict on a funding lookup for this announcement (pure). */
export function judgeFunding(m: ChannelAnnouncement, found: FundingLookup): Decision {
  switch (found.kind) {
    case 'unavailable':
      return reject('chainUnavailable', found.error.message);
    case 'notYetMined':
      return reject('tooFewConfirmations', `block not mined yet (tip ${found.tip})`);
    case 'notFound':
      return reject('fundingNotFound', `no such ${found.missing}`);
    case 'found': {
      // BOLT #7: - if the `short_channel_id`'s output does NOT correspond to a P2WSH (using `bitcoin_key_1` and `bitcoin_key_2`, as specified in [BOLT #3](03-transactions.md#funding-transaction-output)) OR the output is spent:
      //     - MUST ignore the message.
      if (!same(found.script, fundingOutputScript(m.bitcoinKey1, m.bitcoinKey2))) return reject('fundingScriptMismatch');
      if (found.spent) return reject('fundingSpent');
      if (found.value < MIN_CHANNEL_CAPACITY_SAT) return reject('fundingBelowDust', `${found.value} sat`);
      // BOLT #7: While channels should not be advertised before they are sufficiently deep, the requirement against rebroadcasting only applies if the transaction has not moved to a different block.
      if (found.confirmations < ANNOUNCEMENT_MIN_DEPTH - ANNOUNCEMENT_DEPTH_LEEWAY) return reject('tooFewConfirmations', `${found.confirmations} confirmations`);
      return { accepted: true, reason: 'accepted', funding: { txid: found.txid, vout: found.vout, capacitySat: found.value, confirmations: found.confirmations } };
    }
    default:
      return assertNever(found, 'funding lookup');
  }
}

/**
 * Verdict on a `channel_announcement`. With the `none` source it is accepted on the front's signature
 * check alone (no capacity known), as LDK does without a UTXO lookup; otherwise the funding output
 * must exist, be unspent, pay the P2WSH of the two bitcoin keys, and be deep enough.
 */
export async function decideChannelAnnouncement(m: ChannelAnnouncement, raw: Uint8Array, view: GraphView, ctx: DecisionContext, chain: ChainSource): Promise<Decision> {
  const pre = precheckChannelAnnouncement(m, raw, view, ctx);
  if (pre) return pre;
  if (chain.kind === 'none') return ACCEPTED;
  return judgeFunding(m, await lookupFunding(chain, m.shortChannelId));
}

/** A decoded gossip message and its raw bytes, as a front forwards it. */
export type ForwardedGossip =
  | { readonly message: ChannelAnnouncement & { readonly name: 'channel_announcement' }; readonly raw: Uint8Array }
  | { readonly message: ChannelUpdate & { readonly name: 'channel_update' }; readonly raw: Uint8Array }
  | { readonly message: NodeAnnouncement & { readonly name: 'node_announcement' }; readonly raw: Uint8Array };

/** Dispatches to the verdict for the message's type; synchronous except for channel_announcement. */
export function decide(g: ForwardedGossip, view: GraphView, ctx: DecisionContext, chain: ChainSource): Decision | Promise<Decision> {
  const m = g.message;
  switch (m.name) {
    case 'channel_announcement':
      return decideChannelAnnouncement(m, g.raw, view, ctx, chain);
    case 'channel_update':
      return decideChannelUpdate(m, g.raw, view, ctx);
    case 'node_announcement':
      return decideNodeAnnouncement(m, g.raw, view, ctx);
    default:
      return assertNever(m, 'gossip message');
  }
}
