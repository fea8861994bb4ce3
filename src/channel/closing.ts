/**
 * @module channel/closing
 * BOLT 3 closing transactions and the fee arithmetic of closing negotiation: the legacy closing
 * transaction (`closing_signed`: the funder pays `fee_satoshis`, each signer drops outputs below its own
 * `dust_limit_satoshis`), the `option_simple_close` closing transaction (`closing_complete` /
 * `closing_sig`: the closer pays, OP_RETURN outputs carry 0, three variants), signing, verifying and
 * finalising the 2-of-2 funding input, shutdown script forms, dust thresholds, closing weight and the
 * legacy fee negotiation rule.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#legacy-closing-transaction,
 * https://github.com/lightning/bolts/blob/master/03-transactions.md#closing-transaction,
 * https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#channel-close
 *
 * Pure: bytes and numbers in, transactions out. Does not: decide when to close (the state machine,
 * `./machine/`), or broadcast anything.
 */
import { activeEngine } from '../crypto/engines.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { CHANNEL_TX_VERSION, MSAT_PER_SAT, SIGHASH_ALL, WEIGHT_PER_KW } from './constants.js';
import { OP, compareBytes, fundingScript } from './scripts.js';
import { dustThresholdSat } from './onchain/sweep.js';
import type { Transaction, TxOutput } from './tx.js';
import { segwitV0Sighash, serializeTx, txid, txWeight, witnessSignature } from './tx.js';

// BOLT #3: * `txin[0]` sequence: 0xFFFFFFFF
/** Input sequence of the legacy closing transaction (final, no RBF). */
export const LEGACY_CLOSING_SEQUENCE = 0xffffffff;
// BOLT #3: * `txin[0]` sequence: 0xFFFFFFFD
/** Input sequence of the option_simple_close closing transaction (signals RBF: it may be replaced by a new closing_complete). */
export const SIMPLE_CLOSING_SEQUENCE = 0xfffffffd;

/**
 * Weight of the funding input's witness once signed, in WU (= bytes): 2 (segwit marker and flag) +
 * 1 (item count) + 1 (empty item) + 2 × (1 + 73) (DER signatures of at most 72 bytes + sighash byte) +
 * 1 + 71 (the 2-of-2 script). An upper bound, so fees computed from it never fall short.
 */
export const CLOSING_WITNESS_WEIGHT = 2 + 1 + 1 + 2 * (1 + 73) + 1 + 71;


/** The funding outpoint and keys a closing transaction spends. */
export interface ClosingFrame {
  /** Funding txid, serialised byte order. */
  readonly fundingTxid: Uint8Array;
  readonly fundingVout: number;
  readonly fundingSat: bigint;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
}

/** Which shutdown script forms the negotiated features allow. */
export interface ShutdownScriptRules {
  readonly anySegwit: boolean;
  readonly simpleClose: boolean;
}

/** Whether `script` is an OP_RETURN script. */
export function isOpReturn(script: Uint8Array): boolean {
  return script.length > 0 && script[0] === OP.OP_RETURN;
}

/** Whether `script` is one of the forms `shutdown` allows under `rules`. */
export function isValidShutdownScript(script: Uint8Array, rules: ShutdownScriptRules): boolean {
  const n = script.length;
  // BOLT #2: 1. `OP_0` `20` 20-bytes (version 0 pay to witness pubkey hash), OR
  //     2. `OP_0` `32` 32-bytes (version 0 pay to witness script hash), OR
  if (n === 22 && script[0] === OP.OP_0 && script[1] === 20) return true;
  if (n === 34 && script[0] === OP.OP_0 && script[1] === 32) return true;
  // BOLT #2: 3. if (and only if) `option_shutdown_anysegwit` is negotiated:
  //       * `OP_1` through `OP_16` inclusive, followed by a single push of 2 to 40 bytes
  //         (witness program versions 1 through 16)
  if (rules.anySegwit && n >= 4 && script[0]! >= OP.OP_1 && script[0]! <= OP.OP_16 && script[1]! >= 2 && script[1]! <= 40 && script[1] === n - 2) return true;
  // BOLT #2: 4. if (and only if) `option_simple_close` is negotiated:
  //       * `OP_RETURN` followed by one of:
  //         * `6` to `75` inclusive followed by exactly that many bytes
  //         * `76` followed by `76` to `80` followed by exactly that many bytes
  if (rules.simpleClose && n >= 2 && script[0] === OP.OP_RETURN) {
    if (script[1]! >= 6 && script[1]! <= 75 && script[1] === n - 2) return true;
    if (n >= 3 && script[1] === OP.OP_PUSHDATA1 && script[2]! >= 76 && script[2]! <= 80 && script[2] === n - 3) return true;
  }
  return false;
}

/**
 * The dust threshold of a closing output paying `script`, in satoshis: 0 for OP_RETURN (never dust,
 * option_simple_close), else Bitcoin Core's threshold (`./onchain/sweep.ts`, BOLT 3 "Dust Limits":
 * 294 p2wpkh, 330 p2wsh, 546 p2pkh, ...).
 */
export function closingDustThresholdSat(script: Uint8Array): bigint {
  return isOpReturn(script) ? 0n : dustThresholdSat(script);
}

// BOLT #3: Outputs in transactions are always sorted according to:
//  * first according to their value, smallest first (in whole satoshis, note that for HTLC outputs, the millisatoshi part must be ignored)
//  * followed by `scriptpubkey`, comparing the common-length prefix lexicographically as if by `memcmp`, then selecting the shorter script (if they differ in length),
function sortOutputs(outs: TxOutput[]): TxOutput[] {
  return outs.sort((a, b) => (a.value !== b.value ? (a.value < b.value ? -1 : 1) : compareBytes(a.script, b.script)));
}

function closingTx(f: ClosingFrame, outputs: TxOutput[], sequence: number, locktime: number): Transaction {
  return {
    version: CHANNEL_TX_VERSION,
    inputs: [{ txid: f.fundingTxid, vout: f.fundingVout, scriptSig: new Uint8Array(0), sequence, witness: [] }],
    outputs: sortOutputs(outputs),
    locktime,
  };
}

/** Inputs of {@link legacyClosingTx}, from our point of view. */
export interface LegacyClosingInput {
  readonly localScript: Uint8Array;
  readonly remoteScript: Uint8Array;
  /** Final balances (msat), HTLCs all resolved. */
  readonly localMsat: bigint;
  readonly remoteMsat: bigint;
  readonly localIsFunder: boolean;
  readonly feeSat: bigint;
  /** The signer's own `dust_limit_satoshis`: outputs below it are removed. */
  readonly dustLimitSat: bigint;
  /** Drop one side's output anyway (a signer MAY eliminate its own output). */
  readonly drop?: 'local' | 'remote';
}

/** The legacy closing transaction (closing_signed), or `undefined` if the funder cannot pay `feeSat`. */
export function legacyClosingTx(f: ClosingFrame, o: LegacyClosingInput): Transaction | undefined {
  // BOLT #3: - MUST round each output down to whole satoshis.
  //   - MUST subtract the fee given by `fee_satoshis` from the output to the funder.
  //   - MUST remove any output below its own `dust_limit_satoshis`.
  //   - MAY eliminate its own output.
  const local = o.localMsat / MSAT_PER_SAT - (o.localIsFunder ? o.feeSat : 0n);
  const remote = o.remoteMsat / MSAT_PER_SAT - (o.localIsFunder ? 0n : o.feeSat);
  if (local < 0n || remote < 0n || o.feeSat < 0n) return undefined;
  const outs: TxOutput[] = [];
  if (local >= o.dustLimitSat && o.drop !== 'local') outs.push({ value: local, script: o.localScript });
  if (remote >= o.dustLimitSat && o.drop !== 'remote') outs.push({ value: remote, script: o.remoteScript });
  if (outs.length === 0) return undefined;
  // BOLT #3: * locktime: 0
  return closingTx(f, outs, LEGACY_CLOSING_SEQUENCE, 0);
}

/** Which outputs an option_simple_close closing transaction has (one signature TLV each). */
export type SimpleClosingVariant = 'closerOutputOnly' | 'closeeOutputOnly' | 'closerAndCloseeOutputs';

/** Inputs of {@link simpleClosingTx}. */
export interface SimpleClosingInput {
  readonly closerScript: Uint8Array;
  readonly closeeScript: Uint8Array;
  readonly closerMsat: bigint;
  readonly closeeMsat: bigint;
  readonly feeSat: bigint;
  readonly locktime: number;
  readonly variant: SimpleClosingVariant;
}

/** Output amounts of an option_simple_close transaction, or `undefined` if the closer cannot pay `feeSat`. */
export function simpleClosingAmounts(o: Omit<SimpleClosingInput, 'variant' | 'locktime'>): { closerSat: bigint; closeeSat: bigint } | undefined {
  const closerBalance = o.closerMsat / MSAT_PER_SAT;
  if (o.feeSat < 0n || o.feeSat > closerBalance) return undefined;
  // BOLT #3: - MUST round each output down to whole satoshis.
  //   - MUST subtract the fee given by `fee_satoshis` from the closer output.
  //   - MUST set the output amount to 0 if the `scriptpubkey` is `OP_RETURN`.
  const closerSat = isOpReturn(o.closerScript) ? 0n : closerBalance - o.feeSat;
  const closeeSat = isOpReturn(o.closeeScript) ? 0n : o.closeeMsat / MSAT_PER_SAT;
  return { closerSat, closeeSat };
}

/** The option_simple_close closing transaction of one variant, or `undefined` if the closer cannot pay. */
export function simpleClosingTx(f: ClosingFrame, o: SimpleClosingInput): Transaction | undefined {
  const a = simpleClosingAmounts(o);
  if (a === undefined) return undefined;
  const outs: TxOutput[] = [];
  if (o.variant !== 'closeeOutputOnly') outs.push({ value: a.closerSat, script: o.closerScript });
  if (o.variant !== 'closerOutputOnly') outs.push({ value: a.closeeSat, script: o.closeeScript });
  // BOLT #3: * locktime: `locktime` from the `closing_complete` message
  return closingTx(f, outs, SIMPLE_CLOSING_SEQUENCE, o.locktime);
}

/** The BIP 143 SIGHASH_ALL digest both funding keys sign. */
export function closingSighash(f: ClosingFrame, tx: Transaction): Uint8Array {
  return segwitV0Sighash(tx, 0, fundingScript(f.localFundingPubkey, f.remoteFundingPubkey), f.fundingSat, SIGHASH_ALL);
}

/** Our 64-byte compact signature of a closing transaction. */
export function signClosing(f: ClosingFrame, tx: Transaction, fundingPrivkey: Uint8Array, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  return engine.sign(closingSighash(f, tx), fundingPrivkey);
}

/** Whether `sig` is the peer's valid (low-S) signature of `tx`. */
export function verifyClosing(f: ClosingFrame, tx: Transaction, sig: Uint8Array, engine: Secp256k1Engine = activeEngine()): boolean {
  return sig.length === 64 && engine.verify(sig, closingSighash(f, tx), f.remoteFundingPubkey);
}

/** The closing transaction with its funding witness (`0 <sig1> <sig2> <script>`, keys in BOLT 3 order), serialised, and its txid. */
export function finalizeClosing(f: ClosingFrame, tx: Transaction, localSig: Uint8Array, remoteSig: Uint8Array): { raw: Uint8Array; txid: Uint8Array } {
  const localFirst = compareBytes(f.localFundingPubkey, f.remoteFundingPubkey) <= 0;
  const [sig1, sig2] = localFirst ? [localSig, remoteSig] : [remoteSig, localSig];
  // BOLT #3: * `txin[0]` witness: `0 <signature_for_pubkey1> <signature_for_pubkey2>`
  const witness = [new Uint8Array(0), witnessSignature(sig1, SIGHASH_ALL), witnessSignature(sig2, SIGHASH_ALL), fundingScript(f.localFundingPubkey, f.remoteFundingPubkey)];
  const signed: Transaction = { ...tx, inputs: [{ ...tx.inputs[0]!, witness }] };
  return { raw: serializeTx(signed), txid: txid(signed) };
}

/** Upper bound of a signed closing transaction's weight with outputs paying `scripts` (WU). */
export function closingWeight(scripts: readonly Uint8Array[]): number {
  const unsigned: Transaction = {
    version: CHANNEL_TX_VERSION,
    inputs: [{ txid: new Uint8Array(32), vout: 0, scriptSig: new Uint8Array(0), sequence: 0, witness: [] }],
    outputs: scripts.map((script) => ({ value: 0n, script })),
    locktime: 0,
  };
  return txWeight(unsigned) + CLOSING_WITNESS_WEIGHT;
}

/** The fee of a closing transaction of `weight` at `feeratePerKw`, rounded down (BOLT 3 fee arithmetic). */
export function closingFeeSat(feeratePerKw: number, weight: number): bigint {
  return (BigInt(feeratePerKw) * BigInt(weight)) / WEIGHT_PER_KW;
}

/** A `closing_signed` proposal. */
export interface FeeProposal {
  readonly feeSat: bigint;
  readonly minFeeSat: bigint;
  readonly maxFeeSat: bigint;
}

/** Our decision on a received `closing_signed` (legacy negotiation, see {@link decideClosingFee}). */
export type FeeDecision =
  /** Sign and broadcast at `feeSat`; reply with `closing_signed` at that fee if `reply`. */
  | { readonly kind: 'agree'; readonly feeSat: bigint; readonly reply: boolean }
  /** Send a new proposal. */
  | { readonly kind: 'counter'; readonly proposal: FeeProposal }
  /** No overlap of the fee ranges: send a warning and wait for a better range. */
  | { readonly kind: 'noOverlap' }
  /** The peer broke the negotiation rules: fail the channel. */
  | { readonly kind: 'fail'; readonly why: string };

/** What {@link decideClosingFee} needs. */
export interface FeeNegotiation {
  readonly weAreFunder: boolean;
  /** The range we would offer now (what we sent, if we sent one). */
  readonly ours: FeeProposal;
  /** Whether we already sent `ours`. */
  readonly sent: boolean;
  readonly received: { readonly feeSat: bigint; readonly range?: { readonly minFeeSatoshis: bigint; readonly maxFeeSatoshis: bigint } };
}

/** The legacy closing_signed fee rule (BOLT 2 "Legacy Closing Negotiation"), from one side's view. */
export function decideClosingFee(n: FeeNegotiation): FeeDecision {
  const fee = n.received.feeSat;
  // BOLT #2: - if `fee_satoshis` is equal to its previously sent `fee_satoshis`:
  //     - SHOULD sign and broadcast the final closing transaction.
  if (n.sent && fee === n.ours.feeSat) return { kind: 'agree', feeSat: fee, reply: false };
  const r = n.received.range;
  if (r !== undefined) {
    const lo = r.minFeeSatoshis > n.ours.minFeeSat ? r.minFeeSatoshis : n.ours.minFeeSat;
    const hi = r.maxFeeSatoshis < n.ours.maxFeeSat ? r.maxFeeSatoshis : n.ours.maxFeeSat;
    // BOLT #2: - if there is no overlap between that and its own `fee_range`:
    //       - SHOULD send a warning
    if (lo > hi) return { kind: 'noOverlap' };
    const inOverlap = fee >= lo && fee <= hi;
    if (n.weAreFunder) {
      // BOLT #2: - if `fee_satoshis` is not in the overlap between the sent and received `fee_range`:
      //           - MUST fail the channel
      //         - otherwise:
      //           - MUST reply with the same `fee_satoshis`.
      return inOverlap ? { kind: 'agree', feeSat: fee, reply: true } : { kind: 'fail', why: `fee ${fee} sat is outside the overlap ${lo}..${hi}` };
    }
    // BOLT #2: - if it has already sent a `closing_signed`:
    //           - if `fee_satoshis` is not the same as the value it sent:
    //             - MUST fail the channel
    if (n.sent) return { kind: 'fail', why: `fee ${fee} sat differs from the ${n.ours.feeSat} sat we sent` };
    // BOLT #2: - MUST propose a `fee_satoshis` in the overlap between received and (about-to-be) sent `fee_range`.
    if (inOverlap) return { kind: 'agree', feeSat: fee, reply: true };
    const pick = fee < lo ? lo : hi;
    return { kind: 'counter', proposal: { feeSat: pick, minFeeSat: lo, maxFeeSat: hi } };
  }
  // Without fee_range: agree when the fee is in our range; else move strictly between the two last fees.
  if (fee >= n.ours.minFeeSat && fee <= n.ours.maxFeeSat) return { kind: 'agree', feeSat: fee, reply: true };
  const target = n.sent ? n.ours.feeSat : fee < n.ours.minFeeSat ? n.ours.minFeeSat : n.ours.maxFeeSat;
  // BOLT #2: - MUST propose a value "strictly between" the received `fee_satoshis`
  //     and its previously-sent `fee_satoshis`.
  let next = (fee + target) / 2n;
  if (next === fee) next = fee < target ? fee + 1n : fee - 1n;
  if (next === target) return { kind: 'agree', feeSat: fee, reply: true };
  return { kind: 'counter', proposal: { ...n.ours, feeSat: next } };
}
