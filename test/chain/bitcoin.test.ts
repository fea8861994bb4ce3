/**
 * Pure parts of src/chain/bitcoin.ts: the BOLT 3 funding script (Appendix B vector), P2WSH, and parse
 * errors on malformed bytes. Real blocks and a segwit transaction are parsed in regtest.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fundingWitnessScript, merkleRoot, p2wshScript, parseBlock, parseTransaction } from '../../src/chain/bitcoin.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

test('BOLT 3 funding witness script (Appendix B keys), in either key order, and its P2WSH', () => {
  const local = hex('023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb');
  const remote = hex('030e9f7b623d2ccc7c9bd44d66d5ce21ce504c0acf6385a132cec6d3c39fa711c1');
  const want = '5221023da092f6980e58d2c037173180e9a465476026ee50f96695963e8efe436f54eb21030e9f7b623d2ccc7c9bd44d66d5ce21ce504c0acf6385a132cec6d3c39fa711c152ae';
  assert.equal(Buffer.from(fundingWitnessScript(local, remote)).toString('hex'), want);
  assert.equal(Buffer.from(fundingWitnessScript(remote, local)).toString('hex'), want);
  const p2wsh = p2wshScript(hex(want));
  assert.equal(p2wsh.length, 34);
  assert.deepEqual([...p2wsh.subarray(0, 2)], [0x00, 0x20]);
  assert.throws(() => fundingWitnessScript(local.subarray(1), remote), (e: any) => e.code === 'BITCOIN_PARSE');
});

test('a legacy transaction parses and its txid is the double SHA-256 of its bytes', () => {
  // Genesis coinbase (mainnet and regtest share it): txid 4a5e1e4b…
  const raw = hex('01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000');
  const tx = parseTransaction(raw);
  assert.equal(tx.txid, '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
  assert.equal(tx.outputs[0]!.value, 5_000_000_000n);
  assert.equal(tx.hasWitness, false);
  assert.equal(merkleRoot([tx.txid]), tx.txid);
  for (const cut of [0, 3, 10, 50, raw.length - 1]) {
    assert.throws(() => parseTransaction(raw.subarray(0, cut)), (e: any) => e.code === 'BITCOIN_PARSE' && (e.kind === 'shortRead' || e.kind === 'invalidValue'), `cut at ${cut}`);
  }
  assert.throws(() => parseTransaction(Uint8Array.from([...raw, 0])), (e: any) => e.kind === 'trailingBytes');
  const lying = Uint8Array.from(raw);
  lying[4] = 0xfd; // input count 0xfd 0x0000 → 0 inputs, then garbage: any typed error, never a crash
  assert.throws(() => parseTransaction(lying), (e: any) => e.code === 'BITCOIN_PARSE');
  lying.set([0xfd, 0xff, 0xff], 4); // 65535 inputs cannot fit in the bytes left
  assert.throws(() => parseTransaction(lying), (e: any) => e.kind === 'invalidValue');
  assert.throws(() => parseBlock(new Uint8Array(79)), (e: any) => e.kind === 'shortRead');
});
