// Gossip across the cluster on loopback, real processes' code and sockets: one backend (graph in
// SQLite), two fronts, BOLT 8 test peers. Signed gossip pushed into front 1 by one peer reaches a peer
// on front 2 by rebroadcast (after its gossip_timestamp_filter) and by queries, with exact counts;
// nothing goes back to the origin. A backend restart keeps the graph and the fronts resync; a channel
// removed while a front was unlinked is gone from its copy after the relink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, type BackendHandle } from '../../src/back/index.js';
import type { FrontHandle } from '../../src/front/index.js';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';
import { backendConfig, captureLogger, TEST_NODE_ENV, waitFor, type TempPki } from '../helpers/cluster-fixtures.js';
import { QUICK_REBROADCAST, startGossipFronts } from '../helpers/gossip-fronts.js';
import { channelAnnouncement, channelUpdate, newChannelKeys, newKey, nodeAnnouncement, REGTEST } from '../helpers/gossip-fixtures.js';
import { dialPeer, type TestPeer } from '../front/test-peer.js';
import { startTestBackend } from '../back/setup.js';
import { join } from 'node:path';
import { GraphStore } from '../../src/gossip/store.js';

const CHANNELS = 4;
const T = { ann: 256, node: 257, upd: 258 } as const;

/** Signed gossip of `CHANNELS` channels: announcement, both updates, both nodes' announcements. */
function buildGraph(now: number): { raws: Uint8Array[]; scids: bigint[] } {
  const raws: Uint8Array[] = [];
  const scids: bigint[] = [];
  for (let i = 0; i < CHANNELS; i++) {
    const keys = newChannelKeys({ node1: newKey(), node2: newKey() });
    const scid = (BigInt(100 + i) << 40n) | (1n << 16n);
    scids.push(scid);
    raws.push(channelAnnouncement(keys, scid).raw, channelUpdate(keys, scid, 0, now).raw, channelUpdate(keys, scid, 1, now).raw);
    raws.push(nodeAnnouncement(keys.node1, now).raw, nodeAnnouncement(keys.node2, now).raw);
  }
  return { raws, scids };
}

const count = (p: TestPeer, type: number): number => p.messages.filter((m) => ((m[0]! << 8) | m[1]!) === type).length;
const gossipCounts = (p: TestPeer) => ({ ann: count(p, T.ann), upd: count(p, T.upd), node: count(p, T.node) });
const EXPECTED = { ann: CHANNELS, upd: 2 * CHANNELS, node: 2 * CHANNELS };

/** `n` fronts g1…gn linked to `linkPort`, ready. */
function startFronts(t: { after(fn: () => Promise<void>): void }, pki: TempPki, linkPort: number, n: number): Promise<FrontHandle[]> {
  return startGossipFronts(t, pki, linkPort, Array.from({ length: n }, (_, i) => ({ name: `g${i + 1}` })));
}

async function peerOn(t: { after(fn: () => void): void }, f: FrontHandle, nodeId: string): Promise<TestPeer> {
  const p = await dialPeer(f.peerPort, Buffer.from(nodeId, 'hex'));
  t.after(() => p.socket.destroy());
  await p.exchangeInit();
  return p;
}

const allTime = () => encodeMessage({ name: 'gossip_timestamp_filter', chainHash: REGTEST, firstTimestamp: 0, timestampRange: 0xffffffff, tlvs: {} });

/** Full query sync: query_channel_range over every block, then query_short_channel_ids for what came back. */
async function querySync(p: TestPeer): Promise<bigint[]> {
  p.send({ name: 'query_channel_range', chainHash: REGTEST, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: {} });
  const scids: bigint[] = [];
  for (let from = 0; ;) {
    const raw = await p.next(264, from);
    from = p.messages.indexOf(raw) + 1;
    const r = decodeMessage(raw);
    assert.ok(r.name === 'reply_channel_range');
    if (r.name !== 'reply_channel_range') break;
    scids.push(...r.encodedShortIds);
    if (r.syncComplete === 1) break;
  }
  p.send({ name: 'query_short_channel_ids', chainHash: REGTEST, encodedShortIds: scids, tlvs: {} });
  await p.next(262);
  return scids;
}

test('cross-front gossip: rebroadcast after a timestamp filter and query sync, exact counts, nothing back to the origin', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const [f1, f2] = await startFronts(t, pki, backend.linkPort, 2);
  const origin = await peerOn(t, f1!, backend.nodeId);
  const listener = await peerOn(t, f2!, backend.nodeId);
  origin.sendRaw(allTime()); // the origin wants gossip too: it must still not get its own back
  listener.sendRaw(allTime());

  const { raws, scids } = buildGraph(Math.floor(Date.now() / 1000));
  for (const r of raws) origin.sendRaw(r);
  await waitFor('backend stored the graph', () => {
    const g = backend.status().graph;
    return g.channels === CHANNELS && g.channelUpdates === 2 * CHANNELS && g.nodes === 2 * CHANNELS;
  });
  await waitFor('listener got the rebroadcast', () => count(listener, T.node) === 2 * CHANNELS);
  await new Promise((r) => setTimeout(r, 3 * QUICK_REBROADCAST.intervalMs)); // nothing more may come
  assert.deepEqual(gossipCounts(listener), EXPECTED);
  assert.deepEqual(gossipCounts(origin), { ann: 0, upd: 0, node: 0 });

  const querier = await peerOn(t, f2!, backend.nodeId);
  assert.deepEqual((await querySync(querier)).sort(), [...scids].sort());
  assert.deepEqual(gossipCounts(querier), EXPECTED);

  // The same gossip again from another peer on front 2: all duplicates, nothing forwarded or rebroadcast.
  for (const r of raws) querier.sendRaw(r);
  await new Promise((r) => setTimeout(r, 3 * QUICK_REBROADCAST.intervalMs));
  assert.deepEqual(gossipCounts(listener), EXPECTED);
  const metrics = await f1!.metrics.registry.getSingleMetricAsString('front_router_gossip_total');
  assert.match(metrics, /front_router_gossip_total\{status="accepted",type="channel_announcement"\} 4/);
});

test('backend restart: the graph survives in SQLite and the fronts resync it', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const [f1] = await startFronts(t, pki, backend.linkPort, 1);
  const origin = await peerOn(t, f1!, backend.nodeId);
  for (const r of buildGraph(Math.floor(Date.now() / 1000)).raws) origin.sendRaw(r);
  await waitFor('backend stored the graph', () => backend.status().graph.nodes === 2 * CHANNELS);
  const linkPort = backend.linkPort;
  await backend.close();

  // Same config and data dir, same link port (the front redials it).
  let again: BackendHandle | undefined;
  t.after(async () => { await again?.close(); });
  again = await startBackend(backendConfig(pki), { env: TEST_NODE_ENV, logger: captureLogger('warn').logger, ephemeralPorts: true, linkPort });
  assert.deepEqual({ ...again.status().graph, unverifiedChannels: 0, spentPending: 0 }, { channels: CHANNELS, channelUpdates: 2 * CHANNELS, nodes: 2 * CHANNELS, unverifiedChannels: 0, spentPending: 0 });
  await waitFor('front relinked and ready', () => again!.status().fronts.length === 1 && f1!.status().ready, 20_000);
  const querier = await peerOn(t, f1!, again.nodeId);
  assert.equal((await querySync(querier)).length, CHANNELS);
  assert.deepEqual(gossipCounts(querier), EXPECTED);
});

test('relink: the new snapshot replaces the front\'s copy, so a channel removed while it was unlinked is gone', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const [f1] = await startFronts(t, pki, backend.linkPort, 1);
  const origin = await peerOn(t, f1!, backend.nodeId);
  const { raws, scids } = buildGraph(Math.floor(Date.now() / 1000));
  for (const r of raws) origin.sendRaw(r);
  await waitFor('backend stored the graph', () => backend.status().graph.nodes === 2 * CHANNELS);
  const linkPort = backend.linkPort;
  await backend.close();
  await waitFor('front unlinked', () => f1!.status().link !== 'up');

  // While the front is unlinked, the graph loses a channel (as a funding spend or stale pruning would).
  const store = GraphStore.open(join(pki.dir, 'back-data', 'graph.sqlite'), Math.floor(Date.now() / 1000));
  assert.equal(store.removeChannels([scids[0]!]).channels, 1);
  store.close();

  let again: BackendHandle | undefined;
  t.after(async () => { await again?.close(); });
  again = await startBackend(backendConfig(pki), { env: TEST_NODE_ENV, logger: captureLogger('warn').logger, ephemeralPorts: true, linkPort });
  await waitFor('front relinked and ready', () => again!.status().fronts.length === 1 && f1!.status().ready, 20_000);
  const querier = await peerOn(t, f1!, again.nodeId);
  assert.deepEqual((await querySync(querier)).sort(), scids.slice(1).sort());
  assert.deepEqual(gossipCounts(querier), { ann: CHANNELS - 1, upd: 2 * (CHANNELS - 1), node: 2 * (CHANNELS - 1) });
});
