/**
 * @module gossip/graph
 * The front's in-memory copy of the public graph, streamed from the backend (DESIGN §4): channels by
 * short_channel_id (announcement bytes, each direction's latest channel_update bytes, capacity when the
 * backend knows it) and nodes (latest node_announcement bytes), plus a sorted scid index for range
 * queries.
 *
 * Memory: raw messages live back to back in large slabs (`./slab.ts`; records hold views), plus a few
 * numbers per entry, no decoded objects; timestamps and node ids are read from the bytes when needed
 * (`./raw.ts`). Replaced messages are counted and the slabs rebuilt when dead bytes outweigh live ones.
 * Mainnet (≈ 51 k channels, 17 k nodes) must fit the 150 MB a front may spend (bench `front-rss-mainnet`).
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Does not: verify anything (the backend sends only accepted gossip; fronts verify peers' gossip in
 * `front-router.ts`), persist, or decide what to relay (`rebroadcast.ts`).
 */
import { assertNever } from '../errors.js';
import {
  GOSSIP_TYPE,
  annNodeId,
  annScid,
  nodeAnnNodeId,
  nodeAnnTimestamp,
  nodeKey,
  rawType,
  updDirection,
  updScid,
  updTimestamp,
} from './raw.js';
import { NO_REF, Slabs } from './slab.js';

/**
 * One public channel. The messages live in the copy's slabs (`./slab.ts`); the record keeps where
 * (numbers, no view objects) and the getters hand out views. Only the copy changes a record.
 */
export class ChannelRecord {
  /** The channel's short_channel_id. */
  readonly scid: bigint;
  /** Capacity in satoshis when the backend knows it (from the funding output), else undefined. */
  capacitySat: number | undefined;
  /** The two end nodes (shared records). */
  readonly node1: NodeRecord;
  readonly node2: NodeRecord;
  /** Slab refs and lengths of the announcement and each direction's update (`NO_REF`: none). Internal. */
  annRef: number;
  annLen: number;
  upd1Ref = NO_REF;
  upd1Len = 0;
  upd2Ref = NO_REF;
  upd2Len = 0;
  readonly #slabs: Slabs;

  constructor(slabs: Slabs, scid: bigint, annRef: number, annLen: number, capacitySat: number | undefined, node1: NodeRecord, node2: NodeRecord) {
    this.#slabs = slabs;
    this.scid = scid;
    this.annRef = annRef;
    this.annLen = annLen;
    this.capacitySat = capacitySat;
    this.node1 = node1;
    this.node2 = node2;
  }

  /** The channel_announcement, full message. */
  get announcement(): Uint8Array {
    return this.#slabs.view(this.annRef, this.annLen);
  }
  /** Latest channel_update from node_id_1 (direction 0). */
  get update1(): Uint8Array | undefined {
    return this.upd1Ref === NO_REF ? undefined : this.#slabs.view(this.upd1Ref, this.upd1Len);
  }
  /** Latest channel_update from node_id_2 (direction 1). */
  get update2(): Uint8Array | undefined {
    return this.upd2Ref === NO_REF ? undefined : this.#slabs.view(this.upd2Ref, this.upd2Len);
  }

  /** The latest update of direction `dir` (0: node_id_1, 1: node_id_2). */
  update(dir: 0 | 1): Uint8Array | undefined {
    return dir === 0 ? this.update1 : this.update2;
  }

  /** Timestamp of the latest update of direction `dir`, 0 when there is none (as reply_channel_range wants). */
  updateTimestamp(dir: 0 | 1): number {
    const u = this.update(dir);
    return u === undefined ? 0 : updTimestamp(u);
  }
}

/** One node with at least one public channel. */
export class NodeRecord {
  /** Hex node id (the map key). */
  readonly key: string;
  /** Public channels that end at this node; the node is forgotten when it reaches 0. */
  channels = 0;
  /** Slab ref and length of the latest node_announcement (`NO_REF`: none yet). Internal. */
  annRef = NO_REF;
  annLen = 0;
  readonly #slabs: Slabs;

  constructor(slabs: Slabs, key: string) {
    this.#slabs = slabs;
    this.key = key;
  }

  /** Latest node_announcement, if any was received. */
  get announcement(): Uint8Array | undefined {
    return this.annRef === NO_REF ? undefined : this.#slabs.view(this.annRef, this.annLen);
  }

  /** Timestamp of the stored node_announcement, 0 when none. */
  get timestamp(): number {
    const a = this.announcement;
    return a === undefined ? 0 : nodeAnnTimestamp(a);
  }
}

/** A change streamed by the backend (`graph_event`) or one entry of the snapshot. */
export type GraphEvent =
  | { readonly kind: 'channelAdded'; readonly announcement: Uint8Array; readonly capacitySat?: number | undefined }
  | { readonly kind: 'channelUpdated'; readonly update: Uint8Array }
  | { readonly kind: 'nodeUpdated'; readonly announcement: Uint8Array }
  | { readonly kind: 'channelRemoved'; readonly scid: bigint }
  | { readonly kind: 'nodeRemoved'; readonly nodeId: Uint8Array };

/** What applying an event did. `stale`: not newer than what we hold; `unknown*`: nothing to attach to. */
export type ApplyResult = 'applied' | 'stale' | 'unknownChannel' | 'unknownNode' | 'duplicate' | 'notGossip';

/** Highest block a short_channel_id can name, +1: the end of every range. */
const SCID_BLOCK_END = 1 << 24;

/** The graph copy. Synchronous and pure; one instance per front. */
export class GraphCopy {
  #channels = new Map<bigint, ChannelRecord>();
  #nodes = new Map<string, NodeRecord>();
  /** Sorted scids (ascending); `#sortedLen` used entries; `undefined` until first needed. */
  #sorted: BigUint64Array | undefined = undefined;
  #sortedLen = 0;
  /** Every raw message held lives in these slabs (see `./slab.ts`); never pins a snapshot chunk or read buffer. */
  #slabs = new Slabs();

  /** Number of channels. */
  get channelCount(): number {
    return this.#channels.size;
  }
  /** Number of nodes (with ≥ 1 channel). */
  get nodeCount(): number {
    return this.#nodes.size;
  }
  /** Nodes that have a node_announcement. */
  get announcedNodeCount(): number {
    let n = 0;
    for (const r of this.#nodes.values()) if (r.announcement !== undefined) n++;
    return n;
  }

  /**
   * Takes over everything `next` holds, dropping what this copy held, in one step (the front builds a
   * new copy from a relink's snapshot aside and swaps it in when complete; readers holding this object
   * see the new graph from then on). `next` is left empty.
   */
  replaceWith(next: GraphCopy): void {
    if (next === this) return;
    this.#channels = next.#channels;
    this.#nodes = next.#nodes;
    this.#sorted = next.#sorted;
    this.#sortedLen = next.#sortedLen;
    this.#slabs = next.#slabs;
    next.#slabs = new Slabs();
    next.#channels = new Map();
    next.#nodes = new Map();
    next.#sorted = undefined;
    next.#sortedLen = 0;
  }

  /** The channel with this scid. */
  channel(scid: bigint): ChannelRecord | undefined {
    return this.#channels.get(scid);
  }
  /** The node with this id (bytes or hex key). */
  node(id: Uint8Array | string): NodeRecord | undefined {
    return this.#nodes.get(typeof id === 'string' ? id : nodeKey(id));
  }
  /** Every node record (insertion order). */
  nodes(): IterableIterator<NodeRecord> {
    return this.#nodes.values();
  }

  /** Applies one snapshot entry: a raw channel_announcement (with capacity), channel_update or node_announcement. */
  applyRaw(raw: Uint8Array, capacitySat?: number): ApplyResult {
    switch (rawType(raw)) {
      case GOSSIP_TYPE.channelAnnouncement:
        return this.apply({ kind: 'channelAdded', announcement: raw, capacitySat });
      case GOSSIP_TYPE.channelUpdate:
        return this.apply({ kind: 'channelUpdated', update: raw });
      case GOSSIP_TYPE.nodeAnnouncement:
        return this.apply({ kind: 'nodeUpdated', announcement: raw });
      default:
        return 'notGossip';
    }
  }

  /** Applies one event. Updates and node announcements replace only older ones (by timestamp). */
  apply(ev: GraphEvent): ApplyResult {
    const r = this.#applyOne(ev);
    if (r === 'applied' && this.#slabs.wantsCompaction()) this.#compact();
    return r;
  }

  /** Bytes of gossip held (live) and of replaced gossip still taking slab space (dead). */
  get bytes(): { live: number; dead: number } {
    return { live: this.#slabs.liveBytes, dead: this.#slabs.deadBytes };
  }

  /** Copies every live message into fresh slabs; the old ones are freed once no reader holds a view. */
  #compact(): void {
    const move = this.#slabs.compact();
    for (const c of this.#channels.values()) {
      c.annRef = move(c.annRef, c.annLen);
      c.upd1Ref = move(c.upd1Ref, c.upd1Len);
      c.upd2Ref = move(c.upd2Ref, c.upd2Len);
    }
    for (const n of this.#nodes.values()) n.annRef = move(n.annRef, n.annLen);
  }

  #applyOne(ev: GraphEvent): ApplyResult {
    switch (ev.kind) {
      case 'channelAdded':
        return this.#addChannel(ev.announcement, ev.capacitySat);
      case 'channelUpdated':
        return this.#updateChannel(ev.update);
      case 'nodeUpdated':
        return this.#updateNode(ev.announcement);
      case 'channelRemoved':
        return this.#removeChannel(ev.scid);
      case 'nodeRemoved': {
        const n = this.#nodes.get(nodeKey(ev.nodeId));
        if (n === undefined) return 'unknownNode';
        this.#slabs.release(n.annRef, n.annLen);
        n.annRef = NO_REF;
        return 'applied';
      }
      default:
        return assertNever(ev, 'graph event');
    }
  }

  #nodeRef(id: Uint8Array): NodeRecord {
    const key = nodeKey(id);
    let n = this.#nodes.get(key);
    if (n === undefined) {
      n = new NodeRecord(this.#slabs, key);
      this.#nodes.set(key, n);
    }
    n.channels++;
    return n;
  }

  #addChannel(ann: Uint8Array, capacitySat: number | undefined): ApplyResult {
    const scid = annScid(ann);
    const existing = this.#channels.get(scid);
    if (existing !== undefined) {
      if (capacitySat !== undefined) existing.capacitySat = capacitySat;
      return 'duplicate';
    }
    const rec = new ChannelRecord(this.#slabs, scid, this.#slabs.copy(ann), ann.length, capacitySat, this.#nodeRef(annNodeId(ann, 1)), this.#nodeRef(annNodeId(ann, 2)));
    this.#channels.set(scid, rec);
    this.#indexInsert(scid);
    return 'applied';
  }

  #updateChannel(upd: Uint8Array): ApplyResult {
    const c = this.#channels.get(updScid(upd));
    if (c === undefined) return 'unknownChannel';
    const dir = updDirection(upd);
    const old = c.update(dir);
    if (old !== undefined && updTimestamp(old) >= updTimestamp(upd)) return 'stale';
    if (dir === 0) {
      this.#slabs.release(c.upd1Ref, c.upd1Len);
      c.upd1Ref = this.#slabs.copy(upd);
      c.upd1Len = upd.length;
    } else {
      this.#slabs.release(c.upd2Ref, c.upd2Len);
      c.upd2Ref = this.#slabs.copy(upd);
      c.upd2Len = upd.length;
    }
    return 'applied';
  }

  #updateNode(ann: Uint8Array): ApplyResult {
    const n = this.#nodes.get(nodeKey(nodeAnnNodeId(ann)));
    if (n === undefined) return 'unknownNode';
    if (n.announcement !== undefined && n.timestamp >= nodeAnnTimestamp(ann)) return 'stale';
    this.#slabs.release(n.annRef, n.annLen);
    n.annRef = this.#slabs.copy(ann);
    n.annLen = ann.length;
    return 'applied';
  }

  #removeChannel(scid: bigint): ApplyResult {
    const c = this.#channels.get(scid);
    if (c === undefined) return 'unknownChannel';
    this.#channels.delete(scid);
    this.#indexRemove(scid);
    // BOLT #7: - if there are no channels associated with the corresponding origin node:
    //       - MAY purge the origin node from its set of known nodes.
    this.#slabs.release(c.annRef, c.annLen);
    this.#slabs.release(c.upd1Ref, c.upd1Len);
    this.#slabs.release(c.upd2Ref, c.upd2Len);
    for (const n of [c.node1, c.node2]) {
      if (--n.channels !== 0) continue;
      this.#slabs.release(n.annRef, n.annLen);
      this.#nodes.delete(n.key);
    }
    return 'applied';
  }

  // ---- sorted scid index -------------------------------------------------------------------------

  #ensureIndex(): BigUint64Array {
    if (this.#sorted === undefined) {
      const arr = new BigUint64Array(Math.max(16, Math.ceil(this.#channels.size * 1.25)));
      let i = 0;
      for (const k of this.#channels.keys()) arr[i++] = k;
      arr.subarray(0, i).sort();
      this.#sorted = arr;
      this.#sortedLen = i;
    }
    return this.#sorted;
  }

  /** First index whose scid is ≥ `scid`. */
  #lowerBound(scid: bigint): number {
    const a = this.#ensureIndex();
    let lo = 0;
    let hi = this.#sortedLen;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]! < scid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexInsert(scid: bigint): void {
    if (this.#sorted === undefined) return; // built lazily on the first range query
    let a = this.#sorted;
    const at = this.#sortedLen > 0 && a[this.#sortedLen - 1]! < scid ? this.#sortedLen : this.#lowerBound(scid);
    if (this.#sortedLen === a.length) {
      const bigger = new BigUint64Array(a.length * 2);
      bigger.set(a);
      a = this.#sorted = bigger;
    }
    a.copyWithin(at + 1, at, this.#sortedLen);
    a[at] = scid;
    this.#sortedLen++;
  }

  #indexRemove(scid: bigint): void {
    if (this.#sorted === undefined) return;
    const at = this.#lowerBound(scid);
    if (at < this.#sortedLen && this.#sorted[at] === scid) {
      this.#sorted.copyWithin(at, at + 1, this.#sortedLen);
      this.#sortedLen--;
    }
  }

  /**
   * The scids of channels in blocks `[firstBlock, firstBlock + numberOfBlocks)`, ascending, as a view
   * of the index (valid until the next change: copy it if you keep it across events).
   */
  scidsInBlocks(firstBlock: number, numberOfBlocks: number): BigUint64Array {
    const end = Math.min(firstBlock + numberOfBlocks, SCID_BLOCK_END);
    if (firstBlock >= end) return new BigUint64Array(0);
    const lo = this.#lowerBound(BigInt(firstBlock) << 40n);
    const hi = this.#lowerBound(BigInt(end) << 40n);
    return this.#ensureIndex().subarray(lo, hi);
  }

  /** Every channel in ascending scid order (a snapshot of the index, safe across changes). */
  *channelsAscending(): Generator<ChannelRecord> {
    const scids = this.#ensureIndex().slice(0, this.#sortedLen);
    for (const s of scids) {
      const c = this.#channels.get(s);
      if (c !== undefined) yield c;
    }
  }
}
