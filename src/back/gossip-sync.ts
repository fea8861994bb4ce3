/**
 * @module back/gossip-sync
 * Our own gossip sync from peers (DESIGN §4): the backend picks which connected peers to sync from, at
 * most `sync.peer-limit` at once, and has the front holding each one run the queries (`sync_request`,
 * docs/gossip.md). What the peers send back takes the normal incoming path (front router →
 * `gossip_forward` → decision), so the graph fills like from any other gossip.
 *
 * Policy: a peer is picked when it connects, offers `gossip_queries` and a slot is free; it keeps its
 * slot while connected (its timestamp filter brings us live gossip, so the limit also bounds how many
 * peers send us gossip). When a picked peer leaves, the oldest waiting candidate takes the slot. Per
 * picked connection two requests: `gossip_timestamp_filter` from now on (live gossip), then
 * `query_channel_range` over every block with timestamps (the backfill; the front asks for what its
 * copy lacks or has older).
 *
 * Spec: BOLT #7 "Query Messages" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#query-messages).
 * Does not: run the queries (the front does, `src/gossip/sync.ts`), re-sync a peer that stays connected,
 * or rank peers by quality.
 */
import type { Logger } from '../log.js';
import type { LinkMessageNamed } from '../cluster/messages.js';
import { SYNC_KIND } from '../cluster/gossip-messages.js';
import { FEATURE_BY_NAME } from '../wire/features.js';
import { bitmapHas } from '../wire/feature-vector.js';
import { QUERY_OPTION } from '../wire/messages/queries.js';
import { decodeMessage, encodeMessage } from '../wire/registry.js';
import type { Front } from './fronts.js';

/** `sync.peer-limit` default: 5 peers, as the config schema says. */
export const DEFAULT_SYNC_PEER_LIMIT = 5;
/**
 * Candidates remembered while every slot is taken: 1,000 (a front holds at most a few thousand peers;
 * past this, new peers are simply not considered until they reconnect).
 */
export const MAX_SYNC_CANDIDATES = 1_000;

/** One connection of a peer. */
interface PeerConn {
  readonly front: Front;
  readonly conn: number;
}

/** Dependencies of the planner. */
export interface GossipSyncDeps {
  /** Peers synced from at once (`sync.peer-limit`; 0 turns our sync off). */
  readonly limit: number;
  /** Our chain's `chain_hash`, wire order. */
  readonly chainHash: Uint8Array;
  /** Clock in ms. */
  readonly now: () => number;
  readonly log: Logger;
}

const GOSSIP_QUERIES = FEATURE_BY_NAME.get('gossip_queries')!.evenBit;

/** True if a raw `init` offers `gossip_queries` (bit 6 or 7, in `features` or `globalfeatures`). */
export function offersGossipQueries(theirInit: Uint8Array): boolean {
  let m;
  try {
    m = decodeMessage(theirInit);
  } catch {
    return false;
  }
  if (m.name !== 'init') return false;
  // Once per attached peer: the two bits in place, in either vector (BOLT 1: globalfeatures | features).
  return [GOSSIP_QUERIES, GOSSIP_QUERIES + 1].some((bit) => bitmapHas(m.globalfeatures, bit) || bitmapHas(m.features, bit));
}

/** Picks sync peers and sends their fronts `sync_request`s. */
export class GossipSync {
  readonly #d: GossipSyncDeps;
  /** Peers we sync from, by node id (hex). */
  readonly #syncing = new Map<string, PeerConn>();
  /** Connected peers offering gossip_queries that wait for a slot, oldest first. */
  readonly #candidates = new Map<string, PeerConn>();
  #requestId = 0;

  constructor(d: GossipSyncDeps) {
    this.#d = d;
  }

  /** Node ids (hex) we sync from now. */
  get syncing(): string[] {
    return [...this.#syncing.keys()];
  }

  /** A peer connection was accepted (`peer_attached`); a replaced connection of the same node counts as new. */
  peerUp(nodeId: string, front: Front, conn: number, theirInit: Uint8Array): void {
    this.#candidates.delete(nodeId);
    const wasSyncing = this.#syncing.delete(nodeId);
    // BOLT #7: - SHOULD NOT send this to a peer which does not offer `gossip_queries`.
    if (!offersGossipQueries(theirInit)) {
      if (wasSyncing) this.#fill();
      return;
    }
    const pc = { front, conn };
    if (this.#syncing.size < this.#d.limit) this.#start(nodeId, pc);
    else if (this.#candidates.size < MAX_SYNC_CANDIDATES) this.#candidates.set(nodeId, pc);
  }

  /** The peer is gone (detached, disconnected, its front's link lost). */
  peerDown(nodeId: string): void {
    this.#candidates.delete(nodeId);
    if (this.#syncing.delete(nodeId)) this.#fill();
  }

  #fill(): void {
    for (const [nodeId, pc] of this.#candidates) {
      if (this.#syncing.size >= this.#d.limit) return;
      this.#candidates.delete(nodeId);
      if (pc.front.link.closed) continue;
      this.#start(nodeId, pc);
    }
  }

  #start(nodeId: string, pc: PeerConn): void {
    this.#syncing.set(nodeId, pc);
    const { chainHash } = this.#d;
    const firstTimestamp = Math.floor(this.#d.now() / 1000);
    // BOLT #7: This message allows a node to constrain future gossip messages to
    // a specific range.  A node which wants any gossip messages has
    // to send this, otherwise no gossip messages would be received.
    const filter = encodeMessage({ name: 'gossip_timestamp_filter', chainHash, firstTimestamp, timestampRange: 0xffffffff, tlvs: {} });
    // BOLT #7: - MUST set `number_of_blocks` to 1 or greater.
    const range = encodeMessage({
      name: 'query_channel_range', chainHash, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: { queryOption: QUERY_OPTION.wantsTimestamps },
    });
    this.#send(pc, SYNC_KIND.gossipTimestampFilter, filter);
    this.#send(pc, SYNC_KIND.queryChannelRange, range);
    this.#d.log.info({ peer: nodeId, front: pc.front.id, conn: pc.conn, syncing: this.#syncing.size }, 'gossip sync from peer started');
  }

  #send(pc: PeerConn, kind: number, query: Uint8Array): void {
    this.#requestId = (this.#requestId + 1) >>> 0;
    const m: LinkMessageNamed<'sync_request'> = { name: 'sync_request', requestId: this.#requestId, conn: pc.conn, kind, query, tlvs: {} };
    pc.front.link.send(m);
  }
}
