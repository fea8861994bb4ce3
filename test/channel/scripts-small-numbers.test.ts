/**
 * Small script numbers: a `to_self_delay` of 1..16 is written `OP_1`..`OP_16` (as Bitcoin Core,
 * LDK and eclair write it), so the delayed sweep of such a `to_local` passes bcoin's standard checks
 * (MINIMALDATA); the same script with the number as a data push is refused. Found by the backend's
 * on-chain driver (a delay of 12 made our sweep non-standard).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OP, SIGHASH_ALL, p2wsh, p2wpkh, scriptNum, scriptNumElement, segwitV0Sighash, serializeTx, toLocalScript, witnessSignature,
  type Transaction,
} from '../../src/channel/index.js';
import { activeEngine } from '../../src/crypto/engines.js';
import { scriptError } from './onchain-script.js';

const engine = activeEngine();
const delayedKey = new Uint8Array(32).fill(7);
const revocationKey = new Uint8Array(32).fill(9);
const delayedPub = engine.publicKey(delayedKey);
const VALUE = 100_000n;

/** A sweep of a `to_local` output with witness script `ws` through its delayed path, nSequence `delay`. */
function sweep(ws: Uint8Array, delay: number): { raw: Uint8Array; prevout: { value: bigint; script: Uint8Array } } {
  const prevout = { value: VALUE, script: p2wsh(ws) };
  const unsigned: Transaction = {
    version: 2,
    inputs: [{ txid: new Uint8Array(32).fill(1), vout: 0, scriptSig: new Uint8Array(0), sequence: delay, witness: [] }],
    outputs: [{ value: VALUE - 1_000n, script: p2wpkh(delayedPub) }],
    locktime: 0,
  };
  const sig = engine.sign(segwitV0Sighash(unsigned, 0, ws, VALUE, SIGHASH_ALL), delayedKey);
  const signed: Transaction = { ...unsigned, inputs: [{ ...unsigned.inputs[0]!, witness: [witnessSignature(sig, SIGHASH_ALL), new Uint8Array(0), ws] }] };
  return { raw: serializeTx(signed), prevout };
}

test('numbers 0..16 are opcodes, larger ones minimal pushes', () => {
  assert.equal(scriptNumElement(0), OP.OP_0);
  assert.equal(scriptNumElement(1), 0x51);
  assert.equal(scriptNumElement(16), 0x60);
  assert.deepEqual(scriptNumElement(17), Uint8Array.from([0x11]));
  assert.deepEqual(scriptNumElement(144), Uint8Array.from([0x90, 0x00]));
});

test('a to_self_delay of 12 sweeps under the standard flags; the pushed form of the same script is refused', () => {
  const ws = toLocalScript(engine.publicKey(revocationKey), 12, delayedPub);
  // OP_IF <33-byte revocationpubkey push> OP_ELSE: the delay is element 36, then OP_CHECKSEQUENCEVERIFY.
  const csvAt = 1 + 34 + 1 + 1;
  assert.equal(ws[csvAt], OP.OP_CHECKSEQUENCEVERIFY);
  assert.equal(ws[csvAt - 1], 0x5c, 'OP_12 right before OP_CHECKSEQUENCEVERIFY');
  const ok = sweep(ws, 12);
  assert.equal(scriptError(ok.raw, [ok.prevout]), null);
  // The same script with `<12>` as a one-byte data push (what we wrote before).
  const pushed = Uint8Array.from([...ws.slice(0, csvAt - 1), 0x01, ...scriptNum(12), ...ws.slice(csvAt)]);
  const bad = sweep(pushed, 12);
  assert.equal(scriptError(bad.raw, [bad.prevout]), 'MINIMALDATA');
  // And the delay still binds: one block short fails.
  const early = sweep(ws, 11);
  assert.equal(scriptError(early.raw, [early.prevout]), 'UNSATISFIED_LOCKTIME');
});
