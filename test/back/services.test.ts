// Backend services driven by scripted fronts: ECDH (ok, invalid point, rate limit), peer registry
// (attach ack, ConnectionReplaced across fronts), refused channel opens, credit, and outgoing
// connects (through a front, failure, no front).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeEngine } from '../../src/crypto/index.js';
import { ECDH_STATUS, type LinkMessageNamed } from '../../src/cluster/messages.js';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';
import { BackendError, CHAIN_HASH_HEX } from '../../src/back/index.js';
import { openChannelMessage } from '../helpers/scripted-peer.js';
import { TEST_NODE_PRIV_HEX, waitFor } from '../helpers/cluster-fixtures.js';
import { ScriptedFront } from './scripted-front.js';
import { startTestBackend } from './setup.js';

const engine = activeEngine();
const peerId = (b: string) => Buffer.from('02' + b.repeat(32), 'hex');
const attach = (conn: number, nodeId: Uint8Array): LinkMessageNamed<'peer_attached'> => ({
  name: 'peer_attached', conn, nodeId, remoteAddress: '198.51.100.7:9735', outbound: false, theirInit: new Uint8Array([0, 0, 0, 0]), ourInit: new Uint8Array([0, 0, 0, 0]), tlvs: {},
});

test('ecdh_request: the shared secret of the node key, invalid point → status 2', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'f1'), backend.linkPort);
  t.after(() => front.destroy());
  const ephPriv = Buffer.from('2a'.repeat(32), 'hex');
  const point = engine.publicKey(ephPriv);
  front.send({ name: 'ecdh_request', requestId: 7, point, tlvs: {} });
  const r = await front.next('ecdh_result');
  assert.equal(r.requestId, 7);
  assert.equal(r.status, ECDH_STATUS.ok);
  const expected = engine.ecdh(engine.publicKey(Buffer.from(TEST_NODE_PRIV_HEX, 'hex')), ephPriv);
  assert.deepEqual(Buffer.from(r.secret), Buffer.from(expected));

  const bad = new Uint8Array(33);
  bad[0] = 0x02;
  bad.fill(0xff, 1);
  front.send({ name: 'ecdh_request', requestId: 8, point: bad, tlvs: {} });
  const r2 = await front.next('ecdh_result');
  assert.equal(r2.requestId, 8);
  assert.equal(r2.status, ECDH_STATUS.invalidPoint);
  assert.deepEqual(Buffer.from(r2.secret), Buffer.alloc(32));
});

test('ecdh_request beyond the per-front bucket → status 1; another front has its own bucket', async (t) => {
  const { pki, backend } = await startTestBackend(t, {}, { ecdhBucket: { burst: 3, perSecond: 0.001 } });
  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'f1'), backend.linkPort);
  t.after(() => front.destroy());
  const point = engine.publicKey(Buffer.from('2b'.repeat(32), 'hex'));
  front.sendMany([1, 2, 3, 4, 5].map((requestId) => ({ name: 'ecdh_request', requestId, point, tlvs: {} })));
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await front.next('ecdh_result')).status);
  assert.deepEqual(statuses, [0, 0, 0, 1, 1]);
  const { front: other } = await ScriptedFront.linked(pki, await pki.issue('front', 'f2'), backend.linkPort);
  t.after(() => other.destroy());
  other.send({ name: 'ecdh_request', requestId: 1, point, tlvs: {} });
  assert.equal((await other.next('ecdh_result')).status, ECDH_STATUS.ok);
  const metrics = await (await fetch(`http://127.0.0.1:${backend.metricsPort}/metrics`)).text();
  assert.match(metrics, /lnfleet_ecdh_requests_total\{status="rate_limited"\} 2/);
  assert.match(metrics, /lnfleet_ecdh_requests_total\{status="ok"\} 4/);
});

test('peer_attached → ack with credit; the same node id from a second front replaces the first connection', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front: a, ack: helloAck } = await ScriptedFront.linked(pki, await pki.issue('front', 'fa'), backend.linkPort);
  const { front: b } = await ScriptedFront.linked(pki, await pki.issue('front', 'fb'), backend.linkPort);
  t.after(() => { a.destroy(); b.destroy(); });
  const id = peerId('31');
  a.send(attach(4, id));
  const ack = await a.next('peer_attach_ack');
  assert.deepEqual({ conn: ack.conn, accepted: ack.accepted, hasChannels: ack.hasChannels }, { conn: 4, accepted: true, hasChannels: false });
  assert.equal(ack.credit, helloAck.initialCredit);
  assert.deepEqual(backend.peers().map((p) => 'front' in p && p.front), ['fa']);

  b.send(attach(11, id));
  const ack2 = await b.next('peer_attach_ack');
  assert.equal(ack2.accepted, true);
  const d = await a.next('disconnect');
  assert.equal(d.conn, 4);
  assert.equal(d.reason, 'connection replaced');
  const peers = backend.peers();
  assert.equal(peers.length, 1);
  assert.deepEqual(peers[0] && 'front' in peers[0] ? [peers[0].front, peers[0].conn] : [], ['fb', 11]);

  // A late peer_detached for the replaced connection does not take the new one down.
  a.send({ name: 'peer_detached', conn: 4, reason: 'closed after disconnect', tlvs: {} });
  b.send({ name: 'peer_detached', conn: 12, reason: 'unknown conn', tlvs: {} });
  b.send(attach(13, peerId('32')));
  await b.next('peer_attach_ack');
  assert.equal(backend.status().peerCount, 2);
  b.send({ name: 'peer_detached', conn: 13, reason: 'peer closed', tlvs: {} });
  await waitFor('peer gone', () => backend.status().peerCount === 1);
  // Same front, same node id again (a reconnect through the same front): replaced too.
  b.send(attach(14, id));
  await b.next('peer_attach_ack');
  assert.equal((await b.next('disconnect')).conn, 11);
});

test('open_channel and open_channel2 → error for the temporary channel id, as peer_message on the same connection', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'f1'), backend.linkPort);
  t.after(() => front.destroy());
  front.send(attach(3, peerId('41')));
  await front.next('peer_attach_ack');
  for (const type of [32, 64]) {
    const tempId = Buffer.alloc(32, type === 32 ? 0xab : 0xcd);
    // open_channel below channels.min-funding-sat (refused by policy); open_channel2 (dual funding, not supported).
    const body = type === 32 ? openChannelMessage({ temporaryChannelId: tempId, fundingSat: 1000n })
      : Buffer.concat([Buffer.from([type >> 8, type & 0xff]), Buffer.from(CHAIN_HASH_HEX.regtest, 'hex'), tempId, Buffer.alloc(200, 1)]);
    front.send({ name: 'peer_message', conn: 3, message: body, tlvs: {} });
    const reply = await front.next('peer_message');
    assert.equal(reply.conn, 3);
    const m = decodeMessage(reply.message);
    assert.equal(m.name, 'error');
    if (m.name !== 'error') return;
    assert.deepEqual(Buffer.from(m.channelId), tempId);
    assert.ok(m.data.length > 0, 'the error says why');
  }
  // Anything else is ignored: a ping-sized unknown odd message gets no reply.
  front.send({ name: 'peer_message', conn: 3, message: encodeMessage({ name: 'unknown', type: 32769, payload: new Uint8Array(4) }), tlvs: {} });
  front.send(attach(5, peerId('42')));
  await front.next('peer_attach_ack');
  assert.equal(front.inbox.filter((m) => m.name === 'peer_message').length, 0);
});

test('credit: re-granted as messages are processed; replies wait for the front\'s credit', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front, ack: hello } = await ScriptedFront.linked(pki, await pki.issue('front', 'f1'), backend.linkPort);
  t.after(() => front.destroy());
  front.send(attach(1, peerId('51')));
  await front.next('peer_attach_ack');
  // Opens below channels.min-funding-sat: the backend answers each with an error for its temporary id.
  const open = (i: number) => openChannelMessage({ temporaryChannelId: Buffer.alloc(32, i), fundingSat: 1000n });
  // initialCredit opens: the backend may answer each (it starts with initialCredit towards the front too).
  front.sendMany(Array.from({ length: hello.initialCredit }, (_, i) => ({ name: 'peer_message' as const, conn: 1, message: open(i), tlvs: {} })));
  let granted = 0;
  while (granted < hello.initialCredit) granted += (await front.next('credit')).messages;
  assert.equal(granted, hello.initialCredit);
  for (let i = 0; i < hello.initialCredit; i++) await front.next('peer_message');
  // Out of credit towards the front: the next reply waits until the front grants more.
  front.send({ name: 'peer_message', conn: 1, message: open(200), tlvs: {} });
  front.send(attach(2, peerId('52')));
  await front.next('peer_attach_ack');
  assert.equal(front.inbox.filter((m) => m.name === 'peer_message').length, 0);
  front.send({ name: 'credit', conn: 1, messages: 1, tlvs: {} });
  const late = await front.next('peer_message');
  const m = decodeMessage(late.message);
  assert.ok(m.name === 'error' && m.channelId[0] === 200);
});

test('connect: connect_request reaches the least-loaded front; connect_result + peer_attached complete it', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front: busy } = await ScriptedFront.linked(pki, await pki.issue('front', 'busy'), backend.linkPort);
  const { front: idle } = await ScriptedFront.linked(pki, await pki.issue('front', 'idle'), backend.linkPort);
  t.after(() => { busy.destroy(); idle.destroy(); });
  busy.send(attach(1, peerId('61')));
  await busy.next('peer_attach_ack');
  const target = peerId('62').toString('hex');
  const call = backend.connect(target, '203.0.113.9', 9735);
  const req = await idle.next('connect_request');
  assert.equal(Buffer.from(req.nodeId).toString('hex'), target);
  assert.deepEqual([req.host, req.port], ['203.0.113.9', 9735]);
  idle.send({ name: 'connect_result', requestId: req.requestId, ok: true, conn: 77, error: '', tlvs: {} });
  idle.send({ ...attach(77, peerId('62')), outbound: true });
  const out = await call;
  assert.deepEqual(out, { nodeId: target, front: 'idle', conn: 77, alreadyConnected: false });
  await idle.next('peer_attach_ack');
  // Already connected: no dial.
  assert.equal((await backend.connect(target, '203.0.113.9', 9735)).alreadyConnected, true);

  // Now both fronts hold one connection: the tie goes to the longest-linked front, `busy`.
  const failing = backend.connect(peerId('63').toString('hex'), 'nowhere.invalid', 9735);
  const req2 = await busy.next('connect_request');
  busy.send({ name: 'connect_result', requestId: req2.requestId, ok: false, conn: 0, error: 'ECONNREFUSED', tlvs: {} });
  await assert.rejects(failing, (e: unknown) => e instanceof BackendError && e.code === 'BACK_CONNECT_FAILED' && /ECONNREFUSED/.test(e.message));
});

test('connect with no front → immediate BACK_NO_FRONT; front lost mid-dial → BACK_LINK_LOST', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  await assert.rejects(backend.connect(peerId('71').toString('hex'), '203.0.113.1', 9735), (e: unknown) => e instanceof BackendError && e.code === 'BACK_NO_FRONT');
  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'f1'), backend.linkPort);
  const call = backend.connect(peerId('72').toString('hex'), '203.0.113.1', 9735);
  await front.next('connect_request');
  front.destroy();
  await assert.rejects(call, (e: unknown) => e instanceof BackendError && e.code === 'BACK_LINK_LOST');
});

test('persistent peer: redialled after it drops', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'f1'), backend.linkPort);
  t.after(() => front.destroy());
  const target = peerId('81');
  const call = backend.connect(target.toString('hex'), '203.0.113.2', 9735, { persist: true });
  const req = await front.next('connect_request');
  front.send({ name: 'connect_result', requestId: req.requestId, ok: true, conn: 5, error: '', tlvs: {} });
  front.send({ ...attach(5, target), outbound: true });
  await call;
  await front.next('peer_attach_ack');
  front.send({ name: 'peer_detached', conn: 5, reason: 'peer closed', tlvs: {} });
  await waitFor('reconnecting listed', () => backend.peers().find((p) => p.state === 'reconnecting'));
  const again = await front.next('connect_request');
  assert.equal(Buffer.from(again.nodeId).toString('hex'), target.toString('hex'));
  assert.deepEqual(backend.disconnect(target.toString('hex')), { disconnected: false, wasPersistent: true });
});
