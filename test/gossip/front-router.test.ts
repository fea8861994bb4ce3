/**
 * FrontRouter: the five behaviours of eclair's FrontRouterSpec (three fronts, one scripted backend),
 * our fixes (a sender after acceptance is released; newer node_announcement for a known node forwarded;
 * every path releases — a fast-check property), and the checks fronts do (signatures, chain, malformed),
 * each with signatures checked inline and ahead of the router; then how the router uses a verdict
 * computed ahead (`pre`) and what `verifyNeed` asks for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACCEPTED_WINDOW_MS, BAD_SIGNATURE_DISCONNECT_THRESHOLD } from '../../src/gossip/limits.js';
import { REGTEST_CHAIN, channelUpdate, signerOf } from '../helpers/gossip-builders.js';
import { sha256 } from '../../src/crypto/hash.js';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import type { RouterAction } from '../../src/gossip/front-router.js';
import { Backend, Front, SyncVerifier, a, annA, annB, annC, b, c, chanAB, chanCD, engine, scidAB, toEvent, updAB, updBA, updBC, updCD, type FrontOptions } from './router-harness.js';

/**
 * Every behaviour holds with the router verifying inline and with verdicts computed ahead through the
 * verification pipeline (here at once, on this thread; real threads: verify-pool.test.ts).
 */
const MODES: readonly { name: string; options: () => FrontOptions }[] = [
  { name: 'inline', options: () => ({}) },
  { name: 'verified ahead', options: () => ({ verifier: new SyncVerifier() }) },
];

for (const mode of MODES) {
  const mk = (be: Backend) => new Front(be, mode.options());

  test(`eclair 1: valid gossip is forwarded once per front and every sender released after the decision [${mode.name}]`, () => {
    const be = new Backend();
    const [f1, f2, f3] = [mk(be), mk(be), mk(be)];
    f1.send(11, chanAB);
    f1.send(12, chanAB);
    f2.send(21, chanAB);
    assert.equal(f1.forwards().length, 1);
    assert.equal(f2.forwards().length, 1);
    assert.equal(f3.forwards().length, 0);
    assert.deepEqual([f1.released(11), f1.released(12), f2.released(21)], [0, 0, 0], 'nobody released before the decision');
    be.decide(chanAB, true);
    assert.deepEqual([f1.released(11), f1.released(12), f2.released(21)], [1, 1, 1]);
    assert.deepEqual(f1.rebroadcasts().map((r) => r.origins), [[11, 12]]);
    assert.deepEqual(f2.rebroadcasts().map((r) => r.origins), [[21]]);
    assert.deepEqual(f3.rebroadcasts().map((r) => r.origins), [[]]);
    for (const f of [f1, f2, f3]) assert.equal(f.graph.channel(scidAB)?.capacitySat, 1_000_000);
    assert.equal(f1.router.metrics.get('forwarded', 'channel_announcement'), 1);
    assert.equal(f1.router.metrics.get('stashed', 'channel_announcement'), 1);
  });

  test(`eclair 2: aggregation — gossip for a pending channel is held until its decision; unrelated gossip is released at once [${mode.name}]`, () => {
    const be = new Backend();
    const [f1, f2, f3] = [mk(be), mk(be), mk(be)];
    f1.send(11, chanAB);
    f1.send(12, chanAB);
    f2.send(21, chanAB);
    f1.send(11, annC()); // node c has no channel: NoKnownChannel, at once
    assert.equal(f1.released(11), 1);
    assert.equal(f1.router.metrics.get('no-known-channel', 'node_announcement'), 1);
    f1.send(13, annA());
    f1.send(13, updBA());
    f1.send(13, updBC); // channel b–c unknown and not pending: NoRelatedChannel, at once
    assert.equal(f1.released(13), 1);
    assert.equal(f1.router.metrics.get('no-related-channel', 'channel_update'), 1);
    assert.equal(f1.router.metrics.get('held', 'node_announcement'), 1);
    assert.equal(f1.forwards().length, 1, 'held messages are not forwarded before the channel is accepted');
    be.decide(chanAB, true);
    assert.deepEqual([f1.released(11), f1.released(12), f2.released(21)], [2, 1, 1]);
    assert.equal(f1.forwards().length, 3, 'the held update and node_announcement go to the backend now');
    assert.equal(f1.released(13), 1, 'held senders wait for their own decisions');
    be.decide(updBA(), true);
    be.decide(annA(), true);
    assert.equal(f1.released(13), 3);
    f1.send(12, updAB());
    be.decide(updAB(), true);
    f3.send(31, annB());
    be.decide(annB(), true);
    assert.deepEqual([f1.released(12), f3.released(31)], [2, 1]);
    for (const f of [f1, f2, f3]) assert.equal(f.graph.announcedNodeCount, 2);
    const origins = (f: Front) => f.rebroadcasts().map((r) => r.origins);
    assert.deepEqual(origins(f1), [[11, 12], [13], [13], [12], []]);
    assert.deepEqual(origins(f2), [[21], [], [], [], []]);
    assert.deepEqual(origins(f3), [[], [], [], [], [31]]);
  });

  test(`eclair 3: duplicate gossip is not forwarded after acceptance [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    be.decide(chanAB, true);
    assert.equal(f.released(1), 1);
    f.send(1, chanAB);
    assert.equal(f.forwards().length, 1);
    assert.equal(f.released(1), 2);
    assert.equal(f.router.metrics.get('dropped', 'channel_announcement'), 1);
  });

  test(`eclair 4: a duplicate from the same peer is acked at once; the original waits for the decision [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    assert.equal(f.released(1), 0);
    f.send(1, chanAB);
    assert.equal(f.released(1), 1);
    assert.equal(f.forwards().length, 1);
    be.decide(chanAB, true);
    assert.equal(f.released(1), 2);
  });

  test(`eclair 5: a channel_update for a private channel is forwarded (from a channel peer) but never rebroadcast [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.run(f.router.handle({ type: 'peerChannels', conn: 1, hasChannels: true }));
    f.send(1, updAB());
    assert.equal(f.forwards().length, 1);
    assert.equal(f.log.find((x) => x.type === 'forwardToBackend' && !x.verified) !== undefined, true);
    be.decide(updAB(), true); // the backend sends a graph event; the front does not know the channel
    assert.equal(f.released(1), 1);
    assert.equal(f.rebroadcasts().length, 0);
    f.send(2, updAB(1_700_000_001)); // from a peer without channels: not even forwarded
    assert.equal(f.forwards().length, 1);
    assert.equal(f.released(2), 1);
  });

  test(`fix: a sender arriving after acceptance but before the graph event is released at once and not sent it back [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    be.decide(chanAB, true, { noEvent: true });
    f.send(2, chanAB); // eclair: parked in `accepted`, never acked
    assert.equal(f.released(2), 1);
    f.run(f.router.handle({ type: 'graph', event: { kind: 'channelAdded', announcement: chanAB }, now: 0 }));
    assert.deepEqual(f.rebroadcasts().map((r) => r.origins), [[1, 2]]);
    f.send(3, chanAB);
    assert.equal(f.released(3), 1);
    assert.equal(f.forwards().length, 1);
  });

  test(`fix: the graph event before the decision still excludes every sender and releases them at the decision [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    f.send(2, chanAB);
    be.decide(chanAB, true, { eventFirst: true });
    assert.deepEqual(f.rebroadcasts().map((r) => r.origins), [[1, 2]]);
    assert.deepEqual([f.released(1), f.released(2)], [1, 1]);
  });

  test(`fix: a channel accepted before its graph event still takes its updates and node announcements [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    // The decision overtakes the event (the backend holds events while it streams this front a snapshot).
    be.decide(chanAB, true, { noEvent: true });
    f.send(2, updBA());
    f.send(2, annB());
    f.send(3, chanAB);
    assert.deepEqual(f.forwards().map((m) => m[1]), [0, 2, 1], 'the update and node_announcement go to the backend; the announcement is not forwarded again');
    assert.equal(f.router.metrics.get('no-related-channel', 'channel_update'), 0);
    assert.equal(f.router.metrics.get('no-known-channel', 'node_announcement'), 0);
    be.decide(updBA(), true, { noEvent: true });
    be.decide(annB(), true, { noEvent: true });
    assert.deepEqual([f.released(1), f.released(2), f.released(3)], [1, 2, 1]);
    // The event comes: the channel is in the copy and the record goes.
    f.run(f.router.handle({ type: 'graph', event: toEvent(chanAB), now: 0 }));
    f.send(4, updAB(7));
    assert.equal(f.forwards().length, 4);
    // Without an event the record expires with the accepted window: then the channel is unknown again.
    const g = mk(be);
    g.send(1, chanCD);
    g.run(g.router.handle({ type: 'decision', decision: { hash: sha256(chanCD), accepted: true }, now: 0 }));
    g.send(2, updCD(1));
    assert.equal(g.forwards().length, 2);
    g.run(g.router.handle({ type: 'tick', now: ACCEPTED_WINDOW_MS }));
    g.send(2, updCD(2));
    assert.equal(g.router.metrics.get('no-related-channel', 'channel_update'), 1);
  });

  test(`fix: a newer node_announcement for a known node is forwarded; older and equal ones are dropped [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    be.decide(chanAB, true);
    f.send(1, annA(100));
    be.decide(annA(100), true);
    f.send(1, annA(200));
    assert.equal(f.forwards().length, 3);
    be.decide(annA(200), true);
    f.send(2, annA(150));
    f.send(2, annA(200));
    assert.equal(f.forwards().length, 3);
    assert.equal(f.released(2), 2);
    assert.equal(f.router.metrics.get('dropped', 'node_announcement'), 2);
  });

  test(`channel_update compared by timestamp: newer forwarded, equal and older dropped [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    be.decide(chanAB, true);
    f.send(1, updAB(10));
    be.decide(updAB(10), true);
    f.send(1, updAB(10));
    f.send(1, updAB(9));
    assert.equal(f.forwards().length, 2);
    f.send(1, updAB(11));
    assert.equal(f.forwards().length, 3);
  });

  test(`a rejected channel releases its held gossip with NoRelatedChannel / NoKnownChannel [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    f.send(2, updBA());
    f.send(2, annB());
    be.decide(chanAB, false);
    assert.deepEqual([f.released(1), f.released(2)], [1, 2]);
    assert.equal(f.router.metrics.get('no-related-channel', 'channel_update'), 1);
    assert.equal(f.router.metrics.get('no-known-channel', 'node_announcement'), 1);
    assert.equal(f.router.pendingCount, 0);
  });

  test(`fix: held gossip goes on when our copy of its channel lost the race to another front [${mode.name}]`, () => {
    const be = new Backend();
    const [f1, f2] = [mk(be), mk(be)];
    f1.send(1, chanAB);
    f2.send(2, chanAB);
    f1.send(3, updBA());
    f1.send(3, annB());
    // The backend took front 2's copy first: every front gets the graph event, front 2 the acceptance…
    for (const f of [f1, f2]) f.run(f.router.handle({ type: 'graph', event: toEvent(chanAB), now: 0 }));
    f2.run(f2.router.handle({ type: 'decision', decision: { hash: sha256(chanAB), accepted: true }, now: 0 }));
    // …and front 1 hears that its copy was a duplicate.
    f1.run(f1.router.handle({ type: 'decision', decision: { hash: sha256(chanAB), accepted: false, reason: 'duplicate' }, now: 0 }));
    assert.equal(f1.forwards().length, 3, 'the held update and node_announcement still reach the backend');
    assert.equal(f1.router.metrics.get('no-related-channel', 'channel_update'), 0);
    assert.equal(f1.router.metrics.get('no-known-channel', 'node_announcement'), 0);
    assert.equal(f1.released(1), 1);
  });

  test(`bad signatures: warning and release each time, disconnect past the threshold [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    const bad = Uint8Array.from(chanAB);
    bad[300]! ^= 1;
    let warnings = 0;
    let disconnects = 0;
    for (let i = 0; i <= BAD_SIGNATURE_DISCONNECT_THRESHOLD; i++) {
      for (const x of f.send(7, bad)) {
        if (x.type === 'sendWarning') warnings++;
        if (x.type === 'disconnect') disconnects++;
      }
    }
    assert.equal(warnings, BAD_SIGNATURE_DISCONNECT_THRESHOLD + 1);
    assert.equal(disconnects, 1);
    assert.equal(f.released(7), BAD_SIGNATURE_DISCONNECT_THRESHOLD + 1);
    assert.equal(f.forwards().length, 0);
    // an update signed by the wrong node of a known channel
    f.send(1, chanAB);
    be.decide(chanAB, true);
    const wrongSigner = channelUpdate(engine, a, { scid: scidAB, timestamp: 5, direction: signerOf(a, b, 0) === a ? 1 : 0 });
    f.send(8, wrongSigner);
    assert.equal(f.router.metrics.get('bad-signature', 'channel_update'), 1);
    assert.equal(f.released(8), 1);
  });

  test(`another chain is ignored, malformed gossip warned, both released [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, channelUpdate(engine, a, { chainHash: REGTEST_CHAIN, scid: scidAB, timestamp: 1, direction: 0 }));
    f.send(1, chanAB.subarray(0, 100));
    assert.equal(f.released(1), 2);
    assert.equal(f.router.metrics.get('wrong-chain', 'channel_update'), 1);
    assert.equal(f.router.metrics.get('malformed', 'unknown'), 1);
    assert.equal(f.forwards().length, 0);
  });

  test(`losing the backend releases every waiting sender [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    f.send(2, chanAB);
    f.send(3, updBA());
    f.run(f.router.handle({ type: 'backendLost' }));
    assert.deepEqual([f.released(1), f.released(2), f.released(3)], [1, 1, 1]);
    assert.equal(f.router.pendingCount, 0);
  });

  test(`gossipTotal counters are exported as data [${mode.name}]`, () => {
    const be = new Backend();
    const f = mk(be);
    f.send(1, chanAB);
    be.decide(chanAB, true);
    const rows = f.router.metrics.gossipTotal();
    assert.ok(rows.some((r) => r.status === 'accepted' && r.type === 'channel_announcement' && r.value === 1));
  });

  test(`signature checks run where the mode says [${mode.name}]`, () => {
    const f = mk(new Backend());
    f.send(1, chanAB);
    f.send(1, updBA());
    f.send(1, annA());
    const ahead = mode.name === 'inline' ? 0 : 3;
    assert.deepEqual(f.router.metrics.signatureChecks(), { ahead, inline: 3 - ahead });
  });
}

/** The real engine, counting its verify calls. */
function countingEngine(): Secp256k1Engine & { calls: number } {
  const e = { ...engine, calls: 0 };
  e.verify = (sig, msg, pub) => {
    e.calls += 1;
    return engine.verify(sig, msg, pub);
  };
  return e;
}

const gossip = (f: Front, conn: number, raw: Uint8Array, pre?: { ok: boolean; signer?: Uint8Array }): RouterAction[] =>
  f.run(f.router.handle({ type: 'gossip', conn, raw, now: 0, pre }));

test('a verdict computed ahead is used as it is: the engine is not called', () => {
  const counting = countingEngine();
  const f = new Front(new Backend(), { engine: counting });
  gossip(f, 1, chanAB, { ok: true });
  gossip(f, 1, updBA(), { ok: true, signer: b.pub }); // b signs the b→a direction: the signer the router looks up
  gossip(f, 1, annA(), { ok: true });
  assert.equal(counting.calls, 0);
  assert.equal(f.forwards().length, 1);
  assert.equal(f.router.metrics.get('held', 'channel_update'), 1);
  assert.equal(f.router.metrics.get('held', 'node_announcement'), 1);
  assert.deepEqual(f.router.metrics.signatureChecks(), { ahead: 3, inline: 0 });
});

test('an update verdict for another signer, or without one, is ignored: the router verifies inline', () => {
  const counting = countingEngine();
  const f = new Front(new Backend(), { engine: counting });
  gossip(f, 1, chanAB);
  const before = counting.calls;
  gossip(f, 2, updBA(), { ok: false, signer: a.pub }); // wrong signer: its "bad" verdict must not count
  assert.equal(counting.calls, before + 1);
  assert.equal(f.router.metrics.get('held', 'channel_update'), 1);
  assert.equal(f.router.metrics.get('bad-signature', 'channel_update'), 0);
  gossip(f, 2, updAB(), { ok: true }); // no signer: not usable for an update
  assert.equal(counting.calls, before + 2);
  assert.equal(f.router.metrics.get('held', 'channel_update'), 2);
  const forged = channelUpdate(engine, c, { scid: scidAB, timestamp: 7, direction: signerOf(a, b, 0) === a ? 0 : 1 });
  gossip(f, 3, forged, { ok: true, signer: c.pub }); // c signed it and says so; the channel says a
  assert.equal(f.router.metrics.get('bad-signature', 'channel_update'), 1);
  assert.deepEqual(f.router.metrics.signatureChecks(), { ahead: 0, inline: 4 });
});

test('a bad verdict computed ahead takes the bad-signature path: warning, release, nothing forwarded', () => {
  const counting = countingEngine();
  const f = new Front(new Backend(), { engine: counting });
  const out = gossip(f, 7, chanAB, { ok: false });
  assert.deepEqual(out.map((x) => x.type), ['sendWarning', 'release']);
  assert.equal(f.released(7), 1);
  assert.equal(f.forwards().length, 0);
  assert.equal(f.router.metrics.get('bad-signature', 'channel_announcement'), 1);
  assert.equal(counting.calls, 0);
});

test('verifyNeed says what the router would check, and changes nothing', () => {
  const be = new Backend();
  const f = new Front(be);
  assert.deepEqual({ ...f.router.verifyNeed(chanAB), key: '' }, { check: 'channel_announcement', key: '', scid: scidAB });
  assert.equal(f.router.verifyNeed(updBA()).check, 'channel_update');
  assert.equal((f.router.verifyNeed(updBA()) as { signer?: Uint8Array }).signer, undefined, 'no channel known: no signer');
  assert.deepEqual(f.router.verifyNeed(annA()), { check: 'node_announcement', key: (f.router.verifyNeed(annA()) as { key: string }).key, nodeId: a.pub, known: false });
  assert.deepEqual(f.router.metrics.gossipTotal(), []);
  assert.equal(f.router.pendingCount, 0);
  f.send(1, chanAB);
  assert.deepEqual(f.router.verifyNeed(chanAB), { check: 'none' }, 'pending');
  const upd = f.router.verifyNeed(updBA()) as { signer?: Uint8Array; direction: number };
  assert.deepEqual(upd.signer, b.pub, 'signer from the pending channel');
  assert.equal((f.router.verifyNeed(annA()) as { known: boolean }).known, true, 'node of a pending channel');
  be.decide(chanAB, true);
  f.send(1, updAB(10));
  be.decide(updAB(10), true);
  assert.deepEqual(f.router.verifyNeed(updAB(10)), { check: 'none' }, 'same timestamp: stale');
  assert.deepEqual(f.router.verifyNeed(updAB(9)), { check: 'none' }, 'older');
  assert.deepEqual((f.router.verifyNeed(updAB(11)) as { signer?: Uint8Array }).signer, a.pub, 'signer from the graph copy');
  assert.deepEqual(f.router.verifyNeed(channelUpdate(engine, a, { chainHash: REGTEST_CHAIN, scid: scidAB, timestamp: 12, direction: 0 })), { check: 'none' }, 'another chain');
  assert.deepEqual(f.router.verifyNeed(chanAB.subarray(0, 100)), { check: 'none' }, 'too short to read');
  assert.deepEqual(f.router.verifyNeed(annC()), { check: 'node_announcement', key: (f.router.verifyNeed(annC()) as { key: string }).key, nodeId: c.pub, known: false });
});
