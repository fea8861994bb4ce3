/**
 * @module chain/source
 * The one `ChainSource` interface the backend consults, and the `none` source.
 *
 * A source either has no chain (`none`: gossip is accepted on signatures alone, as LDK does without a
 * `UtxoLookup`) or answers the few lookups needed to resolve a `short_channel_id` to its funding output
 * and to follow new blocks: block count, block hash at a height, the block itself (parsed), and whether
 * an output is still unspent. `bitcoind` and `embedded-regtest` are both served by the JSON-RPC source
 * in `./bitcoind.ts`; only their `kind` and `describe()` differ.
 *
 * Does not: decide about gossip (`src/gossip/decide.ts`), or watch blocks (`./watcher.ts`).
 */
import type { Block } from './bitcoin.js';

/** Which chain source runs (the values of the `chain.source` config key). */
export type ChainSourceKind = 'none' | 'bitcoind' | 'embedded-regtest';

/** An unspent output as `gettxout` reports it. */
export interface UnspentOutput {
  /** Satoshis. */
  readonly value: bigint;
  readonly script: Uint8Array;
  /** Confirmations of the transaction holding it (0 = mempool). */
  readonly confirmations: number;
}

/** A chain source that can answer lookups. All hashes and txids are display hex (as RPC prints them). */
export interface UtxoChainSource {
  readonly kind: 'bitcoind' | 'embedded-regtest';
  /** One line for status pages and logs: what the source is and what it checks. */
  describe(): string;
  /** Height of the best block. */
  getBlockCount(): Promise<number>;
  /** Hash of the best-chain block at `height`, or undefined if the chain is shorter. */
  getBlockHash(height: number): Promise<string | undefined>;
  /** The block with this hash, parsed from its raw serialisation. */
  getBlock(hash: string): Promise<Block>;
  /** The output if it exists and is unspent by a confirmed transaction; undefined if spent or unknown. */
  getTxOut(txid: string, vout: number): Promise<UnspentOutput | undefined>;
  /** Releases sockets/timers; the source is unusable afterwards. */
  close(): Promise<void>;
}

/** The `none` source: no chain, nothing to ask. */
export interface NoChainSource {
  readonly kind: 'none';
  describe(): string;
  close(): Promise<void>;
}

/** What the backend holds: a source that can look things up, or none. */
export type ChainSource = UtxoChainSource | NoChainSource;

/**
 * The `none` source. Safety note for operators (also in docs/chain.md): without a chain, anyone who
 * can sign with two keys can announce a channel that does not exist, so the graph may hold fake
 * channels and routes through them fail. Fine for demos and for nodes that only pay through trusted
 * peers; a routing node should use bitcoind.
 */
export function noChainSource(): NoChainSource {
  return {
    kind: 'none',
    describe: () => 'none: no chain source; channel_announcements are accepted on signatures alone (funding outputs are not checked)',
    close: async () => {},
  };
}
