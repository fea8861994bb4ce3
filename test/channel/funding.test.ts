/**
 * BOLT 3 Appendix B (bolt03-funding-tx.json): the funding witness script and output, the funding
 * transaction rebuilt and signed byte for byte (its P2PKH coinbase input uses the legacy sighash), its
 * txid, and the funding checks (`verifyFundingTx`) with their `fundingMismatch` cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ChannelTxError,
  SIGHASH_ALL,
  assemble,
  compareBytes,
  findFundingOutput,
  fundingOutput,
  fundingScript,
  legacySighashAll,
  p2wpkh,
  parseTx,
  serializeTx,
  txid,
  txidFromHex,
  txidToHex,
  verifyFundingTx,
  witnessSignature,
  type Transaction,
} from '../../src/channel/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';
import { engine, privkey } from './bolt3-fixture.js';

const v = loadBoltVector('bolt03-funding-tx.json');
const local = hex(v.local_funding_pubkey);
const remote = hex(v.remote_funding_pubkey);
const isKind = (kind: string) => (e: unknown) => e instanceof ChannelTxError && e.kind === kind;

test('Appendix B: funding witness script in either key order, and its P2WSH output', () => {
  assert.equal(toHex(fundingScript(local, remote)), v.funding_witness_script);
  assert.equal(toHex(fundingScript(remote, local)), v.funding_witness_script);
  const out = fundingOutput(local, remote, BigInt(v.funding_satoshis));
  assert.equal(toHex(out.witnessScript), v.funding_witness_script);
  assert.equal(toHex(out.script), '0020c015c4a6be010e21657068fc2e6a9d02b27ebe4d490a25846f7237f104d1a3cd');
});

test('Appendix B: the funding transaction, built and signed, byte for byte', () => {
  const coinbase = parseTx(hex(v.block1_coinbase_tx));
  assert.equal(txidToHex(txid(coinbase)), v.input_txid);
  const key = privkey(v.block1_coinbase_privkey);
  const pub = engine.publicKey(key);
  const prevScript = coinbase.outputs[v.input_index]!.script; // P2PKH to the coinbase key
  const funding = fundingOutput(local, remote, BigInt(v.funding_satoshis));
  // BIP 69: outputs by value, then script (the funding output is the smaller here).
  const outputs = [
    { value: BigInt(v.change_satoshis), script: p2wpkh(pub) },
    { value: funding.value, script: funding.script },
  ].sort((a, b) => (a.value === b.value ? compareBytes(a.script, b.script) : a.value < b.value ? -1 : 1));
  const unsigned: Transaction = {
    version: 2,
    inputs: [{ txid: txidFromHex(v.input_txid), vout: v.input_index, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
    outputs,
    locktime: 0,
  };
  const sig = engine.sign(legacySighashAll(unsigned, 0, prevScript), key);
  const signed: Transaction = { ...unsigned, inputs: [{ ...unsigned.inputs[0]!, scriptSig: assemble(witnessSignature(sig, SIGHASH_ALL), pub) }] };
  assert.equal(toHex(serializeTx(signed)), v.funding_tx);
  assert.equal(txidToHex(txid(signed)), v.funding_txid);
  assert.equal(v.input_satoshis - v.funding_satoshis - v.change_satoshis, 13920, 'fee of the example');
});

test('Appendix B: verifyFundingTx finds output 0 and pins txid, script and amount', () => {
  const raw = hex(v.funding_tx);
  const expected = { fundingPubkeyA: remote, fundingPubkeyB: local, fundingSat: BigInt(v.funding_satoshis) };
  const r = verifyFundingTx(raw, expected, txidFromHex(v.funding_txid));
  assert.equal(r.vout, v.funding_output_index);
  assert.equal(txidToHex(r.txid), v.funding_txid);
  assert.equal(verifyFundingTx(raw, { ...expected, vout: 0 }).vout, 0);
  assert.throws(() => verifyFundingTx(raw, { ...expected, vout: 1 }), isKind('fundingMismatch'));
  assert.throws(() => verifyFundingTx(raw, { ...expected, fundingSat: 10_000_001n }), isKind('fundingMismatch'));
  assert.throws(() => verifyFundingTx(raw, expected, txidFromHex(v.input_txid)), isKind('fundingMismatch'));
  assert.throws(() => findFundingOutput(parseTx(raw), { ...expected, fundingPubkeyA: engine.publicKey(new Uint8Array(32).fill(7)) }), isKind('fundingMismatch'));
  assert.throws(() => verifyFundingTx(raw.subarray(0, raw.length - 1), expected), isKind('malformedTx'));
  assert.throws(() => fundingOutput(local, remote, 0n), isKind('invalidInput'));
  assert.throws(() => fundingScript(local.subarray(1), remote), isKind('invalidInput'));
});
