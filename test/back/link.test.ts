// The backend's link server against scripted fronts over real TLS on 127.0.0.1: hello/hello_ack,
// hello_reject, certificate refusals (foreign CA, wrong role, revoked while running), link loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINK_PROTOCOL_VERSION } from '../../src/cluster/messages.js';
import { FEATURE_BY_NAME, FeatureVector } from '../../src/wire/index.js';
import { CHAIN_HASH_HEX } from '../../src/back/index.js';
import { TEST_NODE_ID_HEX, waitFor } from '../helpers/cluster-fixtures.js';
import { ScriptedFront } from './scripted-front.js';
import { startTestBackend } from './setup.js';

test('hello → hello_ack with node id, chain hash, LDK-required init features and peer settings', async (t) => {
  const { pki, backend } = await startTestBackend(t, { 'cluster.heartbeat-ms': '500', 'cluster.peer-timeout-ms': '1500' });
  const member = await pki.issue('front', 'front-a');
  const { front, ack } = await ScriptedFront.linked(pki, member, backend.linkPort);
  t.after(() => front.destroy());
  assert.equal(ack.version, LINK_PROTOCOL_VERSION);
  assert.equal(Buffer.from(ack.nodeId).toString('hex'), TEST_NODE_ID_HEX);
  assert.equal(backend.nodeId, TEST_NODE_ID_HEX);
  assert.equal(Buffer.from(ack.chainHash).toString('hex'), CHAIN_HASH_HEX.regtest);
  const features = FeatureVector.fromBytes(ack.initFeatures);
  for (const name of ['option_data_loss_protect', 'var_onion_optin', 'option_static_remotekey', 'payment_secret', 'gossip_queries']) {
    assert.ok(features.support(name) !== undefined, `${name} offered`);
  }
  assert.equal(features.support('var_onion_optin'), 'required');
  assert.ok(FEATURE_BY_NAME.size > 0);
  assert.equal(ack.heartbeatMs, 500);
  assert.equal(ack.peerTimeoutMs, 1500);
  assert.ok(ack.initialCredit > 0 && ack.maxMessageBytes === 65535 && ack.pingIntervalMs > 0);
  const fronts = await waitFor('front registered', () => backend.status().fronts.length === 1 && backend.status().fronts);
  assert.equal(fronts[0]!.id, 'front-a');
  assert.equal(fronts[0]!.certName, 'front-a');
});

test('version mismatch and duplicate front id → hello_reject, then the link closes', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const member = await pki.issue('front', 'front-a');
  const old = await ScriptedFront.connect(pki, member, backend.linkPort);
  const r = await old.hello('front-a', LINK_PROTOCOL_VERSION + 1);
  assert.equal(r.name, 'hello_reject');
  assert.match(r.name === 'hello_reject' ? r.reason : '', /version/);
  await old.closed;

  const { front } = await ScriptedFront.linked(pki, member, backend.linkPort);
  t.after(() => front.destroy());
  const dup = await ScriptedFront.connect(pki, member, backend.linkPort);
  const r2 = await dup.hello('front-a');
  assert.equal(r2.name, 'hello_reject');
  assert.match(r2.name === 'hello_reject' ? r2.reason : '', /already connected/);
  await dup.closed;
  assert.equal(backend.status().fronts.length, 1);
});

test('a front certificate from a foreign CA is refused and logged', async (t) => {
  const { pki, backend, logs } = await startTestBackend(t);
  const rogue = await pki.foreign('front', 'rogue');
  const f = await ScriptedFront.connect(pki, rogue, backend.linkPort);
  f.send({ name: 'hello', version: LINK_PROTOCOL_VERSION, frontId: 'rogue', capabilities: new Uint8Array(0), tlvs: {} });
  await f.closed;
  assert.equal(f.inbox.length, 0);
  await waitFor('refusal logged', () => logs.lines.find((l) => /refused/.test(String(l.msg)) && l.reason === 'untrusted'));
  assert.equal(backend.status().fronts.length, 0);
});

test('a backend-role certificate presented as a front is refused', async (t) => {
  const { pki, backend, logs } = await startTestBackend(t);
  const other = await pki.issue('back', 'other-back');
  const f = await ScriptedFront.connect(pki, other, backend.linkPort);
  await f.closed;
  assert.equal(f.inbox.length, 0);
  await waitFor('refusal logged', () => logs.lines.find((l) => /refused/.test(String(l.msg))));
});

test('revoking a front while it is linked drops its link and its peers; it cannot come back', async (t) => {
  const { pki, backend, logs } = await startTestBackend(t);
  const member = await pki.issue('front', 'front-r');
  const { front } = await ScriptedFront.linked(pki, member, backend.linkPort);
  front.send({ name: 'peer_attached', conn: 1, nodeId: Buffer.from('02' + '55'.repeat(32), 'hex'), remoteAddress: '192.0.2.1:9735', outbound: false, theirInit: new Uint8Array(0), ourInit: new Uint8Array(0), tlvs: {} });
  await front.next('peer_attach_ack');
  assert.equal(backend.status().peerCount, 1);
  pki.revoke(member);
  await front.closed;
  await waitFor('front gone', () => backend.status().fronts.length === 0);
  assert.equal(backend.status().peerCount, 0);
  assert.ok(logs.lines.some((l) => l.reason === 'revoked'));
  const again = await ScriptedFront.connect(pki, member, backend.linkPort);
  await again.closed;
  assert.equal(again.inbox.length, 0);
});

test('a destroyed front socket: its peers are marked down at once', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const member = await pki.issue('front', 'front-k');
  const { front } = await ScriptedFront.linked(pki, member, backend.linkPort);
  for (const [conn, b] of [[1, '66'], [2, '77']] as const) {
    front.send({ name: 'peer_attached', conn, nodeId: Buffer.from('03' + b.repeat(32), 'hex'), remoteAddress: '192.0.2.2:9735', outbound: false, theirInit: new Uint8Array(0), ourInit: new Uint8Array(0), tlvs: {} });
    await front.next('peer_attach_ack');
  }
  assert.equal(backend.peers().length, 2);
  front.destroy();
  await waitFor('peers down', () => backend.peers().length === 0 && backend.status().fronts.length === 0, 3000);
});

test('a silent front (socket open, no frames) is declared lost after peer-timeout and its peers go down', async (t) => {
  const { pki, backend, logs } = await startTestBackend(t, { 'cluster.heartbeat-ms': '200', 'cluster.peer-timeout-ms': '600' });
  const member = await pki.issue('front', 'front-s');
  const { front } = await ScriptedFront.linked(pki, member, backend.linkPort);
  t.after(() => front.destroy());
  front.send({ name: 'peer_attached', conn: 9, nodeId: Buffer.from('02' + '88'.repeat(32), 'hex'), remoteAddress: '192.0.2.3:9735', outbound: false, theirInit: new Uint8Array(0), ourInit: new Uint8Array(0), tlvs: {} });
  await front.next('peer_attach_ack');
  front.goSilent();
  await waitFor('link lost', () => backend.status().fronts.length === 0, 3000);
  assert.equal(backend.peers().length, 0);
  assert.ok(logs.lines.some((l) => /link lost/.test(String(l.reason))));
  await front.closed;
});

test('a front that sends something before hello is dropped', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const member = await pki.issue('front', 'front-x');
  const f = await ScriptedFront.connect(pki, member, backend.linkPort);
  f.send({ name: 'credit', conn: 1, messages: 1, tlvs: {} });
  await f.closed;
  assert.equal(f.inbox.length, 0);
});
