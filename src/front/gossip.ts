/**
 * @module front/gossip
 * The front's gossip service (DESIGN §4, docs/gossip.md): the I/O glue around the sans-I/O cores of
 * `src/gossip`. It owns the front's `GraphCopy` (fed by `graph_snapshot_chunk`s and `graph_event`s),
 * the `FrontRouter` (incoming gossip → verify, dedup, forward, release), one `QueryResponder` per
 * peer, the peers' `gossip_timestamp_filter`s and the `RebroadcastPlanner`.
 *
 *  - Ready: after the `final` snapshot chunk of the current link; the daemon accepts peers only then.
 *  - Release: each gossip message read counts against the peer until the router releases it; above
 *    `MAX_UNRELEASED_GOSSIP` the peer's reads pause (reason `gossip`) and resume on release. The router
 *    releases every message exactly once, and everything when the link is lost.
 *  - Signatures: with verification threads (`front.verify-threads`, the daemon's `VerifyPool`) messages
 *    pass through a `VerifyPipeline` that has their signatures checked on those threads and hands them
 *    to the router in arrival order with the verdict; without, the router verifies inline.
 *  - Sending: query replies, timestamp-filter backlogs and rebroadcast batches are lazy iterators in a
 *    per-peer outbox, pulled while the peer's socket buffer is below `GOSSIP_SEND_LOW_WATER_BYTES` and
 *    again on `'drain'`, so the socket sets the pace and a 50k-channel reply never sits in memory.
 *  - Our own sync: a `sync_request` from the backend runs on that peer's `PeerSync` (`src/gossip/sync.ts`:
 *    timestamp filter, range query, chunked scid queries, one outstanding); the gossip the peer sends
 *    back goes through the router like any other.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 *  - Relink: the new link's snapshot is built into a fresh `GraphCopy` aside while the old copy keeps
 *    serving queries and dedup; the final chunk swaps it in at once (`GraphCopy.replaceWith`), so
 *    anything removed while the link was down is gone. Graph events arriving meanwhile (the backend
 *    holds them until the final chunk, but a front does not rely on it) apply to both copies.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Does not: decide acceptance (the backend does), or choose sync peers (the backend does).
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { FrontRouter, type RouterAction } from '../gossip/front-router.js';
import { VerifyPipeline, type Verifier } from '../gossip/verify-pipeline.js';
import { GraphCopy } from '../gossip/graph.js';
import { QueryResponder } from '../gossip/queries.js';
import { onTimestampFilter } from '../gossip/filter.js';
import { RebroadcastPlanner } from '../gossip/rebroadcast.js';
import { PeerSync, type SyncAction, type SyncRequest } from '../gossip/sync.js';
import { SYNC_KIND } from '../cluster/gossip-messages.js';
import { toGraphEvent } from '../cluster/gossip-messages.js';
import type { LinkMessage, LinkMessageNamed } from '../cluster/messages.js';
import { decodeMessage, encodeMessage } from '../wire/registry.js';
import type { PeerSocket } from './peer-socket.js';
import { SEND_BUFFER_PAUSE_READ_BYTES } from './constants.js';
import { registerRouterMetrics } from './metrics.js';

/**
 * Gossip messages of one peer not yet released by the router before its reads pause: 256. The router
 * releases most at once (dropped, duplicate) and the rest at the backend's decision (one link round
 * trip); with signatures checked on worker threads a message first waits for its verdict too. 64 kept
 * the verification thread idle about a third of the time (gossip-ingest-front 0.49; 256: 0.60–0.65;
 * 1024: no better), while 256 still bounds what one peer has pending (≈ 110 KiB of messages).
 */
export const MAX_UNRELEASED_GOSSIP = 256;
/**
 * Pull the next outgoing gossip message only while the peer's socket buffer holds less than this:
 * half of `SEND_BUFFER_PAUSE_READ_BYTES` (32 KiB), so our own answers never trip that pause by much
 * nor reach the low-priority drop threshold.
 */
export const GOSSIP_SEND_LOW_WATER_BYTES = SEND_BUFFER_PAUSE_READ_BYTES / 2;
/** Snapshot chunks between two progress log lines. */
const SNAPSHOT_LOG_EVERY_CHUNKS = 50;

const ZERO_CHANNEL = new Uint8Array(32);

/** One peer as the gossip service sees it. */
interface GossipPeer {
  readonly p: PeerSocket;
  readonly responder: QueryResponder;
  /** Lazy sends, in order; the first is being pulled. */
  readonly outbox: Iterator<Uint8Array>[];
  unreleased: number;
  /** A rate-limited query waiting for its bucket; reads are paused meanwhile. */
  retry: NodeJS.Timeout | undefined;
  /** Our own sync against this peer, once the backend asked for one. */
  sync: PeerSync | undefined;
}

/** What the service needs from the daemon. */
export interface FrontGossipDeps {
  readonly chainHash: Uint8Array;
  readonly ourNodeId: Uint8Array;
  readonly engine: Secp256k1Engine;
  readonly log: Logger;
  readonly now: () => number;
  /** Sends a link message; false when the link is not up. */
  readonly send: (m: LinkMessage) => boolean;
  /** Whether the link is up now. */
  readonly linkUp: () => boolean;
  /** The front's metrics registry (gets `front_router_gossip_total{status,type}` and `front_router_signature_checks_total{where}`). */
  readonly registry: Registry;
  /** Checks signatures ahead of the router on other threads; undefined: the router verifies inline. */
  readonly verifier?: Verifier | undefined;
  /** Planner timing instead of `REBROADCAST_INTERVAL_MS` / `REBROADCAST_MAX_PEER_DELAY_MS` (tests). */
  readonly rebroadcast?: { readonly intervalMs: number; readonly maxPeerDelayMs: number } | undefined;
}

/** The gossip service of one front. */
export class FrontGossip {
  readonly graph = new GraphCopy();
  readonly router: FrontRouter;
  /** Every gossip message and peer close goes through it to the router (in order). */
  readonly pipeline: VerifyPipeline;
  readonly #d: FrontGossipDeps;
  readonly #planner: RebroadcastPlanner;
  readonly #peers = new Map<number, GossipPeer>();
  #snapshotDone = false;
  #everReady = false;
  /** The copy the current link's snapshot is built into, until its final chunk. */
  #building: GraphCopy | undefined;
  #chunks = 0;
  #entries = 0;
  #snapshotStartedAt = 0;

  constructor(d: FrontGossipDeps) {
    this.#d = d;
    this.router = new FrontRouter({ chainHash: d.chainHash, engine: d.engine, graph: this.graph, ourNodeId: d.ourNodeId });
    this.pipeline = new VerifyPipeline(this.router, d.verifier, (a) => this.#apply(a), d.now);
    this.#planner = new RebroadcastPlanner({ now: d.now(), rng: Math.random, ...(d.rebroadcast && { intervalMs: d.rebroadcast.intervalMs, maxPeerDelayMs: d.rebroadcast.maxPeerDelayMs }) });
    registerRouterMetrics(d.registry, this.router.metrics);
  }

  /** True once the current link's snapshot is complete (the front may take new peers). */
  get ready(): boolean {
    return this.#snapshotDone;
  }

  /** True if a snapshot ever completed (the copy is usable while the link is down). */
  get everReady(): boolean {
    return this.#everReady;
  }

  /** Snapshot progress for status pages. */
  progress(): { chunks: number; entries: number; channels: number; nodes: number } {
    const g = this.#building ?? this.graph; // while a snapshot streams in: how far it got
    return { chunks: this.#chunks, entries: this.#entries, channels: g.channelCount, nodes: g.nodeCount };
  }

  /** The link came up: a new snapshot follows. */
  linkUp(): void {
    this.#snapshotDone = false;
    this.#building = new GraphCopy();
    this.#chunks = 0;
    this.#entries = 0;
    this.#snapshotStartedAt = this.#d.now();
  }

  /** The link is gone: every message waiting in the pipeline or at the backend is released. */
  linkDown(): void {
    this.#snapshotDone = false;
    this.#building = undefined; // the old copy keeps serving until the next link's snapshot completes
    this.pipeline.backendLost();
  }

  /** A gossip link message from the backend. */
  onLinkMessage(m: LinkMessageNamed<'gossip_decision' | 'graph_snapshot_chunk' | 'graph_event' | 'sync_request'>): void {
    const now = this.#d.now();
    switch (m.name) {
      case 'gossip_decision':
        this.#apply(this.router.handle({
          type: 'decision', now,
          decision: m.accepted ? { hash: m.hash, accepted: true } : { hash: m.hash, accepted: false, reason: m.text },
        }));
        return;
      case 'graph_snapshot_chunk':
        return this.#snapshotChunk(m);
      case 'graph_event': {
        const ev = toGraphEvent(m);
        if (ev === undefined) return;
        this.#building?.apply(ev);
        this.#apply(this.router.handle({ type: 'graph', event: ev, now }));
        return;
      }
      case 'sync_request':
        return this.#syncRequest(m);
    }
  }

  #syncRequest(m: LinkMessageNamed<'sync_request'>): void {
    const g = this.#peers.get(m.conn);
    const log = this.#d.log;
    if (g === undefined) return log.debug({ requestId: m.requestId, conn: m.conn }, 'sync_request for a connection that is gone');
    let r: SyncRequest | undefined;
    try {
      const q = decodeMessage(m.query);
      if (m.kind === SYNC_KIND.gossipTimestampFilter && q.name === 'gossip_timestamp_filter') r = { kind: 'filter', raw: m.query };
      else if (m.kind === SYNC_KIND.queryChannelRange && q.name === 'query_channel_range') r = { kind: 'range', query: q };
      else if (m.kind === SYNC_KIND.queryShortChannelIds && q.name === 'query_short_channel_ids') r = { kind: 'ids', query: q };
    } catch {
      r = undefined;
    }
    if (r === undefined) return log.warn({ requestId: m.requestId, conn: m.conn, kind: m.kind }, 'sync_request with a query that does not match its kind ignored');
    g.sync ??= new PeerSync(this.graph);
    const out: SyncAction[] = [];
    if (!g.sync.request(r, this.#d.now(), out)) log.warn({ requestId: m.requestId, conn: m.conn }, 'sync_request refused: too many queued for this peer');
    this.#syncActions(g, out);
  }

  #syncActions(g: GossipPeer, out: readonly SyncAction[]): void {
    for (const a of out) {
      switch (a.kind) {
        case 'send':
          if (!g.p.closing) g.p.event({ kind: 'fromFront', message: a.raw });
          break;
        case 'stepDone':
          this.#d.log.info({ conn: g.p.conn, step: a.step, scids: a.scids, ...(a.note !== undefined && { note: a.note }) }, 'gossip sync step done');
          break;
      }
    }
  }

  /** A reply to our own sync (reply_short_channel_ids_end 262, reply_channel_range 264). */
  #syncReply(g: GossipPeer, raw: Uint8Array): void {
    const out: SyncAction[] = [];
    let expected = false;
    try {
      const m = decodeMessage(raw);
      const now = this.#d.now();
      if (g.sync !== undefined && m.name === 'reply_channel_range') expected = g.sync.onReplyChannelRange(m, now, out);
      else if (g.sync !== undefined && m.name === 'reply_short_channel_ids_end') expected = g.sync.onReplyShortChannelIdsEnd(m, now, out);
    } catch (e) {
      return this.#warn(g, `malformed gossip query reply: ${(e as Error).message}`);
    }
    if (!expected) this.#d.log.debug({ conn: g.p.conn }, 'gossip query reply we did not ask for ignored');
    this.#syncActions(g, out);
  }

  #snapshotChunk(m: LinkMessageNamed<'graph_snapshot_chunk'>): void {
    const into = this.#building;
    if (into === undefined) return this.#d.log.warn({ index: m.index }, 'graph snapshot chunk outside a snapshot ignored');
    for (const e of m.entries) into.applyRaw(e.message, e.capacitySat > 0n ? Number(e.capacitySat) : undefined);
    this.#chunks += 1;
    this.#entries += m.entries.length;
    const p = this.progress();
    if (m.final) {
      this.graph.replaceWith(into);
      this.#building = undefined;
      this.#snapshotDone = true;
      this.#everReady = true;
      this.#d.log.info({ ...p, ms: this.#d.now() - this.#snapshotStartedAt }, 'graph snapshot complete: ready for peers');
    } else if (this.#chunks % SNAPSHOT_LOG_EVERY_CHUNKS === 1) {
      this.#d.log.info(p, 'graph snapshot in progress');
    }
  }

  /** A peer finished `init`: it may get rebroadcasts (after it sends a filter). */
  peerUp(p: PeerSocket): void {
    this.#peer(p);
  }

  /** The backend's `peer_attach_ack` said whether we have channels with this peer. */
  peerChannels(conn: number, hasChannels: boolean): void {
    this.#apply(this.router.handle({ type: 'peerChannels', conn, hasChannels }));
  }

  /** The peer's socket is gone. */
  peerClosed(conn: number): void {
    const g = this.#peers.get(conn);
    if (g === undefined) return;
    this.#peers.delete(conn);
    if (g.retry !== undefined) clearTimeout(g.retry);
    for (const it of g.outbox) it.return?.();
    this.#planner.removePeer(conn);
    this.pipeline.peerClosed(conn);
  }

  /** The daemon's timer: router expiries, rebroadcast batches. */
  tick(): void {
    const now = this.#d.now();
    this.#apply(this.router.handle({ type: 'tick', now }));
    for (const g of this.#peers.values()) {
      if (g.sync?.busy !== true) continue;
      const out: SyncAction[] = [];
      g.sync.tick(now, out);
      this.#syncActions(g, out);
    }
    for (const b of this.#planner.tick(now)) {
      const g = this.#peers.get(b.conn);
      if (g === undefined) continue;
      g.outbox.push(b.messages[Symbol.iterator]());
      this.#pump(g);
    }
  }

  /** A gossip message (types 256–265) from a peer. */
  onPeerGossip(p: PeerSocket, raw: Uint8Array, type: number): void {
    const g = this.#peer(p);
    switch (type) {
      case 256: case 257: case 258:
        g.sync?.activity(this.#d.now());
        return this.#announcement(g, raw);
      case 261: case 263:
        return this.#query(g, raw);
      case 265:
        return this.#filter(g, raw);
      case 262: case 264:
        return this.#syncReply(g, raw);
      default:
        return;
    }
  }

  #announcement(g: GossipPeer, raw: Uint8Array): void {
    if (!this.#d.linkUp()) return; // nowhere to forward; nothing held, so nothing to release
    g.unreleased += 1;
    if (g.unreleased >= MAX_UNRELEASED_GOSSIP) g.p.pause('gossip');
    this.pipeline.gossip(g.p.conn, raw);
  }

  #query(g: GossipPeer, raw: Uint8Array): void {
    const q = decodeMessage(raw);
    if (q.name !== 'query_channel_range' && q.name !== 'query_short_channel_ids') return;
    const r = g.responder.handle(q, this.#d.now());
    switch (r.kind) {
      case 'reply':
        g.outbox.push(r.messages[Symbol.iterator]());
        this.#pump(g);
        return;
      case 'ignored':
        this.#d.log.debug({ conn: g.p.conn, reason: r.reason }, 'gossip query ignored');
        return;
      case 'warning':
        this.#warn(g, r.text);
        return;
      case 'rateLimited':
        // Stop reading this peer and take the same query again when its bucket has refilled.
        g.p.pause('gossip');
        g.retry = setTimeout(() => {
          g.retry = undefined;
          if (g.unreleased < MAX_UNRELEASED_GOSSIP) g.p.resume('gossip');
          if (this.#peers.get(g.p.conn) === g) this.#query(g, raw);
        }, Math.max(0, r.retryAt - this.#d.now()));
        g.retry.unref();
        return;
    }
  }

  #filter(g: GossipPeer, raw: Uint8Array): void {
    const m = decodeMessage(raw);
    if (m.name !== 'gossip_timestamp_filter') return;
    const r = onTimestampFilter(this.graph, m, this.#d.chainHash);
    if (r.kind === 'ignored') return;
    this.#planner.setFilter(g.p.conn, r.filter);
    g.outbox.push(r.backlog[Symbol.iterator]());
    this.#pump(g);
  }

  #warn(g: GossipPeer, text: string): void {
    // A gossip problem makes neither a channel nor the connection unusable: a `warning`, not an `error`.
    const w = encodeMessage({ name: 'warning', channelId: ZERO_CHANNEL, data: new TextEncoder().encode(text), tlvs: {} });
    g.p.event({ kind: 'fromFront', message: w });
  }

  #peer(p: PeerSocket): GossipPeer {
    let g = this.#peers.get(p.conn);
    if (g === undefined) {
      g = { p, responder: new QueryResponder(this.graph, this.#d.chainHash, this.#d.now()), outbox: [], unreleased: 0, retry: undefined, sync: undefined };
      this.#peers.set(p.conn, g);
      this.#planner.addPeer(p.conn);
      const peer = g;
      p.socket.on('drain', () => this.#pump(peer));
    }
    return g;
  }

  /** Pulls outgoing gossip while the peer's socket buffer has room (see `GOSSIP_SEND_LOW_WATER_BYTES`). */
  #pump(g: GossipPeer): void {
    while (g.outbox.length > 0 && !g.p.closing && g.p.socket.writableLength < GOSSIP_SEND_LOW_WATER_BYTES) {
      const r = g.outbox[0]!.next();
      if (r.done === true) {
        g.outbox.shift();
        continue;
      }
      g.p.event({ kind: 'fromFront', message: r.value });
    }
  }

  #apply(actions: readonly RouterAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'forwardToBackend': {
          const nodeId = this.#peers.get(a.origin)?.p.fsm.nodeId ?? this.#d.ourNodeId;
          this.#d.send({ name: 'gossip_forward', conn: a.origin, nodeId, verified: a.verified, message: a.msg, tlvs: {} });
          break;
        }
        case 'release': {
          const g = this.#peers.get(a.conn);
          if (g === undefined) break;
          g.unreleased = Math.max(0, g.unreleased - a.count);
          if (g.unreleased < MAX_UNRELEASED_GOSSIP && g.retry === undefined) g.p.resume('gossip');
          break;
        }
        case 'sendWarning': {
          const g = this.#peers.get(a.conn);
          if (g !== undefined) this.#warn(g, a.text);
          break;
        }
        case 'disconnect':
          this.#peers.get(a.conn)?.p.event({ kind: 'disconnect', reason: a.reason });
          break;
        case 'rebroadcast':
          this.#planner.enqueue({ raw: a.raw, origins: a.origins, own: a.own });
          break;
      }
    }
  }
}
