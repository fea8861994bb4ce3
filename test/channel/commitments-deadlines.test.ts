/**
 * HTLC deadlines (BOLT 2 "cltv_expiry_delta Selection"): our offered HTLC still committed G blocks after
 * its expiry forces a close; a received one is failed back from 18 blocks before its expiry unless we
 * fulfilled it, in which case it forces a close while still committed; nothing is due once settled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { htlcDeadlines, receiveFulfill, sendFulfill } from '../../src/channel/commitments/index.js';
import { add, ok, openPair, preimage, settle } from './commitments-fixture.js';

test('offered and received HTLC deadlines, before and after fulfilling', () => {
  const p = openPair();
  const h = add(p, 'a', 10_000_000n, 1); // cltv_expiry 800 000
  settle(p);
  const none = { offeredPastDeadline: [], fulfilledPastDeadline: [], receivedToFail: [], mustFailChannel: false };
  assert.deepEqual(htlcDeadlines(p.a, 800_001), none);
  assert.deepEqual(htlcDeadlines(p.a, 800_002), { ...none, offeredPastDeadline: [h.id], mustFailChannel: true });
  assert.deepEqual(htlcDeadlines(p.b, 799_981), none);
  assert.deepEqual(htlcDeadlines(p.b, 799_982), { ...none, receivedToFail: [h.id] });
  p.b = ok(sendFulfill(p.b, h.id, preimage(1).preimage)).commitments;
  p.a = ok(receiveFulfill(p.a, h.id, preimage(1).preimage)).commitments;
  assert.deepEqual(htlcDeadlines(p.b, 799_981), none);
  assert.deepEqual(htlcDeadlines(p.b, 799_982), { ...none, fulfilledPastDeadline: [h.id], mustFailChannel: true });
  settle(p, 'b');
  assert.deepEqual(htlcDeadlines(p.b, 900_000), none);
  assert.deepEqual(htlcDeadlines(p.a, 900_000), none);
});
