/**
 * Tests of the sans-I/O link session: heartbeats only when idle, loss after the configured silence
 * (any frame counts as life), RTT from echoes, and the credit ledger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreditLedger, LinkSession } from '../../src/cluster/session.js';

const timing = { heartbeatMs: 1000, peerTimeoutMs: 3000 };

test('a heartbeat is due only after heartbeatMs without sending', () => {
  const s = new LinkSession(timing, 0);
  assert.equal(s.tick(500).kind, 'idle');
  s.send({ name: 'credit', conn: 1, messages: 1, tlvs: {} }, 900);
  assert.equal(s.tick(1500).kind, 'idle');
  const t = s.tick(1900);
  assert.equal(t.kind, 'heartbeat');
});

test('silence beyond peerTimeoutMs is a lost link; any frame keeps it alive', () => {
  const a = new LinkSession(timing, 0);
  const b = new LinkSession(timing, 0);
  const msg = b.send({ name: 'peer_message', conn: 7, message: Uint8Array.from([0, 18]), tlvs: {} }, 2500);
  assert.deepEqual(a.receive(msg, 2500).map((m) => m.name), ['peer_message']);
  assert.notEqual(a.tick(5300).kind, 'lost');
  assert.notEqual(a.tick(5400).kind, 'lost');
  const lost = a.tick(5501);
  assert.deepEqual(lost, { kind: 'lost', silentMs: 3001 });
});

test('a tick right after our own event loop stalled never declares the link lost; the next one does', () => {
  const a = new LinkSession(timing, 0);
  for (let t = 250; t <= 2500; t += 250) assert.notEqual(a.tick(t).kind, 'lost');
  // Stalled from 2500 to 7000 (> peerTimeoutMs * OWN_STALL_FRACTION): frames may sit unread in the socket.
  assert.notEqual(a.tick(7000).kind, 'lost');
  // They did: the peer was alive.
  a.receive(new LinkSession(timing, 0).send({ name: 'credit', conn: 1, messages: 1, tlvs: {} }, 7000), 7100);
  assert.notEqual(a.tick(7250).kind, 'lost');
  // A second stall with nothing queued: the tick after it decides, one tick period later.
  assert.notEqual(a.tick(12000).kind, 'lost');
  assert.deepEqual(a.tick(12250), { kind: 'lost', silentMs: 5150 });
});

test('heartbeats are consumed by the session and give a round-trip time', () => {
  const a = new LinkSession(timing, 0);
  const b = new LinkSession(timing, 0);
  const hbA = a.tick(1000);
  assert.equal(hbA.kind, 'heartbeat');
  if (hbA.kind !== 'heartbeat') return;
  assert.deepEqual(b.receive(hbA.bytes, 1010), []);
  const hbB = b.tick(1020);
  assert.equal(hbB.kind, 'heartbeat');
  if (hbB.kind !== 'heartbeat') return;
  assert.deepEqual(a.receive(hbB.bytes, 1040), []);
  assert.equal(a.rttMs, 40);
});

test('a new heartbeat is echoed at once and the echo is never answered: RTT is one round trip, not a heartbeat period', () => {
  const a = new LinkSession(timing, 0);
  const b = new LinkSession(timing, 0);
  const hbA = a.tick(1000);
  assert.equal(hbA.kind, 'heartbeat');
  if (hbA.kind !== 'heartbeat') return;
  assert.deepEqual(b.receive(hbA.bytes, 1005), []);
  const echo = b.takeEcho(1005);
  assert.ok(echo, 'b echoes a new heartbeat at once');
  assert.equal(b.takeEcho(1006), undefined, 'once');
  assert.deepEqual(a.receive(echo, 1010), []);
  assert.equal(a.rttMs, 10);
  assert.equal(a.takeEcho(1010), undefined, 'an echo is not answered (no ping-pong)');
  // b's own periodic heartbeat (a new seq) is echoed by a in turn.
  const hbB = b.tick(2100);
  assert.equal(hbB.kind, 'heartbeat');
  if (hbB.kind !== 'heartbeat') return;
  a.receive(hbB.bytes, 2104);
  const echoA = a.takeEcho(2104);
  assert.ok(echoA);
  b.receive(echoA, 2108);
  assert.equal(b.rttMs, 8);
  assert.equal(b.takeEcho(2108), undefined);
});

test('a broken frame throws, so the daemon closes the link', () => {
  const a = new LinkSession(timing, 0);
  assert.throws(() => a.receive(Uint8Array.from([0, 0, 0, 2, 0x80, 0xff]), 1), /unknown link message type/);
});

test('credit is granted, spent one message at a time, and never goes negative', () => {
  const c = new CreditLedger();
  assert.equal(c.take(1), false);
  c.grant(1, 2);
  assert.equal(c.take(1), true);
  assert.equal(c.take(1), true);
  assert.equal(c.take(1), false);
  assert.equal(c.available(1), 0);
  c.grant(1, 5);
  c.delete(1);
  assert.equal(c.available(1), 0);
});
