/**
 * @module gossip/store-migrations
 * The graph database's schema as an ordered list of migrations, the runner that applies the missing
 * ones (each in its own transaction, recorded in `schema_version`), and the narrow typed view of
 * `better-sqlite3` the store uses (the package ships no types; we declare only what we call).
 *
 * Rules: a migration is never edited once released; a change is a new entry at the end. A database
 * written by a newer lnfleet (higher version than we know) is refused rather than guessed at.
 *
 * Does not: read or write gossip (see `./store.ts`).
 */
import { createRequire } from 'node:module';
import { LnfleetError } from '../errors.js';

/** A prepared statement (the subset of better-sqlite3's `Statement` we use). */
export interface Statement<Row = unknown> {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): Row | undefined;
  all(...params: unknown[]): Row[];
}

/** An open database (the subset of better-sqlite3's `Database` we use). */
export interface Database {
  prepare<Row = unknown>(sql: string): Statement<Row>;
  exec(sql: string): void;
  pragma(sql: string, options?: { simple: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  backup(destination: string): Promise<{ totalPages: number; remainingPages: number }>;
  close(): void;
  readonly open: boolean;
}

type DatabaseConstructor = new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => Database;

/** Opens a database file (or `:memory:`) with better-sqlite3. */
export function openDatabase(path: string, options?: { readonly?: boolean }): Database {
  const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  return new BetterSqlite3(path, options?.readonly ? { readonly: true, fileMustExist: true } : {});
}

/** Errors of the graph store: `kind` is `newerSchema` (written by a newer lnfleet) or `migration`. */
export class GraphStoreError extends LnfleetError<'GRAPH_STORE'> {
  readonly kind: 'newerSchema' | 'migration' | 'invalidInput';
  constructor(kind: 'newerSchema' | 'migration' | 'invalidInput', message: string, options?: { cause?: unknown }) {
    super('GRAPH_STORE', message, options);
    this.kind = kind;
  }
}

/** One schema step. */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The schema. `scid` is the 8-byte big-endian short_channel_id as a BLOB: SQLite's INTEGER is signed
 * 64-bit, so a u64 above 2^63 (block ≥ 2^23, forgeable without a chain source) would not fit, and
 * BLOBs compare bytewise, which for big-endian is the numeric order BOLT 7 sorts by. Node ids and keys
 * are 33-byte BLOBs; times are UNIX seconds.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'channels, channel updates (latest per direction), nodes',
    sql: `
      CREATE TABLE channels (
        scid          BLOB PRIMARY KEY,
        announcement  BLOB NOT NULL,
        node_id_1     BLOB NOT NULL,
        node_id_2     BLOB NOT NULL,
        bitcoin_key_1 BLOB NOT NULL,
        bitcoin_key_2 BLOB NOT NULL,
        capacity_sat  INTEGER,
        funding_txid  TEXT,
        funding_vout  INTEGER,
        first_seen    INTEGER NOT NULL,
        spent_height  INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX channels_node_1 ON channels (node_id_1, scid);
      CREATE INDEX channels_node_2 ON channels (node_id_2, scid);
      CREATE INDEX channels_funding ON channels (funding_txid, funding_vout) WHERE funding_txid IS NOT NULL;
      CREATE TABLE channel_updates (
        scid          BLOB NOT NULL REFERENCES channels (scid) ON DELETE CASCADE,
        direction     INTEGER NOT NULL CHECK (direction IN (0, 1)),
        timestamp     INTEGER NOT NULL,
        message_flags INTEGER NOT NULL,
        channel_flags INTEGER NOT NULL,
        raw           BLOB NOT NULL,
        PRIMARY KEY (scid, direction)
      ) WITHOUT ROWID;
      CREATE TABLE nodes (
        node_id   BLOB PRIMARY KEY,
        timestamp INTEGER NOT NULL,
        raw       BLOB NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'chain watcher progress (last processed block), so spends while stopped are caught at start',
    sql: `
      CREATE TABLE chain_progress (
        id     INTEGER PRIMARY KEY CHECK (id = 1),
        height INTEGER NOT NULL,
        hash   TEXT NOT NULL
      );
    `,
  },
];

/** Current schema version of `db` (0 for an empty database). */
export function schemaVersion(db: Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL, description TEXT NOT NULL)');
  const row = db.prepare<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version').get();
  return row?.v ?? 0;
}

/**
 * Applies every migration above the database's version, each in its own transaction together with
 * its `schema_version` row, so a crash leaves the database at a whole version. Returns the versions applied.
 */
export function migrate(db: Database, nowSeconds: number, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const current = schemaVersion(db);
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) throw new GraphStoreError('newerSchema', `graph database is at schema ${current}, this lnfleet knows up to ${latest}; upgrade lnfleet or restore a backup`);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    const step = db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)').run(m.version, nowSeconds, m.description);
    });
    try {
      step();
    } catch (cause) {
      throw new GraphStoreError('migration', `graph schema migration ${m.version} (${m.description}) failed: ${(cause as Error).message}`, { cause });
    }
    applied.push(m.version);
  }
  return applied;
}
