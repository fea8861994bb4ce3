// Our own node_announcement: the backend signs it from config (alias, colour, announce addresses, our
// init features) and, once a channel of ours is accepted, stores it and sends it to the fronts, which
// rebroadcast it to a peer that asked with gossip_timestamp_filter. A restart re-signs with a newer timestamp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';
import { verifyNodeAnnouncement } from '../../src/gossip/verify.js';
import { activeEngine } from '../../src/crypto/engines.js';
import { ourInitFeatures } from '../../src/back/index.js';
import { addressFor, signOwnAnnouncement } from '../../src/back/own-announcement.js';
import { TEST_NODE_PRIV_HEX, waitFor } from '../helpers/cluster-fixtures.js';
import { startGossipFront } from '../helpers/gossip-fronts.js';
import { channelAnnouncement, newChannelKeys, newKey, REGTEST } from '../helpers/gossip-fixtures.js';
import { dialPeer, type TestPeer } from '../front/test-peer.js';
import { startTestBackend } from '../back/setup.js';
import { createNodeKey } from '../../src/keys/node-key.js';

const NODE_ANN = 257;
const CONFIG = { 'node.alias': 'fleet-own', 'node.color': '#a1b2c3', 'node.announce-addresses': '203.0.113.7:9735,[2001:db8::1]:9736,node.example.org:9735' };

test('addressFor: IPv4, IPv6, Tor v3 and DNS descriptors', () => {
  assert.deepEqual(addressFor({ host: '203.0.113.7', port: 9735 }), { type: 'ipv4', addr: Uint8Array.of(203, 0, 113, 7), port: 9735 });
  const v6 = addressFor({ host: '[2001:db8::1]', port: 1 });
  assert.equal(v6.type, 'ipv6');
  assert.equal(Buffer.from((v6 as { addr: Uint8Array }).addr).toString('hex'), '20010db8000000000000000000000001');
  const onion = addressFor({ host: `${'a'.repeat(55)}d.onion`, port: 9735 });
  assert.equal(onion.type, 'torv3');
  assert.equal((onion as { addr: Uint8Array }).addr.length, 35);
  assert.deepEqual(addressFor({ host: 'node.example.org', port: 9735 }), { type: 'dns', hostname: 'node.example.org', port: 9735 });
});

test('signOwnAnnouncement verifies and carries the given fields', () => {
  const key = createNodeKey(Buffer.from(TEST_NODE_PRIV_HEX, 'hex'), 'env');
  const raw = signOwnAnnouncement(key, { alias: 'x', color: '#010203', addresses: [], features: ourInitFeatures() }, 1234);
  const m = decodeMessage(raw);
  assert.ok(m.name === 'node_announcement');
  if (m.name !== 'node_announcement') return;
  assert.ok(verifyNodeAnnouncement(raw, m, activeEngine()).ok);
  assert.equal(m.timestamp, 1234);
  assert.deepEqual([...m.rgbColor], [1, 2, 3]);
  assert.deepEqual(Buffer.from(m.features), Buffer.from(ourInitFeatures()));
  key.destroy();
});

test('own node_announcement: signed from config, published with our first channel, reaches a filtering peer', async (t) => {
  const { pki, backend } = await startTestBackend(t, CONFIG);
  const f = await startGossipFront(t, pki, backend.linkPort, 'own1');
  const peer = async (): Promise<TestPeer> => {
    const p = await dialPeer(f.peerPort, Buffer.from(backend.nodeId, 'hex'));
    t.after(() => p.socket.destroy());
    await p.exchangeInit();
    return p;
  };
  const origin = await peer();
  const listener = await peer();
  listener.sendRaw(encodeMessage({ name: 'gossip_timestamp_filter', chainHash: REGTEST, firstTimestamp: 0, timestampRange: 0xffffffff, tlvs: {} }));

  // No channel of ours yet: nothing stored for our node.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(backend.status().graph.nodes, 0);

  // A channel with our node at one end (signed with the test node key) makes it publishable.
  const keys = newChannelKeys({ node1: Buffer.from(TEST_NODE_PRIV_HEX, 'hex'), node2: newKey() });
  origin.sendRaw(channelAnnouncement(keys, (500n << 40n) | 1n).raw);
  await waitFor('listener got our node_announcement', () => listener.messages.some((m) => ((m[0]! << 8) | m[1]!) === NODE_ANN));
  const raw = listener.messages.find((m) => ((m[0]! << 8) | m[1]!) === NODE_ANN)!;
  const m = decodeMessage(raw);
  assert.ok(m.name === 'node_announcement');
  if (m.name !== 'node_announcement') return;
  assert.ok(verifyNodeAnnouncement(raw, m, activeEngine()).ok);
  assert.equal(Buffer.from(m.nodeId).toString('hex'), backend.nodeId);
  assert.equal(Buffer.from(m.alias).toString('utf8').replace(/\0+$/, ''), 'fleet-own');
  assert.equal(Buffer.from(m.rgbColor).toString('hex'), 'a1b2c3');
  assert.deepEqual(m.addresses.map((a) => a.type), ['ipv4', 'ipv6', 'dns']);
  assert.ok(Math.abs(m.timestamp - Date.now() / 1000) < 60);
  assert.equal(backend.status().graph.nodes, 1);
});
