/**
 * The backend's choice of sync peers (`GossipSync`): only peers offering gossip_queries, at most
 * `limit` at once, a freed slot goes to the oldest waiting candidate, a replaced connection is synced
 * again; each start sends the front a timestamp filter from now and a range query over every block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GossipSync, offersGossipQueries } from '../../src/back/gossip-sync.js';
import type { Front } from '../../src/back/fronts.js';
import type { LinkMessage } from '../../src/cluster/messages.js';
import { SYNC_KIND } from '../../src/cluster/gossip-messages.js';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';
import { FeatureVector } from '../../src/wire/feature-vector.js';
import { captureLogger } from '../helpers/cluster-fixtures.js';
import { REGTEST } from '../helpers/gossip-fixtures.js';

const init = (bits: number[], global: number[] = []) => encodeMessage({
  name: 'init', globalfeatures: FeatureVector.fromBits(global).toBytes(), features: FeatureVector.fromBits(bits).toBytes(), tlvs: {},
});
const QUERIES = init([7]);
const NONE = init([9]);

function fakeFront(id: string): Front & { sent: LinkMessage[] } {
  const sent: LinkMessage[] = [];
  return { id, sent, link: { closed: false, send: (m: LinkMessage) => { sent.push(m); return true; } } } as unknown as Front & { sent: LinkMessage[] };
}

test('gossip_queries is read from features or globalfeatures, optional or required; junk is no', () => {
  assert.equal(offersGossipQueries(init([7])), true);
  assert.equal(offersGossipQueries(init([6])), true);
  assert.equal(offersGossipQueries(init([], [7])), true);
  assert.equal(offersGossipQueries(init([9, 11])), false);
  assert.equal(offersGossipQueries(Uint8Array.of(0, 16, 0)), false);
});

test('at most `limit` peers, only those offering gossip_queries; a freed slot goes to the oldest candidate', () => {
  const f = fakeFront('f1');
  const now = 1_700_000_000_000;
  const s = new GossipSync({ limit: 2, chainHash: REGTEST, now: () => now, log: captureLogger().logger });
  s.peerUp('n0', f, 10, NONE);
  s.peerUp('n1', f, 11, QUERIES);
  s.peerUp('n2', f, 12, QUERIES);
  s.peerUp('n3', f, 13, QUERIES);
  s.peerUp('n4', f, 14, QUERIES);
  assert.deepEqual(s.syncing, ['n1', 'n2']);
  const reqs = f.sent.map((m) => (m.name === 'sync_request' ? m : assert.fail(m.name)));
  assert.deepEqual(reqs.map((r) => [r.conn, r.kind]), [[11, SYNC_KIND.gossipTimestampFilter], [11, SYNC_KIND.queryChannelRange], [12, SYNC_KIND.gossipTimestampFilter], [12, SYNC_KIND.queryChannelRange]]);
  const filter = decodeMessage(reqs[0]!.query);
  assert.ok(filter.name === 'gossip_timestamp_filter');
  assert.equal(filter.firstTimestamp, now / 1000);
  const range = decodeMessage(reqs[1]!.query);
  assert.ok(range.name === 'query_channel_range');
  assert.deepEqual([range.firstBlocknum, range.numberOfBlocks, range.tlvs.queryOption], [0, 0xffffffff, 1n]);
  assert.equal(new Set(reqs.map((r) => r.requestId)).size, 4, 'request ids differ');

  f.sent.length = 0;
  s.peerDown('n3'); // a candidate leaves: nothing changes
  assert.deepEqual(s.syncing, ['n1', 'n2']);
  s.peerDown('n1');
  assert.deepEqual(s.syncing, ['n2', 'n4']);
  assert.deepEqual(f.sent.map((m) => m.name === 'sync_request' && m.conn), [14, 14]);

  f.sent.length = 0;
  s.peerUp('n2', f, 20, QUERIES); // replaced connection: synced again on the new one
  assert.deepEqual(f.sent.map((m) => m.name === 'sync_request' && m.conn), [20, 20]);
  s.peerUp('n4', f, 21, NONE); // replaced by a connection without gossip_queries: slot freed
  assert.deepEqual(s.syncing, ['n2']);
});

test('limit 0 turns our sync off', () => {
  const f = fakeFront('f1');
  const s = new GossipSync({ limit: 0, chainHash: REGTEST, now: () => 0, log: captureLogger().logger });
  s.peerUp('n1', f, 1, QUERIES);
  assert.deepEqual(s.syncing, []);
  assert.deepEqual(f.sent, []);
});
