// Interop: a real LDK 0.1 node (WASM, `P2PGossipSync` with no UTXO lookup) connected to front 2 syncs
// the graph the cluster holds. The graph is pushed into front 1 by a BOLT 8 test peer and accepted by
// the backend; LDK sends `gossip_timestamp_filter` itself on connect (and may query), and must end
// with exactly our channels and nodes in its `NetworkGraph`, rejecting nothing. Front 1 checks the
// pushed gossip's signatures on two verification threads (each update's signer comes from its
// announcement still in the pipeline), front 2 with the default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/cluster-fixtures.js';
import { startGossipFronts } from '../helpers/gossip-fronts.js';
import { channelAnnouncement, channelUpdate, newChannelKeys, newKey, nodeAnnouncement } from '../helpers/gossip-fixtures.js';
import { dialPeer } from '../front/test-peer.js';
import { startTestBackend } from '../back/setup.js';
import { LdkNode } from '../helpers/ldk/ldk-node.js';

const CHANNELS = 12;

test('LDK P2PGossipSync on front 2 syncs the graph pushed into front 1: exact counts, nothing rejected', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const fronts = await startGossipFronts(t, pki, backend.linkPort, [{ name: 'ldk1', extra: { 'front.verify-threads': '2' } }, { name: 'ldk2' }]);

  const pusher = await dialPeer(fronts[0]!.peerPort, Buffer.from(backend.nodeId, 'hex'));
  t.after(() => pusher.socket.destroy());
  await pusher.exchangeInit();
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < CHANNELS; i++) {
    const keys = newChannelKeys({ node1: newKey(), node2: newKey() });
    const scid = (BigInt(200 + i) << 40n) | (BigInt(i) << 16n);
    for (const m of [channelAnnouncement(keys, scid), channelUpdate(keys, scid, 0, now), channelUpdate(keys, scid, 1, now), nodeAnnouncement(keys.node1, now), nodeAnnouncement(keys.node2, now)]) {
      pusher.sendRaw(m.raw);
    }
  }
  await waitFor('backend stored the graph', () => backend.status().graph.nodes === 2 * CHANNELS);
  const checked = fronts[0]!.status().gossipVerify.perThread.reduce((n, x) => n + x.jobs, 0);
  assert.equal(checked, 5 * CHANNELS, 'every pushed message was checked on front 1\'s threads');

  const ldk = await LdkNode.start({ network: 'regtest', alias: 'ldk-gossip', tickIntervalMs: 200 });
  t.after(() => ldk.stop());
  await ldk.connect(backend.nodeId, '127.0.0.1', fronts[1]!.peerPort);
  await ldk.waitForPeer(backend.nodeId);
  await waitFor('LDK synced the graph', () => {
    const c = ldk.graphCounts();
    return c.channels === CHANNELS && c.nodes === 2 * CHANNELS;
  }, 20_000);
  await new Promise((r) => setTimeout(r, 1000)); // later rebroadcasts or replies must not change it
  assert.deepEqual(ldk.graphCounts(), { channels: CHANNELS, nodes: 2 * CHANNELS });
  // LDK logs every gossip message it turns down as an error of the message handler.
  const rejected = ldk.logs.filter((l) => /Error handling message|Got Err|ignoring:/i.test(l));
  assert.deepEqual(rejected, []);
  assert.equal(ldk.logs.filter((l) => l.includes('Added channel_announcement')).length, CHANNELS);
  assert.deepEqual(ldk.listPeers(), [backend.nodeId], 'LDK kept the connection');
});
