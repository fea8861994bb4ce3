/**
 * @module channel/onchain/sweep
 * Builds and signs one claim transaction: a single input (an output of a commitment or HTLC
 * transaction) paid to our sweep script, less a fee at the given feerate; none when what is left is
 * dust. Every sweep and penalty of BOLT 5 is one of these, only the witness differs.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * One input per transaction on purpose: a penalty that is invalidated by the peer's HTLC transaction
 * then loses nothing else, and with `option_anchors` the spec asks for separate penalties anyway.
 *
 * Does not: bump fees (RBF/CPFP), batch inputs, or choose the feerate.
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { activeEngine } from '../../crypto/engines.js';
import { CHANNEL_TX_VERSION, SIGHASH_ALL, WEIGHT_PER_KW } from '../constants.js';
import { OP } from '../scripts.js';
import { segwitV0Sighash, serializeTx, txid, txWeight, witnessSignature, type Transaction } from '../tx.js';
import type { Claim, ClaimKind, Outpoint } from './types.js';

/** `nSequence` of a claim input without a CSV lock: non-final (so `nLockTime` applies) and BIP 125 replaceable. */
export const CLAIM_SEQUENCE_RBF = 0xfffffffd;
/** Largest DER signature plus its sighash byte: the witness placeholder used to size a claim before signing (bytes). */
const MAX_WITNESS_SIG_BYTES = 73;
/**
 * Bitcoin Core's dust rule (`GetDustThreshold`, default `-dustrelayfee` 3000 sat/kvB): an output is
 * dust when it is worth less than 3 sat/vB × (its size + the size of the input that would spend it).
 * Spend sizes: 67 vbytes for a witness program (32+4+1+107/4+4), 148 bytes otherwise.
 */
const DUST_RELAY_SAT_PER_VBYTE = 3n;
const WITNESS_SPEND_VBYTES = 67n;
const LEGACY_SPEND_VBYTES = 148n;
/** Witness programs are `OP_0..OP_16` followed by one push of 2..40 bytes. */
const MIN_WITNESS_PROGRAM = 2;
const MAX_WITNESS_PROGRAM = 40;

function isWitnessProgram(script: Uint8Array): boolean {
  const op = script[0];
  if (op === undefined || script.length < 4) return false;
  const versionOk = op === OP.OP_0 || (op >= OP.OP_1 && op <= OP.OP_16);
  const len = script[1]!;
  return versionOk && len >= MIN_WITNESS_PROGRAM && len <= MAX_WITNESS_PROGRAM && script.length === len + 2;
}

/** The smallest non-dust value of an output paying `script` (294 for P2WPKH, 330 for P2WSH, 546 for P2PKH). */
export function dustThresholdSat(script: Uint8Array): bigint {
  const scriptLenBytes = script.length < 0xfd ? 1 : 3;
  const outputSize = BigInt(8 + scriptLenBytes + script.length);
  return DUST_RELAY_SAT_PER_VBYTE * (outputSize + (isWitnessProgram(script) ? WITNESS_SPEND_VBYTES : LEGACY_SPEND_VBYTES));
}

/** Fee of `weight` WU at `feeratePerKw`, rounded up so the rate is never below the target. */
export function feeForWeight(feeratePerKw: number, weight: number): bigint {
  return (BigInt(feeratePerKw) * BigInt(weight) + WEIGHT_PER_KW - 1n) / WEIGHT_PER_KW;
}

/** One output to claim and how its witness is made. */
export interface ClaimInput {
  readonly kind: ClaimKind;
  readonly outpoint: Outpoint;
  readonly valueSat: bigint;
  /** BIP 143 script code: the witness script of a P2WSH output, the P2PKH form of the key for P2WPKH. */
  readonly scriptCode: Uint8Array;
  /** The whole witness stack given the signature (DER + sighash byte). */
  readonly witness: (sig: Uint8Array) => Uint8Array[];
  /** The signing key; the caller zeroes it. */
  readonly privkey: Uint8Array;
  /** CSV delay the spent script enforces (blocks); the input's `nSequence`. */
  readonly csvDelay: number;
  /** CLTV the spent script enforces (block height); the transaction's `nLockTime`. */
  readonly locktime: number;
}

/** Where claims go and at what feerate. */
export interface SweepTarget {
  readonly feeratePerKw: number;
  readonly sweepScript: Uint8Array;
  readonly engine?: Secp256k1Engine;
}

/**
 * The signed claim transaction for `input`, or `undefined` when its value after the fee would be
 * below the dust threshold of the sweep script (the output is not worth claiming at this feerate).
 */
export function buildClaim(input: ClaimInput, target: SweepTarget): Claim | undefined {
  const engine = target.engine ?? activeEngine();
  const unsigned = (value: bigint, witness: Uint8Array[]): Transaction => ({
    version: CHANNEL_TX_VERSION,
    inputs: [{ txid: input.outpoint.txid, vout: input.outpoint.vout, scriptSig: new Uint8Array(0), sequence: input.csvDelay > 0 ? input.csvDelay : CLAIM_SEQUENCE_RBF, witness }],
    outputs: [{ value, script: target.sweepScript }],
    locktime: input.locktime,
  });
  const sized = unsigned(input.valueSat, input.witness(new Uint8Array(MAX_WITNESS_SIG_BYTES)));
  const value = input.valueSat - feeForWeight(target.feeratePerKw, txWeight(sized));
  if (value < dustThresholdSat(target.sweepScript)) return undefined;
  const tx = unsigned(value, []);
  const sig = engine.sign(segwitV0Sighash(tx, 0, input.scriptCode, input.valueSat, SIGHASH_ALL), input.privkey);
  const signed: Transaction = { ...tx, inputs: [{ ...tx.inputs[0]!, witness: input.witness(witnessSignature(sig, SIGHASH_ALL)) }] };
  return { kind: input.kind, raw: serializeTx(signed), txid: txid(signed), locktime: input.locktime, csvDelay: input.csvDelay, needsFeeInputs: false, feeratePerKw: target.feeratePerKw };
}
