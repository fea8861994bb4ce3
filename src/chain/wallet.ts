/**
 * @module chain/wallet
 * The on-chain wallet the backend funds channels from: the chain source's bitcoind JSON-RPC wallet,
 * spoken in Bitcoin Core's dialect only (the embedded regtest chain offers the same methods through
 * its RPC, see `./embedded-regtest.ts`):
 *  - `fundrawtransaction` (inputs and change chosen and locked by bitcoind) + `signrawtransactionwithwallet`
 *    → a signed funding transaction that is NOT broadcast (BOLT 2: only after `funding_signed`);
 *  - `sendrawtransaction` to broadcast it; `lockunspent true` to release the inputs of an abandoned open;
 *  - `estimatesmartfee` in sat/kw with a configured floor (used whenever the estimate is missing or lower);
 *  - `getnewaddress` + `getaddressinfo` for a fresh shutdown script (its scriptPubKey, no address parsing here).
 *
 * Spec: BOLT 2 funding_created (https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#the-funding_created-message).
 * Does not: hold keys (bitcoind's wallet does), choose coins itself, or watch confirmations (`./watcher.ts`
 * and the channel manager do).
 */
import { KindedError } from '../errors.js';
import { parseTransaction } from './bitcoin.js';
import { ChainError } from './errors.js';
import type { JsonRpcClient } from './rpc.js';
import type { ChainSource } from './source.js';

/** Why a wallet operation failed. */
export type WalletErrorKind = 'noWallet' | 'insufficientFunds' | 'rejected' | 'badResponse' | 'chain';

/** Error of the wallet; the message says what to do. */
export class WalletError extends KindedError<'WALLET', WalletErrorKind> {}

/** Satoshis per bitcoin (RPC amounts are BTC with 8 decimals). */
const SAT_PER_BTC = 100_000_000;
/** Weight units per virtual byte (BIP 141): sat/kvB ÷ 4 = sat/kw. */
const WU_PER_VBYTE = 4;
/** bitcoind's RPC_WALLET_INSUFFICIENT_FUNDS. */
const RPC_WALLET_INSUFFICIENT_FUNDS = -6;
/** Core's RPC_VERIFY_REJECTED / RPC_VERIFY_ALREADY_IN_CHAIN: a broadcast refused, or already mined. */
const RPC_VERIFY_REJECTED = -26;
const RPC_VERIFY_ALREADY_IN_CHAIN = -27;

/** A signed, not yet broadcast funding transaction. */
export interface FundingTx {
  /** Raw signed transaction, hex. */
  readonly hex: string;
  /** Display-hex txid. */
  readonly txid: string;
  /** Index of the output paying the funding script. */
  readonly vout: number;
  /** Fee bitcoind chose, satoshis. */
  readonly feeSat: bigint;
  /** Inputs, to release with {@link Wallet.release} if the open is abandoned before broadcast. */
  readonly inputs: readonly { readonly txid: string; readonly vout: number }[];
}

/** Wallet settings from config (`channels.*`). */
export interface WalletOptions {
  /** Lowest feerate we ever use, sat/kw (`channels.fee-floor`). */
  readonly feeFloorPerKw: number;
  /** Confirmation target of `estimatesmartfee`, blocks (`channels.fee-target-blocks`). */
  readonly confTarget: number;
}

/** The wallet the channel manager uses. */
export interface Wallet {
  /** Builds and signs a transaction paying `sats` to `script` at `feeratePerKw`; does not broadcast. */
  fundOutput(script: Uint8Array, sats: bigint, feeratePerKw: number): Promise<FundingTx>;
  /** Broadcasts a raw transaction; resolves with its txid (also when already mined). */
  broadcast(hex: string): Promise<string>;
  /** Unlocks the inputs of a funding transaction that will never be broadcast. */
  release(tx: FundingTx): Promise<void>;
  /** A fresh scriptPubKey of the wallet (shutdown / closing outputs). */
  newScript(): Promise<Uint8Array>;
  /** Current feerate in sat/kw: the estimate for `confTarget`, never below the floor. */
  feeratePerKw(): Promise<number>;
  /** Confirmed spendable balance, satoshis (`getbalance`); optional for wallets that cannot tell. */
  balanceSat?(): Promise<bigint>;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function serializeUnfunded(script: Uint8Array, sats: bigint): string {
  // version 2 | 0 inputs | 1 output (value u64 LE, script) | locktime 0: bitcoind adds inputs and change.
  const value = Buffer.alloc(8);
  value.writeBigUInt64LE(sats);
  if (script.length >= 0xfd) throw new WalletError('WALLET', 'rejected', 'funding script is too long');
  return `02000000` + `00` + `01` + value.toString('hex') + script.length.toString(16).padStart(2, '0') + hexOf(script) + `00000000`;
}

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WalletError('WALLET', 'badResponse', `${what}: answer is not an object`);
  return v as Record<string, unknown>;
}

function wrap(e: unknown, what: string): never {
  if (e instanceof WalletError) throw e;
  if (e instanceof ChainError && e.kind === 'rpcError' && (e.rpcCode === RPC_WALLET_INSUFFICIENT_FUNDS || /insufficient funds/i.test(e.message))) {
    throw new WalletError('WALLET', 'insufficientFunds', `insufficient funds in the bitcoind wallet for ${what}; send coins to an address from \`bitcoin-cli getnewaddress\` and wait for a confirmation`, { cause: e });
  }
  throw new WalletError('WALLET', 'chain', `${what} failed: ${(e as Error).message}`, { cause: e });
}

/** The bitcoind-wallet implementation of {@link Wallet}. */
export class BitcoindWallet implements Wallet {
  readonly #rpc: JsonRpcClient;
  readonly #opts: WalletOptions;

  constructor(rpc: JsonRpcClient, opts: WalletOptions) {
    this.#rpc = rpc;
    this.#opts = opts;
  }

  async fundOutput(script: Uint8Array, sats: bigint, feeratePerKw: number): Promise<FundingTx> {
    const what = `a ${sats} sat channel funding`;
    // BTC/kvB with 8 decimals: sat/kw × 4 = sat/kvB.
    const feeRate = ((feeratePerKw * WU_PER_VBYTE * 1000) / SAT_PER_BTC).toFixed(8);
    let funded: Record<string, unknown>;
    let signed: Record<string, unknown>;
    try {
      funded = asObject(await this.#rpc.call('fundrawtransaction', [serializeUnfunded(script, sats), { feeRate: Number(feeRate), lockUnspents: true }]), 'fundrawtransaction');
      if (typeof funded.hex !== 'string') throw new WalletError('WALLET', 'badResponse', 'fundrawtransaction: no hex');
      signed = asObject(await this.#rpc.call('signrawtransactionwithwallet', [funded.hex]), 'signrawtransactionwithwallet');
    } catch (e) {
      wrap(e, what);
    }
    if (typeof signed.hex !== 'string' || signed.complete !== true) throw new WalletError('WALLET', 'rejected', `bitcoind could not sign every input of ${what} (is the wallet locked?)`);
    const tx = parseTransaction(Uint8Array.from(Buffer.from(signed.hex, 'hex')));
    const inputs = tx.inputs.map((i) => ({ txid: i.prevTxid, vout: i.prevVout }));
    const vout = tx.outputs.findIndex((o) => o.value === sats && hexOf(o.script) === hexOf(script));
    if (vout < 0) throw new WalletError('WALLET', 'badResponse', 'the funded transaction has no output paying the funding script');
    // A legacy input would let the txid change before confirmation, and the commitment signatures with it.
    // BOLT #2: - SHOULD use only BIP141 (Segregated Witness) inputs.
    if (tx.inputs.some((i) => i.witness.length === 0)) {
      await this.release({ hex: signed.hex, txid: tx.txid, vout, feeSat: 0n, inputs }).catch(() => {});
      throw new WalletError('WALLET', 'rejected', 'bitcoind chose a non-segwit input for the funding transaction; keep only segwit coins (bech32 addresses) in the wallet');
    }
    const fee = typeof funded.fee === 'number' ? BigInt(Math.round(funded.fee * SAT_PER_BTC)) : 0n;
    return { hex: signed.hex, txid: tx.txid, vout, feeSat: fee, inputs };
  }

  async broadcast(hex: string): Promise<string> {
    try {
      const txid = await this.#rpc.call('sendrawtransaction', [hex]);
      if (typeof txid !== 'string') throw new WalletError('WALLET', 'badResponse', 'sendrawtransaction: no txid');
      return txid;
    } catch (e) {
      if (e instanceof ChainError && e.rpcCode === RPC_VERIFY_ALREADY_IN_CHAIN) return parseTransaction(Uint8Array.from(Buffer.from(hex, 'hex'))).txid;
      if (e instanceof ChainError && e.rpcCode === RPC_VERIFY_REJECTED) throw new WalletError('WALLET', 'rejected', `the transaction was refused: ${e.message}`, { cause: e });
      return wrap(e, 'broadcast');
    }
  }

  async release(tx: FundingTx): Promise<void> {
    try {
      await this.#rpc.call('lockunspent', [true, tx.inputs.map((i) => ({ txid: i.txid, vout: i.vout }))]);
    } catch (e) {
      wrap(e, 'releasing funding inputs');
    }
  }

  async newScript(): Promise<Uint8Array> {
    try {
      const address = await this.#rpc.call('getnewaddress', ['', 'bech32']);
      if (typeof address !== 'string') throw new WalletError('WALLET', 'badResponse', 'getnewaddress: not a string');
      const info = asObject(await this.#rpc.call('getaddressinfo', [address]), 'getaddressinfo');
      if (typeof info.scriptPubKey !== 'string' || !/^([0-9a-f]{2})+$/.test(info.scriptPubKey)) throw new WalletError('WALLET', 'badResponse', 'getaddressinfo: no scriptPubKey');
      return Uint8Array.from(Buffer.from(info.scriptPubKey, 'hex'));
    } catch (e) {
      return wrap(e, 'a new wallet address');
    }
  }

  async balanceSat(): Promise<bigint> {
    try {
      const btc = await this.#rpc.call('getbalance', []);
      if (typeof btc !== 'number' || !Number.isFinite(btc)) throw new WalletError('WALLET', 'badResponse', 'getbalance: not a number');
      return BigInt(Math.round(btc * SAT_PER_BTC));
    } catch (e) {
      return wrap(e, 'the wallet balance');
    }
  }

  async feeratePerKw(): Promise<number> {
    let estimate: number | undefined;
    try {
      const r = asObject(await this.#rpc.call('estimatesmartfee', [this.#opts.confTarget]), 'estimatesmartfee');
      // Core omits `feerate` (and sets `errors`) when it has no estimate yet: fall back to the floor.
      if (typeof r.feerate === 'number' && r.feerate > 0) estimate = Math.ceil(Math.round(r.feerate * SAT_PER_BTC) / WU_PER_VBYTE); // BTC/kvB (8 decimals, so whole sat/kvB) → sat/kw
    } catch (e) {
      wrap(e, 'fee estimation');
    }
    return Math.max(estimate ?? 0, this.#opts.feeFloorPerKw);
  }
}

/** The wallet of a chain source; `none` has none, and says so when asked to fund. */
export function walletFor(source: ChainSource, opts: WalletOptions): Wallet | undefined {
  if (source.kind === 'none') return undefined;
  const rpc = (source as { rpc?: JsonRpcClient }).rpc;
  return rpc === undefined ? undefined : new BitcoindWallet(rpc, opts);
}

/** The error for an operation that needs a wallet when there is none. */
export function noWalletError(): WalletError {
  return new WalletError('WALLET', 'noWallet', 'no wallet: chain.source is none; set chain.source = bitcoind (with a bitcoind wallet) to open channels');
}
