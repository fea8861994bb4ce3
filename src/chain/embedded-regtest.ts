/**
 * @module chain/embedded-regtest
 * An embedded regtest chain for tests and demos: bcoin 1.0.2 run in-process with an in-memory
 * database, its HTTP server bound to 127.0.0.1 on an ephemeral port with a random API key, and reached
 * through the production JSON-RPC client and chain source (`./bitcoind.ts`), so tests exercise the
 * code path bitcoind users run. Also a tiny wallet to mine, fund arbitrary output scripts (channel
 * funding outputs) and spend a BOLT 3 2-of-2 funding output.
 *
 * bcoin is a devDependency: production installs (`npm ci --omit=dev`) do not have it, and nothing but
 * this file imports it, lazily, on `startEmbeddedRegtest()`. `lnfleet dev` and the tests use it.
 *
 * bcoin's differences from Bitcoin Core (DESIGN §12) live here and nowhere else:
 *  - `sendrawtransaction` returns a txid even for a rejected transaction → we confirm with `getrawmempool`;
 *  - segwit activates at height 432 on its regtest → `start` mines past it (we spend P2WSH outputs);
 *  - its regtest bech32 prefix is `rb`, not `bcrt` → we mine to a legacy P2PKH address of our key;
 *  - no `signrawtransactionwithwallet` → transactions are built and signed here with bcoin's MTX;
 *  - `estimatesmartfee` returns -1 → fixed {@link REGTEST_FEE_SAT};
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
import { fromDisplayHex, fundingWitnessScript, p2wshScript } from './bitcoin.js';
import { BitcoindChainSource } from './bitcoind.js';
import { ChainError } from './errors.js';

/** Height at which bcoin's regtest activates segwit (BIP 9 with 144-block windows: 3 × 144). */
export const BCOIN_REGTEST_SEGWIT_HEIGHT = 432;
/** Coinbase maturity in blocks (consensus). */
export const COINBASE_MATURITY = 100;
/** Fee of every transaction the helper builds, in satoshis (bcoin's fee estimate is useless on regtest). */
export const REGTEST_FEE_SAT = 2_000n;

/** Times we look for a sent transaction in bcoin's mempool before calling it rejected. */
const MEMPOOL_CHECK_ATTEMPTS = 100;
/** Pause between those looks, in ms (bcoin admits a transaction within a few ms). */
const MEMPOOL_CHECK_INTERVAL_MS = 10;

/** The few bcoin classes and methods this file uses. */
interface BcoinScript { toRaw(): Buffer }
interface BcoinTx { txid(): string; toRaw(): Buffer }
interface BcoinMtx {
  addCoin(coin: unknown): void;
  addOutput(script: BcoinScript, value: number): void;
  sign(rings: unknown): number;
  toTX(): BcoinTx;
}
interface BcoinKeyRing { readonly publicKey: Buffer; witness: boolean; script: BcoinScript | null; getAddress(enc: 'string', network: string): string; getKeyHash(): Buffer }
interface Bcoin {
  FullNode: new (options: Record<string, unknown>) => {
    open(): Promise<void>;
    close(): Promise<void>;
    http: { address(): { port: number } };
    pool: { broadcast(item: unknown): Promise<void> };
  };
  KeyRing: { fromPrivate(key: Buffer): BcoinKeyRing };
  MTX: new () => BcoinMtx;
  Coin: { fromOptions(o: Record<string, unknown>): unknown };
  Script: { fromRaw(b: Buffer): BcoinScript; fromPubkeyhash(h: Buffer): BcoinScript };
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

interface Coin { txid: string; vout: number; value: bigint; height: number; script: Uint8Array }

/** A running embedded regtest chain; see the module comment. Close it when done. */
export class EmbeddedRegtest {
  /** The production chain source, pointed at this chain (kind `embedded-regtest`). */
  readonly source: BitcoindChainSource;
  /** RPC endpoint and API key (user is ignored by bcoin), for demos that print them. */
  readonly rpcUrl: string;
  readonly apiKey: string;
  private readonly bcoin: Bcoin;
  private readonly node: { close(): Promise<void> };
  private readonly ring: BcoinKeyRing;
  private readonly address: string;
  private readonly coins: Coin[] = [];

  private constructor(bcoin: Bcoin, node: { close(): Promise<void> }, port: number, apiKey: string) {
    this.bcoin = bcoin;
    this.node = node;
    this.apiKey = apiKey;
    this.rpcUrl = `http://127.0.0.1:${port}/`;
    this.source = new BitcoindChainSource({ url: this.rpcUrl, auth: { kind: 'password', user: 'lnfleet', password: apiKey }, kind: 'embedded-regtest' });
    this.ring = bcoin.KeyRing.fromPrivate(randomBytes(32));
    this.ring.witness = false;
    this.address = this.ring.getAddress('string', 'regtest');
  }

  /**
   * Starts bcoin in memory and mines past segwit activation (and coinbase maturity) to a key the
   * helper holds, so {@link fund} can pay at once. Takes about a second.
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
    const chain = new EmbeddedRegtest(bcoin, node, node.http.address().port, apiKey);
    await chain.mine(options.activateSegwit === false ? COINBASE_MATURITY + 1 : BCOIN_REGTEST_SEGWIT_HEIGHT + 1);
    return chain;
  }

  /** Mines `n` blocks paying our key; returns their hashes. */
  async mine(n: number): Promise<string[]> {
    const hashes = await this.source.rpc.call<string[]>('generatetoaddress', [n, this.address]);
    for (const hash of hashes) {
      const block = await this.source.getBlock(hash);
      const cb = block.txs[0]!;
      const height = await this.heightOf(hash);
      this.coins.push({ txid: cb.txid, vout: 0, value: cb.outputs[0]!.value, height, script: cb.outputs[0]!.script });
    }
    return hashes;
  }

  /** Current tip height. */
  tip(): Promise<number> {
    return this.source.getBlockCount();
  }

  /**
   * Pays `value` satoshis to `script` from a mature coinbase, mines one block, and returns where the
   * output landed (with its short_channel_id). Mine 5 more for the 6 confirmations BOLT 7 expects.
   */
  async fund(script: Uint8Array, value: bigint): Promise<FundedOutput> {
    const tip = await this.tip();
    const i = this.coins.findIndex((c) => tip - c.height + 1 > COINBASE_MATURITY);
    if (i < 0) throw new ChainError('unsupported', 'no mature coinbase left; mine more blocks');
    const coin = this.coins.splice(i, 1)[0]!;
    if (coin.value < value + REGTEST_FEE_SAT) throw new ChainError('unsupported', `one coinbase holds ${coin.value} sat, asked ${value}`);
    const mtx = new this.bcoin.MTX();
    const c = this.coinOf(coin);
    mtx.addCoin(c);
    mtx.addOutput(this.bcoin.Script.fromRaw(Buffer.from(script)), Number(value));
    mtx.addOutput(this.bcoin.Script.fromPubkeyhash(this.ring.getKeyHash()), Number(coin.value - value - REGTEST_FEE_SAT));
    mtx.sign(this.ring);
    const txid = await this.broadcast(mtx.toTX());
    const [hash] = await this.mine(1);
    const block = await this.source.getBlock(hash!);
    const txIndex = block.txs.findIndex((t) => t.txid === txid);
    if (txIndex < 0) throw new ChainError('rpcError', `transaction ${txid} was not mined`);
    const height = await this.heightOf(hash!);
    return { txid, vout: 0, value, height, txIndex, scid: scidFromParts(height, txIndex, 0) };
  }

  /**
   * Spends a BOLT 3 funding output (2-of-2 of the two keys' public keys) back to our key, signing
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
    const coin = this.coinOf({ ...funded, height: 0, script: p2wshScript(witnessScript.toRaw()) });
    const mtx = new this.bcoin.MTX();
    mtx.addCoin(coin);
    mtx.addOutput(this.bcoin.Script.fromPubkeyhash(this.ring.getKeyHash()), Number(funded.value - REGTEST_FEE_SAT));
    mtx.sign(rings);
    return this.broadcast(mtx.toTX());
  }

  /** Stops bcoin and closes the RPC client. */
  async close(): Promise<void> {
    await this.source.close();
    await this.node.close();
  }

  private coinOf(c: Coin): unknown {
    return this.bcoin.Coin.fromOptions({
      version: 1, height: c.height, value: Number(c.value), script: this.bcoin.Script.fromRaw(Buffer.from(c.script)),
      hash: Buffer.from(fromDisplayHex(c.txid)).toString('hex'), index: c.vout, coinbase: false,
    });
  }

  /** sendrawtransaction, then the mempool check bcoin needs (it returns a txid for rejected txs too). */
  private async broadcast(tx: BcoinTx): Promise<string> {
    const txid = await this.source.rpc.call<string>('sendrawtransaction', [tx.toRaw().toString('hex')]);
    // bcoin's RPC hands the transaction to its mempool without waiting, so poll a bounded number of times.
    for (let i = 0; i < MEMPOOL_CHECK_ATTEMPTS; i++) {
      const mempool = await this.source.rpc.call<string[]>('getrawmempool', []);
      if (mempool.includes(txid)) return txid;
      await new Promise((r) => setTimeout(r, MEMPOOL_CHECK_INTERVAL_MS));
    }
    throw new ChainError('rpcError', `bcoin did not accept transaction ${txid} into its mempool`);
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
