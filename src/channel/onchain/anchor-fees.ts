/**
 * @module channel/onchain/anchor-fees
 * Funds one of our zero-fee `option_anchors` HTLC transactions with wallet inputs, as BOLT 5 requires
 * before broadcast: the HTLC input and output stay at index 0 (the peer's SIGHASH_SINGLE|ANYONECANPAY
 * signature covers exactly that pair), wallet inputs and an optional change output are appended, the
 * fee follows the feerate, and our own SIGHASH_ALL signature is made over the final transaction.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md#generation-of-htlc-transactions
 *
 * The wallet inputs are left unsigned (empty witnesses): the backend's wallet signs them afterwards
 * (segwit signatures do not commit to other inputs' witnesses, so ours stays valid). The txid is final
 * before the wallet signs.
 *
 * Does not: choose wallet coins, sign them, or spend anchor outputs.
 */
import { activeEngine } from '../../crypto/engines.js';
import { buildHtlcTxs, signHtlcTx, signedHtlcTx, type HtlcTx } from '../htlc.js';
import { derivePrivkey } from '../keys.js';
import { parseTx, serializeTx, txid, txWeight, type Transaction, type TxOutput } from '../tx.js';
import { rebuildLocal } from './rebuild.js';
import { CLAIM_SEQUENCE_RBF, dustThresholdSat, feeForWeight } from './sweep.js';
import { OnchainError, sameBytes, type Outpoint, type ResolveContext } from './types.js';

/** Witness weight of a P2WPKH spend: item count 1 + signature 1+73 + key 1+33 (WU); a typical wallet input. */
export const P2WPKH_WITNESS_WEIGHT = 109;
/** Largest DER signature plus its sighash byte, the placeholder for our not-yet-made signature (bytes). */
const MAX_WITNESS_SIG_BYTES = 73;
/** Position of the preimage (or the empty item of HTLC-timeout) in an HTLC transaction's witness (BOLT 3). */
const PREIMAGE_WITNESS_INDEX = 3;
const PREIMAGE_BYTES = 32;

/** A wallet coin paying the fee, and the witness weight its signature will add. */
export interface FeeInput {
  readonly outpoint: Outpoint;
  readonly valueSat: bigint;
  readonly witnessWeight: number;
}

/** The funded HTLC transaction: input 0 signed by both sides, wallet inputs still to sign. */
export interface FundedHtlcTx {
  readonly tx: Transaction;
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
  readonly feeSat: bigint;
}

function draftOf(h: HtlcTx, feeInputs: readonly FeeInput[], change: TxOutput | undefined): Transaction {
  const extra = feeInputs.map((f) => ({ txid: f.outpoint.txid, vout: f.outpoint.vout, scriptSig: new Uint8Array(0), sequence: CLAIM_SEQUENCE_RBF, witness: [] }));
  return { ...h.tx, inputs: [h.tx.inputs[0]!, ...extra], outputs: [h.tx.outputs[0]!, ...(change ? [change] : [])] };
}

/** Weight of `draft` once every input is signed (our witness sized with placeholders). */
function finalWeight(h: HtlcTx, draft: Transaction, remoteSig: Uint8Array, feeInputs: readonly FeeInput[], preimage?: Uint8Array): number {
  const ours = signedHtlcTx({ ...h, tx: draft }, remoteSig, new Uint8Array(64), preimage).inputs[0]!.witness.map((w, i) => (i === 2 ? new Uint8Array(MAX_WITNESS_SIG_BYTES) : w));
  const sized = { ...draft, inputs: [{ ...draft.inputs[0]!, witness: ours }, ...draft.inputs.slice(1)] };
  return txWeight(sized) + feeInputs.reduce((s, f) => s + f.witnessWeight, 0);
}

/**
 * Funds `zeroFeeHtlcTx`, one of our zero-fee HTLC transactions as the resolver broadcasts it (a
 * `broadcast` action with `needsFeeInputs`), with `feeInputs` at `ctx.feeratePerKw` and change to
 * `changeScript` (omitted when dust). The HTLC and, for HTLC-success, the preimage are taken from it.
 * Throws `invalidChannel` for a non-anchors channel or a transaction that is not one of our HTLC
 * transactions, `invalidEvent` when the inputs cannot pay the fee.
 */
export function fundAnchorHtlcTx(ctx: ResolveContext, zeroFeeHtlcTx: Uint8Array, feeInputs: readonly FeeInput[], changeScript: Uint8Array): FundedHtlcTx {
  const given = parseTx(zeroFeeHtlcTx);
  const commitmentOutputIndex = given.inputs[0]?.vout ?? -1;
  const item = given.inputs[0]?.witness[PREIMAGE_WITNESS_INDEX];
  const preimage = item !== undefined && item.length === PREIMAGE_BYTES ? item : undefined;
  const ch = ctx.channel;
  // BOLT #5: - if `option_anchors` applies:
  // - MUST combine it with inputs contributing sufficient fee to ensure timely
  // inclusion in a block.
  if (ch.params.format !== 'anchors') throw new OnchainError('invalidChannel', 'only option_anchors HTLC transactions take fee inputs');
  const htlcTxs = buildHtlcTxs(rebuildLocal(ch, ctx.engine));
  const i = htlcTxs.findIndex((t) => t.commitmentOutputIndex === commitmentOutputIndex);
  const h = htlcTxs[i];
  const remoteSig = ch.local.remoteHtlcSigs[i];
  if (h === undefined || remoteSig === undefined || !sameBytes(txid(h.tx), txid({ ...given, inputs: given.inputs.map((x) => ({ ...x, witness: [] })) }))) {
    throw new OnchainError('invalidChannel', 'not one of our HTLC transactions');
  }
  const total = feeInputs.reduce((s, f) => s + f.valueSat, 0n);
  const withChange = draftOf(h, feeInputs, { value: 0n, script: changeScript });
  const feeWithChange = feeForWeight(ctx.feeratePerKw, finalWeight(h, withChange, remoteSig, feeInputs, preimage));
  let draft: Transaction;
  if (total - feeWithChange >= dustThresholdSat(changeScript)) {
    draft = draftOf(h, feeInputs, { value: total - feeWithChange, script: changeScript });
  } else {
    draft = draftOf(h, feeInputs, undefined);
    const fee = feeForWeight(ctx.feeratePerKw, finalWeight(h, draft, remoteSig, feeInputs, preimage));
    if (total < fee) throw new OnchainError('invalidEvent', `fee inputs (${total} sat) below the fee (${fee} sat)`);
  }
  const key = derivePrivkey(ctx.secrets.htlcBasepointSecret, ch.local.perCommitmentPoint, ctx.engine);
  let localSig: Uint8Array;
  try {
    // BOLT #5: The local signature MUST use `SIGHASH_ALL`, otherwise anyone can attach additional inputs and outputs to the tx.
    localSig = signHtlcTx({ ...h, tx: draft }, key, false, ctx.engine ?? activeEngine());
  } finally {
    key.fill(0);
  }
  const witness = signedHtlcTx({ ...h, tx: draft }, remoteSig, localSig, preimage).inputs[0]!.witness;
  const tx: Transaction = { ...draft, inputs: [{ ...draft.inputs[0]!, witness }, ...draft.inputs.slice(1)] };
  const change = tx.outputs[1]?.value ?? 0n;
  return { tx, raw: serializeTx(tx), txid: txid(tx), feeSat: total - change };
}
