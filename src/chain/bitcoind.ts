/**
 * @module chain/bitcoind
 * The production chain source: Bitcoin Core's JSON-RPC (`getblockcount`, `getblockhash`,
 * `getblock <hash> 0` parsed by `./bitcoin.ts`, `gettxout`, `getrawtransaction`), plus
 * `createChainSource` that builds the configured source.
 *
 * Only Core's documented behaviour is coded here. Another implementation reached over the same RPC
 * (the bcoin test chain) keeps its differences in its own adapter (`./embedded-regtest.ts`).
 *
 * Does not: poll (see `./watcher.ts`), retry, or cache anything but a few parsed blocks.
 */
import type { Block, Tx } from './bitcoin.js';
import { parseBlock, parseTransaction } from './bitcoin.js';
import { BLOCK_CACHE_SIZE } from './constants.js';
import { ChainError } from './errors.js';
import type { RpcAuth } from './rpc.js';
import { JsonRpcClient } from './rpc.js';
import type { ChainSource, UnspentOutput, UtxoChainSource } from './source.js';
import { noChainSource } from './source.js';

/** bitcoind's RPC_INVALID_PARAMETER (-8): e.g. "Block height out of range". */
const RPC_INVALID_PARAMETER = -8;
/** Satoshis per bitcoin: `gettxout` prints amounts in BTC with 8 decimals. */
const SAT_PER_BTC = 100_000_000;

/** Options of {@link BitcoindChainSource}. */
export interface BitcoindSourceOptions {
  readonly url: string;
  readonly auth: RpcAuth;
  readonly timeoutMs?: number;
  /** `embedded-regtest` when the RPC is the in-process bcoin test chain. */
  readonly kind?: 'bitcoind' | 'embedded-regtest';
}

/** Chain source over bitcoind's JSON-RPC. */
export class BitcoindChainSource implements UtxoChainSource {
  readonly kind: 'bitcoind' | 'embedded-regtest';
  /** The RPC client, for callers that need other methods (tests, the regtest adapter). */
  readonly rpc: JsonRpcClient;
  private readonly host: string;
  private readonly blocks = new Map<string, Block>();

  constructor(options: BitcoindSourceOptions) {
    this.kind = options.kind ?? 'bitcoind';
    this.rpc = new JsonRpcClient(options);
    this.host = new URL(options.url).host;
  }

  describe(): string {
    const what = this.kind === 'bitcoind' ? 'bitcoind' : 'embedded regtest chain (bcoin, in-process)';
    return `${this.kind}: ${what} JSON-RPC at ${this.host}; funding outputs of channel_announcements are checked (exists, unspent, P2WSH of the two bitcoin keys)`;
  }

  async getBlockCount(): Promise<number> {
    return asHeight(await this.rpc.call('getblockcount'), 'getblockcount');
  }

  async getBlockHash(height: number): Promise<string | undefined> {
    try {
      return asHash(await this.rpc.call('getblockhash', [height]), 'getblockhash');
    } catch (e) {
      if (e instanceof ChainError && e.rpcCode === RPC_INVALID_PARAMETER) return undefined;
      throw e;
    }
  }

  async getBlock(hash: string): Promise<Block> {
    const cached = this.blocks.get(hash);
    if (cached) return cached;
    const hex = await this.rpc.call('getblock', [hash, 0]);
    const block = parseBlock(asHexBytes(hex, 'getblock'));
    if (block.header.hash !== hash) throw new ChainError('badResponse', `getblock ${hash}: got block ${block.header.hash}`);
    this.blocks.set(hash, block);
    if (this.blocks.size > BLOCK_CACHE_SIZE) this.blocks.delete(this.blocks.keys().next().value!);
    return block;
  }

  async getTxOut(txid: string, vout: number): Promise<UnspentOutput | undefined> {
    // include_mempool = false: only confirmed spends count; a mempool spend may still be replaced.
    const r = await this.rpc.call<unknown>('gettxout', [txid, vout, false]);
    if (r === null || r === undefined) return undefined;
    if (typeof r !== 'object') throw new ChainError('badResponse', 'gettxout: not an object');
    const o = r as { value?: unknown; confirmations?: unknown; scriptPubKey?: { hex?: unknown } };
    if (typeof o.value !== 'number' || typeof o.confirmations !== 'number' || typeof o.scriptPubKey?.hex !== 'string') {
      throw new ChainError('badResponse', 'gettxout: missing value, confirmations or scriptPubKey.hex');
    }
    return { value: BigInt(Math.round(o.value * SAT_PER_BTC)), confirmations: o.confirmations, script: asHexBytes(o.scriptPubKey.hex, 'gettxout') };
  }

  /** `getrawtransaction <txid> false [blockhash]`, parsed (needs `-txindex` unless the block is given). */
  async getRawTransaction(txid: string, blockHash?: string): Promise<Tx> {
    const params: unknown[] = blockHash === undefined ? [txid, false] : [txid, false, blockHash];
    return parseTransaction(asHexBytes(await this.rpc.call('getrawtransaction', params), 'getrawtransaction'));
  }

  async close(): Promise<void> {
    this.rpc.close();
    this.blocks.clear();
  }
}

function asHeight(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ChainError('badResponse', `${what}: not a block height`);
  return v;
}

function asHash(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) throw new ChainError('badResponse', `${what}: not a 32-byte hex hash`);
  return v;
}

function asHexBytes(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) throw new ChainError('badResponse', `${what}: not hex`);
  return Uint8Array.from(Buffer.from(v, 'hex'));
}

/** The chain-related config keys (`src/config` names), as the backend passes them. */
export interface ChainSourceConfig {
  readonly source: 'none' | 'bitcoind' | 'embedded-regtest';
  readonly rpcUrl?: string | null;
  readonly rpcUser?: string | null;
  readonly rpcPassword?: string | null;
  readonly rpcCookieFile?: string | null;
  readonly rpcTimeoutMs?: number;
}

/**
 * Builds the configured source. `embedded-regtest` is not built here: it needs the bcoin devDependency
 * and an in-process node, so `lnfleet dev` starts it with `startEmbeddedRegtest()` and uses its `source`.
 */
export function createChainSource(c: ChainSourceConfig): ChainSource {
  switch (c.source) {
    case 'none':
      return noChainSource();
    case 'bitcoind': {
      if (!c.rpcUrl) throw new ChainError('unreachable', 'chain.source = bitcoind needs bitcoind.rpc-url');
      const auth: RpcAuth = c.rpcCookieFile
        ? { kind: 'cookie', file: c.rpcCookieFile }
        : c.rpcUser && c.rpcPassword !== undefined && c.rpcPassword !== null
          ? { kind: 'password', user: c.rpcUser, password: c.rpcPassword }
          : { kind: 'none' };
      return new BitcoindChainSource({ url: c.rpcUrl, auth, ...(c.rpcTimeoutMs === undefined ? {} : { timeoutMs: c.rpcTimeoutMs }) });
    }
    case 'embedded-regtest':
      throw new ChainError('unsupported', 'the embedded regtest chain is started with startEmbeddedRegtest() (dev and tests only)');
  }
}
