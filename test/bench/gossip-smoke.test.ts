/**
 * Smoke test of the gossip benchmarks (bench/gossip.ts) on 200 channels of the mainnet-shape fixture
 * (`gossip-ingest-front` after 100 others as warm-up): each completes, every message is accepted, and
 * the numbers are finite and positive. No speed or size is asserted (that is what `npm run bench`
 * prints against the goals).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendIngest, frontRssMainnet, gossipIngestFront, graphServe } from '../../bench/gossip.js';
import { fixtureUnavailable } from '../helpers/mainnet-graph.js';

const CHANNELS = 200;
const skip = fixtureUnavailable();

test('gossip-ingest-front, graph-serve, backend-ingest and front-rss-mainnet run on 200 channels', { skip, timeout: 120_000 }, async () => {
  const [ingestFront, serve, ...rows] = [
    ...(await gossipIngestFront(CHANNELS, 100)), ...(await graphServe(CHANNELS)), ...(await backendIngest(CHANNELS)), ...(await frontRssMainnet(CHANNELS)),
  ];
  assert.equal(ingestFront!.name, 'gossip-ingest-front');
  assert.match(ingestFront!.note ?? '', /^600 channel_announcement \+ channel_update \(1200 signatures\) .* after 300 others \(100 channels\) as warm-up/);
  assert.equal(serve!.name, 'graph-serve');
  assert.match(serve!.note ?? '', /200 channel_announcements, 400 updates, (\d+) node_announcements; fixture 200\/400\/\1\)/);
  assert.deepEqual(rows.map((r) => r.name), ['backend-ingest', 'front-rss-mainnet']);
  for (const r of [ingestFront!, serve!, ...rows]) for (const v of [r.ours, r.baseline, r.ratio]) assert.ok(Number.isFinite(v) && v > 0, `${r.name}: ${v}`);
  assert.match(rows[0]!.note ?? '', /^(\d+)\/\1 accepted \(200 channels/);
  assert.match(rows[1]!.note ?? '', /\(200 channels, \d+ nodes\)/);
});
