/**
 * @module channel/funding
 * The funding output (P2WSH of the BOLT 3 2-of-2 script) and checks on a funding transaction: does it
 * pay the expected script and amount, at which output, under which txid.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#funding-transaction-output
 *
 * Does not: choose inputs, build the funder's wallet transaction, or watch the chain (`src/chain`).
 */
import { ChannelTxError } from './errors.js';
import { compareBytes, fundingScript, p2wsh } from './scripts.js';
import { parseTx, txid, type Transaction, type TxOutput } from './tx.js';

/** The funding output of a channel: its witness script and the output that pays to it. */
export interface FundingOutput extends TxOutput {
  /** `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`. */
  readonly witnessScript: Uint8Array;
}

/** The funding output for two funding pubkeys (either order) and an amount in satoshis. */
export function fundingOutput(fundingPubkeyA: Uint8Array, fundingPubkeyB: Uint8Array, fundingSat: bigint): FundingOutput {
  if (fundingSat <= 0n) throw new ChannelTxError('invalidInput', 'funding amount must be positive');
  const witnessScript = fundingScript(fundingPubkeyA, fundingPubkeyB);
  // BOLT #3: * The funding output script is a P2WSH to:
  return { value: fundingSat, script: p2wsh(witnessScript), witnessScript };
}

/** What a funding transaction must pay. `vout` pins the output index when the funder announced it. */
export interface ExpectedFunding {
  readonly fundingPubkeyA: Uint8Array;
  readonly fundingPubkeyB: Uint8Array;
  readonly fundingSat: bigint;
  readonly vout?: number;
}

/**
 * The index of the output of `tx` that pays exactly the expected funding output. Throws
 * `fundingMismatch` if no output pays the script, if the output at `vout` is another one, or if the
 * amount differs.
 */
export function findFundingOutput(tx: Transaction, expected: ExpectedFunding): number {
  const want = fundingOutput(expected.fundingPubkeyA, expected.fundingPubkeyB, expected.fundingSat);
  const candidates = tx.outputs.flatMap((o, i) => (compareBytes(o.script, want.script) === 0 ? [i] : []));
  const vout = expected.vout ?? candidates[0];
  if (vout === undefined || !candidates.includes(vout)) {
    throw new ChannelTxError('fundingMismatch', expected.vout === undefined ? 'no output pays the funding script' : `output ${expected.vout} does not pay the funding script`);
  }
  const value = tx.outputs[vout]!.value;
  if (value !== expected.fundingSat) throw new ChannelTxError('fundingMismatch', `funding output holds ${value} sat, expected ${expected.fundingSat}`);
  return vout;
}

/**
 * Parses a raw funding transaction and checks it pays the expected output; returns its txid
 * (serialised order) and the funding output index. Throws `malformedTx` or `fundingMismatch`;
 * `expectedTxid` (serialised order) additionally pins the txid.
 */
export function verifyFundingTx(raw: Uint8Array, expected: ExpectedFunding, expectedTxid?: Uint8Array): { txid: Uint8Array; vout: number } {
  const tx = parseTx(raw);
  const id = txid(tx);
  if (expectedTxid !== undefined && compareBytes(id, expectedTxid) !== 0) throw new ChannelTxError('fundingMismatch', 'funding transaction has another txid');
  return { txid: id, vout: findFundingOutput(tx, expected) };
}
