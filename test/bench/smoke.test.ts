/**
 * Smoke test of the cluster benchmarks (bench/cluster.ts) at tiny sizes: 5 handshakes, 20 echoes, 50 idle
 * peers, each on a real backend + `lnfleet front` process + load generator process on 127.0.0.1. Asserts
 * only that each completes and reports finite positive numbers: no speed is asserted anywhere.
 *
 * Does not: check goals or ratios against a threshold (that is what `npm run bench` prints).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLUSTER_SIZES, benchHandshakes, benchIdlePeers, benchLinkForward, percentile } from '../../bench/cluster.js';
import type { BenchResult } from '../../bench/measure.js';

function assertFinitePositive(r: BenchResult): void {
  for (const [k, v] of [['ours', r.ours], ['baseline', r.baseline], ['ratio', r.ratio]] as const) {
    assert.ok(Number.isFinite(v) && v > 0, `${r.name}.${k} = ${v} is not a finite positive number`);
  }
}

test('percentile is nearest-rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
});

test('handshakes: 5 BOLT 8 + init handshakes through a real front and backend, 5 through the one-process responder floor', { timeout: 120_000 }, async () => {
  const r = await benchHandshakes(CLUSTER_SIZES.smoke.handshakes);
  assert.equal(r.name, 'handshakes');
  assertFinitePositive(r);
  assert.match(r.note ?? '', /5 completed, 0 failed/);
  assert.match(r.note ?? '', /Responder floor .*: 5 completed, 0 failed, \d+\/s, ratio \d+\.\d+ to the baseline; ours ÷ floor \d+\.\d+/);
  assert.match(r.note ?? '', /Per CPU-second \(front \+ backend CPU, load generator excluded\): ours \d+ vs baseline \d+/);
});

test('link-forward: 20 echoes through front and backend, 20 raw TLS round trips and 20 through the do-nothing relay', { timeout: 120_000 }, async () => {
  const r = await benchLinkForward(CLUSTER_SIZES.smoke.linkForward);
  assert.equal(r.name, 'link-forward');
  assertFinitePositive(r);
  assert.match(r.note ?? '', /20 \+ 20 sequential round trips/);
  assert.match(r.note ?? '', /Topology floor .*: p50 \d+\.\d+ ms, ratio \d+\.\d+ to the baseline/);
});

test('idle-peers: 50 idle peers stay connected, seen by the front and the backend', { timeout: 120_000 }, async () => {
  const r = await benchIdlePeers(CLUSTER_SIZES.smoke.idle);
  assert.equal(r.name, 'idle-peers');
  assertFinitePositive(r);
  assert.match(r.note ?? '', /50 of 50 peers/);
  assert.match(r.note ?? '', /front \/healthz connections 50, backend peerCount 50, load generator open 50/);
});
