/**
 * @module back/channels/store
 * Where channel state lives: `channels.sqlite` in the data dir (better-sqlite3, WAL, `synchronous =
 * FULL` so a returned commit survives a power cut), one row per channel — our local id, temporary and
 * final channel_id, the peer, the key index the channel's secrets derive from, a short phase name for
 * listings, the machine state serialised by `./serialize.ts`, and a version bumped on every save — plus
 * a monotonic key-index allocator.
 *
 * Crash-safety rule (docs/channels.md): the manager saves a machine's new state here, in one
 * transaction, before any message or transaction of that step leaves the backend. A save is one
 * `UPDATE … WHERE version = ?` so a stale writer is an error, never a lost update.
 *
 * Key indices are never reused: an index is taken from the allocator in its own transaction before
 * any key derived from it is shown to a peer, so two channels never share funding keys even if the
 * first open never got as far as a row.
 *
 * The `onchain_resolvers` table (migration 2) holds one BOLT 5 resolver record per channel whose
 * funding output is watched on chain (`./onchain.ts`), replaced whole on every step.
 *
 * Does not: interpret states (the manager and `src/channel/machine` do), or delete channels (closed
 * channels stay as history; their phase says so).
 */
import { KindedError } from '../../errors.js';
import { openDatabase, type Database, type Statement } from '../../gossip/store-migrations.js';
import { decodeState, encodeState, SerializeError } from './serialize.js';

/** What went wrong in the channel store. */
export type ChannelStoreErrorKind = 'corrupt' | 'newerSchema' | 'migration' | 'conflict' | 'unknown';

/** Error of the channel store; messages name the channel (local id and channel_id when known). */
export class ChannelStoreError extends KindedError<'CHANNEL_STORE', ChannelStoreErrorKind> {}

/** One schema step; never edited once released, a change is a new entry at the end. */
interface Migration { readonly version: number; readonly description: string; readonly sql: string }

/** The channel database schema. Ids and node ids are BLOBs; key indices fit SQLite's signed 64-bit INTEGER (< 2^63). */
export const CHANNEL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'channels (state blob per channel) and the key-index allocator',
    sql: `
      CREATE TABLE channels (
        id                   INTEGER PRIMARY KEY,
        temporary_channel_id BLOB NOT NULL,
        channel_id           BLOB UNIQUE,
        peer                 BLOB NOT NULL,
        key_index            INTEGER NOT NULL UNIQUE,
        phase                TEXT NOT NULL,
        state                TEXT NOT NULL,
        version              INTEGER NOT NULL,
        created_at           INTEGER NOT NULL,
        updated_at           INTEGER NOT NULL
      );
      CREATE INDEX channels_peer ON channels (peer);
      CREATE TABLE key_index_allocator (next INTEGER NOT NULL);
      INSERT INTO key_index_allocator (next) VALUES (0);
    `,
  },
  {
    version: 2,
    description: 'onchain_resolvers: the BOLT 5 resolver record of each channel (back/channels/onchain.ts)',
    sql: `
      CREATE TABLE onchain_resolvers (
        channel    INTEGER PRIMARY KEY REFERENCES channels (id),
        state      TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
];

function migrate(db: Database, nowMs: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL, description TEXT NOT NULL)');
  const current = db.prepare<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version').get()?.v ?? 0;
  const latest = CHANNEL_MIGRATIONS.at(-1)!.version;
  if (current > latest) throw new ChannelStoreError('CHANNEL_STORE', 'newerSchema', `channel database is at schema ${current}, this lnfleet knows up to ${latest}; upgrade lnfleet (never run an older one on channel state)`);
  for (const m of CHANNEL_MIGRATIONS) {
    if (m.version <= current) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)').run(m.version, Math.floor(nowMs / 1000), m.description);
      })();
    } catch (cause) {
      throw new ChannelStoreError('CHANNEL_STORE', 'migration', `channel schema migration ${m.version} (${m.description}) failed: ${(cause as Error).message}`, { cause });
    }
  }
}

/** A new channel row. */
export interface NewChannelRow {
  readonly temporaryChannelId: Uint8Array;
  readonly peer: Uint8Array;
  readonly keyIndex: bigint;
  readonly phase: string;
  readonly state: unknown;
}

/** A stored channel, its state decoded. */
export interface ChannelRow {
  /** Our local handle (stable, never reused). */
  readonly id: number;
  readonly temporaryChannelId: Uint8Array;
  readonly channelId: Uint8Array | undefined;
  readonly peer: Uint8Array;
  readonly keyIndex: bigint;
  readonly phase: string;
  readonly state: unknown;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A row whose state could not be decoded: reported, never replaced by a default. */
export interface CorruptChannelRow {
  readonly id: number;
  readonly channelId: Uint8Array | undefined;
  readonly peer: Uint8Array;
  readonly error: ChannelStoreError;
}

interface RawRow {
  id: number; temporary_channel_id: Buffer; channel_id: Buffer | null; peer: Buffer; key_index: number | bigint;
  phase: string; state: string; version: number; created_at: number; updated_at: number;
}

const hex = (b: Uint8Array | undefined | null): string => (b === undefined || b === null ? '-' : Buffer.from(b).toString('hex'));
const u8 = (b: Buffer): Uint8Array => Uint8Array.from(b);

/** The channel database; see the module comment. */
export class ChannelStore {
  readonly path: string;
  readonly #db: Database;
  readonly #now: () => number;
  readonly #st: {
    allocate: Statement<{ index: number | bigint }>;
    insert: Statement;
    save: Statement;
    all: Statement<RawRow>;
    one: Statement<RawRow>;
    resolverSave: Statement;
    resolverAll: Statement<{ channel: number; state: string }>;
  };

  private constructor(db: Database, path: string, now: () => number) {
    this.#db = db;
    this.path = path;
    this.#now = now;
    this.#st = {
      allocate: db.prepare('UPDATE key_index_allocator SET next = next + 1 RETURNING next - 1 AS "index"'),
      insert: db.prepare('INSERT INTO channels (temporary_channel_id, channel_id, peer, key_index, phase, state, version, created_at, updated_at) VALUES (?, NULL, ?, ?, ?, ?, 1, ?, ?)'),
      save: db.prepare('UPDATE channels SET channel_id = COALESCE(?, channel_id), phase = ?, state = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?'),
      all: db.prepare('SELECT * FROM channels ORDER BY id'),
      one: db.prepare('SELECT * FROM channels WHERE id = ?'),
      resolverSave: db.prepare('INSERT INTO onchain_resolvers (channel, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (channel) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at'),
      resolverAll: db.prepare('SELECT channel, state FROM onchain_resolvers ORDER BY channel'),
    };
  }

  /** Opens (creating if needed) the database at `path` (or `:memory:`), WAL + synchronous FULL, migrated. */
  static open(path: string, now: () => number = Date.now): ChannelStore {
    const db = openDatabase(path);
    try {
      db.pragma('journal_mode = WAL');
      // FULL: a commit is on disk when it returns (WAL fsync per commit); channel state must survive power loss.
      db.pragma('synchronous = FULL');
      migrate(db, now());
      return new ChannelStore(db, path, now);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Takes the next key index, committed before it returns; never handed out twice. */
  allocateKeyIndex(): bigint {
    const r = this.#st.allocate.get();
    if (r === undefined) throw new ChannelStoreError('CHANNEL_STORE', 'corrupt', 'channel database has no key-index allocator row');
    return BigInt(r.index);
  }

  /** Inserts a channel at version 1; returns its local id. */
  insert(row: NewChannelRow): number {
    const t = this.#now();
    const r = this.#st.insert.run(Buffer.from(row.temporaryChannelId), Buffer.from(row.peer), row.keyIndex, row.phase, encodeState(row.state), t, t) as { lastInsertRowid?: number | bigint };
    return Number(r.lastInsertRowid);
  }

  /**
   * Saves a channel's new state in one transaction (one UPDATE); `channelId`, once given, is kept.
   * Returns the new version. Throws `conflict` if the row is not at `expectedVersion` (a second writer).
   */
  save(id: number, expectedVersion: number, u: { readonly phase: string; readonly state: unknown; readonly channelId?: Uint8Array }): number {
    const text = encodeState(u.state);
    const r = this.#st.save.run(u.channelId === undefined ? null : Buffer.from(u.channelId), u.phase, text, this.#now(), id, expectedVersion);
    if (r.changes !== 1) {
      const cur = this.#st.one.get(id);
      if (cur === undefined) throw new ChannelStoreError('CHANNEL_STORE', 'unknown', `channel ${id} is not in the channel database`);
      throw new ChannelStoreError('CHANNEL_STORE', 'conflict', `channel ${id} (${hex(cur.channel_id)}) is at version ${cur.version}, not ${expectedVersion}: two writers`);
    }
    return expectedVersion + 1;
  }

  /** One channel, decoded; throws `corrupt` naming the channel if its state cannot be read. */
  get(id: number): ChannelRow | undefined {
    const r = this.#st.one.get(id);
    if (r === undefined) return undefined;
    const d = this.#decode(r);
    if ('error' in d) throw d.error;
    return d;
  }

  /** Every channel: decoded rows, and the rows that could not be decoded (each with an error naming it). */
  loadAll(): { rows: ChannelRow[]; corrupt: CorruptChannelRow[] } {
    const rows: ChannelRow[] = [];
    const corrupt: CorruptChannelRow[] = [];
    for (const r of this.#st.all.all()) {
      const d = this.#decode(r);
      if ('error' in d) corrupt.push(d);
      else rows.push(d);
    }
    return { rows, corrupt };
  }

  /** Saves (replaces) the on-chain resolver record of channel `id` in one transaction (`./onchain.ts`). */
  saveResolver(id: number, record: unknown): void {
    this.#st.resolverSave.run(id, encodeState(record), this.#now());
  }

  /** Every stored resolver record, decoded; an unreadable one is reported with an error naming its channel. */
  loadResolvers(): { records: { channel: number; record: unknown }[]; corrupt: { channel: number; error: ChannelStoreError }[] } {
    const records: { channel: number; record: unknown }[] = [];
    const corrupt: { channel: number; error: ChannelStoreError }[] = [];
    for (const r of this.#st.resolverAll.all()) {
      try {
        records.push({ channel: r.channel, record: decodeState(r.state) });
      } catch (cause) {
        corrupt.push({ channel: r.channel, error: new ChannelStoreError('CHANNEL_STORE', 'corrupt', `on-chain resolver of channel ${r.channel} is unreadable: ${(cause as Error).message}; not loaded`, { cause }) });
      }
    }
    return { records, corrupt };
  }

  /** The durability settings in force on this connection (`synchronous` 2 = FULL), for status and tests. */
  durability(): { journalMode: string; synchronous: number } {
    return { journalMode: String(this.#db.pragma('journal_mode', { simple: true })), synchronous: Number(this.#db.pragma('synchronous', { simple: true })) };
  }

  /** Closes the database. Idempotent. */
  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #decode(r: RawRow): ChannelRow | CorruptChannelRow {
    const channelId = r.channel_id === null ? undefined : u8(r.channel_id);
    try {
      return {
        id: r.id, temporaryChannelId: u8(r.temporary_channel_id), channelId, peer: u8(r.peer), keyIndex: BigInt(r.key_index),
        phase: r.phase, state: decodeState(r.state), version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
      };
    } catch (cause) {
      const why = cause instanceof SerializeError ? cause.message : (cause as Error).message;
      const error = new ChannelStoreError('CHANNEL_STORE', 'corrupt', `channel ${r.id} (channel_id ${hex(channelId)}, peer ${hex(r.peer)}) has an unreadable state: ${why}; not loaded (the row is left untouched; never put an older copy of channels.sqlite back: an old channel state is a revoked one and loses the channel's funds)`, { cause });
      return { id: r.id, channelId, peer: u8(r.peer), error };
    }
  }
}
