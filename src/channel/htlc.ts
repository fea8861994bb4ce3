/**
 * @module channel/htlc
 * HTLC-success and HTLC-timeout transactions (BOLT 3 "HTLC-Timeout and HTLC-Success Transactions"):
 * one per HTLC output of a commitment, in the commitment's output order (the order `htlc_signatures`
 * are sent in `commitment_signed`), their signatures and witnesses.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#htlc-timeout-and-htlc-success-transactions
 *
 * With `option_anchors` the transactions pay no fee, their input has sequence 1, and the *remote*
 * signature uses `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY` so the owner can add inputs and outputs to pay
 * the fee later (BOLT 5); the owner's own signature is always `SIGHASH_ALL`.
 *
 * Does not: add fee inputs to anchor HTLC transactions or build penalty / sweep transactions (BOLT 5).
 */
import { activeEngine } from '../crypto/engines.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { CHANNEL_TX_VERSION, HTLC_TX_SEQUENCE, HTLC_TX_SEQUENCE_ANCHORS, SIGHASH_ALL, SIGHASH_SINGLE_ANYONECANPAY } from './constants.js';
import type { Commitment, Htlc } from './commitment.js';
import { ChannelTxError, expectBytes } from './errors.js';
import { htlcTxFeeSat, msatToSat, type CommitmentFormat } from './fees.js';
import { p2wsh, toLocalScript } from './scripts.js';
import { segwitV0Sighash, serializeTx, txid, witnessSignature, type Transaction } from './tx.js';

/** One unsigned second-stage HTLC transaction. */
export interface HtlcTx {
  /** `success` spends a received HTLC with its preimage; `timeout` spends an offered one after `cltv_expiry`. */
  readonly kind: 'success' | 'timeout';
  readonly htlc: Htlc;
  /** Index of the spent output in the commitment transaction. */
  readonly commitmentOutputIndex: number;
  readonly tx: Transaction;
  /** Witness script of the spent commitment output (the HTLC script). */
  readonly inputWitnessScript: Uint8Array;
  /** Value of the spent commitment output (sat), which BIP 143 signs. */
  readonly inputValueSat: bigint;
  /** Witness script of this transaction's output (revocation or delayed key). */
  readonly outputWitnessScript: Uint8Array;
  readonly format: CommitmentFormat;
}

/** The sighash type of the signature the *other* side gives for our HTLC transactions. */
export function remoteHtlcSighashType(format: CommitmentFormat): number {
  return format === 'anchors' ? SIGHASH_SINGLE_ANYONECANPAY : SIGHASH_ALL;
}

/** The HTLC transactions of a commitment, in commitment output order. */
export function buildHtlcTxs(c: Commitment): HtlcTx[] {
  const { spec } = c;
  const anchors = spec.format === 'anchors';
  const commitTxid = txid(c.tx);
  // BOLT #3: The witness script for the output is:
  const outputWitnessScript = toLocalScript(spec.keys.revocationPubkey, spec.toSelfDelay, spec.keys.localDelayedPubkey);
  const out: HtlcTx[] = [];
  c.outputs.forEach((info, index) => {
    if (info.kind !== 'htlc') return;
    const { htlc } = info;
    const kind = htlc.direction === 'offered' ? 'timeout' : 'success';
    // BOLT #3: * `txout[0]` amount: the HTLC `amount_msat` divided by 1000 (rounding down) minus fees in satoshis (see [Fee Calculation](#fee-calculation))
    const value = msatToSat(htlc.amountMsat) - htlcTxFeeSat(htlc.direction, spec.feeratePerKw, spec.format);
    if (value < 0n) throw new ChannelTxError('invalidInput', 'HTLC output below its second-stage fee (should have been trimmed)');
    const tx: Transaction = {
      version: CHANNEL_TX_VERSION,
      // BOLT #3: * `txin[0]` outpoint: `txid` of the commitment transaction and `output_index` of the matching HTLC output for the HTLC transaction
      // * `txin[0]` sequence: `0` (set to `1` for `option_anchors`)
      inputs: [{ txid: commitTxid, vout: index, scriptSig: new Uint8Array(0), sequence: anchors ? HTLC_TX_SEQUENCE_ANCHORS : HTLC_TX_SEQUENCE, witness: [] }],
      outputs: [{ value, script: p2wsh(outputWitnessScript) }],
      // BOLT #3: * locktime: `0` for HTLC-success, `cltv_expiry` for HTLC-timeout
      locktime: kind === 'success' ? 0 : htlc.cltvExpiry,
    };
    out.push({
      kind,
      htlc,
      commitmentOutputIndex: index,
      tx,
      inputWitnessScript: info.witnessScript,
      inputValueSat: c.tx.outputs[index]!.value,
      outputWitnessScript,
      format: spec.format,
    });
  });
  return out;
}

/** BIP 143 digest of an HTLC transaction for `sighashType`. */
export function htlcTxSighash(h: HtlcTx, sighashType: number): Uint8Array {
  return segwitV0Sighash(h.tx, 0, h.inputWitnessScript, h.inputValueSat, sighashType);
}

/**
 * Signs an HTLC transaction with an HTLC private key. `asRemote` = true produces the signature the
 * other side sends in `commitment_signed` (SIGHASH_SINGLE|ANYONECANPAY with anchors); false, the
 * owner's own SIGHASH_ALL signature.
 */
export function signHtlcTx(h: HtlcTx, htlcPrivkey: Uint8Array, asRemote: boolean, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  return engine.sign(htlcTxSighash(h, asRemote ? remoteHtlcSighashType(h.format) : SIGHASH_ALL), htlcPrivkey);
}

/** Whether `sig64` is the other side's valid signature of this HTLC transaction by `remoteHtlcPubkey`. */
export function verifyRemoteHtlcSig(h: HtlcTx, sig64: Uint8Array, remoteHtlcPubkey: Uint8Array, engine: Secp256k1Engine = activeEngine()): boolean {
  return engine.verify(sig64, htlcTxSighash(h, remoteHtlcSighashType(h.format)), remoteHtlcPubkey);
}

/**
 * The HTLC transaction with its witness: `0 <remotehtlcsig> <localhtlcsig> <payment_preimage>` for
 * HTLC-success (pass the preimage), `0 <remotehtlcsig> <localhtlcsig> <>` for HTLC-timeout.
 */
export function signedHtlcTx(h: HtlcTx, remoteSig64: Uint8Array, localSig64: Uint8Array, preimage?: Uint8Array): Transaction {
  let last: Uint8Array;
  if (h.kind === 'success') {
    if (preimage === undefined) throw new ChannelTxError('invalidInput', 'an HTLC-success transaction needs the payment preimage');
    expectBytes(preimage, 32, 'payment_preimage');
    last = preimage;
  } else {
    last = new Uint8Array(0);
  }
  // BOLT #3: * `txin[0]` witness stack: `0 <remotehtlcsig> <localhtlcsig>  <payment_preimage>` for HTLC-success, `0 <remotehtlcsig> <localhtlcsig> <>` for HTLC-timeout
  const witness = [new Uint8Array(0), witnessSignature(remoteSig64, remoteHtlcSighashType(h.format)), witnessSignature(localSig64, SIGHASH_ALL), last, h.inputWitnessScript];
  return { ...h.tx, inputs: [{ ...h.tx.inputs[0]!, witness }] };
}

/** Serialised signed HTLC transaction. */
export function finalizeHtlcTx(h: HtlcTx, remoteSig64: Uint8Array, localSig64: Uint8Array, preimage?: Uint8Array): Uint8Array {
  return serializeTx(signedHtlcTx(h, remoteSig64, localSig64, preimage));
}
