/**
 * channel_reestablish: a disconnection at every point of a dance with updates both ways gives the
 * retransmissions BOLT 2 asks for, and both sides converge to the same commitments and balances; the
 * revoke_and_ack / commitment_signed order is kept; uncommitted updates are dropped with their ids; a
 * peer that lost state is detected (peerBehind → forceClose), our own lost state is proved by the
 * peer's secret (weAreBehind → error, never broadcast), bad numbers and secrets are rejected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balances, hasPendingChanges, onDisconnect, onReestablish, reestablishFields, sendAdd } from '../../src/channel/commitments/index.js';
import type { Commitments } from '../../src/channel/commitments/index.js';
import { addCmd, assertConsistent, engine, ok, openPair, settle, add as addBoth, type Pair } from './commitments-fixture.js';
import { deliver, disconnect, drain, newNet, reconnect, sendUpdate, trySign, type Net } from './commitments-sim.js';

/** A offers 10 000 sat and B 7 000 sat at once, A signs first. */
function start(): Net {
  const n = newNet(openPair());
  const a = ok(sendAdd(n.p.a, addCmd(10_000_000n, 1)));
  n.p.a = a.commitments;
  sendUpdate(n, 'a', { kind: 'add', htlc: a.add });
  const b = ok(sendAdd(n.p.b, addCmd(7_000_000n, 2)));
  n.p.b = b.commitments;
  sendUpdate(n, 'b', { kind: 'add', htlc: b.add });
  trySign(n, 'a');
  return n;
}

/** A fixed delivery order: A's oldest, then B's oldest, repeated, signing when quiet. */
function step(n: Net): boolean {
  return deliver(n, 'a') || deliver(n, 'b') || trySign(n, 'a') || trySign(n, 'b');
}

function final(n: Net): void {
  assertConsistent(n.p);
  for (const s of ['a', 'b'] as const) assert.equal(hasPendingChanges(n.p[s]), false, `${s} has nothing pending`);
}

test('a disconnection at every point of the dance: retransmissions make both sides converge', () => {
  const full = start();
  let steps = 0;
  while (step(full) && steps < 50) steps++;
  final(full);
  assert.ok(steps >= 8, `the dance has ${steps} steps`);
  const expected = balances(full.p.a);
  const outcomes = { complete: 0, dropped: 0 };
  for (let k = 0; k <= steps; k++) {
    for (const twice of [false, true]) {
      const n = start();
      for (let i = 0; i < k; i++) step(n);
      disconnect(n);
      reconnect(n);
      if (twice) { deliver(n, 'a'); deliver(n, 'b'); disconnect(n); reconnect(n); }
      drain(n);
      final(n);
      const htlcCount = n.p.a.localCommit.spec.htlcs.length;
      if (htlcCount === 2) {
        outcomes.complete++;
        assert.deepEqual(balances(n.p.a), expected, `k=${k}: same end state as without disconnection`);
      } else {
        outcomes.dropped++;
        // Updates never covered by a commitment_signed are dropped on both sides, ids rolled back.
        assert.ok(htlcCount < 2, `k=${k}`);
        assert.equal(n.p.a.localNextHtlcId, BigInt(n.p.a.localCommit.spec.htlcs.filter((h) => h.direction === 'offered').length));
      }
    }
  }
  assert.ok(outcomes.complete > 0 && outcomes.dropped > 0, `both outcomes seen: ${JSON.stringify(outcomes)}`);
});

test('nothing received: A re-sends its add and commitment_signed; B sends nothing', () => {
  const n = start();
  disconnect(n);
  const r = reconnect(n);
  assert.deepEqual(r.a.map((x) => x.kind), ['update', 'commitmentSigned']);
  assert.deepEqual(r.b.map((x) => x.kind), []);
  assert.equal(n.p.b.localNextHtlcId, 0n, "B's unsigned add was dropped and its id freed");
});

test('lost revoke_and_ack and commitment_signed are re-sent in the order first sent', () => {
  // A signed; B received A's add and commitment_signed, revoked, then signed (B's revoke then commit).
  const n = start();
  deliver(n, 'a'); // add
  deliver(n, 'b'); // B's add reaches A
  deliver(n, 'a'); // commit A → B revokes then signs
  assert.deepEqual(n.q.b.map((m) => m.t), ['revoke', 'commit']);
  disconnect(n);
  const r = reconnect(n);
  assert.deepEqual(r.b.map((x) => x.kind), ['revokeAndAck', 'update', 'commitmentSigned'], "B: revoke first, then its add and signature");
  drain(n);
  final(n);
});

test('commitment_signed sent before revoke_and_ack is re-sent before it', () => {
  const n = newNet(openPair(), false);
  const a = ok(sendAdd(n.p.a, addCmd(10_000_000n, 1)));
  n.p.a = a.commitments;
  sendUpdate(n, 'a', { kind: 'add', htlc: a.add });
  const b = ok(sendAdd(n.p.b, addCmd(7_000_000n, 2)));
  n.p.b = b.commitments;
  sendUpdate(n, 'b', { kind: 'add', htlc: b.add });
  trySign(n, 'a');
  trySign(n, 'b');
  deliver(n, 'b'); // B's add
  deliver(n, 'b'); // B's commit: A revokes after having signed
  assert.deepEqual(n.q.a.map((m) => m.t), ['update', 'commit', 'revoke']);
  disconnect(n);
  const r = reconnect(n);
  assert.deepEqual(r.a.map((x) => x.kind), ['update', 'commitmentSigned', 'revokeAndAck']);
  assert.deepEqual(r.b.map((x) => x.kind), []);
  drain(n);
  final(n);
});

function advance(p: Pair, rounds: number): void {
  for (let i = 0; i < rounds; i++) { addBoth(p, 'a', 5_000_000n, 100 + i); settle(p, 'a'); }
}

test('a peer that lost state is detected, and our own lost state is proved by its secret', () => {
  const p = openPair();
  advance(p, 1);
  const oldB: Commitments = p.b;
  advance(p, 2);
  // A talks to B restored from an old backup.
  const fa = reestablishFields(p.a, p.sa, engine);
  const fOld = reestablishFields(oldB, p.sb, engine);
  const ra = onReestablish(p.a, fOld, p.sa, engine);
  assert.equal(ra.ok ? 'ok' : `${ra.error.kind}/${ra.error.action}`, 'peerBehind/forceClose');
  const rb = onReestablish(oldB, fa, p.sb, engine);
  assert.equal(rb.ok ? 'ok' : `${rb.error.kind}/${rb.error.action}`, 'weAreBehind/error', 'B must not broadcast its old commitment');
  // The same claim without the proof is not believed.
  const bogus = { ...fa, yourLastPerCommitmentSecret: new Uint8Array(32).fill(1) };
  const rc = onReestablish(oldB, bogus, p.sb, engine);
  assert.equal(rc.ok ? 'ok' : `${rc.error.kind}/${rc.error.action}`, 'invalidReestablish/forceClose');
});

test('next_commitment_number ahead of what we signed means we lost data: never broadcast', () => {
  const p = openPair();
  advance(p, 1);
  const fb = reestablishFields(p.b, p.sb, engine);
  const r = onReestablish(p.a, { ...fb, nextCommitmentNumber: fb.nextCommitmentNumber + 3n }, p.sa, engine);
  assert.equal(r.ok ? 'ok' : `${r.error.kind}/${r.error.action}`, 'weAreBehind/error');
});

test('zero next_commitment_number, or a wrong last secret, fails the channel', () => {
  const p = openPair();
  advance(p, 2);
  const fb = reestablishFields(p.b, p.sb, engine);
  const z = onReestablish(p.a, { ...fb, nextCommitmentNumber: 0n }, p.sa, engine);
  assert.equal(z.ok ? 'ok' : `${z.error.kind}/${z.error.action}`, 'invalidReestablish/forceClose');
  const s = onReestablish(p.a, { ...fb, yourLastPerCommitmentSecret: new Uint8Array(32) }, p.sa, engine);
  assert.equal(s.ok ? 'ok' : s.error.kind, 'invalidReestablish');
  const good = ok(onReestablish(p.a, fb, p.sa, engine));
  assert.deepEqual(good.retransmit, []);
  assert.equal(good.resendChannelReady, false);
});

test('before any update both sides re-send channel_ready; fields at the start', () => {
  const p = openPair();
  const fa = reestablishFields(p.a, p.sa, engine);
  assert.equal(fa.nextCommitmentNumber, 1n);
  assert.equal(fa.nextRevocationNumber, 0n);
  assert.deepEqual(fa.yourLastPerCommitmentSecret, new Uint8Array(32));
  assert.deepEqual(fa.myCurrentPerCommitmentPoint, p.a.params.local.firstPerCommitmentPoint);
  const r = ok(onReestablish(p.b, fa, p.sb, engine));
  assert.equal(r.resendChannelReady, true);
  const d = onDisconnect(ok(sendAdd(p.a, addCmd(1_000_000n, 3))).commitments);
  assert.equal(d.dropped.length, 1);
  assert.equal(d.commitments.localNextHtlcId, 0n);
});
