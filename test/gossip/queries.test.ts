/**
 * Query answering from the graph copy: reply_channel_range chunking (exact block coverage, ascending,
 * sync_complete only on the last, ≤ 65535 bytes, timestamps and checksums right), query_short_channel_ids
 * with and without flags (each node_announcement once), one query in flight, rate limits, other chains,
 * and the BOLT 7 query vectors as inputs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine } from '../../src/crypto/engines.js';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { GraphCopy } from '../../src/gossip/graph.js';
import { QueryResponder, maxScidsPerReply, replyChannelRange } from '../../src/gossip/queries.js';
import { rawType } from '../../src/gossip/raw.js';
import { channelUpdateChecksum, decodeMessage, MAX_MESSAGE_SIZE, type Message, type QueryChannelRange, type QueryShortChannelIds, type ReplyChannelRange } from '../../src/wire/index.js';
import { MAINNET_CHAIN, REGTEST_CHAIN, channelAnnouncement, channelUpdate, keyPair, nodeAnnouncement, scidFromParts, signerOf } from '../helpers/gossip-builders.js';
import { hex, loadBoltVector } from '../helpers/vectors.js';

const real = loadEngine('native');
/** Signatures do not matter to the graph copy: a zero-signing engine keeps building 6 000 channels fast. */
const unsigned: Secp256k1Engine = { ...real, sign: () => new Uint8Array(64) };
const NODES = Array.from({ length: 8 }, (_, i) => keyPair(real, `q${i}`));

/** A graph of `n` channels, 3 per block from `block0`, updates on both sides, node announcements. */
export function syntheticGraph(n: number, block0: number, chainHash: Uint8Array = MAINNET_CHAIN): GraphCopy {
  const g = new GraphCopy();
  for (let i = 0; i < n; i++) {
    const [a, b] = [NODES[i % 8]!, NODES[(i + 1 + (i >> 3)) % 8 === i % 8 ? (i + 1) % 8 : (i + 1 + (i >> 3)) % 8]!];
    const scid = scidFromParts(block0 + Math.floor(i / 3), i % 3, 0);
    g.applyRaw(channelAnnouncement(unsigned, { chainHash, scid, a, b }), 100_000 + i);
    for (const dir of [0, 1] as const) {
      if ((i + dir) % 7 === 0) continue; // some directions have no update
      g.applyRaw(channelUpdate(unsigned, signerOf(a, b, dir), { chainHash, scid, timestamp: 1_000 + i * 2 + dir, direction: dir, feeBaseMsat: i }));
    }
  }
  NODES.forEach((k, i) => g.applyRaw(nodeAnnouncement(unsigned, k, 500 + i)));
  return g;
}

const qcr = (first: number, blocks: number, option?: bigint, chainHash = MAINNET_CHAIN): QueryChannelRange => ({
  name: 'query_channel_range', chainHash, firstBlocknum: first, numberOfBlocks: blocks, tlvs: option === undefined ? {} : { queryOption: option },
});
const qscid = (scids: bigint[], flags?: bigint[], chainHash = MAINNET_CHAIN): QueryShortChannelIds => ({
  name: 'query_short_channel_ids', chainHash, encodedShortIds: scids, tlvs: flags === undefined ? {} : { queryFlags: flags },
});

/** Checks a full reply_channel_range sequence and returns its scids. */
function checkReplies(g: GraphCopy, q: QueryChannelRange, raws: Uint8Array[]): bigint[] {
  const replies = raws.map((r) => {
    assert.ok(r.length <= MAX_MESSAGE_SIZE, `reply of ${r.length} bytes`);
    return decodeMessage(r) as ReplyChannelRange;
  });
  assert.equal(replies[0]!.firstBlocknum, q.firstBlocknum);
  const scids: bigint[] = [];
  replies.forEach((m, i) => {
    const last = i === replies.length - 1;
    assert.equal(m.syncComplete, last ? 1 : 0);
    if (i > 0) assert.equal(m.firstBlocknum, replies[i - 1]!.firstBlocknum + replies[i - 1]!.numberOfBlocks, 'no gap, no overlap');
    if (last) assert.equal(m.firstBlocknum + m.numberOfBlocks, q.firstBlocknum + q.numberOfBlocks, 'covers exactly the query');
    for (const [k, s] of m.encodedShortIds.entries()) {
      const block = Number(s >> 40n);
      assert.ok(block >= m.firstBlocknum && block < m.firstBlocknum + m.numberOfBlocks, 'scid inside its reply range');
      const c = g.channel(s)!;
      const opt = q.tlvs.queryOption ?? 0n;
      if (opt & 1n) assert.deepEqual(m.tlvs.timestamps![k], { timestampNodeId1: c.updateTimestamp(0), timestampNodeId2: c.updateTimestamp(1) });
      else assert.equal(m.tlvs.timestamps, undefined);
      if (opt & 2n) {
        const sum = (u: Uint8Array | undefined) => (u === undefined ? 0 : channelUpdateChecksum(u));
        assert.deepEqual(m.tlvs.checksums![k], { checksumNodeId1: sum(c.update1), checksumNodeId2: sum(c.update2) });
      }
      scids.push(s);
    }
  });
  for (let i = 1; i < scids.length; i++) assert.ok(scids[i - 1]! < scids[i]!, 'ascending');
  return scids;
}

const g6000 = syntheticGraph(6_000, 700_000);

for (const option of [undefined, 1n, 3n]) {
  test(`reply_channel_range chunks (query_option ${option ?? 'none'}): exact coverage, ascending, sync_complete last, ≤ 65535 bytes`, () => {
    const q = qcr(699_990, 2_100, option);
    const raws = [...replyChannelRange(g6000, q)];
    const scids = checkReplies(g6000, q, raws);
    const expected = [...g6000.scidsInBlocks(699_990, 2_100)];
    assert.deepEqual(scids, expected);
    assert.equal(expected.length, 6_000);
    assert.equal(raws.length, Math.ceil(6_000 / (maxScidsPerReply(option ?? 0n) - 2)), 'chunks cut at block boundaries');
  });
}

test('reply_channel_range: an empty or partial range still gets one covering, complete reply', () => {
  for (const [first, n] of [[1, 10], [700_500, 3], [700_001, 1], [0, 0xffffffff]] as const) {
    const q = qcr(first, n, 3n);
    const raws = [...replyChannelRange(g6000, q)];
    const got = checkReplies(g6000, { ...q, numberOfBlocks: Math.min(n, 0xffffffff - first) }, raws);
    assert.deepEqual(got, [...g6000.scidsInBlocks(first, n)]);
  }
});

test('query_short_channel_ids without flags: announcement, both updates, then each node_announcement once', () => {
  const r = new QueryResponder(g6000, MAINNET_CHAIN, 0);
  const scids = [...g6000.scidsInBlocks(700_000, 4)];
  const out = r.handle(qscid([...scids, scidFromParts(1, 1, 1)]), 0);
  assert.equal(out.kind, 'reply');
  const msgs = [...(out as { messages: Iterable<Uint8Array> }).messages].map((m) => decodeMessage(m));
  const end = msgs.pop()!;
  assert.deepEqual(end, { name: 'reply_short_channel_ids_end', chainHash: MAINNET_CHAIN, fullInformation: 1, tlvs: {} });
  const anns = msgs.filter((m) => m.name === 'channel_announcement').length;
  const upds = msgs.filter((m) => m.name === 'channel_update').length;
  const nodes = msgs.filter((m) => m.name === 'node_announcement') as Extract<Message, { name: 'node_announcement' }>[];
  assert.equal(anns, scids.length);
  const expectedUpds = scids.reduce((s, x) => s + (g6000.channel(x)!.update1 ? 1 : 0) + (g6000.channel(x)!.update2 ? 1 : 0), 0);
  assert.equal(upds, expectedUpds);
  const keys = nodes.map((n) => Buffer.from(n.nodeId).toString('hex'));
  assert.equal(new Set(keys).size, keys.length, 'no node_announcement twice');
  assert.ok(msgs.findIndex((m) => m.name === 'channel_announcement') < msgs.findIndex((m) => m.name === 'node_announcement'));
});

test('query_short_channel_ids with encoded_query_flags: only what each flag asks for', () => {
  const r = new QueryResponder(g6000, MAINNET_CHAIN, 0);
  const [s1, s2, s3] = [...g6000.scidsInBlocks(700_010, 1)];
  const out = r.handle(qscid([s1!, s2!, s3!], [1n, 2n | 4n, 8n | 16n]), 0);
  const msgs = [...(out as { messages: Iterable<Uint8Array> }).messages];
  const c1 = g6000.channel(s1!)!;
  const c2 = g6000.channel(s2!)!;
  const c3 = g6000.channel(s3!)!;
  const expected = [c1.announcement, c2.update1, c2.update2, c3.node1.announcement, c3.node2.announcement].filter((x) => x !== undefined);
  assert.equal(msgs.length, expected.length + 1);
  expected.forEach((e, i) => assert.deepEqual(msgs[i], e));
  assert.equal(rawType(msgs.at(-1)!), 262);
});

test('one query in flight per kind: a second one before the first is drained gets a warning', () => {
  const r = new QueryResponder(g6000, MAINNET_CHAIN, 0);
  const first = r.handle(qscid([...g6000.scidsInBlocks(700_000, 2)]), 0);
  assert.equal(first.kind, 'reply');
  const it = (first as { messages: Iterable<Uint8Array> }).messages[Symbol.iterator]();
  it.next();
  assert.equal(r.handle(qscid([...g6000.scidsInBlocks(700_000, 1)]), 0).kind, 'warning');
  assert.equal(r.handle(qcr(700_000, 10), 0).kind, 'reply', 'the other kind is independent');
  while (!it.next().done);
  assert.equal(r.inFlight.shortChannelIds, false);
  assert.equal(r.handle(qscid([...g6000.scidsInBlocks(700_000, 1)]), 0).kind, 'reply');
  assert.equal(r.handle(qscid([1n, 2n], [1n]), 0).kind, 'warning', 'flag count must match');
});

test('rate limits: query_channel_range past its burst waits for a refill; abandoned replies free the slot', () => {
  const r = new QueryResponder(g6000, MAINNET_CHAIN, 0);
  for (let i = 0; i < 4; i++) {
    const o = r.handle(qcr(700_000, 1), 0);
    assert.equal(o.kind, 'reply');
    [...(o as { messages: Iterable<Uint8Array> }).messages];
  }
  const limited = r.handle(qcr(700_000, 1), 0);
  assert.equal(limited.kind, 'rateLimited');
  const retryAt = (limited as { retryAt: number }).retryAt;
  assert.ok(retryAt > 0);
  assert.equal(r.handle(qcr(700_000, 1), retryAt).kind, 'reply');
});

test('queries for another chain: query_channel_range ignored, query_short_channel_ids ends with full_information 0', () => {
  const r = new QueryResponder(g6000, MAINNET_CHAIN, 0);
  assert.equal(r.handle(qcr(700_000, 10, undefined, REGTEST_CHAIN), 0).kind, 'ignored');
  const o = r.handle(qscid([...g6000.scidsInBlocks(700_000, 1)], undefined, REGTEST_CHAIN), 0);
  const msgs = [...(o as { messages: Iterable<Uint8Array> }).messages].map((m) => decodeMessage(m));
  assert.deepEqual(msgs, [{ name: 'reply_short_channel_ids_end', chainHash: REGTEST_CHAIN, fullInformation: 0, tlvs: {} }]);
});

test('BOLT 7 query vectors (regtest chain) answered from a graph holding their scids', () => {
  const file = loadBoltVector<{ vectors: { name: string; hex: string; uses_obsolete_zlib: boolean; short_channel_ids?: string[] }[] }>('bolt07-query-vectors.json');
  // The vectors' chain_hash (0f9188f1…, regtest's genesis hash as the spec's vectors write it).
  const chain = (decodeMessage(hex(file.vectors[0]!.hex)) as QueryChannelRange).chainHash;
  const g = syntheticGraph(300, 35_000, chain);
  const r = new QueryResponder(g, chain, 0);
  let used = 0;
  for (const v of file.vectors.filter((x) => !x.uses_obsolete_zlib)) {
    const m = decodeMessage(hex(v.hex));
    if (m.name === 'query_channel_range') {
      const o = r.handle(m, 0);
      const raws = [...(o as { messages: Iterable<Uint8Array> }).messages];
      assert.deepEqual(checkReplies(g, m, raws), [...g.scidsInBlocks(m.firstBlocknum, m.numberOfBlocks)]);
      used++;
    } else if (m.name === 'query_short_channel_ids') {
      const o = r.handle(m, 0);
      const msgs = [...(o as { messages: Iterable<Uint8Array> }).messages];
      assert.equal(msgs.length, 1, 'the vector scids (block 0) are unknown: only the end');
      assert.equal(rawType(msgs[0]!), 262);
      used++;
    }
  }
  assert.equal(used, 3);
});
