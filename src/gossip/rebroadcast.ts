/**
 * @module gossip/rebroadcast
 * The rebroadcast planner of one front: accepted gossip (the FrontRouter's `rebroadcast` actions) is
 * batched per interval (60 s by default, BOLT 7's staggered broadcast) and handed to each peer after a
 * random per-peer delay (injected RNG), never to the peers it came from, filtered by each peer's
 * `gossip_timestamp_filter`; our own gossip ignores filters. A channel_announcement waits for its first
 * channel_update and is sent just before it; within a batch, announcements come before updates before
 * node announcements.
 *
 * Spec: BOLT #7 "Rebroadcasting" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#rebroadcasting).
 * Sans-I/O: time is passed in; the front calls `tick(now)` at `nextWakeAt()` and writes what it returns.
 * Does not: decide what is public (the router emits only gossip the graph copy accepted, so updates of
 * unannounced channels never get here) or write to sockets.
 */
import { GOSSIP_TYPE, annScid, nodeAnnNodeId, nodeAnnTimestamp, nodeKey, rawType, updDirection, updDontForward, updScid, updTimestamp } from './raw.js';
import { NO_FILTER, passes, type TimestampFilter } from './filter.js';
import { MAX_ANNOUNCEMENTS_AWAITING_UPDATE, REBROADCAST_INTERVAL_MS, REBROADCAST_MAX_PEER_DELAY_MS } from './limits.js';

/** One accepted message to relay (what the FrontRouter's `rebroadcast` action carries). */
export interface RebroadcastItem {
  readonly raw: Uint8Array;
  readonly origins: readonly number[];
  readonly own: boolean;
}

/** Planner settings. `rng` returns a float in [0, 1) (inject a seeded one in tests). */
export interface PlannerOptions {
  readonly now: number;
  readonly rng: () => number;
  readonly intervalMs?: number;
  readonly maxPeerDelayMs?: number;
}

/** Messages due for one peer, in send order. */
export interface PeerBatch {
  readonly conn: number;
  readonly messages: Uint8Array[];
}

interface Entry {
  raw: Uint8Array;
  origins: Set<number>;
  own: boolean;
  /** The timestamp filters compare (an announcement's is that of the update that released it). */
  ts: number;
  /** Sort rank: 0 announcement, 1 update, 2 node announcement; then `sortKey`. */
  rank: 0 | 1 | 2;
  sortKey: bigint | string;
}

interface Peer {
  filter: TimestampFilter;
  /** False for peers whose `init` networks exclude our chain: they get only our own gossip. */
  relay: boolean;
  outbox: Uint8Array[];
  sendAt: number;
}

/** Batches accepted gossip and plans each peer's share. */
export class RebroadcastPlanner {
  readonly #rng: () => number;
  readonly #interval: number;
  readonly #maxDelay: number;
  readonly #peers = new Map<number, Peer>();
  /** The batch being collected, keyed so a newer message replaces an older one of the same origin. */
  #batch = new Map<string, Entry>();
  /** channel_announcements waiting for their first channel_update, by scid (insertion-ordered). */
  readonly #awaiting = new Map<bigint, Entry>();
  #nextFlush: number;

  constructor(o: PlannerOptions) {
    this.#rng = o.rng;
    this.#interval = o.intervalMs ?? REBROADCAST_INTERVAL_MS;
    this.#maxDelay = o.maxPeerDelayMs ?? REBROADCAST_MAX_PEER_DELAY_MS;
    this.#nextFlush = o.now + this.#interval;
  }

  /** A peer joined. `relay` false when its `init` networks do not include our chain. */
  addPeer(conn: number, relay = true): void {
    this.#peers.set(conn, { filter: NO_FILTER, relay, outbox: [], sendAt: Infinity });
  }
  /** A peer left; its pending outbox is dropped. */
  removePeer(conn: number): void {
    this.#peers.delete(conn);
  }
  /**
   * A peer's new `gossip_timestamp_filter` (replaces the previous one). The front answers it with a
   * backlog read from its graph copy, which already holds everything in the current batch (the router
   * emits `rebroadcast` only for gossip the copy applied), so what of the batch passes the new filter is
   * not sent to this peer again at the flush. Announcements still waiting for their first update are
   * not in a backlog (BOLT 7: none without an update) and stay due.
   */
  setFilter(conn: number, filter: TimestampFilter): void {
    const p = this.#peers.get(conn);
    if (p === undefined) return;
    p.filter = filter;
    for (const e of this.#batch.values()) if (passes(filter, e.ts)) e.origins.add(conn);
  }
  /** Messages in the current batch (plus announcements waiting for an update). */
  get batchSize(): number {
    return this.#batch.size;
  }

  /** Adds accepted gossip to the current batch. */
  enqueue(item: RebroadcastItem): void {
    const e: Entry = { raw: item.raw, origins: new Set(item.origins), own: item.own, ts: 0, rank: 0, sortKey: 0n };
    switch (rawType(item.raw)) {
      case GOSSIP_TYPE.channelAnnouncement: {
        // BOLT #7: - MUST consider whether to send the `channel_announcement` after receiving the first corresponding `channel_update`.
        const scid = annScid(item.raw);
        this.#awaiting.delete(scid);
        this.#awaiting.set(scid, { ...e, sortKey: scid });
        if (this.#awaiting.size > MAX_ANNOUNCEMENTS_AWAITING_UPDATE) this.#awaiting.delete(this.#awaiting.keys().next().value!);
        return;
      }
      case GOSSIP_TYPE.channelUpdate: {
        if (updDontForward(item.raw)) return; // dont_forward: never relayed
        const scid = updScid(item.raw);
        Object.assign(e, { ts: updTimestamp(item.raw), rank: 1, sortKey: (scid << 1n) | BigInt(updDirection(item.raw)) });
        const ann = this.#awaiting.get(scid);
        if (ann !== undefined) {
          this.#awaiting.delete(scid);
          this.#batch.set(`c${scid}`, { ...ann, ts: e.ts });
        }
        this.#batch.set(`u${e.sortKey}`, e);
        return;
      }
      case GOSSIP_TYPE.nodeAnnouncement: {
        const key = nodeKey(nodeAnnNodeId(item.raw));
        Object.assign(e, { ts: nodeAnnTimestamp(item.raw), rank: 2, sortKey: key });
        this.#batch.set(`n${key}`, e);
        return;
      }
      default:
        return;
    }
  }

  /** When the front should call `tick` next. */
  nextWakeAt(): number {
    let t = this.#nextFlush;
    for (const p of this.#peers.values()) if (p.outbox.length > 0 && p.sendAt < t) t = p.sendAt;
    return t;
  }

  /** Flushes the batch if its interval is over, and returns every peer share that is due. */
  tick(now: number): PeerBatch[] {
    if (now >= this.#nextFlush) {
      this.#flush(now);
      // Catch up without bursts if the front slept through several intervals.
      this.#nextFlush += this.#interval * Math.max(1, Math.ceil((now - this.#nextFlush + 1) / this.#interval));
    }
    const due: PeerBatch[] = [];
    for (const [conn, p] of this.#peers) {
      if (p.outbox.length > 0 && p.sendAt <= now) {
        due.push({ conn, messages: p.outbox });
        p.outbox = [];
        p.sendAt = Infinity;
      }
    }
    return due;
  }

  #flush(now: number): void {
    if (this.#batch.size === 0) return;
    const entries = [...this.#batch.values()].sort((a, b) => a.rank - b.rank || (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    this.#batch = new Map();
    for (const [conn, p] of this.#peers) {
      const mine = entries.filter((e) => !e.origins.has(conn) && (e.own || (p.relay && passes(p.filter, e.ts))));
      if (mine.length === 0) continue;
      for (const e of mine) p.outbox.push(e.raw);
      if (p.sendAt === Infinity) p.sendAt = now + Math.floor(this.#rng() * this.#maxDelay);
    }
  }
}
