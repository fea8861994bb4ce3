/**
 * @module chain/regtest-wallet
 * The embedded regtest chain's RPC front door: a JSON-RPC server on 127.0.0.1 that answers the Bitcoin
 * Core wallet methods the production wallet (`./wallet.ts`) calls and passes every other call through to
 * bcoin's own RPC unchanged. bcoin 1.0.2 has no `signrawtransactionwithwallet` or `getaddressinfo`, its
 * on-disk wallet lists no coins under the leveldown override (DESIGN §12), `sendrawtransaction` returns a
 * txid for rejected transactions and `estimatesmartfee` answers `-1`: those differences live here, so
 * the backend talks to this chain exactly as it talks to bitcoind.
 *
 * Wallet methods served (Core's shapes): `getnewaddress`, `getaddressinfo`, `fundrawtransaction`
 * (`feeRate` in BTC/kvB, inputs locked), `signrawtransactionwithwallet`, `lockunspent`, `getbalance`,
 * `sendrawtransaction` (mempool-checked, RPC_VERIFY_REJECTED -26 when bcoin drops it; the wallet's own
 * outputs become spendable coins), `estimatesmartfee` (Core's "no estimate" answer: `errors`, no `feerate`; tests may set an estimate).
 *
 * Keys are P2WPKH (segwit), held in memory. Test and demo use only: bcoin is a devDependency.
 * Does not: persist, rescan, or handle more than one wallet.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fromDisplayHex } from './bitcoin.js';

/** Coinbase maturity in blocks (consensus). */
export const COINBASE_MATURITY = 100;
/** Fee used when a caller gives no feerate, satoshis (bcoin's estimate is useless on regtest). */
export const REGTEST_FEE_SAT = 2_000n;
/** Outputs below this are not made as change (P2WPKH dust at 3 sat/vB, Core's dust relay fee). */
const CHANGE_DUST_SAT = 294n;
/** Request bodies above this are refused (a funded transaction is a few kB). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Size estimate of a P2WPKH input, vbytes (outpoint 36 + sequence 4 + empty scriptSig 1 + witness ~27). */
const VBYTES_PER_INPUT = 68;
/** Size estimate of an output, vbytes, and of the transaction's fixed part. */
const VBYTES_PER_OUTPUT = 43;
const VBYTES_OVERHEAD = 11;
/** Look-ups of bcoin's mempool after a send, and the pause between them (it admits within a few ms). */
const MEMPOOL_CHECK_ATTEMPTS = 100;
const MEMPOOL_CHECK_INTERVAL_MS = 10;
/** Core's RPC error codes we answer with. */
const RPC_MISC_ERROR = -1;
const RPC_WALLET_INSUFFICIENT_FUNDS = -6;
const RPC_VERIFY_REJECTED = -26;

/** The bcoin pieces used here. */
export interface BcoinScript { toRaw(): Buffer }
/** bcoin KeyRing. */
export interface BcoinKeyRing { readonly publicKey: Buffer; witness: boolean; script: BcoinScript | null; getAddress(enc: 'string', network: string): string; getKeyHash(): Buffer }
interface BcoinOutput { value: number; script: BcoinScript }
interface BcoinInput { prevout: { txid(): string; index: number } }
/** bcoin MTX (what we call). */
export interface BcoinMtx {
  readonly inputs: BcoinInput[];
  readonly outputs: BcoinOutput[];
  readonly view: { addCoin(c: unknown): void };
  addCoin(coin: unknown): void;
  addOutput(script: BcoinScript, value: number): void;
  sign(rings: unknown): number;
  isSigned(): boolean;
  toRaw(): Buffer;
  toTX(): { txid(): string; toRaw(): Buffer };
}
/** The bcoin module subset. */
export interface BcoinWalletLib {
  KeyRing: { fromPrivate(key: Buffer): BcoinKeyRing };
  MTX: { new (): BcoinMtx; fromRaw(b: Buffer): BcoinMtx };
  Coin: { fromOptions(o: Record<string, unknown>): unknown };
  Script: { fromRaw(b: Buffer): BcoinScript; fromPubkeyhash(h: Buffer): BcoinScript };
  TX: { fromRaw(b: Buffer): { txid(): string; outputs: BcoinOutput[] } };
}

/** A coin the wallet can spend. */
export interface RegtestCoin { readonly txid: string; readonly vout: number; readonly value: bigint; readonly height: number; readonly script: Uint8Array; readonly coinbase: boolean }

class RpcFault extends Error {
  readonly code: number;
  constructor(code: number, message: string) { super(message); this.code = code; }
}

const keyOf = (txid: string, vout: number): string => `${txid}:${vout}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The in-memory wallet and its RPC server; see the module comment. */
export class RegtestWallet {
  readonly #lib: BcoinWalletLib;
  /** scriptPubKey hex → key. */
  readonly #keys = new Map<string, BcoinKeyRing>();
  readonly #addresses = new Map<string, string>();
  /** Spendable coins, and coins locked by fundrawtransaction. */
  readonly #coins = new Map<string, RegtestCoin>();
  readonly #locked = new Map<string, RegtestCoin>();
  readonly #call: (method: string, params: unknown[]) => Promise<unknown>;
  readonly #tip: () => Promise<number>;
  /**
   * Tests only: what `estimatesmartfee` answers, sat/kvB (undefined: Core's "no estimate" answer, so the
   * caller's floor applies). Lets a test move the fee estimate the node sees.
   */
  feeEstimateSatPerKvB: number | undefined;
  /** The key coinbases are mined to. */
  readonly miner: BcoinKeyRing;
  readonly minerAddress: string;

  constructor(lib: BcoinWalletLib, call: (method: string, params: unknown[]) => Promise<unknown>, tip: () => Promise<number>) {
    this.#lib = lib;
    this.#call = call;
    this.#tip = tip;
    this.miner = this.#newKey();
    this.minerAddress = this.miner.getAddress('string', 'regtest');
  }

  /** Adds a coin (a mined coinbase, a change output). */
  addCoin(c: RegtestCoin): void {
    this.#coins.set(keyOf(c.txid, c.vout), c);
  }

  /** Takes the largest spendable coin of at least `min` sat out of the wallet (the chain's `fund` helper). */
  async takeCoin(min: bigint): Promise<RegtestCoin | undefined> {
    const c = (await this.#spendable()).find((x) => x.value >= min);
    if (c !== undefined) this.#coins.delete(keyOf(c.txid, c.vout));
    return c;
  }

  /** A bcoin Coin for `c`. */
  coinOf(c: Pick<RegtestCoin, 'txid' | 'vout' | 'value' | 'height' | 'script'>): unknown {
    return this.#lib.Coin.fromOptions({
      version: 1, height: c.height, value: Number(c.value), script: this.#lib.Script.fromRaw(Buffer.from(c.script)),
      hash: Buffer.from(fromDisplayHex(c.txid)).toString('hex'), index: c.vout, coinbase: false,
    });
  }

  /** Records outputs of `rawHex` paying wallet keys as coins (unconfirmed: height -1). */
  noteSent(rawHex: string): void {
    const tx = this.#lib.TX.fromRaw(Buffer.from(rawHex, 'hex'));
    tx.outputs.forEach((o, vout) => {
      const script = o.script.toRaw();
      if (this.#keys.has(script.toString('hex'))) this.addCoin({ txid: tx.txid(), vout, value: BigInt(o.value), height: -1, script, coinbase: false });
    });
  }

  /** Serves the RPC on 127.0.0.1 (ephemeral port): wallet methods here, the rest proxied to `upstreamPort`. */
  async serve(upstreamPort: number, apiKey: string): Promise<{ server: http.Server; port: number }> {
    const expected = `Basic ${Buffer.from(`lnfleet:${apiKey}`).toString('base64')}`;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY_BYTES) chunks.push(c); });
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (size > MAX_BODY_BYTES) { res.writeHead(413).end(); return; }
        void this.#handle(body, req.headers.authorization, expected, upstreamPort).then(({ status, text }) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(text);
        });
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as AddressInfo).port };
  }

  async #handle(body: Buffer, auth: string | undefined, expected: string, upstreamPort: number): Promise<{ status: number; text: string }> {
    let req: { method?: unknown; params?: unknown; id?: unknown };
    try {
      req = JSON.parse(body.toString('utf8')) as typeof req;
    } catch {
      return { status: 400, text: '{"result":null,"error":{"code":-32700,"message":"parse error"},"id":null}' };
    }
    const method = typeof req.method === 'string' ? req.method : '';
    if (!(method in this.#methods)) return proxy(upstreamPort, body, auth);
    if (auth !== expected) return { status: 401, text: '' };
    const params = Array.isArray(req.params) ? req.params as unknown[] : [];
    try {
      const result = await this.#methods[method]!(params);
      return { status: 200, text: JSON.stringify({ result, error: null, id: req.id ?? null }) };
    } catch (e) {
      const code = e instanceof RpcFault ? e.code : RPC_MISC_ERROR;
      return { status: 500, text: JSON.stringify({ result: null, error: { code, message: (e as Error).message }, id: req.id ?? null }) };
    }
  }

  readonly #methods: Record<string, (p: unknown[]) => Promise<unknown>> = {
    getnewaddress: async () => this.#newKey().getAddress('string', 'regtest'),
    getaddressinfo: async ([address]) => {
      const script = this.#addresses.get(String(address));
      if (script === undefined) throw new RpcFault(RPC_MISC_ERROR, 'address not in this wallet');
      return { address, scriptPubKey: script, ismine: true, iswitness: true };
    },
    getbalance: async () => Number((await this.#spendable()).reduce((a, c) => a + c.value, 0n)) / 1e8,
    estimatesmartfee: async ([target]) => (this.feeEstimateSatPerKvB === undefined
      ? { errors: ['Insufficient data or no feerate found'], blocks: Number(target) }
      : { feerate: this.feeEstimateSatPerKvB / 1e8, blocks: Number(target) }),
    fundrawtransaction: async ([hex, options]) => this.#fund(String(hex), options),
    signrawtransactionwithwallet: async ([hex]) => this.#sign(String(hex)),
    lockunspent: async ([unlock, outputs]) => {
      if (unlock !== true || !Array.isArray(outputs)) throw new RpcFault(RPC_MISC_ERROR, 'only lockunspent true [outputs] is supported');
      for (const o of outputs as { txid: string; vout: number }[]) {
        const c = this.#locked.get(keyOf(o.txid, o.vout));
        if (c !== undefined) { this.#locked.delete(keyOf(o.txid, o.vout)); this.addCoin(c); }
      }
      return true;
    },
    sendrawtransaction: async ([hex]) => this.#send(String(hex)),
  };

  #newKey(): BcoinKeyRing {
    const ring = this.#lib.KeyRing.fromPrivate(randomBytes(32));
    ring.witness = true;
    const script = this.#lib.Script.fromRaw(Buffer.concat([Buffer.from([0x00, 0x14]), ring.getKeyHash()])).toRaw().toString('hex');
    this.#keys.set(script, ring);
    this.#addresses.set(ring.getAddress('string', 'regtest'), script);
    return ring;
  }

  async #spendable(): Promise<RegtestCoin[]> {
    const tip = await this.#tip();
    return [...this.#coins.values()].filter((c) => !c.coinbase || tip - c.height + 1 > COINBASE_MATURITY).sort((a, b) => (a.value > b.value ? -1 : 1));
  }

  /**
   * A transaction with no inputs, as fundrawtransaction receives it: bcoin reads the 0x00 input count as
   * the segwit marker and fails, so then the outputs are read here (Core too tries both readings).
   */
  #unfunded(raw: Buffer): BcoinMtx {
    try {
      return this.#lib.MTX.fromRaw(raw);
    } catch {
      if (raw[4] !== 0x00) throw new RpcFault(RPC_MISC_ERROR, 'TX decode failed');
    }
    const mtx = new this.#lib.MTX();
    let at = 5;
    const count = raw[at++]!;
    for (let i = 0; i < count; i++) {
      const value = raw.readBigUInt64LE(at);
      const len = raw[at + 8]!;
      if (len >= 0xfd) throw new RpcFault(RPC_MISC_ERROR, 'TX decode failed (long script)');
      mtx.addOutput(this.#lib.Script.fromRaw(raw.subarray(at + 9, at + 9 + len)), Number(value));
      at += 9 + len;
    }
    return mtx;
  }

  async #fund(hex: string, options: unknown): Promise<unknown> {
    const mtx = this.#unfunded(Buffer.from(hex, 'hex'));
    const outSum = mtx.outputs.reduce((a, o) => a + BigInt(o.value), 0n);
    const rate = typeof (options as { feeRate?: unknown } | undefined)?.feeRate === 'number' ? (options as { feeRate: number }).feeRate : undefined;
    const feeFor = (inputs: number): bigint => rate === undefined ? REGTEST_FEE_SAT
      : BigInt(Math.ceil(((VBYTES_OVERHEAD + VBYTES_PER_INPUT * inputs + VBYTES_PER_OUTPUT * (mtx.outputs.length + 1)) * rate * 1e8) / 1000));
    const chosen: RegtestCoin[] = [];
    let inSum = 0n;
    for (const c of await this.#spendable()) {
      if (inSum >= outSum + feeFor(chosen.length)) break;
      chosen.push(c);
      inSum += c.value;
    }
    const fee = feeFor(chosen.length);
    if (inSum < outSum + fee) throw new RpcFault(RPC_WALLET_INSUFFICIENT_FUNDS, 'Insufficient funds');
    for (const c of chosen) {
      mtx.addCoin(this.coinOf(c));
      this.#coins.delete(keyOf(c.txid, c.vout));
      this.#locked.set(keyOf(c.txid, c.vout), c);
    }
    let changepos = -1;
    if (inSum - outSum - fee >= CHANGE_DUST_SAT) {
      changepos = mtx.outputs.length;
      mtx.addOutput(this.#lib.Script.fromRaw(Buffer.from(this.#addresses.get(this.#newKey().getAddress('string', 'regtest'))!, 'hex')), Number(inSum - outSum - fee));
    }
    return { hex: mtx.toRaw().toString('hex'), fee: Number(fee) / 1e8, changepos };
  }

  #sign(hex: string): unknown {
    const mtx = this.#lib.MTX.fromRaw(Buffer.from(hex, 'hex'));
    for (const input of mtx.inputs) {
      const k = keyOf(input.prevout.txid(), input.prevout.index);
      const c = this.#locked.get(k) ?? this.#coins.get(k);
      if (c !== undefined) mtx.view.addCoin(this.coinOf(c));
    }
    mtx.sign([...this.#keys.values()]);
    return { hex: mtx.toRaw().toString('hex'), complete: mtx.isSigned() };
  }

  async #send(hex: string): Promise<string> {
    const txid = String(await this.#call('sendrawtransaction', [hex]));
    for (let i = 0; i < MEMPOOL_CHECK_ATTEMPTS; i++) {
      const mempool = await this.#call('getrawmempool', []) as string[];
      if (mempool.includes(txid)) {
        const tx = this.#lib.MTX.fromRaw(Buffer.from(hex, 'hex'));
        for (const input of tx.inputs) this.#locked.delete(keyOf(input.prevout.txid(), input.prevout.index));
        this.noteSent(hex);
        return txid;
      }
      if (await this.#call('gettxout', [txid, 0, false]).catch(() => null) !== null) return txid;
      await sleep(MEMPOOL_CHECK_INTERVAL_MS);
    }
    throw new RpcFault(RPC_VERIFY_REJECTED, `bcoin did not accept transaction ${txid} into its mempool`);
  }
}

/** Passes a request through to bcoin's RPC unchanged. */
function proxy(port: number, body: Buffer, auth: string | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': body.length };
    if (auth !== undefined) headers.authorization = auth;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 502, text: '' }));
    });
    req.on('error', () => resolve({ status: 502, text: '' }));
    req.end(body);
  });
}
