// Our own sync from peers, end to end on loopback: cluster A (backend + front) holds a graph that
// cluster B (backend with another node key + front) has not. B's backend dials A's node through its
// front; B picks A as a sync peer (it offers gossip_queries) and sends its front sync_requests; B's
// front sends the timestamp filter (from now: no backlog, the gossip is older) and the range query, then
// query_short_channel_ids for what A listed; A's answers go through B's router to B's backend, whose
// graph ends with exactly A's channels, updates and nodes. A newer update for a channel B knows is
// fetched by a later sync (timestamps in reply_channel_range), and only it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FrontHandle } from '../../src/front/index.js';
import { waitFor } from '../helpers/cluster-fixtures.js';
import { startGossipFront } from '../helpers/gossip-fronts.js';
import { channelAnnouncement, channelUpdate, newChannelKeys, newKey, nodeAnnouncement, type ChannelKeys } from '../helpers/gossip-fixtures.js';
import { dialPeer } from '../front/test-peer.js';
import { startTestBackend } from '../back/setup.js';

const CHANNELS = 30;
const OTHER_NODE_ENV = { NODE_PRIV_KEY: '0202020202020202020202020202020202020202020202020202020202020202' };

test('a backend syncs a peer\'s graph through its front by range and scid queries: exact counts', async (t) => {
  const a = await startTestBackend(t);
  const fa = await startGossipFront(t, a.pki, a.backend.linkPort, 'sa');
  const b = await startTestBackend(t, {}, { env: OTHER_NODE_ENV });
  const fb = await startGossipFront(t, b.pki, b.backend.linkPort, 'sb');
  assert.notEqual(a.backend.nodeId, b.backend.nodeId);

  // A's graph, pushed by a test peer; timestamps in the past so B's filter (from now) brings no backlog.
  const ts = Math.floor(Date.now() / 1000) - 3600;
  const keys: ChannelKeys[] = [];
  const pusher = await dialPeer(fa.peerPort, Buffer.from(a.backend.nodeId, 'hex'));
  t.after(() => pusher.socket.destroy());
  await pusher.exchangeInit();
  const scidOf = (i: number) => (BigInt(300 + (i >> 2)) << 40n) | (BigInt(i & 3) << 16n);
  for (let i = 0; i < CHANNELS; i++) {
    const k = newChannelKeys({ node1: newKey(), node2: newKey() });
    keys.push(k);
    for (const m of [channelAnnouncement(k, scidOf(i)), channelUpdate(k, scidOf(i), 0, ts), channelUpdate(k, scidOf(i), 1, ts), nodeAnnouncement(k.node1, ts), nodeAnnouncement(k.node2, ts)]) {
      pusher.sendRaw(m.raw);
    }
  }
  const full = { channels: CHANNELS, channelUpdates: 2 * CHANNELS, nodes: 2 * CHANNELS };
  await waitFor('A stored the graph', () => a.backend.status().graph.nodes === full.nodes);
  assert.equal(b.backend.status().graph.channels, 0);

  assert.equal((await b.backend.connect(a.backend.nodeId, '127.0.0.1', fa.peerPort)).front, 'sb');
  const counts = () => { const g = b.backend.status().graph; return { channels: g.channels, channelUpdates: g.channelUpdates, nodes: g.nodes }; };
  await waitFor('B synced A\'s graph', () => counts().nodes === full.nodes && counts().channelUpdates === full.channelUpdates, 20_000);
  assert.deepEqual(counts(), full);
  assert.ok(b.logs.lines.some((l) => l.msg === 'gossip sync from peer started' && l.peer === a.backend.nodeId));

  // A newer update of one direction on A; B reconnects and a new sync fetches exactly that update.
  pusher.sendRaw(channelUpdate(keys[3]!, scidOf(3), 1, ts + 10, { fee: 7 }).raw);
  await until('A took the newer update', async () => (await acceptedUpdates(fa)) === full.channelUpdates + 1);
  const forwardedBefore = await acceptedUpdates(fb);
  assert.equal(forwardedBefore, full.channelUpdates);
  b.backend.disconnect(a.backend.nodeId);
  await waitFor('B lost A', () => b.backend.status().peerCount === 0);
  await b.backend.connect(a.backend.nodeId, '127.0.0.1', fa.peerPort);
  await until('B fetched the newer update', async () => (await acceptedUpdates(fb)) === forwardedBefore + 1);
  await new Promise((res) => setTimeout(res, 500));
  assert.equal(await acceptedUpdates(fb), forwardedBefore + 1, 'only the newer update was asked for');
  assert.equal(await routerCount(fb, 'duplicate', 'channel_update') + await routerCount(fb, 'dropped', 'channel_update'), 0, 'nothing asked twice');
  assert.deepEqual(counts(), full);
});

/** `front_router_gossip_total{status,type}` of a front. */
async function routerCount(f: FrontHandle, status: string, type: string): Promise<number> {
  const text = await f.metrics.registry.getSingleMetricAsString('front_router_gossip_total');
  const m = new RegExp(`front_router_gossip_total\\{status="${status}",type="${type}"\\} (\\d+)`).exec(text);
  return m === null ? 0 : Number(m[1]);
}
const acceptedUpdates = (f: FrontHandle) => routerCount(f, 'accepted', 'channel_update');

/** Polls an async check every 20 ms, bounded by 20 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const start = Date.now(); !(await check());) {
    if (Date.now() - start > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
