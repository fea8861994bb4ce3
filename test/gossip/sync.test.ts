/**
 * Our own sync against one peer (`PeerSync`, sans-I/O): the filter goes out at once; a range query is
 * followed, once its replies cover the range, by chunked query_short_channel_ids for exactly what the
 * copy lacks or has older (by the peer's timestamps), sorted and merged, one outstanding at a time;
 * full_information 0 and silence end the sync; requests queue in order and are bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphCopy } from '../../src/gossip/graph.js';
import { PeerSync, SYNC_MAX_QUEUED_REQUESTS, type SyncAction } from '../../src/gossip/sync.js';
import { QUERY_FLAG } from '../../src/gossip/queries.js';
import { decodeMessage, encodeMessage, type QueryShortChannelIds, type ReplyChannelRange } from '../../src/wire/index.js';
import { channelAnnouncement, channelUpdate, newChannelKeys, REGTEST } from '../helpers/gossip-fixtures.js';

const ALL = QUERY_FLAG.announcement | QUERY_FLAG.update1 | QUERY_FLAG.update2 | QUERY_FLAG.node1 | QUERY_FLAG.node2;
const scid = (block: number, tx = 0): bigint => (BigInt(block) << 40n) | (BigInt(tx) << 16n);
const range = (first = 0, blocks = 0xffffffff) => ({
  kind: 'range' as const, query: { name: 'query_channel_range' as const, chainHash: REGTEST, firstBlocknum: first, numberOfBlocks: blocks, tlvs: { queryOption: 1n } },
});
const reply = (first: number, blocks: number, ids: bigint[], ts?: [number, number][]): ReplyChannelRange => ({
  name: 'reply_channel_range', chainHash: REGTEST, firstBlocknum: first, numberOfBlocks: blocks, syncComplete: 1, encodedShortIds: ids,
  tlvs: ts === undefined ? {} : { timestamps: ts.map(([a, b]) => ({ timestampNodeId1: a, timestampNodeId2: b })) },
});
const end = (full = 1) => ({ name: 'reply_short_channel_ids_end' as const, chainHash: REGTEST, fullInformation: full, tlvs: {} });
const sent = (out: SyncAction[]) => out.flatMap((a) => (a.kind === 'send' ? [decodeMessage(a.raw)] : []));
const qscids = (out: SyncAction[]) => sent(out).filter((m): m is QueryShortChannelIds & { name: 'query_short_channel_ids' } => m.name === 'query_short_channel_ids');

/** A copy with one channel at block 10 whose updates have timestamps 100 (dir 0) and 200 (dir 1). */
function copyWithOne(): GraphCopy {
  const g = new GraphCopy();
  const keys = newChannelKeys();
  g.applyRaw(channelAnnouncement(keys, scid(10)).raw);
  g.applyRaw(channelUpdate(keys, scid(10), 0, 100).raw);
  g.applyRaw(channelUpdate(keys, scid(10), 1, 200).raw);
  return g;
}

test('filter goes out at once, then the range query; unknown channels asked in full, known ones only where newer', () => {
  const s = new PeerSync(copyWithOne(), { scidsPerQuery: 2 });
  const filter = encodeMessage({ name: 'gossip_timestamp_filter', chainHash: REGTEST, firstTimestamp: 5, timestampRange: 0xffffffff, tlvs: {} });
  const out: SyncAction[] = [];
  s.request({ kind: 'filter', raw: filter }, 0, out);
  s.request(range(), 0, out);
  assert.deepEqual(sent(out).map((m) => m.name), ['gossip_timestamp_filter', 'query_channel_range']);
  assert.equal(s.busy, true);

  // Two replies, out of order and with a repeat: the copy's channel is newer only in direction 1.
  const o1: SyncAction[] = [];
  assert.equal(s.onReplyChannelRange(reply(0, 12, [scid(10), scid(11), scid(9)], [[100, 201], [1, 1], [1, 1]]), 1, o1), true);
  assert.deepEqual(qscids(o1), [], 'nothing asked before the replies cover the range');
  const o2: SyncAction[] = [];
  s.onReplyChannelRange(reply(12, 0xffffffff - 12, [scid(11), scid(20)]), 2, o2);
  const q1 = qscids(o2);
  assert.equal(q1.length, 1, 'one query outstanding');
  assert.deepEqual(q1[0]!.encodedShortIds, [scid(9), scid(10)]);
  assert.deepEqual(q1[0]!.tlvs.queryFlags, [ALL, QUERY_FLAG.update2]);
  assert.equal(o2.some((a) => a.kind === 'stepDone' && a.step === 'range' && a.scids === 5), true);

  // A second end before the first is answered is impossible; each end releases the next chunk.
  const o3: SyncAction[] = [];
  s.onReplyShortChannelIdsEnd(end(), 3, o3);
  assert.deepEqual(qscids(o3).map((q) => q.encodedShortIds), [[scid(11), scid(20)]]);
  assert.deepEqual(qscids(o3)[0]!.tlvs.queryFlags, [ALL, ALL], 'a repeated scid is asked once');
  const o4: SyncAction[] = [];
  s.onReplyShortChannelIdsEnd(end(), 4, o4);
  assert.deepEqual(sent(o4), []);
  assert.deepEqual(o4, [{ kind: 'stepDone', step: 'ids', scids: 4 }]);
  assert.equal(s.busy, false);
  assert.equal(s.onReplyShortChannelIdsEnd(end(), 5, []), false, 'an unasked end is not ours');
});

test('replies for another chain or without a query are not taken; no timestamps means known channels are skipped', () => {
  const s = new PeerSync(copyWithOne());
  assert.equal(s.onReplyChannelRange(reply(0, 100, [scid(1)]), 0, []), false);
  const out: SyncAction[] = [];
  s.request(range(), 0, out);
  assert.equal(s.onReplyChannelRange({ ...reply(0, 0xffffffff, [scid(1)]), chainHash: new Uint8Array(32) }, 1, []), false);
  const o: SyncAction[] = [];
  s.onReplyChannelRange(reply(0, 0xffffffff, [scid(10), scid(12)]), 1, o);
  assert.deepEqual(qscids(o).map((q) => q.encodedShortIds), [[scid(12)]]);
});

test('an empty answer asks nothing and runs the next request; full_information 0 ends the ids step', () => {
  const s = new PeerSync(new GraphCopy());
  const out: SyncAction[] = [];
  s.request(range(0, 100), 0, out);
  s.request(range(100, 100), 0, out);
  const o1: SyncAction[] = [];
  s.onReplyChannelRange(reply(0, 100, []), 1, o1);
  assert.deepEqual(sent(o1).map((m) => m.name), ['query_channel_range'], 'straight on to the next request');
  const o2: SyncAction[] = [];
  s.onReplyChannelRange(reply(100, 100, [scid(150), scid(160)]), 2, o2);
  assert.equal(qscids(o2).length, 1);
  const o3: SyncAction[] = [];
  s.onReplyShortChannelIdsEnd(end(0), 3, o3);
  assert.equal(o3.some((a) => a.kind === 'stepDone' && a.note !== undefined && /full information/.test(a.note)), true);
  assert.equal(s.busy, false);
});

test('silence: a range step ends after the idle timeout and what it listed is still asked; an unanswered qscid ends the sync', () => {
  const s = new PeerSync(new GraphCopy(), { idleTimeoutMs: 1000, scidsPerQuery: 1 });
  s.request(range(), 0, []);
  s.onReplyChannelRange(reply(0, 50, [scid(7)]), 100, []); // does not cover the range
  const o1: SyncAction[] = [];
  s.tick(1099, o1);
  assert.deepEqual(o1, []);
  s.activity(1050); // gossip from the peer keeps the query alive
  s.tick(2049, o1);
  assert.deepEqual(o1, []);
  s.tick(2050, o1);
  assert.deepEqual(qscids(o1).map((q) => q.encodedShortIds), [[scid(7)]]);
  const o2: SyncAction[] = [];
  s.tick(3050, o2);
  assert.equal(o2.some((a) => a.kind === 'stepDone' && a.step === 'ids' && /no reply_short_channel_ids_end/.test(a.note ?? '')), true);
  assert.equal(s.busy, false);
});

test('a qscid request from the backend is chunked; the collected scids are bounded; the queue is bounded', () => {
  const s = new PeerSync(new GraphCopy(), { scidsPerQuery: 2, maxScids: 3 });
  const out: SyncAction[] = [];
  const ids = [scid(5), scid(1), scid(3), scid(4)];
  s.request({ kind: 'ids', query: { name: 'query_short_channel_ids', chainHash: REGTEST, encodedShortIds: ids, tlvs: {} } }, 0, out);
  assert.deepEqual(qscids(out).map((q) => q.encodedShortIds), [[scid(1), scid(3)]], 'sorted, bounded to 3, chunk of 2');
  const o: SyncAction[] = [];
  s.onReplyShortChannelIdsEnd(end(), 1, o);
  assert.deepEqual(qscids(o).map((q) => q.encodedShortIds), [[scid(5)]]);
  for (let i = 0; i < SYNC_MAX_QUEUED_REQUESTS; i++) assert.equal(s.request(range(), 2, []), true);
  assert.equal(s.request(range(), 2, []), false);
});
