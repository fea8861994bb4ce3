/**
 * @module gossip/sync
 * Our own gossip sync against one peer, run by the front that holds the connection when the backend
 * asks (`sync_request`, DESIGN §4). Sans-I/O: it takes the backend's requests, the peer's replies and
 * the clock, and returns the messages to send.
 *
 *  - `gossip_timestamp_filter`: sent as is (the peer then sends live gossip, and some peers, LDK among
 *    them, their whole graph).
 *  - `query_channel_range`: sent, then every `reply_channel_range` is compared with the front's graph
 *    copy: unknown channels are asked for in full, known ones only for the directions whose timestamp
 *    (when the peer gives timestamps) is newer than ours.
 *  - `query_short_channel_ids`: what is to ask, in chunks of `SYNC_SCIDS_PER_QUERY`, one outstanding at
 *    a time, the next after `reply_short_channel_ids_end`.
 * Requests run one after another; a peer silent for `idleTimeoutMs` while a query is outstanding ends the
 * range step (what it listed is still asked for) or the whole sync (an unanswered qscid).
 *
 * The gossip the peer sends in answer takes the normal incoming path (front router, backend decision);
 * this module never touches the graph.
 *
 * Spec: BOLT #7 "Query Messages" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#query-messages).
 * Does not: choose the peers (the backend does, `src/back/gossip-sync.ts`), check the peer's features
 * (the backend only picks peers offering `gossip_queries`), or verify gossip.
 */
import { assertNever } from '../errors.js';
import { encodeMessage } from '../wire/registry.js';
import type { QueryChannelRange, QueryShortChannelIds, ReplyChannelRange, ReplyShortChannelIdsEnd } from '../wire/messages/queries.js';
import type { GraphCopy } from './graph.js';
import { QUERY_FLAG } from './queries.js';
import { bytesEqual } from './raw.js';

/**
 * Scids per `query_short_channel_ids` we send: 2,000 (about 18 KB with flags, well under the 65,535-byte
 * message limit). Small enough that one answer (≈ 6,000 messages) passes quickly through the peer's
 * pacing and our router, large enough that a mainnet sync (≈ 51 k channels) takes ≈ 26 round trips.
 */
export const SYNC_SCIDS_PER_QUERY = 2_000;
/**
 * Scids collected from one peer's `reply_channel_range`s before further ones are dropped: 250,000
 * (≈ 5× mainnet), so a peer listing junk cannot make us hold more than ≈ 2.3 MB per sync.
 */
export const SYNC_MAX_SCIDS = 250_000;
/**
 * Requests waiting behind the running one, per peer: 8. The backend sends two per sync (filter, range);
 * more means a confused backend, and the extra are refused rather than queued without bound.
 */
export const SYNC_MAX_QUEUED_REQUESTS = 8;
/**
 * How long an outstanding query may go without any reply or gossip from the peer, in ms: 60 s. Answers
 * come at the peer's pace and ours (reads pause while the backend decides), so only silence counts.
 */
export const SYNC_IDLE_TIMEOUT_MS = 60_000;

/** A request from the backend: the encoded message and what it is. */
export type SyncRequest =
  | { readonly kind: 'filter'; readonly raw: Uint8Array }
  | { readonly kind: 'range'; readonly query: QueryChannelRange }
  | { readonly kind: 'ids'; readonly query: QueryShortChannelIds };

/** What to do after an input. */
export type SyncAction =
  /** Send this message to the peer. */
  | { readonly kind: 'send'; readonly raw: Uint8Array }
  /** A step ended (for logs): what it was, and why if it did not finish normally. */
  | { readonly kind: 'stepDone'; readonly step: 'filter' | 'range' | 'ids'; readonly scids: number; readonly note?: string };

/** The step in progress. */
type State =
  | { readonly kind: 'idle' }
  | { readonly kind: 'range'; readonly chainHash: Uint8Array; readonly end: number; lastActivity: number; listed: number }
  | { readonly kind: 'ids'; readonly chainHash: Uint8Array; lastActivity: number; asked: number };

/** Options (tests shorten the timeout). */
export interface PeerSyncOptions {
  readonly idleTimeoutMs?: number;
  readonly scidsPerQuery?: number;
  readonly maxScids?: number;
}

const ALL_FLAGS = QUERY_FLAG.announcement | QUERY_FLAG.update1 | QUERY_FLAG.update2 | QUERY_FLAG.node1 | QUERY_FLAG.node2;

/** The sync with one peer. */
export class PeerSync {
  readonly #graph: GraphCopy;
  readonly #idleMs: number;
  readonly #perQuery: number;
  readonly #maxScids: number;
  readonly #queue: SyncRequest[] = [];
  #state: State = { kind: 'idle' };
  /** Scids (and their query flags) still to ask for, from `#next` on. */
  #todo: { scids: bigint[]; flags: bigint[] } = { scids: [], flags: [] };
  #next = 0;

  constructor(graph: GraphCopy, opts: PeerSyncOptions = {}) {
    this.#graph = graph;
    this.#idleMs = opts.idleTimeoutMs ?? SYNC_IDLE_TIMEOUT_MS;
    this.#perQuery = opts.scidsPerQuery ?? SYNC_SCIDS_PER_QUERY;
    this.#maxScids = opts.maxScids ?? SYNC_MAX_SCIDS;
  }

  /** True while a query is outstanding or requests are waiting. */
  get busy(): boolean {
    return this.#state.kind !== 'idle' || this.#queue.length > 0;
  }

  /** Queues a request from the backend; returns false (refused) when the queue is full. */
  request(r: SyncRequest, now: number, out: SyncAction[]): boolean {
    if (this.#queue.length >= SYNC_MAX_QUEUED_REQUESTS) return false;
    this.#queue.push(r);
    if (this.#state.kind === 'idle') this.#advance(now, out);
    return true;
  }

  /** Anything received from the peer while a query is outstanding keeps it alive. */
  activity(now: number): void {
    if (this.#state.kind !== 'idle') this.#state.lastActivity = now;
  }

  /** A `reply_channel_range` from the peer. False if it was not expected (no range query outstanding, other chain). */
  onReplyChannelRange(m: ReplyChannelRange, now: number, out: SyncAction[]): boolean {
    const s = this.#state;
    if (s.kind !== 'range' || !bytesEqual(m.chainHash, s.chainHash)) return false;
    s.lastActivity = now;
    this.#collect(m);
    s.listed += m.encodedShortIds.length;
    // BOLT #7: By insisting that replies be in increasing order, the receiver can easily
    // determine if replies are done: simply check if `first_blocknum` plus
    // `number_of_blocks` equals or exceeds the `first_blocknum` plus
    // `number_of_blocks` it asked for.
    if (m.firstBlocknum + m.numberOfBlocks >= s.end) this.#rangeDone(s, now, out);
    return true;
  }

  /** A `reply_short_channel_ids_end` from the peer. False if no qscid was outstanding (or another chain). */
  onReplyShortChannelIdsEnd(m: ReplyShortChannelIdsEnd, now: number, out: SyncAction[]): boolean {
    const s = this.#state;
    if (s.kind !== 'ids' || !bytesEqual(m.chainHash, s.chainHash)) return false;
    s.lastActivity = now;
    if (m.fullInformation === 0) {
      this.#finishIds(s, now, out, 'the peer has no full information for this chain');
      return true;
    }
    if (!this.#sendIds(s, out)) this.#finishIds(s, now, out, undefined);
    return true;
  }

  /** Timeouts: a silent peer ends the range step (the listed scids are still asked for) or the ids step. */
  tick(now: number, out: SyncAction[]): void {
    const s = this.#state;
    switch (s.kind) {
      case 'idle':
        return;
      case 'range':
        if (now - s.lastActivity >= this.#idleMs) this.#rangeDone(s, now, out, `no reply_channel_range for ${this.#idleMs} ms`);
        return;
      case 'ids':
        if (now - s.lastActivity >= this.#idleMs) this.#finishIds(s, now, out, `no reply_short_channel_ids_end for ${this.#idleMs} ms`);
        return;
    }
    assertNever(s, 'sync state');
  }

  /** Starts queued requests until one waits for the peer. */
  #advance(now: number, out: SyncAction[]): void {
    while (this.#state.kind === 'idle') {
      const r = this.#queue.shift();
      if (r === undefined) return;
      switch (r.kind) {
        case 'filter':
          out.push({ kind: 'send', raw: r.raw }, { kind: 'stepDone', step: 'filter', scids: 0 });
          break;
        case 'range': {
          // BOLT #7: - MUST NOT send this if it has sent a previous `query_channel_range` to this peer and not received all `reply_channel_range` replies.
          const end = Math.min(r.query.firstBlocknum + r.query.numberOfBlocks, 0xffffffff);
          this.#state = { kind: 'range', chainHash: r.query.chainHash, end, lastActivity: now, listed: 0 };
          out.push({ kind: 'send', raw: encodeMessage(r.query) });
          break;
        }
        case 'ids': {
          const flags = r.query.tlvs.queryFlags;
          r.query.encodedShortIds.forEach((scid, i) => this.#want(scid, flags?.[i] ?? ALL_FLAGS));
          this.#startIds(r.query.chainHash, now, out);
          break;
        }
        default:
          assertNever(r, 'sync request');
      }
    }
  }

  /** Adds the scids of one reply that we lack (or have older updates of) to the to-do list. */
  #collect(m: ReplyChannelRange): void {
    const ts = m.tlvs.timestamps;
    const ids = m.encodedShortIds;
    for (let i = 0; i < ids.length; i++) {
      const c = this.#graph.channel(ids[i]!);
      let flag: bigint;
      if (c === undefined) flag = ALL_FLAGS;
      else if (ts === undefined || ts.length !== ids.length) flag = 0n;
      else {
        flag = 0n;
        if (ts[i]!.timestampNodeId1 > c.updateTimestamp(0)) flag |= QUERY_FLAG.update1;
        if (ts[i]!.timestampNodeId2 > c.updateTimestamp(1)) flag |= QUERY_FLAG.update2;
      }
      if (flag !== 0n) this.#want(ids[i]!, flag);
    }
  }

  #want(scid: bigint, flag: bigint): void {
    if (this.#todo.scids.length >= this.#maxScids) return;
    this.#todo.scids.push(scid);
    this.#todo.flags.push(flag);
  }

  #rangeDone(s: Extract<State, { kind: 'range' }>, now: number, out: SyncAction[], note?: string): void {
    out.push({ kind: 'stepDone', step: 'range', scids: s.listed, ...(note !== undefined && { note }) });
    this.#startIds(s.chainHash, now, out);
  }

  /** Sends the first qscid chunk of the to-do list, or goes on with the queue when there is nothing to ask. */
  #startIds(chainHash: Uint8Array, now: number, out: SyncAction[]): void {
    this.#sortTodo();
    const s: State = { kind: 'ids', chainHash, lastActivity: now, asked: 0 };
    this.#state = s;
    if (!this.#sendIds(s, out)) this.#finishIds(s, now, out, undefined);
  }

  /**
   * Sorts the to-do list by scid and merges repeats (a block split across replies may list a channel
   * twice; a peer's replies may overlap).
   */
  #sortTodo(): void {
    const { scids, flags } = this.#todo;
    const order = scids.map((_, i) => i).sort((a, b) => (scids[a]! < scids[b]! ? -1 : scids[a]! > scids[b]! ? 1 : 0));
    const out: { scids: bigint[]; flags: bigint[] } = { scids: [], flags: [] };
    for (const i of order) {
      const last = out.scids.length - 1;
      // BOLT #7: * `0`: uncompressed array of `short_channel_id` types, in ascending order.
      if (last >= 0 && out.scids[last] === scids[i]) out.flags[last] = out.flags[last]! | flags[i]!;
      else {
        out.scids.push(scids[i]!);
        out.flags.push(flags[i]!);
      }
    }
    this.#todo = out;
  }

  /** Sends the next chunk; false when the to-do list is exhausted. */
  #sendIds(s: Extract<State, { kind: 'ids' }>, out: SyncAction[]): boolean {
    const from = this.#next;
    const to = Math.min(from + this.#perQuery, this.#todo.scids.length);
    if (from >= to) return false;
    this.#next = to;
    s.asked += to - from;
    // BOLT #7: - MUST NOT send `query_short_channel_ids` if it has sent a previous `query_short_channel_ids` to this peer and not received `reply_short_channel_ids_end`.
    // BOLT #7: - MUST encode one query flag per `short_channel_id`.
    out.push({
      kind: 'send',
      raw: encodeMessage({
        name: 'query_short_channel_ids', chainHash: s.chainHash, encodedShortIds: this.#todo.scids.slice(from, to),
        tlvs: { queryFlags: this.#todo.flags.slice(from, to) },
      }),
    });
    return true;
  }

  #finishIds(s: Extract<State, { kind: 'ids' }>, now: number, out: SyncAction[], note: string | undefined): void {
    if (s.asked > 0 || note !== undefined) out.push({ kind: 'stepDone', step: 'ids', scids: s.asked, ...(note !== undefined && { note }) });
    this.#todo = { scids: [], flags: [] };
    this.#next = 0;
    this.#state = { kind: 'idle' };
    this.#advance(now, out);
  }
}
