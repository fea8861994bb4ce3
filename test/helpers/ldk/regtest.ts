/**
 * @module test/helpers/ldk/regtest
 * `LdkRegtest`: puts harness LDK peers on the embedded regtest chain (bcoin through our bitcoind RPC
 * client, `src/chain/embedded-regtest.ts`) so they can fund, close and sweep channels for real.
 *
 *   startNode ─► LdkNode at the chain's tip, with hooks that use the production channel wallet
 *   (`src/chain/wallet.ts`, Core's wallet RPC, which the embedded chain serves):
 *     broadcast          ─► sendrawtransaction (async; `mine` waits for it first)
 *     fundingTransaction ─► fundrawtransaction + signrawtransactionwithwallet (segwit inputs, not sent:
 *                           LDK broadcasts it after funding_signed)
 *     sweepScript        ─► a fresh wallet script per node (getnewaddress + getaddressinfo)
 *   mine(n) ─► settle broadcasts, generate n blocks, then `sync`: every node gets each new raw block
 *              in order through `LdkNode.channels.blockConnected` (bounded by MAX_BLOCKS_PER_SYNC per call)
 *
 * And the on-chain checks tests make: which transaction spent an outpoint, what a script received.
 *
 * Does not: handle reorgs (blocks only come from `mine`, never replaced), or watch the mempool.
 */
import type { Block, Tx } from '../../../src/chain/bitcoin.js';
import type { EmbeddedRegtest } from '../../../src/chain/embedded-regtest.js';
import { BitcoindWallet } from '../../../src/chain/wallet.js';
import { BROADCAST_SETTLE_TIMEOUT_MS, FEE_RATE_SAT_PER_KW, MAX_BLOCKS_PER_SYNC, WALLET_CONF_TARGET } from './constants.js';
import { LdkHarnessError } from './errors.js';
import type { LdkChainHooks } from './ldk-channels.js';
import { LdkNode, type LdkNodeOptions } from './ldk-node.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A transaction found in a block. */
export interface MinedTx {
  readonly tx: Tx;
  readonly height: number;
}

/** Harness LDK peers on one embedded regtest chain; see the module comment. */
export class LdkRegtest {
  /** The chain (mine, fund, tip). Closing it is the caller's job. */
  readonly chain: EmbeddedRegtest;
  private readonly nodes = new Set<LdkNode>();
  private readonly pending = new Set<Promise<void>>();
  private readonly errors: string[] = [];
  /** The production channel wallet (Core wallet RPC), served by the embedded chain. */
  private readonly wallet: BitcoindWallet;
  private syncing: Promise<void> = Promise.resolve();

  constructor(chain: EmbeddedRegtest) {
    this.chain = chain;
    this.wallet = new BitcoindWallet(chain.source.rpc, { feeFloorPerKw: FEE_RATE_SAT_PER_KW, confTarget: WALLET_CONF_TARGET });
  }

  /** RPC errors of broadcasts so far (LDK re-broadcasts, so "already known" shows up here too). */
  get broadcastErrors(): readonly string[] { return this.errors; }

  /** Starts an LDK peer on regtest at the chain's current tip, following every block {@link mine}s. */
  async startNode(opts: Omit<LdkNodeOptions, 'chain' | 'network'>): Promise<LdkNode> {
    const node = await LdkNode.start({ ...opts, network: 'regtest', chain: await this.hooks() });
    this.nodes.add(node);
    return node;
  }

  /** Stops following `node` (call before or after stopping it). */
  detach(node: LdkNode): void {
    this.nodes.delete(node);
  }

  private async hooks(): Promise<LdkChainHooks> {
    const height = await this.chain.tip();
    const hashHex = await this.chain.source.getBlockHash(height);
    if (hashHex === undefined) throw new LdkHarnessError('chain', `no block at the tip height ${height}`);
    return {
      bestBlock: { hashHex, height },
      broadcast: (tx) => this.broadcast(tx),
      fundingTransaction: async (script, sats) =>
        new Uint8Array(Buffer.from((await this.wallet.fundOutput(script, sats, await this.wallet.feeratePerKw())).hex, 'hex')),
      sweepScript: await this.wallet.newScript(),
    };
  }

  /**
   * Sends `tx` with `sendrawtransaction`; never throws (errors are recorded), {@link settle} awaits it.
   * The chain's RPC answers once bcoin's mempool holds the transaction (or it is mined), else with
   * Core's -26: a refusal shows up in {@link broadcastErrors}. LDK re-broadcasts, so "already
   * mined/spent" answers show up there too.
   */
  broadcast(tx: Uint8Array): void {
    const p = this.wallet.broadcast(hex(tx)).then(() => {}, (err: unknown) => { this.errors.push(String(err)); });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits (bounded) until every broadcast so far has been answered by the chain. */
  async settle(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LdkHarnessError('timeout', 'broadcasts not answered in time')), BROADCAST_SETTLE_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all([...this.pending]), bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Settles broadcasts, mines `n` blocks, and gives every node each new block; returns the new tip. */
  async mine(n: number): Promise<number> {
    await this.settle();
    await this.chain.mine(n);
    await this.sync();
    return this.chain.tip();
  }

  /** Gives every node the blocks it has not seen yet, in order (one sync at a time). */
  sync(): Promise<void> {
    const run = this.syncing.then(() => this.syncOnce());
    this.syncing = run.catch(() => {});
    return run;
  }

  private async syncOnce(): Promise<void> {
    const tip = await this.chain.tip();
    const raw = new Map<number, Uint8Array>();
    for (const node of this.nodes) {
      if (tip - node.channels.height > MAX_BLOCKS_PER_SYNC) {
        throw new LdkHarnessError('chain', `${node.alias} is ${tip - node.channels.height} blocks behind (max ${MAX_BLOCKS_PER_SYNC})`);
      }
      for (let h = node.channels.height + 1; h <= tip && !node.isStopped; h++) {
        let block = raw.get(h);
        if (block === undefined) {
          block = await this.rawBlock(h);
          raw.set(h, block);
        }
        node.channels.blockConnected(block, h);
      }
    }
  }

  private async rawBlock(height: number): Promise<Uint8Array> {
    const hash = await this.chain.source.getBlockHash(height);
    if (hash === undefined) throw new LdkHarnessError('chain', `no block at height ${height}`);
    return new Uint8Array(Buffer.from(await this.chain.source.rpc.call<string>('getblock', [hash, 0]), 'hex'));
  }

  /** Blocks `fromHeight`..tip, parsed. */
  private async *blocks(fromHeight: number): AsyncGenerator<{ block: Block; height: number }> {
    const tip = await this.chain.tip();
    if (tip - fromHeight > MAX_BLOCKS_PER_SYNC) throw new LdkHarnessError('chain', `scan of ${tip - fromHeight} blocks`);
    for (let h = fromHeight; h <= tip; h++) {
      const hash = await this.chain.source.getBlockHash(h);
      if (hash === undefined) return;
      yield { block: await this.chain.source.getBlock(hash), height: h };
    }
  }

  /** The mined transaction with id `txid`, looking at blocks from `fromHeight`. */
  async findTx(txid: string, fromHeight: number): Promise<MinedTx | undefined> {
    for await (const { block, height } of this.blocks(fromHeight)) {
      const tx = block.txs.find((t) => t.txid === txid);
      if (tx !== undefined) return { tx, height };
    }
    return undefined;
  }

  /** The mined transaction spending `txid:vout`, looking at blocks from `fromHeight`. */
  async findSpend(txid: string, vout: number, fromHeight: number): Promise<MinedTx | undefined> {
    for await (const { block, height } of this.blocks(fromHeight)) {
      const tx = block.txs.find((t) => t.inputs.some((i) => i.prevTxid === txid && i.prevVout === vout));
      if (tx !== undefined) return { tx, height };
    }
    return undefined;
  }

  /** Satoshis paid to `script` by transactions mined from `fromHeight` on. */
  async receivedBy(script: Uint8Array, fromHeight: number): Promise<bigint> {
    const want = hex(script);
    let sats = 0n;
    for await (const { block } of this.blocks(fromHeight)) {
      for (const tx of block.txs) for (const o of tx.outputs) if (hex(o.script) === want) sats += o.value;
    }
    return sats;
  }

  /** True if `txid` is in the chain's mempool now. */
  async inMempool(txid: string): Promise<boolean> {
    return (await this.chain.source.rpc.call<string[]>('getrawmempool', [])).includes(txid);
  }
}
