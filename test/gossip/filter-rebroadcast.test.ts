/**
 * gossip_timestamp_filter backlog (BOLT 7 rules: an announcement only with an update in range, before
 * it; node announcements after), the rebroadcast planner (interval, random per-peer delay, origins
 * skipped, dont_forward, filters, our own gossip always, announcement held for its first update, BOLT 7
 * ordering), and the gossip link messages round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backlog, filterFrom, NO_FILTER, onTimestampFilter } from '../../src/gossip/filter.js';
import { GraphCopy } from '../../src/gossip/graph.js';
import { nodeAnnTimestamp, rawType, updTimestamp } from '../../src/gossip/raw.js';
import { RebroadcastPlanner } from '../../src/gossip/rebroadcast.js';
import { GOSSIP_LINK_MESSAGE_DEFS, GRAPH_EVENT_KIND, graphEvent, toGraphEvent } from '../../src/cluster/gossip-messages.js';
import { decodeAll, encodeWith } from '../../src/wire/codec.js';
import { MAINNET_CHAIN, REGTEST_CHAIN } from '../helpers/gossip-builders.js';
import { annA, annB, chanAB, chanCD, updAB, updBA, updCD } from './router-harness.js';

function graph(): GraphCopy {
  const g = new GraphCopy();
  g.applyRaw(chanAB, 5);
  g.applyRaw(updAB(100));
  g.applyRaw(updBA(300));
  g.applyRaw(chanCD, 6);
  g.applyRaw(updCD(200));
  g.applyRaw(annA(150));
  g.applyRaw(annB(400));
  return g;
}
const ts = (m: Uint8Array): number | 'ann' => (rawType(m) === 258 ? updTimestamp(m) : rawType(m) === 257 ? nodeAnnTimestamp(m) : 'ann');

test('timestamp filter backlog: announcements with an update in range come first, then updates, node announcements last', () => {
  const g = graph();
  const full = [...backlog(g, filterFrom({ firstTimestamp: 0, timestampRange: 1000 }))].map(ts);
  const sorted = (xs: (number | 'ann')[]) => [...xs].sort();
  assert.deepEqual([full[0], sorted(full.slice(1, 3)), full[3], full[4], sorted(full.slice(5))], ['ann', [100, 300], 'ann', 200, [150, 400]]);
  assert.deepEqual([...backlog(g, filterFrom({ firstTimestamp: 150, timestampRange: 100 }))].map(ts), ['ann', 200, 150]);
  assert.deepEqual([...backlog(g, filterFrom({ firstTimestamp: 300, timestampRange: 1 }))].map(ts), ['ann', 300]);
  assert.deepEqual([...backlog(g, filterFrom({ firstTimestamp: 0xffffffff, timestampRange: 0 }))], []);
  assert.deepEqual([...backlog(g, NO_FILTER)], []);
  const out = onTimestampFilter(g, { name: 'gossip_timestamp_filter', chainHash: REGTEST_CHAIN, firstTimestamp: 0, timestampRange: 9, tlvs: {} }, MAINNET_CHAIN);
  assert.equal(out.kind, 'ignored');
});

function planner(seed = 0.5) {
  return new RebroadcastPlanner({ now: 0, rng: () => seed, intervalMs: 60_000, maxPeerDelayMs: 10_000 });
}
const all = { firstTimestamp: 0, timestampRange: 0xffffffff };

test('rebroadcast: batched per interval, delayed per peer, never to origins, BOLT 7 order', () => {
  const p = planner();
  for (const c of [1, 2, 3]) {
    p.addPeer(c);
    p.setFilter(c, filterFrom(all));
  }
  p.enqueue({ raw: annA(10), origins: [], own: false });
  p.enqueue({ raw: updBA(20), origins: [2], own: false });
  p.enqueue({ raw: chanAB, origins: [1], own: false });
  assert.equal(p.batchSize, 2, 'the announcement waits for its first update');
  p.enqueue({ raw: updAB(30), origins: [1], own: false });
  assert.deepEqual(p.tick(59_999), []);
  assert.deepEqual(p.tick(60_000), [], 'flushed, but each peer waits its random delay');
  assert.equal(p.nextWakeAt(), 65_000);
  const due = p.tick(65_000);
  const kinds = (ms: Uint8Array[]) => ms.map((m) => rawType(m));
  const by = new Map(due.map((d) => [d.conn, d.messages]));
  assert.deepEqual(kinds(by.get(1)!), [258, 257], 'origin 1 gets neither the announcement nor its update');
  assert.deepEqual(kinds(by.get(2)!), [256, 258, 257]);
  assert.deepEqual(kinds(by.get(3)!), [256, 258, 258, 257]);
  assert.deepEqual(p.tick(200_000), []);
});

test('rebroadcast: filters, no filter = only our own gossip, dont_forward never, newer replaces older', () => {
  const p = planner(0);
  p.addPeer(1); // no gossip_timestamp_filter yet
  p.addPeer(2);
  p.setFilter(2, filterFrom({ firstTimestamp: 25, timestampRange: 100 }));
  p.addPeer(3, false); // its init networks exclude our chain
  p.setFilter(3, filterFrom(all));
  p.enqueue({ raw: updCD(20), origins: [], own: false });
  p.enqueue({ raw: updCD(30), origins: [], own: false });
  p.enqueue({ raw: updAB(40, { dontForward: true }), origins: [], own: true });
  p.enqueue({ raw: annA(5), origins: [], own: true });
  const by = new Map(p.tick(60_000).map((d) => [d.conn, d.messages.map(ts)]));
  assert.deepEqual(by.get(1), [5]);
  assert.deepEqual(by.get(2), [30, 5]);
  assert.deepEqual(by.get(3), [5]);
});

test('rebroadcast: a filter set while a batch is pending is answered by the backlog alone: the batch is not sent again', () => {
  const g = graph();
  const p = planner(0);
  p.addPeer(1);
  p.addPeer(2);
  p.setFilter(2, filterFrom(all)); // filtered before the gossip came: gets it from the batch
  // Gossip the copy applied (chanAB with updAB), queued for the next flush; then peer 1's filter arrives.
  p.enqueue({ raw: chanAB, origins: [], own: false });
  p.enqueue({ raw: updAB(30), origins: [], own: false });
  p.enqueue({ raw: chanCD, origins: [], own: false }); // no update yet: in no backlog, still due later
  const f = filterFrom(all);
  p.setFilter(1, f);
  const sentAsBacklog = [...backlog(g, f)];
  assert.ok(sentAsBacklog.some((m) => rawType(m) === 256), 'the backlog carries the channel');
  p.enqueue({ raw: updCD(40), origins: [], own: false }); // releases chanCD into the batch after the filter
  const by = new Map(p.tick(60_000).map((d) => [d.conn, d.messages.map(ts)]));
  assert.deepEqual(by.get(2), ['ann', 'ann', 30, 40], 'announcements first, then updates (BOLT 7 order within a batch)');
  assert.deepEqual(by.get(1), ['ann', 40], 'only what came after its filter; chanAB + updAB went in its backlog');
});

test('rebroadcast: the random per-peer delay comes from the injected RNG and stays within bounds', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 8 }), (draws) => {
      let i = 0;
      const p = new RebroadcastPlanner({ now: 0, rng: () => draws[i++ % draws.length]!, intervalMs: 1_000, maxPeerDelayMs: 500 });
      draws.forEach((_, c) => {
        p.addPeer(c);
        p.setFilter(c, filterFrom(all));
      });
      p.enqueue({ raw: annA(1), origins: [], own: false });
      const got = new Map<number, number>();
      for (let t = 1_000; t <= 1_500; t++) for (const d of p.tick(t)) got.set(d.conn, t);
      assert.equal(got.size, draws.length);
      draws.forEach((r, c) => assert.equal(got.get(c), 1_000 + Math.floor(r * 500)));
    }),
  );
});

test('gossip link messages: types 0x8040–0x804f, every message round-trips, graph_event maps to graph events', () => {
  for (const d of GOSSIP_LINK_MESSAGE_DEFS) assert.ok(d.type >= 0x8040 && d.type <= 0x804f);
  const samples = {
    gossip_forward: { conn: 7, nodeId: chanAB.subarray(300, 333), verified: true, message: chanAB, tlvs: {} },
    gossip_decision: { hash: new Uint8Array(32).fill(9), accepted: false, reason: 2, text: 'no related channel', tlvs: {} },
    graph_snapshot_chunk: { index: 3, final: true, entries: [{ capacitySat: 5n, message: chanAB }, { capacitySat: 0n, message: updAB(1) }], tlvs: {} },
    graph_event: { kind: GRAPH_EVENT_KIND.added, scid: 0n, message: chanAB, tlvs: { capacitySat: 1234n } },
    sync_request: { requestId: 1, conn: 2, kind: 0, query: new Uint8Array([1, 7]), tlvs: {} },
  } as const;
  for (const d of GOSSIP_LINK_MESSAGE_DEFS) {
    const v = { name: d.name, ...samples[d.name] };
    const codec = d as unknown as { encode: (w: never, v: unknown) => void; decode: (r: never) => unknown };
    const bytes = encodeWith(codec as never, v as never);
    assert.deepEqual(decodeAll(codec as never, bytes), v);
  }
  const ev = decodeAll(graphEvent, encodeWith(graphEvent, { name: 'graph_event', ...samples.graph_event }));
  assert.deepEqual(toGraphEvent(ev), { kind: 'channelAdded', announcement: chanAB, capacitySat: 1234 });
  assert.deepEqual(toGraphEvent({ ...ev, kind: GRAPH_EVENT_KIND.removed, scid: 42n, message: new Uint8Array(0), tlvs: {} }), { kind: 'channelRemoved', scid: 42n });
});
