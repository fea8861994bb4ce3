/**
 * Every BOLT 2 limit on updates, from both ends: our own command is refused (`refuse`, nothing sent)
 * and the same violation from the peer is rejected with its kind and `warning`. The receiving side is
 * fed hand-made messages, so a lenient or hostile sender is covered too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommitmentsResult, UpdateAddHtlc } from '../../src/channel/commitments/index.js';
import {
  maxSendableMsat, receiveAdd, receiveFailMalformed, receiveFee, receiveFulfill, sendAdd, sendFailMalformed, sendFee, sendFulfill,
} from '../../src/channel/commitments/index.js';
import { add, addCmd, ok, openPair, preimage, settle } from './commitments-fixture.js';

const kindOf = (r: CommitmentsResult<object>) => (r.ok ? 'ok' : `${r.error.kind}/${r.error.action}`);

/** A hand-made update_add_htlc from B with id `id`. */
function theirAdd(id: bigint, amountMsat: bigint, n = 50, extra: Partial<UpdateAddHtlc> = {}): UpdateAddHtlc {
  const c = addCmd(amountMsat, n);
  return { id, amountMsat, paymentHash: c.paymentHash, cltvExpiry: c.cltvExpiry, onionRoutingPacket: c.onionRoutingPacket, ...extra };
}

test('amount zero or below htlc_minimum_msat', () => {
  const p = openPair({ b: { htlcMinimumMsat: 5_000n }, a: { htlcMinimumMsat: 5_000n } });
  assert.equal(kindOf(sendAdd(p.a, addCmd(0n, 1))), 'htlcBelowMinimum/refuse');
  assert.equal(kindOf(sendAdd(p.a, addCmd(4_999n, 1))), 'htlcBelowMinimum/refuse');
  assert.equal(kindOf(sendAdd(p.a, addCmd(5_000n, 1))), 'ok');
  assert.equal(kindOf(receiveAdd(p.a, theirAdd(0n, 0n))), 'htlcBelowMinimum/warning');
  assert.equal(kindOf(receiveAdd(p.a, theirAdd(0n, 4_999n))), 'htlcBelowMinimum/warning');
});

test('cltv_expiry must be a block height, onion and hash must have their sizes', () => {
  const p = openPair();
  assert.equal(kindOf(sendAdd(p.a, addCmd(1_000_000n, 1, 500_000_000))), 'invalidCltvExpiry/refuse');
  assert.equal(kindOf(sendAdd(p.a, addCmd(1_000_000n, 1, 499_999_999))), 'ok');
  assert.equal(kindOf(receiveAdd(p.a, theirAdd(0n, 1_000_000n, 1, { cltvExpiry: 500_000_000 }))), 'invalidCltvExpiry/warning');
  assert.equal(kindOf(receiveAdd(p.a, theirAdd(0n, 1_000_000n, 1, { onionRoutingPacket: new Uint8Array(1365) }))), 'invalidUpdate/warning');
  assert.equal(kindOf(sendAdd(p.a, { ...addCmd(1_000_000n, 1), paymentHash: new Uint8Array(31) })), 'invalidUpdate/refuse');
});

test('ids: ours count up from 0; theirs must be the next one', () => {
  const p = openPair();
  const a1 = ok(sendAdd(p.a, addCmd(1_000_000n, 1)));
  const a2 = ok(sendAdd(a1.commitments, addCmd(1_000_000n, 2)));
  assert.deepEqual([a1.add.id, a2.add.id], [0n, 1n]);
  assert.equal(kindOf(receiveAdd(p.a, theirAdd(1n, 1_000_000n))), 'unexpectedHtlcId/warning');
  const r0 = ok(receiveAdd(p.a, theirAdd(0n, 1_000_000n)));
  assert.equal(kindOf(receiveAdd(r0.commitments, theirAdd(0n, 1_000_000n))), 'unexpectedHtlcId/warning');
  assert.equal(kindOf(receiveAdd(r0.commitments, theirAdd(1n, 1_000_000n))), 'ok');
});

test('max_accepted_htlcs of the receiver', () => {
  const p = openPair({ a: { maxAcceptedHtlcs: 3 }, b: { maxAcceptedHtlcs: 3 } });
  for (let i = 0; i < 3; i++) add(p, 'a', 1_000_000n, i);
  assert.equal(kindOf(sendAdd(p.a, addCmd(1_000_000n, 9))), 'tooManyHtlcs/refuse');
  // B may still offer 3 to A.
  for (let i = 0; i < 3; i++) add(p, 'b', 1_000_000n, 10 + i);
  assert.equal(kindOf(receiveAdd(p.a, theirAdd(3n, 1_000_000n))), 'tooManyHtlcs/warning');
  // Once A's HTLCs are gone, room again.
  settle(p);
});

test('max_htlc_value_in_flight_msat of the receiver', () => {
  const p = openPair({ a: { maxHtlcValueInFlightMsat: 20_000_000n }, b: { maxHtlcValueInFlightMsat: 20_000_000n } });
  add(p, 'a', 15_000_000n, 1);
  assert.equal(kindOf(sendAdd(p.a, addCmd(5_000_001n, 2))), 'htlcValueInFlightTooHigh/refuse');
  assert.equal(kindOf(sendAdd(p.a, addCmd(5_000_000n, 2))), 'ok');
  const b = ok(receiveAdd(p.a, theirAdd(0n, 20_000_000n))).commitments;
  assert.equal(kindOf(receiveAdd(b, theirAdd(1n, 1_000n))), 'htlcValueInFlightTooHigh/warning');
});

test('the offerer keeps its reserve; the funder also its fees (and anchors), with the fee spike buffer when sending', () => {
  for (const format of ['staticRemoteKey', 'anchors'] as const) {
    const p = openPair({ format });
    // B holds 200 000 sat and must keep A's 10 000 sat reserve.
    assert.equal(kindOf(sendAdd(p.b, addCmd(190_000_001n, 1))), 'insufficientFunds/refuse', format);
    assert.equal(kindOf(sendAdd(p.b, addCmd(190_000_000n, 1))), 'ok', format);
    assert.equal(kindOf(receiveAdd(p.a, theirAdd(0n, 190_000_001n))), 'insufficientFunds/warning', format);
    assert.equal(kindOf(receiveAdd(p.a, theirAdd(0n, 190_000_000n))), 'ok', format);
    // A holds 800 000 sat, keeps 10 000 sat and pays fees: the exact edge differs with anchors, so find
    // it: the largest amount A may send leaves less than the spike buffer + fees + reserve after 1 more msat.
    let lo = 0n, hi = 800_000_000n;
    while (hi - lo > 1n) { const mid = (lo + hi) / 2n; if (sendAdd(p.a, addCmd(mid, 2)).ok) lo = mid; else hi = mid; }
    assert.equal(kindOf(sendAdd(p.a, addCmd(hi, 2))), 'insufficientFunds/refuse');
    assert.ok(lo < 790_000_000n - 3_000_000n, `${format}: A keeps fees and a spike buffer beyond its reserve (max ${lo})`);
    // The receiver does not demand the spike buffer, only fees + reserve: A's max is acceptable to B, and a bit more too.
    const aAdd = ok(sendAdd(p.a, addCmd(lo, 2))).add;
    assert.equal(kindOf(receiveAdd(p.b, aAdd)), 'ok');
    assert.equal(kindOf(receiveAdd(p.b, { ...aAdd, amountMsat: 800_000_000n - 10_000_000n })), 'insufficientFunds/warning', 'nothing left for fees');
  }
});

test('a non-funder may not offer an HTLC the funder cannot pay the fee for', () => {
  // A (funder) keeps 15 000 sat, 10 000 of which is reserve; at 5000 sat/kw each HTLC output costs 860 sat.
  const p = openPair({ pushMsat: 985_000_000n, feeratePerKw: 5000 });
  add(p, 'b', 10_000_000n, 1);
  assert.equal(kindOf(sendAdd(p.b, addCmd(10_000_000n, 2))), 'cannotAffordFees/refuse');
  const next = theirAdd(1n, 10_000_000n, 2);
  assert.equal(kindOf(receiveAdd(p.a, next)), 'cannotAffordFees/warning');
  // A trimmed HTLC adds no output, so no fee.
  assert.equal(kindOf(sendAdd(p.b, addCmd(1_000_000n, 3))), 'ok');
});

test('dust exposure: we refuse to offer past it; a received HTLC past it is flagged to fail', () => {
  const policy = { maxDustHtlcExposureMsat: 5_000_000n };
  const p = openPair({ policy });
  for (let i = 0; i < 5; i++) add(p, 'a', 1_000_000n, i); // trimmed at 2500 sat/kw and 546 sat dust
  assert.equal(kindOf(sendAdd(p.a, addCmd(1_000_000n, 9))), 'dustExposureTooHigh/refuse');
  assert.equal(kindOf(sendAdd(p.a, addCmd(50_000_000n, 9))), 'ok', 'an untrimmed HTLC adds no dust');
  // B (same policy) accepts a sixth trimmed HTLC from a lenient A but flags it to be failed.
  assert.equal(ok(receiveAdd(p.b, theirAdd(5n, 1_000_000n))).dustExposureExceeded, true);
  assert.equal(ok(receiveAdd(p.b, theirAdd(5n, 50_000_000n))).dustExposureExceeded, false);
  // Once committed, the flagged HTLC is reported among the settled ones to fail.
  const lenient = { ...p.a, policy: { maxDustHtlcExposureMsat: 1_000_000_000n } };
  const sixth = ok(sendAdd(lenient, addCmd(1_000_000n, 9)));
  p.a = { ...sixth.commitments, policy };
  p.b = ok(receiveAdd(p.b, sixth.add)).commitments;
  const s = settle(p, 'a');
  const b = s.b.flatMap((x) => [...x.overDustExposure]);
  assert.deepEqual(b, [sixth.add.id], 'B must fail the sixth dust HTLC, and only that one');
  assert.equal(s.b.flatMap((x) => x.forwardAdds).length, 6);
  const loose = openPair();
  for (let i = 0; i < 5; i++) add(loose, 'a', 1_000_000n, i);
  assert.equal(ok(receiveAdd(loose.b, theirAdd(5n, 1_000_000n))).dustExposureExceeded, false, 'default policy: 50 000 sat');
});

test('fulfill / fail only for irrevocably committed HTLCs, once; the preimage must match', () => {
  const p = openPair();
  const h = add(p, 'a', 5_000_000n, 1);
  assert.equal(kindOf(sendFulfill(p.b, h.id, preimage(1).preimage)), 'unknownHtlc/refuse', 'not committed yet');
  assert.equal(kindOf(receiveFulfill(p.a, h.id, preimage(1).preimage)), 'unknownHtlc/warning');
  settle(p);
  assert.equal(kindOf(sendFulfill(p.b, h.id, preimage(2).preimage)), 'invalidPreimage/refuse');
  assert.equal(kindOf(receiveFulfill(p.a, h.id, preimage(2).preimage)), 'invalidPreimage/warning');
  assert.equal(kindOf(sendFulfill(p.b, 7n, preimage(1).preimage)), 'unknownHtlc/refuse');
  assert.equal(kindOf(sendFulfill(p.a, h.id, preimage(1).preimage)), 'unknownHtlc/refuse', 'A cannot remove its own HTLC');
  const f = ok(sendFulfill(p.b, h.id, preimage(1).preimage));
  assert.equal(kindOf(sendFulfill(f.commitments, h.id, preimage(1).preimage)), 'unknownHtlc/refuse', 'already being removed');
  const ra = ok(receiveFulfill(p.a, h.id, preimage(1).preimage));
  assert.equal(kindOf(receiveFulfill(ra.commitments, h.id, preimage(1).preimage)), 'unknownHtlc/warning', 'twice');
  // update_fail_malformed_htlc needs BADONION.
  assert.equal(kindOf(sendFailMalformed(p.b, h.id, new Uint8Array(32), 0x4000 | 5)), 'invalidFailureCode/refuse');
  assert.equal(kindOf(sendFailMalformed(p.b, h.id, new Uint8Array(32), 0x8000 | 0x4000 | 5)), 'ok');
  assert.equal(kindOf(receiveFailMalformed(p.a, h.id, new Uint8Array(32), 0x4000 | 5)), 'invalidFailureCode/warning');
  assert.equal(kindOf(receiveFailMalformed(p.a, h.id, new Uint8Array(32), 0xc005)), 'ok');
});

test('update_fee: bounds, affordability, and (without anchors) dust exposure on an increase', () => {
  const p = openPair();
  assert.equal(kindOf(sendFee(p.a, 252)), 'feerateOutOfBounds/refuse');
  assert.equal(kindOf(receiveFee(p.b, 252)), 'feerateOutOfBounds/warning');
  assert.equal(kindOf(receiveFee(p.b, 20_000, { minPerKw: 253, maxPerKw: 10_000 })), 'feerateOutOfBounds/warning');
  // A has 800 000 sat and keeps 10 000: 724 WU at 1 100 000 sat/kw is 796 400 sat, at 1 000 000 724 000.
  assert.equal(kindOf(sendFee(p.a, 1_100_000)), 'cannotAffordFees/refuse');
  assert.equal(kindOf(sendFee(p.a, 1_000_000)), 'ok');
  assert.equal(kindOf(receiveFee(p.b, 1_100_000)), 'cannotAffordFees/warning');
  assert.equal(kindOf(receiveFee(p.b, 1_000_000)), 'ok');
  const q = openPair({ policy: { maxDustHtlcExposureMsat: 20_000_000n } });
  for (let i = 0; i < 6; i++) add(q, 'a', 4_000_000n, i); // untrimmed at 2500 sat/kw; at 5000 trimmed from B's commitment (success fee 3515 sat)
  assert.equal(kindOf(sendFee(q.a, 3000)), 'ok');
  assert.equal(kindOf(sendFee(q.a, 5000)), 'dustExposureTooHigh/refuse');
  // The receiver accepts such an increase but flags it (failing the channel is a MAY).
  assert.equal(ok(receiveFee(q.b, 3000)).dustExposureExceeded, false);
  assert.equal(ok(receiveFee(q.b, 5000)).dustExposureExceeded, true);
  const anchors = openPair({ format: 'anchors', policy: { maxDustHtlcExposureMsat: 20_000_000n } });
  for (let i = 0; i < 6; i++) add(anchors, 'a', 4_000_000n, i);
  assert.equal(kindOf(sendFee(anchors.a, 5000)), 'ok', 'anchors: HTLC transactions pay no fee, feerate does not trim');
});

test('a funder offer must also be affordable on its own commitment (where its smaller dust limit keeps more outputs)', () => {
  // A has 45 000 sat; 3 000 sat HTLCs are trimmed on B's commitment (dust 2 000) but not on A's (dust 354).
  const p = openPair({ pushMsat: 955_000_000n, a: { dustLimitSat: 354n }, b: { dustLimitSat: 2_000n } });
  for (let i = 0; i < 9; i++) add(p, 'a', 3_000_000n, i);
  // Tenth: B's commitment needs 30 000 + 10 000 reserve + 4 480 spike buffer (fine), ours 30 000 + 10 000 + 6 110 fee.
  const r = sendAdd(p.a, addCmd(3_000_000n, 9));
  assert.equal(kindOf(r), 'insufficientFunds/refuse');
  if (!r.ok) assert.match(r.error.message, /our own commitment/);
  assert.equal(kindOf(sendAdd(p.a, addCmd(1_000_000n, 9))), 'ok', 'trimmed on both sides: no fee');
});

test('maxSendableMsat is the largest amount sendAdd accepts, in both formats and from both sides', () => {
  for (const format of ['staticRemoteKey', 'anchors'] as const) {
    const p = openPair({ format, a: { maxHtlcValueInFlightMsat: 100_000_000n } });
    add(p, 'a', 30_000_000n, 1);
    add(p, 'b', 20_000_000n, 2);
    for (const side of ['a', 'b'] as const) {
      const max = maxSendableMsat(p[side]);
      assert.ok(max > 0n, `${format} ${side}`);
      assert.equal(sendAdd(p[side], addCmd(max, 3)).ok, true);
      assert.equal(sendAdd(p[side], addCmd(max + 1n, 3)).ok, false);
    }
    // B's limit is A's in-flight cap (100 000 sat) minus what B already offered.
    assert.equal(maxSendableMsat(p.b), 80_000_000n);
  }
  // Nothing to send at all: B holds nothing.
  const empty = openPair({ pushMsat: 0n });
  assert.equal(maxSendableMsat(empty.b), 0n);
});
