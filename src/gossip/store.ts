/**
 * @module gossip/store
 * The backend's authoritative routing graph in SQLite (better-sqlite3, WAL): channels with their raw
 * `channel_announcement`, the latest `channel_update` per direction, the latest `node_announcement`
 * per node. Upserts follow the timestamp rules; the snapshot iterator streams the graph in BOLT 7
 * order in chunks; pruning removes stale channels (time passed in) and channels whose funding output
 * was spent, then nodes left without channels; `backup()` takes an online copy (`lnfleet backup`).
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Every statement is prepared once. Writes are synchronous (better-sqlite3); callers keep them off hot
 * paths by batching. Does not: judge gossip (`./decide.ts`), verify signatures, or talk to the chain.
 */
import type { ShortChannelId } from '../wire/scid.js';
import type { Database, Statement } from './store-migrations.js';
import { GraphStoreError, migrate, openDatabase } from './store-migrations.js';

/** Stale-channel age in seconds: two weeks (BOLT 7, quoted at {@link GraphStore.pruneStale}). */
export const STALE_CHANNEL_AGE_SECONDS = 1_209_600;
/**
 * Blocks a spend of a funding output must have before the channel is forgotten. The current spec
 * waits 12 blocks so a splice's new announcement can propagate; the pinned spec forgets on spend.
 */
export const FUNDING_SPENT_FORGET_DELAY_BLOCKS = 12;
/** Channels per snapshot chunk: bounds memory per step (~1 KB per channel with its updates and nodes). */
export const SNAPSHOT_CHUNK_CHANNELS = 500;

/** A channel as stored. */
export interface StoredChannel {
  readonly scid: ShortChannelId;
  readonly announcement: Uint8Array;
  readonly nodeId1: Uint8Array;
  readonly nodeId2: Uint8Array;
  readonly bitcoinKey1: Uint8Array;
  readonly bitcoinKey2: Uint8Array;
  /** Satoshis; undefined when accepted without a chain source. */
  readonly capacitySat: bigint | undefined;
  readonly funding: { readonly txid: string; readonly vout: number } | undefined;
  readonly firstSeen: number;
  /** Height of the confirmed spend of the funding output, once seen. */
  readonly spentHeight: number | undefined;
}

/** A channel to add (from an accepted `channel_announcement`). */
export type NewChannel = Omit<StoredChannel, 'spentHeight'>;

/** The latest `channel_update` of one direction. */
export interface StoredUpdate {
  readonly scid: ShortChannelId;
  readonly direction: 0 | 1;
  readonly timestamp: number;
  readonly messageFlags: number;
  readonly channelFlags: number;
  readonly raw: Uint8Array;
}

/** The latest `node_announcement` of a node. */
export interface StoredNode {
  readonly nodeId: Uint8Array;
  readonly timestamp: number;
  readonly raw: Uint8Array;
}

/** Result of an upsert under the timestamp rules. */
export type UpsertOutcome = 'inserted' | 'replaced' | 'stale' | 'unknownChannel';

/** One message of the snapshot stream. */
export type SnapshotItem =
  | { readonly type: 'channel_announcement'; readonly scid: ShortChannelId; readonly raw: Uint8Array }
  | { readonly type: 'channel_update'; readonly scid: ShortChannelId; readonly direction: 0 | 1; readonly timestamp: number; readonly raw: Uint8Array }
  | { readonly type: 'node_announcement'; readonly nodeId: Uint8Array; readonly timestamp: number; readonly raw: Uint8Array };

/** Sizes for status pages and metrics. */
export interface GraphCounts {
  readonly channels: number;
  readonly channelUpdates: number;
  readonly nodes: number;
  /** Channels accepted without a chain check (no capacity known). */
  readonly unverifiedChannels: number;
  /** Channels whose funding spend is seen but not yet deep enough to forget. */
  readonly spentPending: number;
}

/** 8-byte big-endian BLOB of a short_channel_id (see the schema note in store-migrations.ts). */
export function scidKey(scid: ShortChannelId): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt.asUintN(64, scid));
  return b;
}

function scidOf(key: Uint8Array): ShortChannelId {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).readBigUInt64BE(0);
}

const u8 = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

interface ChannelRow {
  scid: Uint8Array; announcement: Uint8Array; node_id_1: Uint8Array; node_id_2: Uint8Array; bitcoin_key_1: Uint8Array; bitcoin_key_2: Uint8Array;
  capacity_sat: number | null; funding_txid: string | null; funding_vout: number | null; first_seen: number; spent_height: number | null;
}
interface UpdateRow { scid: Uint8Array; direction: 0 | 1; timestamp: number; message_flags: number; channel_flags: number; raw: Uint8Array }
interface NodeRow { node_id: Uint8Array; timestamp: number; raw: Uint8Array }

function toChannel(r: ChannelRow): StoredChannel {
  return {
    scid: scidOf(r.scid), announcement: u8(r.announcement), nodeId1: u8(r.node_id_1), nodeId2: u8(r.node_id_2),
    bitcoinKey1: u8(r.bitcoin_key_1), bitcoinKey2: u8(r.bitcoin_key_2),
    capacitySat: r.capacity_sat === null ? undefined : BigInt(r.capacity_sat),
    funding: r.funding_txid === null || r.funding_vout === null ? undefined : { txid: r.funding_txid, vout: r.funding_vout },
    firstSeen: r.first_seen, spentHeight: r.spent_height ?? undefined,
  };
}

function toUpdate(r: UpdateRow): StoredUpdate {
  return { scid: scidOf(r.scid), direction: r.direction, timestamp: r.timestamp, messageFlags: r.message_flags, channelFlags: r.channel_flags, raw: u8(r.raw) };
}

const SQL = {
  insertChannel: `INSERT OR IGNORE INTO channels (scid, announcement, node_id_1, node_id_2, bitcoin_key_1, bitcoin_key_2, capacity_sat, funding_txid, funding_vout, first_seen)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  getChannel: 'SELECT * FROM channels WHERE scid = ?',
  getUpdate: 'SELECT * FROM channel_updates WHERE scid = ? AND direction = ?',
  upsertUpdate: `INSERT INTO channel_updates (scid, direction, timestamp, message_flags, channel_flags, raw) VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (scid, direction) DO UPDATE SET timestamp = excluded.timestamp, message_flags = excluded.message_flags,
                 channel_flags = excluded.channel_flags, raw = excluded.raw WHERE excluded.timestamp > channel_updates.timestamp`,
  getNode: 'SELECT * FROM nodes WHERE node_id = ?',
  upsertNode: `INSERT INTO nodes (node_id, timestamp, raw) VALUES (?, ?, ?)
               ON CONFLICT (node_id) DO UPDATE SET timestamp = excluded.timestamp, raw = excluded.raw WHERE excluded.timestamp > nodes.timestamp`,
  nodeHasChannel: 'SELECT EXISTS (SELECT 1 FROM channels WHERE node_id_1 = @id) OR EXISTS (SELECT 1 FROM channels WHERE node_id_2 = @id) AS has',
  chunkChannels: 'SELECT scid, announcement, node_id_1, node_id_2 FROM channels WHERE scid > ? ORDER BY scid LIMIT ?',
  chunkUpdates: 'SELECT * FROM channel_updates WHERE scid BETWEEN ? AND ? ORDER BY scid, direction',
  firstChannelOfNode: `SELECT min(s) AS first FROM (SELECT min(scid) AS s FROM channels WHERE node_id_1 = @id UNION ALL SELECT min(scid) FROM channels WHERE node_id_2 = @id)`,
  staleChannels: `SELECT c.scid FROM channels c
                  LEFT JOIN channel_updates u0 ON u0.scid = c.scid AND u0.direction = 0
                  LEFT JOIN channel_updates u1 ON u1.scid = c.scid AND u1.direction = 1
                  WHERE min(coalesce(u0.timestamp, c.first_seen), coalesce(u1.timestamp, c.first_seen)) < ?`,
  deleteChannel: 'DELETE FROM channels WHERE scid = ?',
  deleteOrphanNodes: `DELETE FROM nodes WHERE NOT EXISTS (SELECT 1 FROM channels WHERE node_id_1 = nodes.node_id)
                      AND NOT EXISTS (SELECT 1 FROM channels WHERE node_id_2 = nodes.node_id)`,
  markSpent: 'UPDATE channels SET spent_height = ? WHERE funding_txid = ? AND funding_vout = ? AND spent_height IS NULL',
  unmarkSpentAbove: 'UPDATE channels SET spent_height = NULL WHERE spent_height > ?',
  spentDeepEnough: 'SELECT scid FROM channels WHERE spent_height IS NOT NULL AND spent_height <= ?',
  unspentOutpoints: 'SELECT funding_txid AS txid, funding_vout AS vout FROM channels WHERE funding_txid IS NOT NULL AND spent_height IS NULL',
  getProgress: 'SELECT height, hash FROM chain_progress WHERE id = 1',
  setProgress: `INSERT INTO chain_progress (id, height, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET height = excluded.height, hash = excluded.hash`,
  counts: `SELECT (SELECT count(*) FROM channels) AS channels, (SELECT count(*) FROM channel_updates) AS channelUpdates,
           (SELECT count(*) FROM nodes) AS nodes, (SELECT count(*) FROM channels WHERE capacity_sat IS NULL) AS unverifiedChannels,
           (SELECT count(*) FROM channels WHERE spent_height IS NOT NULL) AS spentPending`,
} as const;

type Prepared = { [K in keyof typeof SQL]: Statement<any> };

/** The graph database. Open with {@link GraphStore.open}; one instance per process owns writes. */
export class GraphStore {
  private readonly st: Prepared;
  private readonly db: Database;
  /** The database file (or `:memory:`). */
  readonly path: string;

  private constructor(db: Database, path: string) {
    this.db = db;
    this.path = path;
    this.st = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)])) as Prepared;
  }

  /**
   * Opens (creating if needed) the database at `path` (a file, or `:memory:` for tests), enables WAL
   * and foreign keys, and applies missing migrations. `nowSeconds` stamps the migration record.
   */
  static open(path: string, nowSeconds: number): GraphStore {
    const db = openDatabase(path);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      // WAL + NORMAL: a power cut may lose the last commits but never corrupts; gossip is re-learnt.
      db.pragma('synchronous = NORMAL');
      migrate(db, nowSeconds);
      return new GraphStore(db, path);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Closes the database (checkpointing the WAL). */
  /**
   * Called with each channel's short_channel_id as a removal (stale pruning, spent funding, `removeChannels`)
   * deletes it, inside the removing transaction (the backend tells fronts after it returns).
   */
  onChannelRemoved: ((scid: ShortChannelId) => void) | undefined;

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Adds a channel; false if the short_channel_id is already known (the stored one is kept). */
  addChannel(c: NewChannel): boolean {
    if (c.capacitySat !== undefined && (c.capacitySat < 0n || c.capacitySat > BigInt(Number.MAX_SAFE_INTEGER))) {
      throw new GraphStoreError('invalidInput', `capacity ${c.capacitySat} sat is out of range`);
    }
    const r = this.st.insertChannel.run(
      scidKey(c.scid), c.announcement, c.nodeId1, c.nodeId2, c.bitcoinKey1, c.bitcoinKey2,
      c.capacitySat === undefined ? null : Number(c.capacitySat), c.funding?.txid ?? null, c.funding?.vout ?? null, c.firstSeen,
    );
    return r.changes === 1;
  }

  /** The channel with this short_channel_id. */
  getChannel(scid: ShortChannelId): StoredChannel | undefined {
    const r = this.st.getChannel.get(scidKey(scid)) as ChannelRow | undefined;
    return r && toChannel(r);
  }

  /** The latest update of one direction of a channel. */
  getChannelUpdate(scid: ShortChannelId, direction: 0 | 1): StoredUpdate | undefined {
    const r = this.st.getUpdate.get(scidKey(scid), direction) as UpdateRow | undefined;
    return r && toUpdate(r);
  }

  /**
   * Stores a channel_update if its channel is known and it is newer than the stored one for that
   * direction (an equal timestamp is not newer: the first one received is kept).
   */
  upsertChannelUpdate(u: StoredUpdate): UpsertOutcome {
    const key = scidKey(u.scid);
    if (!this.st.getChannel.get(key)) return 'unknownChannel';
    const had = this.st.getUpdate.get(key, u.direction) !== undefined;
    const r = this.st.upsertUpdate.run(key, u.direction, u.timestamp, u.messageFlags, u.channelFlags, u.raw);
    return r.changes === 0 ? 'stale' : had ? 'replaced' : 'inserted';
  }

  /** The latest node_announcement of a node. */
  getNode(nodeId: Uint8Array): StoredNode | undefined {
    const r = this.st.getNode.get(nodeId) as NodeRow | undefined;
    return r && { nodeId: u8(r.node_id), timestamp: r.timestamp, raw: u8(r.raw) };
  }

  /** True if some channel has this node at either end. */
  nodeHasChannel(nodeId: Uint8Array): boolean {
    return (this.st.nodeHasChannel.get({ id: nodeId }) as { has: number }).has === 1;
  }

  /** Stores a node_announcement if the node has a channel and the timestamp is newer than the stored one. */
  upsertNode(n: StoredNode): UpsertOutcome {
    if (!this.nodeHasChannel(n.nodeId)) return 'unknownChannel';
    const had = this.st.getNode.get(n.nodeId) !== undefined;
    const r = this.st.upsertNode.run(n.nodeId, n.timestamp, n.raw);
    return r.changes === 0 ? 'stale' : had ? 'replaced' : 'inserted';
  }

  /**
   * Streams the whole public graph in BOLT 7 order: channels by ascending short_channel_id, each
   * `channel_announcement` followed by its `channel_update`s (direction 0, then 1), then the
   * `node_announcement` of each end the first time that node appears. Reads {@link SNAPSHOT_CHUNK_CHANNELS}
   * channels at a time, so memory stays bounded whatever the graph size. Writes between chunks are
   * seen by later chunks (callers that need a point-in-time view stream from a backup or pause writes).
   */
  *snapshot(chunkSize = SNAPSHOT_CHUNK_CHANNELS): Generator<SnapshotItem> {
    // BOLT #7: - If a `channel_announcement` is sent:
    //     - MUST send the `channel_announcement` prior to any corresponding `channel_update`s and `node_announcement`s.
    let after: Uint8Array = Buffer.alloc(0);
    for (;;) {
      const channels = this.st.chunkChannels.all(after, chunkSize) as Pick<ChannelRow, 'scid' | 'announcement' | 'node_id_1' | 'node_id_2'>[];
      if (channels.length === 0) return;
      const first = channels[0]!.scid;
      const last = channels.at(-1)!.scid;
      const updates = this.st.chunkUpdates.all(first, last) as UpdateRow[];
      const items: SnapshotItem[] = [];
      let u = 0;
      for (const c of channels) {
        const scid = scidOf(c.scid);
        items.push({ type: 'channel_announcement', scid, raw: u8(c.announcement) });
        while (u < updates.length && Buffer.compare(updates[u]!.scid, c.scid) === 0) {
          const r = updates[u++]!;
          items.push({ type: 'channel_update', scid, direction: r.direction, timestamp: r.timestamp, raw: u8(r.raw) });
        }
        for (const nodeId of [c.node_id_1, c.node_id_2]) {
          const firstScid = (this.st.firstChannelOfNode.get({ id: nodeId }) as { first: Uint8Array }).first;
          if (Buffer.compare(firstScid, c.scid) !== 0) continue;
          if (nodeId === c.node_id_2 && Buffer.compare(c.node_id_1, c.node_id_2) === 0) continue;
          const n = this.st.getNode.get(nodeId) as NodeRow | undefined;
          if (n) items.push({ type: 'node_announcement', nodeId: u8(n.node_id), timestamp: n.timestamp, raw: u8(n.raw) });
        }
      }
      yield* items;
      after = last;
    }
  }

  /**
   * Removes channels whose older direction has not been updated for {@link STALE_CHANNEL_AGE_SECONDS}
   * (a missing direction counts from when the channel was first seen), then nodes left without channels.
   */
  pruneStale(nowSeconds: number): { channels: number; nodes: number } {
    // BOLT #7: - if the `timestamp` of the latest `channel_update` in either direction is older than two weeks (1209600 seconds):
    //     - MAY prune the channel.
    const stale = this.st.staleChannels.all(nowSeconds - STALE_CHANNEL_AGE_SECONDS) as { scid: Uint8Array }[];
    return this.removeChannelKeys(stale.map((r) => r.scid));
  }

  /** Records that a confirmed transaction at `height` spends this funding output; returns channels marked. */
  markFundingSpent(outpoint: { txid: string; vout: number }, height: number): number {
    return this.st.markSpent.run(height, outpoint.txid, outpoint.vout).changes;
  }

  /** Undoes spend marks above `forkHeight` after a reorg (those blocks are gone). */
  unmarkSpentAbove(forkHeight: number): number {
    return this.st.unmarkSpentAbove.run(forkHeight).changes;
  }

  /**
   * Forgets channels whose funding spend has `delayBlocks` confirmations at tip `tipHeight`, then nodes
   * left without channels. `delayBlocks` = 1 forgets on the first confirmation.
   */
  removeSpentChannels(tipHeight: number, delayBlocks = FUNDING_SPENT_FORGET_DELAY_BLOCKS): { channels: number; nodes: number } {
    // BOLT #7: - once its funding output has been spent OR reorganized out:
    //     - SHOULD forget a channel
    const deep = this.st.spentDeepEnough.all(tipHeight - delayBlocks + 1) as { scid: Uint8Array }[];
    return this.removeChannelKeys(deep.map((r) => r.scid));
  }

  /** Removes these channels (and their updates), then nodes left without channels. */
  removeChannels(scids: Iterable<ShortChannelId>): { channels: number; nodes: number } {
    return this.removeChannelKeys([...scids].map(scidKey));
  }

  /** Funding outpoints of channels not yet seen spent: what the chain watcher must watch. */
  unspentFundingOutpoints(): { txid: string; vout: number }[] {
    return this.st.unspentOutpoints.all() as { txid: string; vout: number }[];
  }

  /** The last block the chain watcher processed (height, display-hex hash), if it ever ran on this database. */
  chainProgress(): { height: number; hash: string } | undefined {
    return this.st.getProgress.get() as { height: number; hash: string } | undefined;
  }

  /** Records the last block the chain watcher processed (see {@link GraphStore.chainProgress}). */
  setChainProgress(height: number, hash: string): void {
    this.st.setProgress.run(height, hash);
  }

  /** Row counts for status and metrics. */
  counts(): GraphCounts {
    return this.st.counts.get() as GraphCounts;
  }

  /**
   * Online, consistent copy of the database to `file` with SQLite's backup API while the store keeps
   * running (`lnfleet backup FILE`). The copy is a complete database that {@link GraphStore.open} accepts.
   */
  async backup(file: string): Promise<{ totalPages: number }> {
    const r = await this.db.backup(file);
    return { totalPages: r.totalPages };
  }

  private removeChannelKeys(keys: Uint8Array[]): { channels: number; nodes: number } {
    const tx = this.db.transaction((ks: Uint8Array[]) => {
      let channels = 0;
      for (const k of ks) {
        const n = this.st.deleteChannel.run(k).changes;
        channels += n;
        if (n > 0) this.onChannelRemoved?.(Buffer.from(k).readBigUInt64BE(0));
      }
      const nodes = channels === 0 ? 0 : this.st.deleteOrphanNodes.run().changes;
      return { channels, nodes };
    });
    return tx(keys);
  }
}
