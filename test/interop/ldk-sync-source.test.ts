// Interop: our backend syncs the graph from a real LDK 0.1 node (WASM). LDK first learns a graph from
// cluster A (pushed into A's front by a test peer); then cluster B, with another node key, dials LDK
// through B's front. B picks LDK as a sync peer (it offers gossip_queries), and B's front sends the
// timestamp filter (from now) and the range query. LDK answers the range query and, on a peer's first
// timestamp filter, sends its whole graph whatever the timestamp; it does not answer
// query_short_channel_ids ("Not implemented"), a step B's sync ends by its idle timeout. B's graph must
// end with exactly the graph LDK holds, and LDK must keep both connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/cluster-fixtures.js';
import { startGossipFront } from '../helpers/gossip-fronts.js';
import { channelAnnouncement, channelUpdate, newChannelKeys, newKey, nodeAnnouncement } from '../helpers/gossip-fixtures.js';
import { dialPeer } from '../front/test-peer.js';
import { startTestBackend } from '../back/setup.js';
import { LdkNode } from '../helpers/ldk/ldk-node.js';

const CHANNELS = 8;
const OTHER_NODE_ENV = { NODE_PRIV_KEY: '0303030303030303030303030303030303030303030303030303030303030303' };

test('a backend syncs the graph of a real LDK peer through its front: exact counts', async (t) => {
  const a = await startTestBackend(t);
  const fa = await startGossipFront(t, a.pki, a.backend.linkPort, 'la');
  const pusher = await dialPeer(fa.peerPort, Buffer.from(a.backend.nodeId, 'hex'));
  t.after(() => pusher.socket.destroy());
  await pusher.exchangeInit();
  const ts = Math.floor(Date.now() / 1000) - 3600;
  for (let i = 0; i < CHANNELS; i++) {
    const k = newChannelKeys({ node1: newKey(), node2: newKey() });
    const scid = (BigInt(400 + i) << 40n) | (BigInt(i) << 16n);
    for (const m of [channelAnnouncement(k, scid), channelUpdate(k, scid, 0, ts), channelUpdate(k, scid, 1, ts), nodeAnnouncement(k.node1, ts), nodeAnnouncement(k.node2, ts)]) {
      pusher.sendRaw(m.raw);
    }
  }
  const full = { channels: CHANNELS, channelUpdates: 2 * CHANNELS, nodes: 2 * CHANNELS };
  await waitFor('A stored the graph', () => a.backend.status().graph.nodes === full.nodes);

  const ldk = await LdkNode.start({ network: 'regtest', alias: 'ldk-source', tickIntervalMs: 200 });
  t.after(() => ldk.stop());
  await ldk.connect(a.backend.nodeId, '127.0.0.1', fa.peerPort);
  await waitFor('LDK synced from A', () => {
    const c = ldk.graphCounts();
    return c.channels === CHANNELS && c.nodes === 2 * CHANNELS;
  }, 20_000);
  const ldkPort = await ldk.listen();

  const b = await startTestBackend(t, {}, { env: OTHER_NODE_ENV });
  await startGossipFront(t, b.pki, b.backend.linkPort, 'lb');
  assert.equal(b.backend.status().graph.channels, 0);
  assert.equal((await b.backend.connect(ldk.nodeId, '127.0.0.1', ldkPort)).front, 'lb');
  const counts = () => { const g = b.backend.status().graph; return { channels: g.channels, channelUpdates: g.channelUpdates, nodes: g.nodes }; };
  await waitFor('B synced LDK\'s graph', () => counts().channels === full.channels && counts().channelUpdates === full.channelUpdates && counts().nodes === full.nodes, 20_000);
  assert.ok(b.logs.lines.some((l) => l.msg === 'gossip sync from peer started' && l.peer === ldk.nodeId));
  await new Promise((r) => setTimeout(r, 500)); // nothing more arrives later
  assert.deepEqual(counts(), full);
  assert.deepEqual(ldk.listPeers().sort(), [a.backend.nodeId, b.backend.nodeId].sort(), 'LDK kept both connections');
});
