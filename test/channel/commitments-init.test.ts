/**
 * The ledger's birth: channel_id, commitment #0 on both sides (balances, identical txids from both
 * points of view), funding_created / funding_signed signatures that the other side really verifies, a
 * wrong or high-S signature rejected, and channel_ready's second point.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelIdFromFunding, initialCommitments, receiveChannelReady, receiveInitialSignature, signRemoteCommitment } from '../../src/channel/commitments/index.js';
import { engine, fundingTxid, fundingVout, ok, openPair, pairParams } from './commitments-fixture.js';

test('channel_id: txid XOR the output index in the last two bytes, big-endian', () => {
  const txid = new Uint8Array(32).fill(0x11);
  const id = channelIdFromFunding(txid, 0x0102);
  assert.deepEqual([...id.subarray(0, 30)], [...txid.subarray(0, 30)]);
  assert.equal(id[30], 0x11 ^ 0x01);
  assert.equal(id[31], 0x11 ^ 0x02);
  assert.deepEqual(channelIdFromFunding(txid, 0), txid);
  assert.throws(() => channelIdFromFunding(txid, 0x10000));
});

for (const format of ['staticRemoteKey', 'anchors'] as const) {
  test(`${format}: commitment #0 on both sides, signatures verified by the other side`, () => {
    const { a, b } = openPair({ format });
    assert.deepEqual(a.channelId, b.channelId);
    assert.equal(a.localCommit.spec.toLocalMsat, 1_000_000_000n - 200_000_000n);
    assert.equal(a.localCommit.spec.toRemoteMsat, 200_000_000n);
    assert.equal(b.localCommit.spec.toLocalMsat, 200_000_000n);
    // A's view of B's commitment is B's own: same transaction.
    assert.deepEqual(a.remoteCommit.txid, b.localCommit.txid);
    assert.deepEqual(b.remoteCommit.txid, a.localCommit.txid);
    assert.notDeepEqual(a.localCommit.txid, b.localCommit.txid);
    assert.equal(a.localCommit.remoteSig?.length, 64);
    assert.equal(a.nextRemote.kind, 'ready');
  });
}

test('a wrong or high-S first signature is rejected with invalidCommitmentSig', () => {
  const { pa, pb, sa, sb } = pairParams();
  const init = { fundingTxid, fundingVout, feeratePerKw: 2500 };
  const a = ok(initialCommitments({ params: pa, ...init }, engine)).commitments;
  const b = ok(initialCommitments({ params: pb, ...init }, engine)).commitments;
  const good = signRemoteCommitment(a, sa, engine).signature;
  // B's own signature of its own commitment is not A's.
  const wrong = signRemoteCommitment(b, sb, engine).signature;
  const r = receiveInitialSignature(b, wrong, engine);
  assert.equal(r.ok, false);
  if (!r.ok) { assert.equal(r.error.kind, 'invalidCommitmentSig'); assert.equal(r.error.code, 'CHANNEL_COMMITMENTS'); }
  // High-S twin of the good signature: s' = n - s.
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt('0x' + Buffer.from(good.subarray(32)).toString('hex'));
  const high = Uint8Array.from(good);
  high.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
  const rh = receiveInitialSignature(b, high, engine);
  assert.equal(rh.ok ? 'ok' : rh.error.kind, 'invalidCommitmentSig');
  const b2 = ok(receiveInitialSignature(b, good, engine)).commitments;
  assert.equal(receiveInitialSignature(b2, good, engine).ok, false, 'a second first signature is unexpected');
  assert.equal(b.localCommit.remoteSig, undefined, 'the input ledger is never mutated');
});

test('a funder that cannot pay the first commitment fee is refused', () => {
  const { pa } = pairParams({ fundingSat: 20_000n, pushMsat: 19_000_000n });
  const r = initialCommitments({ params: pa, fundingTxid, fundingVout, feeratePerKw: 5000 }, engine);
  assert.equal(r.ok ? 'ok' : r.error.kind, 'cannotAffordFees');
});

test('channel_ready: an invalid point is refused, a redundant one ignored', () => {
  const { a } = openPair();
  assert.equal(receiveChannelReady(a, new Uint8Array(33).fill(2), engine).ok, true, 'redundant: ignored');
  const { pa } = pairParams();
  const fresh = ok(initialCommitments({ params: pa, fundingTxid, fundingVout, feeratePerKw: 2500 }, engine)).commitments;
  const r = receiveChannelReady(fresh, new Uint8Array(33).fill(7), engine);
  assert.equal(r.ok ? 'ok' : r.error.kind, 'invalidUpdate');
});
