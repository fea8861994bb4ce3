/**
 * Mainnet scale: the full signed fixture (50,808 channels, 101,616 updates, 17,324 node announcements,
 * built from CLN's 2026-02-03 topology and cached in os.tmpdir(); ~26 s to build once, ~1.5 s to load)
 * goes into a graph copy, then a peer syncs everything with query_channel_range (timestamps + checksums)
 * and query_short_channel_ids: every count must be exact. Memory is reported, not asserted.
 * Skipped, with the reason, when ../shared or the native engine is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphCopy } from '../../src/gossip/graph.js';
import { QueryResponder } from '../../src/gossip/queries.js';
import { nodeAnnNodeId, nodeKey, rawType } from '../../src/gossip/raw.js';
import { backlog, filterFrom } from '../../src/gossip/filter.js';
import { decodeMessage, MAX_MESSAGE_SIZE, type ReplyChannelRange } from '../../src/wire/index.js';
import { MAINNET_CHAIN } from '../helpers/gossip-builders.js';
import { fixtureUnavailable, mainnetFixture } from '../helpers/mainnet-graph.js';

const skip = fixtureUnavailable();

test('mainnet graph copy answers a full query_channel_range + query_short_channel_ids sync with exact counts', { skip }, (t) => {
  const fixture = mainnetFixture();
  t.diagnostic(`fixture: ${fixture.entries.length} messages, ${fixture.bytes} bytes, ${fixture.buildMs ? `built in ${Math.round(fixture.buildMs)} ms` : 'from cache'} (${fixture.cachePath})`);
  assert.deepEqual([fixture.channels, fixture.updates, fixture.nodes], [50_808, 101_616, 17_324]);

  const rss0 = process.memoryUsage().rss;
  const g = new GraphCopy();
  for (const e of fixture.entries) assert.equal(g.applyRaw(e.message, e.capacitySat || undefined), 'applied');
  t.diagnostic(`graph copy: rss +${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(1)} MiB (shares the fixture's buffers; see scripts/build-mainnet-graph.mjs --memory)`);
  assert.equal(g.channelCount, 50_808);
  assert.equal(g.nodeCount, 17_324);
  assert.equal(g.announcedNodeCount, 17_324);

  const r = new QueryResponder(g, MAINNET_CHAIN, 0);
  const q = { name: 'query_channel_range', chainHash: MAINNET_CHAIN, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: { queryOption: 3n } } as const;
  const o = r.handle(q, 0);
  assert.equal(o.kind, 'reply');
  const scids: bigint[] = [];
  let replies = 0;
  let next = 0;
  for (const raw of (o as { messages: Iterable<Uint8Array> }).messages) {
    assert.ok(raw.length <= MAX_MESSAGE_SIZE);
    const m = decodeMessage(raw) as ReplyChannelRange;
    assert.equal(m.firstBlocknum, next);
    next = m.firstBlocknum + m.numberOfBlocks;
    assert.equal(m.tlvs.timestamps!.length, m.encodedShortIds.length);
    assert.equal(m.tlvs.checksums!.length, m.encodedShortIds.length);
    scids.push(...m.encodedShortIds);
    replies++;
    if (m.syncComplete === 1) assert.equal(next, 0xffffffff);
  }
  assert.equal(scids.length, 50_808);
  assert.equal(new Set(scids).size, 50_808);
  t.diagnostic(`reply_channel_range: ${replies} replies`);

  // query_short_channel_ids in batches that fit one message (8 bytes per scid, 65535 bytes).
  const counts = new Map<number, number>();
  const nodes = new Set<string>();
  const BATCH = 8_000;
  for (let i = 0; i < scids.length; i += BATCH) {
    const out = r.handle({ name: 'query_short_channel_ids', chainHash: MAINNET_CHAIN, encodedShortIds: scids.slice(i, i + BATCH), tlvs: {} }, 0);
    assert.equal(out.kind, 'reply');
    for (const raw of (out as { messages: Iterable<Uint8Array> }).messages) {
      const type = rawType(raw);
      counts.set(type, (counts.get(type) ?? 0) + 1);
      if (type === 257) nodes.add(nodeKey(nodeAnnNodeId(raw)));
    }
  }
  assert.equal(counts.get(256), 50_808);
  assert.equal(counts.get(258), 101_616);
  assert.equal(counts.get(262), Math.ceil(50_808 / BATCH));
  assert.equal(nodes.size, 17_324, 'every node announced at least once');
  t.diagnostic(`query_short_channel_ids: ${[...counts].map(([k, v]) => `${k}:${v}`).join(' ')}`);

  // The full timestamp-filter backlog is the whole graph, announcements first per channel.
  let n = 0;
  for (const _ of backlog(g, filterFrom({ firstTimestamp: 0, timestampRange: 0xffffffff }))) n++;
  assert.equal(n, 50_808 + 101_616 + 17_324);
});
