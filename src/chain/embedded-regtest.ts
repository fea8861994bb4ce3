/**
 * @module chain/embedded-regtest
 * An embedded regtest chain for tests and demos: bcoin 1.0.2 run in-process with an in-memory
 * database, its HTTP server bound to 127.0.0.1 on an ephemeral port with a random API key, and reached
 * through the production JSON-RPC client and chain source (`./bitcoind.ts`), so tests exercise the
 * code path bitcoind users run — including the Core wallet RPC the channel wallet uses (`./regtest-wallet.ts`
 * answers it in front of bcoin). Helpers mine, fund arbitrary output scripts (channel funding outputs)
 * and spend a BOLT 3 2-of-2 funding output.
 *
 * bcoin is a devDependency: production installs (`npm ci --omit=dev`) do not have it, and nothing but
 * this file imports it, lazily, on `startEmbeddedRegtest()`. `lnfleet dev` and the tests use it.
 *
 * bcoin's differences from Bitcoin Core (DESIGN §12) live here and nowhere else:
 *  - `sendrawtransaction` returns a txid even for a rejected transaction → the RPC front door confirms
 *    with `getrawmempool` and answers Core's -26 otherwise;
 *  - segwit activates at height 432 on its regtest → `start` mines past it (we spend P2WSH outputs);
 *  - its regtest bech32 prefix is `rb`, not `bcrt` → addresses are only ever passed back to this chain;
 *    callers get scripts from `getaddressinfo`;
 *  - no `signrawtransactionwithwallet`/`getaddressinfo` → `./regtest-wallet.ts` serves the wallet methods;
 *  - `estimatesmartfee` returns -1 → Core's "no estimate" answer, the caller's floor applies;
 *  - on-disk wallets hit the leveldown 6 null-range bug → memory only, and no bcoin wallet at all;
 *  - `getblock <h> 2` fails → the production source already uses verbosity 0;
 *  - a sent transaction is also "broadcast" to its (empty) P2P pool, which arms a 60 s timer that
 *    `close()` does not clear and that keeps the process alive → we make that broadcast a no-op.
 *
 * Does not: relay over P2P, persist anything, or serve more than one process.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { scidFromParts, type ShortChannelId } from '../wire/scid.js';
import { fundingWitnessScript, p2wshScript } from './bitcoin.js';
import type { Server } from 'node:http';
import { BitcoindChainSource } from './bitcoind.js';
import { ChainError } from './errors.js';
import { COINBASE_MATURITY, REGTEST_FEE_SAT, RegtestWallet, type BcoinWalletLib } from './regtest-wallet.js';
import { JsonRpcClient } from './rpc.js';
import { BitcoindWallet } from './wallet.js';

/** Height at which bcoin's regtest activates segwit (BIP 9 with 144-block windows: 3 × 144). */
export const BCOIN_REGTEST_SEGWIT_HEIGHT = 432;
export { COINBASE_MATURITY, REGTEST_FEE_SAT } from './regtest-wallet.js';

/** The few bcoin classes and methods this file uses (beyond the wallet's). */
interface Bcoin extends BcoinWalletLib {
  FullNode: new (options: Record<string, unknown>) => {
    open(): Promise<void>;
    close(): Promise<void>;
    http: { address(): { port: number } };
    pool: { broadcast(item: unknown): Promise<void> };
  };
}

/** A funding output made by {@link EmbeddedRegtest.fund}. */
export interface FundedOutput {
  readonly txid: string;
  readonly vout: number;
  readonly value: bigint;
  readonly height: number;
  readonly txIndex: number;
  /** short_channel_id naming this output. */
  readonly scid: ShortChannelId;
}

/** A running embedded regtest chain; see the module comment. Close it when done. */
export class EmbeddedRegtest {
  /**
   * The production chain source, pointed at this chain's RPC (kind `embedded-regtest`): chain calls
   * pass through to bcoin, wallet calls are answered by the in-memory wallet (`./regtest-wallet.ts`).
   */
  readonly source: BitcoindChainSource;
  /** RPC endpoint and API key (user is ignored), for demos that print them and for `chain.source = bitcoind` configs. */
  readonly rpcUrl: string;
  readonly apiKey: string;
  /** The wallet behind the RPC (tests: add coins, inspect). */
  readonly wallet: RegtestWallet;
  private readonly bcoin: Bcoin;
  private readonly node: { close(): Promise<void> };
  private readonly server: Server;

  private constructor(bcoin: Bcoin, node: { close(): Promise<void> }, wallet: RegtestWallet, server: Server, port: number, apiKey: string) {
    this.bcoin = bcoin;
    this.node = node;
    this.wallet = wallet;
    this.server = server;
    this.apiKey = apiKey;
    this.rpcUrl = `http://127.0.0.1:${port}/`;
    this.source = new BitcoindChainSource({ url: this.rpcUrl, auth: { kind: 'password', user: 'lnfleet', password: apiKey }, kind: 'embedded-regtest' });
  }

  /**
   * Starts bcoin in memory and mines past segwit activation (and coinbase maturity) to a wallet key,
   * so {@link fund} and the wallet RPC can pay at once. Takes about a second.
   */
  static async start(options: { readonly activateSegwit?: boolean } = {}): Promise<EmbeddedRegtest> {
    let bcoin: Bcoin;
    try {
      bcoin = createRequire(import.meta.url)('bcoin') as Bcoin;
    } catch (cause) {
      throw new ChainError('unsupported', 'the embedded regtest chain needs the bcoin devDependency (not installed in production)', { cause });
    }
    const apiKey = randomBytes(16).toString('hex');
    const node = new bcoin.FullNode({
      network: 'regtest', memory: true, workers: false, listen: false, selfish: true,
      httpHost: '127.0.0.1', httpPort: 0, apiKey, logLevel: 'none', logConsole: false, logFile: false,
    });
    await node.open();
    node.pool.broadcast = async () => {};
    const upstreamPort = node.http.address().port;
    const upstream = new JsonRpcClient({ url: `http://127.0.0.1:${upstreamPort}/`, auth: { kind: 'password', user: 'lnfleet', password: apiKey } });
    const tip = async () => upstream.call<number>('getblockcount', []);
    const wallet = new RegtestWallet(bcoin, (m, p) => upstream.call(m, p), tip);
    const { server, port } = await wallet.serve(upstreamPort, apiKey);
    const chain = new EmbeddedRegtest(bcoin, { close: async () => { upstream.close(); await node.close(); } }, wallet, server, port, apiKey);
    await chain.mine(options.activateSegwit === false ? COINBASE_MATURITY + 1 : BCOIN_REGTEST_SEGWIT_HEIGHT + 1);
    return chain;
  }

  /** Mines `n` blocks paying the wallet's mining key; returns their hashes. */
  async mine(n: number): Promise<string[]> {
    const hashes = await this.source.rpc.call<string[]>('generatetoaddress', [n, this.wallet.minerAddress]);
    for (const hash of hashes) {
      const block = await this.source.getBlock(hash);
      const cb = block.txs[0]!;
      const height = await this.heightOf(hash);
      this.wallet.addCoin({ txid: cb.txid, vout: 0, value: cb.outputs[0]!.value, height, script: cb.outputs[0]!.script, coinbase: true });
    }
    return hashes;
  }

  /** Current tip height. */
  tip(): Promise<number> {
    return this.source.getBlockCount();
  }

  /**
   * Pays `value` satoshis to `script` through the wallet RPC (as output 0), mines one block, and returns
   * where the output landed (with its short_channel_id). Mine 5 more for the 6 confirmations BOLT 7 expects.
   */
  async fund(script: Uint8Array, value: bigint): Promise<FundedOutput> {
    const w = new BitcoindWallet(this.source.rpc, { feeFloorPerKw: 253, confTarget: 6 });
    const tx = await w.fundOutput(script, value, 253);
    const txid = await w.broadcast(tx.hex);
    const [hash] = await this.mine(1);
    const block = await this.source.getBlock(hash!);
    const txIndex = block.txs.findIndex((t) => t.txid === txid);
    if (txIndex < 0) throw new ChainError('rpcError', `transaction ${txid} was not mined`);
    const height = await this.heightOf(hash!);
    return { txid, vout: tx.vout, value, height, txIndex, scid: scidFromParts(height, txIndex, tx.vout) };
  }

  /**
   * Spends a BOLT 3 funding output (2-of-2 of the two keys' public keys) back to the mining key, signing
   * with both private keys; returns the txid once in the mempool. Mine to confirm it.
   */
  async spendFunding(funded: Pick<FundedOutput, 'txid' | 'vout' | 'value'>, priv1: Uint8Array, priv2: Uint8Array): Promise<string> {
    const rings = [priv1, priv2].map((p) => this.bcoin.KeyRing.fromPrivate(Buffer.from(p)));
    const pubs = rings.map((r) => r.publicKey);
    const witnessScript = this.bcoin.Script.fromRaw(Buffer.from(fundingWitnessScript(pubs[0]!, pubs[1]!)));
    for (const r of rings) {
      r.witness = true;
      r.script = witnessScript;
    }
    const coin = this.wallet.coinOf({ ...funded, height: 0, script: p2wshScript(witnessScript.toRaw()) });
    const mtx = new this.bcoin.MTX();
    mtx.addCoin(coin);
    mtx.addOutput(this.bcoin.Script.fromPubkeyhash(this.wallet.miner.getKeyHash()), Number(funded.value - REGTEST_FEE_SAT));
    mtx.sign(rings);
    return this.source.rpc.call<string>('sendrawtransaction', [mtx.toTX().toRaw().toString('hex')]);
  }

  /** Stops the RPC server and bcoin, and closes the RPC client. */
  async close(): Promise<void> {
    await this.source.close();
    await new Promise<void>((r) => { this.server.close(() => r()); this.server.closeAllConnections(); });
    await this.node.close();
  }

  private async heightOf(hash: string): Promise<number> {
    const h = await this.source.rpc.call<{ height: number }>('getblockheader', [hash, true]);
    return h.height;
  }
}

/** Starts an embedded regtest chain (see {@link EmbeddedRegtest.start}). */
export function startEmbeddedRegtest(options?: { readonly activateSegwit?: boolean }): Promise<EmbeddedRegtest> {
  return EmbeddedRegtest.start(options);
}
