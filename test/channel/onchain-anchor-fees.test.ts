/**
 * Funding zero-fee anchors HTLC transactions with wallet inputs (`fundAnchorHtlcTx`): the funded
 * HTLC-timeout and HTLC-success pass bcoin's interpreter on every input once the wallet signs its coin,
 * the fee meets the feerate, dust change is dropped, and tampering with an output breaks our SIGHASH_ALL
 * signature while the peer's SIGHASH_SINGLE|ANYONECANPAY one still allows the extra input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { p2pkh, p2wpkh, SIGHASH_ALL, segwitV0Sighash, serializeTx, txid, txWeight, witnessSignature, type Transaction } from '../../src/channel/index.js';
import { fundAnchorHtlcTx, OnchainError, P2WPKH_WITNESS_WEIGHT, planResolution } from '../../src/channel/onchain/index.js';
import { broadcastLocal, ctxA, engine, H, makePair, preimage } from './onchain-fixture.js';
import { scriptError } from './onchain-script.js';

const walletKey = new Uint8Array(32).fill(0x33);
const walletPub = engine.publicKey(walletKey);
const walletScript = p2wpkh(walletPub);
const coin = { outpoint: { txid: new Uint8Array(32).fill(0xcc), vout: 3 }, valueSat: 40_000n, witnessWeight: P2WPKH_WITNESS_WEIGHT };

/** What the backend's wallet does: sign its P2WPKH input(s) (every input but 0). */
function walletSign(tx: Transaction): Transaction {
  return {
    ...tx,
    inputs: tx.inputs.map((inp, i) => {
      if (i === 0) return inp;
      const sig = engine.sign(segwitV0Sighash(tx, i, p2pkh(walletPub), coin.valueSat, SIGHASH_ALL), walletKey);
      return { ...inp, witness: [witnessSignature(sig, SIGHASH_ALL), walletPub] };
    }),
  };
}

test('anchors: HTLC-timeout and HTLC-success funded with a wallet coin are valid and pay the feerate', () => {
  const p = makePair('anchors');
  const ctx = ctxA(p, { feeratePerKw: 2000 });
  const commit = broadcastLocal(p.a, p.sa);
  const plan = planResolution(ctx, commit);
  for (const h of [H.h0, H.h1]) {
    const o = plan.outputs.find((x) => 'htlc' in x.role && Buffer.from(x.role.htlc.paymentHash).equals(Buffer.from(h.paymentHash)))!;
    assert.equal(o.claim!.needsFeeInputs, true);
    const funded = fundAnchorHtlcTx(ctx, o.claim!.raw, [coin], walletScript);
    assert.deepEqual(funded.txid, txid(walletSign(funded.tx)), 'the txid does not change when the wallet signs');
    const signed = walletSign(funded.tx);
    const prevouts = [commit.outputs[o.outpoint.vout]!, { value: coin.valueSat, script: walletScript }];
    assert.equal(scriptError(serializeTx(signed), prevouts), null);
    assert.equal(signed.outputs[0]!.value, o.valueSat, 'the HTLC output keeps its value (input 0 pays no fee)');
    const weight = txWeight(signed);
    assert.ok(funded.feeSat * 1000n >= 2000n * BigInt(weight), `fee ${funded.feeSat} below 2000 sat/kw × ${weight} WU`);
    assert.ok(funded.feeSat * 1000n <= 2000n * BigInt(weight + 10), 'fee not grossly above the target');
    assert.equal(signed.locktime, h === H.h0 ? H.h0.cltvExpiry : 0);
    if (h === H.h1) assert.ok(signed.inputs[0]!.witness.some((w) => Buffer.from(w).equals(Buffer.from(preimage(1)))), 'the preimage is carried over');
    // Tampering with the change output: the peer's signature ignores it, ours does not.
    const tampered = { ...signed, outputs: [signed.outputs[0]!, { ...signed.outputs[1]!, value: signed.outputs[1]!.value - 1000n }] };
    assert.notEqual(scriptError(serializeTx(tampered), prevouts), null);
  }
  // A coin that covers the fee but leaves dust change: no change output, the rest is fee.
  const small = { ...coin, valueSat: 2_000n };
  const timeoutTx = plan.outputs.find((x) => x.claim?.kind === 'htlcTimeout')!.claim!.raw;
  const dustChange = fundAnchorHtlcTx(ctx, timeoutTx, [small], walletScript);
  assert.equal(dustChange.tx.outputs.length, 1);
  assert.equal(dustChange.feeSat, 2_000n);
  assert.throws(() => fundAnchorHtlcTx(ctx, timeoutTx, [{ ...coin, valueSat: 100n }], walletScript), (e) => e instanceof OnchainError && e.kind === 'invalidEvent');
  // Anything but one of our HTLC transactions is refused (here: the to_local sweep).
  const sweep = plan.outputs.find((x) => x.claim?.kind === 'toLocalSweep')!.claim!.raw;
  assert.throws(() => fundAnchorHtlcTx(ctx, sweep, [coin], walletScript), (e) => e instanceof OnchainError && e.kind === 'invalidChannel');
});

test('staticRemoteKey HTLC transactions carry their own fee: no fee inputs', () => {
  const p = makePair('staticRemoteKey');
  const commit = broadcastLocal(p.a, p.sa);
  const timeoutTx = planResolution(ctxA(p), commit).outputs.find((x) => x.claim?.kind === 'htlcTimeout')!.claim!.raw;
  assert.throws(() => fundAnchorHtlcTx(ctxA(p), timeoutTx, [coin], walletScript), (e) => e instanceof OnchainError && e.kind === 'invalidChannel');
});
