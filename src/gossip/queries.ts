/**
 * @module gossip/queries
 * Answers a peer's gossip queries from the front's graph copy (DESIGN §4): `query_channel_range` →
 * `reply_channel_range` chunks (with timestamps and checksums when asked) and `query_short_channel_ids`
 * → the announcements and updates asked for, then `reply_short_channel_ids_end`. One query of each kind
 * in flight per peer, token buckets per connection.
 *
 * Replies are lazy generators of encoded messages: the front pulls the next one when the socket drains,
 * so a full mainnet sync (≈ 170 k messages) never sits in memory at once.
 *
 * Spec: BOLT #7 "Query Messages" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#query-messages).
 * Does not: send queries (the backend decides our own sync, `sync_request`), decode messages (callers
 * pass decoded queries; decode errors are the caller's warning), or handle `gossip_timestamp_filter`
 * (`filter.ts`).
 */
import { assertNever } from '../errors.js';
import { channelUpdateChecksum } from '../wire/checksum.js';
import { QUERY_OPTION, type QueryChannelRange, type QueryShortChannelIds } from '../wire/messages/queries.js';
import { encodeMessage, MAX_MESSAGE_SIZE } from '../wire/registry.js';
import type { ChannelRecord, GraphCopy, NodeRecord } from './graph.js';
import { bytesEqual } from './raw.js';
import { CHANNEL_RANGE_BUCKET, REPLY_BYTES_PER_SCID, REPLY_FIXED_BYTES, SHORT_IDS_BUCKET } from './limits.js';

/** A token bucket: `capacity` tokens, one more every `refillMs`. Time is passed in (ms). */
export class TokenBucket {
  readonly #capacity: number;
  readonly #refillMs: number;
  #tokens: number;
  #at: number;

  constructor(capacity: number, refillMs: number, now: number) {
    this.#capacity = capacity;
    this.#refillMs = refillMs;
    this.#tokens = capacity;
    this.#at = now;
  }

  /** Takes `n` tokens if there are enough and returns 0; otherwise takes none and returns when to retry. */
  take(n: number, now: number): number {
    const gained = Math.floor((now - this.#at) / this.#refillMs);
    if (gained > 0) {
      this.#tokens = Math.min(this.#capacity, this.#tokens + gained);
      this.#at = this.#tokens === this.#capacity ? now : this.#at + gained * this.#refillMs;
    }
    const want = Math.min(n, this.#capacity); // a request above the burst waits for a full bucket
    if (this.#tokens >= want) {
      this.#tokens -= want;
      return 0;
    }
    return this.#at + (want - this.#tokens) * this.#refillMs;
  }
}

/** What to do with one query. */
export type QueryOutcome =
  /** Send these messages, in order, at the socket's pace. */
  | { readonly kind: 'reply'; readonly messages: Iterable<Uint8Array> }
  /** Nothing to send (e.g. another chain). */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** Send a `warning` and ignore the query (the spec's "MAY send a warning"). */
  | { readonly kind: 'warning'; readonly text: string }
  /** Over the rate limit: stop reading this peer and hand the same query back at `retryAt`. */
  | { readonly kind: 'rateLimited'; readonly retryAt: number };

/** Largest number of scids in one reply_channel_range for the given `query_option`, to fit 65535 bytes. */
export function maxScidsPerReply(queryOption: bigint): number {
  let per: number = REPLY_BYTES_PER_SCID.scid;
  if ((queryOption & QUERY_OPTION.wantsTimestamps) !== 0n) per += REPLY_BYTES_PER_SCID.timestamps;
  if ((queryOption & QUERY_OPTION.wantsChecksums) !== 0n) per += REPLY_BYTES_PER_SCID.checksums;
  return Math.floor((MAX_MESSAGE_SIZE - REPLY_FIXED_BYTES) / per);
}

const blockOf = (scid: bigint): number => Number(scid >> 40n);

/**
 * Cuts `scids` (ascending) into chunks of at most `max`, at block boundaries unless one block alone holds
 * more than `max` channels. Returns the start index of each chunk.
 */
function chunkStarts(scids: BigUint64Array, max: number): number[] {
  const starts: number[] = [];
  let i = 0;
  while (i < scids.length) {
    starts.push(i);
    let cut = Math.min(i + max, scids.length);
    if (cut < scids.length && blockOf(scids[cut]!) === blockOf(scids[cut - 1]!)) {
      let back = cut - 1;
      while (back > i && blockOf(scids[back - 1]!) === blockOf(scids[cut]!)) back--;
      if (back > i) cut = back; // else: the block is bigger than a reply, split inside it
    }
    i = cut;
  }
  return starts;
}

/**
 * The reply_channel_range messages for `q`, lazily. Replies cover exactly
 * `[first_blocknum, first_blocknum + number_of_blocks)` (clipped to u32): each starts where the previous
 * ended, and only the last has `sync_complete` = 1.
 */
export function* replyChannelRange(graph: GraphCopy, q: QueryChannelRange): Generator<Uint8Array> {
  const option = q.tlvs.queryOption ?? 0n;
  const wantTs = (option & QUERY_OPTION.wantsTimestamps) !== 0n;
  const wantSums = (option & QUERY_OPTION.wantsChecksums) !== 0n;
  const end = Math.min(q.firstBlocknum + q.numberOfBlocks, 0xffffffff);
  const scids = graph.scidsInBlocks(q.firstBlocknum, end - q.firstBlocknum).slice(); // own copy: we yield
  const starts = chunkStarts(scids, maxScidsPerReply(option));
  if (starts.length === 0) starts.push(0);
  let first = q.firstBlocknum;
  for (let k = 0; k < starts.length; k++) {
    const last = k === starts.length - 1;
    const part = scids.subarray(starts[k]!, last ? scids.length : starts[k + 1]!);
    // BOLT #7: - MUST set `sync_complete` to `false` if this is not the final `reply_channel_range`.
    //     - the final `reply_channel_range` message:
    //       - MUST have `first_blocknum` plus `number_of_blocks` equal or greater than the `query_channel_range` `first_blocknum` plus `number_of_blocks`.
    const next = last ? end : Math.max(blockOf(scids[starts[k + 1]!]!), blockOf(part[part.length - 1]!) + 1);
    const chans = [...part].map((s) => graph.channel(s));
    const tlvs: { timestamps?: { timestampNodeId1: number; timestampNodeId2: number }[]; checksums?: { checksumNodeId1: number; checksumNodeId2: number }[] } = {};
    if (wantTs) tlvs.timestamps = chans.map((c) => ({ timestampNodeId1: c?.updateTimestamp(0) ?? 0, timestampNodeId2: c?.updateTimestamp(1) ?? 0 }));
    if (wantSums) tlvs.checksums = chans.map((c) => ({ checksumNodeId1: checksum(c, 0), checksumNodeId2: checksum(c, 1) }));
    yield encodeMessage({
      name: 'reply_channel_range',
      chainHash: q.chainHash,
      firstBlocknum: first,
      numberOfBlocks: next - first,
      syncComplete: last ? 1 : 0,
      encodedShortIds: [...part],
      tlvs,
    });
    // A block split across replies is repeated in the next reply's range (allowed: "MAY split block contents").
    first = last ? first : Math.min(next, blockOf(scids[starts[k + 1]!]!));
  }
}

function checksum(c: ChannelRecord | undefined, dir: 0 | 1): number {
  const u = c?.update(dir);
  return u === undefined ? 0 : channelUpdateChecksum(u);
}

/** `encoded_query_flags` bits. */
export const QUERY_FLAG = { announcement: 1n, update1: 2n, update2: 4n, node1: 8n, node2: 16n } as const;
const ALL_FLAGS = QUERY_FLAG.announcement | QUERY_FLAG.update1 | QUERY_FLAG.update2 | QUERY_FLAG.node1 | QUERY_FLAG.node2;

/**
 * The answer to a query_short_channel_ids, lazily: per known scid the messages its flag asks for
 * (everything when there are no flags), each node_announcement at most once, then
 * `reply_short_channel_ids_end`. Unknown scids are skipped.
 */
export function* replyShortChannelIds(graph: GraphCopy, q: QueryShortChannelIds, fullInformation: boolean): Generator<Uint8Array> {
  const flags = q.tlvs.queryFlags;
  const sentNodes = new Set<string>();
  const node = function* (n: NodeRecord): Generator<Uint8Array> {
    // BOLT #7: - SHOULD avoid sending duplicate `node_announcements` in response to a single `query_short_channel_ids`.
    if (n.announcement === undefined || sentNodes.has(n.key)) return;
    sentNodes.add(n.key);
    yield n.announcement;
  };
  for (let i = 0; i < q.encodedShortIds.length; i++) {
    const c = graph.channel(q.encodedShortIds[i]!);
    if (c === undefined) continue;
    // BOLT #7: - if the incoming message does not include `encoded_query_flags`:
    //       - with a `channel_announcement` and the latest `channel_update` for each end
    //       - MUST follow with any `node_announcement`s for each `channel_announcement`
    const f = flags === undefined ? ALL_FLAGS : flags[i]!;
    if (f & QUERY_FLAG.announcement) yield c.announcement;
    if (f & QUERY_FLAG.update1 && c.update1 !== undefined) yield c.update1;
    if (f & QUERY_FLAG.update2 && c.update2 !== undefined) yield c.update2;
    if (f & QUERY_FLAG.node1) yield* node(c.node1);
    if (f & QUERY_FLAG.node2) yield* node(c.node2);
  }
  // BOLT #7: - MUST follow these responses with `reply_short_channel_ids_end`.
  yield encodeMessage({ name: 'reply_short_channel_ids_end', chainHash: q.chainHash, fullInformation: fullInformation ? 1 : 0, tlvs: {} });
}

/** One connection's query state: what is in flight and its token buckets. */
export class QueryResponder {
  readonly #graph: GraphCopy;
  readonly #chainHash: Uint8Array;
  readonly #rangeBucket: TokenBucket;
  readonly #idsBucket: TokenBucket;
  #rangeInFlight = false;
  #idsInFlight = false;

  constructor(graph: GraphCopy, chainHash: Uint8Array, now: number) {
    this.#graph = graph;
    this.#chainHash = chainHash;
    this.#rangeBucket = new TokenBucket(CHANNEL_RANGE_BUCKET.capacity, CHANNEL_RANGE_BUCKET.refillMs, now);
    this.#idsBucket = new TokenBucket(SHORT_IDS_BUCKET.capacity, SHORT_IDS_BUCKET.refillMs, now);
  }

  /** True while a reply of that kind has not been fully pulled. */
  get inFlight(): { channelRange: boolean; shortChannelIds: boolean } {
    return { channelRange: this.#rangeInFlight, shortChannelIds: this.#idsInFlight };
  }

  /** Decides what to do with one decoded query. */
  handle(q: QueryChannelRange | QueryShortChannelIds, now: number): QueryOutcome {
    switch (q.name) {
      case 'query_channel_range':
        return this.#range(q, now);
      case 'query_short_channel_ids':
        return this.#ids(q, now);
      default:
        return assertNever(q, 'query');
    }
  }

  #range(q: QueryChannelRange, now: number): QueryOutcome {
    if (!bytesEqual(q.chainHash, this.#chainHash)) return { kind: 'ignored', reason: 'query_channel_range for another chain' };
    // BOLT #7: - if it has not sent all `reply_channel_range` to a previously received `query_channel_range` from this sender:
    //     - MAY send a `warning`.
    if (this.#rangeInFlight) return { kind: 'warning', text: 'query_channel_range while the previous one is still being answered' };
    if (q.numberOfBlocks === 0) return { kind: 'warning', text: 'query_channel_range with number_of_blocks 0' };
    const retryAt = this.#rangeBucket.take(1, now);
    if (retryAt !== 0) return { kind: 'rateLimited', retryAt };
    this.#rangeInFlight = true;
    return { kind: 'reply', messages: tracked(replyChannelRange(this.#graph, q), () => (this.#rangeInFlight = false)) };
  }

  #ids(q: QueryShortChannelIds, now: number): QueryOutcome {
    // BOLT #7: - if does not maintain up-to-date channel information for `chain_hash`:
    //     - MUST set `full_information` to 0.
    if (!bytesEqual(q.chainHash, this.#chainHash)) {
      return { kind: 'reply', messages: [encodeMessage({ name: 'reply_short_channel_ids_end', chainHash: q.chainHash, fullInformation: 0, tlvs: {} })] };
    }
    // BOLT #7: - if it has not sent `reply_short_channel_ids_end` to a previously received `query_short_channel_ids` from this sender:
    //     - MAY send a `warning`.
    if (this.#idsInFlight) return { kind: 'warning', text: 'query_short_channel_ids while the previous one is still being answered' };
    // BOLT #7: - if `encoded_query_flags` does not decode to exactly one flag per `short_channel_id`:
    //       - MAY send a `warning`.
    const flags = q.tlvs.queryFlags;
    if (flags !== undefined && flags.length !== q.encodedShortIds.length) {
      return { kind: 'warning', text: `query_short_channel_ids has ${flags.length} flags for ${q.encodedShortIds.length} scids` };
    }
    const retryAt = this.#idsBucket.take(Math.max(1, q.encodedShortIds.length), now);
    if (retryAt !== 0) return { kind: 'rateLimited', retryAt };
    this.#idsInFlight = true;
    return { kind: 'reply', messages: tracked(replyShortChannelIds(this.#graph, q, true), () => (this.#idsInFlight = false)) };
  }
}

/** Runs `done` when the consumer finishes or abandons (`return()`) the iteration. */
function* tracked<T>(inner: Iterable<T>, done: () => void): Generator<T> {
  try {
    yield* inner;
  } finally {
    done();
  }
}
