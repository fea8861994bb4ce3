/**
 * The front daemon over real TCP/TLS on 127.0.0.1 against a scripted backend (test/front/scripted-backend.ts)
 * and test peers built from our own src/noise + src/wire. Timeouts only bound waits; nothing asserts on time.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startFront, type FrontHandle } from '../../src/front/index.js';
import { decodeMessage } from '../../src/wire/index.js';
import { captureLogger, createTempPki, frontConfig, waitFor, type TempPki } from '../helpers/cluster-fixtures.js';
import { DEFAULT_SCRIPT_SETTINGS, startScriptedBackend, type ScriptedBackend, type ScriptSettings } from './scripted-backend.js';
import { creditBatch } from '../../src/front/peer-socket.js';
import { dialPeer, listenPeer, type TestPeer } from './test-peer.js';
import { MAINNET, raw } from './helpers.js';
import { channelAnnouncement, channelUpdate, newChannelKeys, nodeAnnouncement } from '../helpers/gossip-fixtures.js';

const LOOPBACK0 = { host: '127.0.0.1', port: 0 };

interface Setup {
  pki: TempPki;
  backend: ScriptedBackend;
  front: FrontHandle;
  logs: ReturnType<typeof captureLogger>;
}

async function setup(t: TestContext, opts: { settings?: Partial<ScriptSettings>; config?: Record<string, string> } = {}): Promise<Setup> {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const backend = await startScriptedBackend(pki, opts.settings);
  t.after(() => backend.close());
  const cert = await pki.issue('front', 'fa');
  const config = frontConfig(pki, cert, backend.port, { 'cluster.reconnect-max-ms': '200', ...opts.config });
  const logs = captureLogger('debug');
  const front = await startFront(config, { logger: logs.logger, peerListen: LOOPBACK0, healthListen: LOOPBACK0 });
  t.after(() => front.close());
  await waitFor('link up', () => front.status().ready);
  return { pki, backend, front, logs };
}

/** A peer that finished BOLT 8 and init, and whose peer_attached the backend saw. */
async function attachedPeer(s: Setup): Promise<{ peer: TestPeer; conn: number }> {
  const peer = await dialPeer(s.front.peerPort, s.backend.nodeKey.pub);
  const init = await peer.exchangeInit();
  assert.equal(init.name, 'init');
  const hex = Buffer.from(peer.key.pub).toString('hex');
  const attached = await s.backend.next('peer_attached', (m) => Buffer.from(m.nodeId).toString('hex') === hex);
  return { peer, conn: attached.conn };
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

test('inbound peer: ECDH asked of the backend, init, pong, BOLT 2 both ways, disconnect', async (t) => {
  const s = await setup(t);
  const { peer, conn } = await attachedPeer(s);
  assert.ok(s.backend.received.some((m) => m.name === 'ecdh_request'), 'the handshake ECDH went to the backend');
  assert.equal(await peer.ping(10), 10);

  const openChannel = raw(32, Uint8Array.from([1, 2, 3, 4]));
  peer.sendRaw(openChannel);
  const pm = await s.backend.next('peer_message', (m) => m.conn === conn);
  assert.deepEqual(pm.message, openChannel);

  const accept = raw(33, Uint8Array.from([9, 9]));
  const from = peer.messages.length;
  // Credit for the backend's messages comes back once they left the front's buffer, in one frame per
  // batch of half the window (docs/cluster.md "Flow control"): one message less grants nothing yet.
  const batch = creditBatch(DEFAULT_SCRIPT_SETTINGS.initialCredit);
  for (let i = 0; i < batch - 1; i++) s.backend.send({ name: 'peer_message', conn, message: accept, tlvs: {} });
  await waitFor('the first messages of the batch at the peer', () => peer.messages.filter((m) => m[1] === 33).length >= batch - 1);
  s.backend.send({ name: 'peer_message', conn, message: accept, tlvs: {} });
  assert.deepEqual(await peer.next(33, from), accept);
  const credit = await s.backend.next('credit', (m) => m.conn === conn);
  assert.equal(credit.messages, batch);
  assert.equal(s.backend.received.filter((m) => m.name === 'credit' && m.conn === conn).length, 1, 'one credit frame for the batch');

  const h = await get(s.front.healthPort, '/healthz');
  assert.equal(h.status, 200);
  assert.equal(JSON.parse(h.body).connections, 1);
  assert.equal((await get(s.front.healthPort, '/readyz')).status, 200);
  const metrics = (await get(s.front.healthPort, '/metrics')).body;
  assert.match(metrics, /lnfleet_peer_messages_total\{direction="in",type="open_channel"\} 1/);
  assert.match(metrics, /lnfleet_link_up 1/);

  s.backend.send({ name: 'disconnect', conn, reason: 'test over', tlvs: {} });
  await peer.closed;
  const detached = await s.backend.next('peer_detached', (m) => m.conn === conn);
  assert.match(detached.reason, /test over/);
});

test('connect_request: the front dials a listening peer, then connect_result ok and peer_attached', async (t) => {
  const s = await setup(t);
  const remote = await listenPeer();
  t.after(() => remote.server.close());
  s.backend.send({ name: 'connect_request', requestId: 42, nodeId: remote.key.pub, host: '127.0.0.1', port: remote.port, tlvs: {} });
  const peer = await remote.accepted;
  t.after(() => peer.destroy());
  assert.equal((await peer.exchangeInit()).name, 'init');
  const result = await s.backend.next('connect_result', (m) => m.requestId === 42);
  assert.equal(result.ok, true);
  const attached = await s.backend.next('peer_attached', (m) => m.conn === result.conn);
  assert.equal(attached.outbound, true);
  assert.deepEqual(attached.nodeId, remote.key.pub);
  assert.ok(s.backend.received.some((m) => m.name === 'ecdh_request'), 'act three ECDH went to the backend');

  s.backend.send({ name: 'connect_request', requestId: 43, nodeId: remote.key.pub, host: 'nowhere.onion', port: 9735, tlvs: {} });
  const onion = await s.backend.next('connect_result', (m) => m.requestId === 43);
  assert.equal(onion.ok, false);
  assert.match(onion.error, /socks5-proxy/);
});

test('link loss: peers with channels go, channel-less peers stay and get pongs, new handshakes refused; redial re-attaches', async (t) => {
  const s = await setup(t);
  const a = await attachedPeer(s);
  const b = await attachedPeer(s);
  s.backend.withChannels.add(Buffer.from(b.peer.key.pub).toString('hex'));
  // Re-ack b with channels: the scripted backend decides hasChannels per node id at attach time.
  s.backend.send({ name: 'peer_attach_ack', conn: b.conn, accepted: true, hasChannels: true, credit: 10, tlvs: {} });
  assert.equal(await b.peer.ping(1), 1); // the ack above was processed before this pong

  const helloCount = s.backend.hellos;
  const mark = s.backend.received.length;
  await s.backend.kill();
  await b.peer.closed; // had channels
  await waitFor('link down', () => !s.front.status().ready);
  assert.equal((await get(s.front.healthPort, '/readyz')).status, 503);
  assert.equal(await a.peer.ping(5), 5); // channel-less peer still served
  await assert.rejects(dialPeer(s.front.peerPort, s.backend.nodeKey.pub), /closed during the handshake/);

  await s.backend.restart();
  await waitFor('link up again', () => s.front.status().ready && s.backend.hellos > helloCount);
  const again = await s.backend.next('peer_attached', (m) => m.conn === a.conn, mark);
  assert.deepEqual(again.nodeId, a.peer.key.pub);
  // And the re-attached peer's BOLT 2 traffic flows again.
  const msg = raw(36, Uint8Array.from([5]));
  a.peer.sendRaw(msg);
  const pm = await s.backend.next('peer_message', (m) => m.conn === a.conn, mark);
  assert.deepEqual(pm.message, msg);
  a.peer.destroy();
});

/** Asserts that `healthy` still gets pongs. */
async function stillWorks(healthy: TestPeer): Promise<void> {
  assert.equal(await healthy.ping(3), 3);
}

test('bad input closes only that connection: garbage act one, bad MAC, malformed length, unknown even, wrong network', async (t) => {
  const s = await setup(t);
  const healthy = (await attachedPeer(s)).peer;
  t.after(() => healthy.destroy());

  // Garbage instead of act one.
  const g = connect({ host: '127.0.0.1', port: s.front.peerPort });
  g.on('error', () => {});
  await once(g, 'connect');
  g.write(Buffer.alloc(50, 0x42));
  await once(g, 'close');
  await stillWorks(healthy);

  // Bad MAC after the handshake.
  const m = (await attachedPeer(s)).peer;
  const frame = m.transport!.encrypt(raw(32));
  frame[3]! ^= 0xff;
  m.socket.write(frame);
  await m.closed;
  await stillWorks(healthy);

  // A length field inside the message pointing past its end (ping byteslen 65000, 3 bytes follow).
  const o = (await attachedPeer(s)).peer;
  o.sendRaw(raw(18, Uint8Array.from([0, 1, 0xfd, 0xe8, 1, 2, 3])));
  await o.closed;
  assert.equal(decodeMessage(o.messages.at(-1)!).name, 'warning');
  await stillWorks(healthy);

  // Unknown even type: warning, then close.
  const u = (await attachedPeer(s)).peer;
  u.sendRaw(raw(32768));
  await u.closed;
  const w = decodeMessage(u.messages.at(-1)!);
  assert.ok(w.name === 'warning' && /unknown even/.test(Buffer.from(w.data).toString()));
  await stillWorks(healthy);

  // Wrong network in init.
  const n = await dialPeer(s.front.peerPort, s.backend.nodeKey.pub);
  n.send({ name: 'init', globalfeatures: new Uint8Array(0), features: new Uint8Array(0), tlvs: { networks: [MAINNET] } });
  await n.closed;
  await waitFor('log line', () => s.logs.lines.find((l) => /do not include our chain/.test(String(l.msg))));
  await stillWorks(healthy);
});

test('a peer that never finishes the handshake is closed after handshakeTimeoutMs', async (t) => {
  const s = await setup(t, { settings: { handshakeTimeoutMs: 300 } });
  const healthy = (await attachedPeer(s)).peer;
  t.after(() => healthy.destroy());
  const slow = connect({ host: '127.0.0.1', port: s.front.peerPort });
  slow.on('error', () => {});
  await once(slow, 'connect');
  slow.write(Buffer.alloc(20)); // part of act one, never the rest
  await once(slow, 'close');
  await waitFor('log line', () => s.logs.lines.find((l) => /handshake not finished within 300 ms/.test(String(l.msg))));
  await stillWorks(healthy);
});

test('a peer that never reads is closed at the send-buffer cap', async (t) => {
  const s = await setup(t);
  const healthy = (await attachedPeer(s)).peer;
  t.after(() => healthy.destroy());
  const lazy = (await attachedPeer(s)).peer;
  lazy.socket.pause(); // never read again
  const ping = raw(18, Uint8Array.from([0xff, 0xfb, 0, 0])); // num_pong_bytes 65531
  const burst = Buffer.concat(Array.from({ length: 400 }, () => lazy.transport!.encrypt(ping)));
  lazy.socket.write(burst);
  await waitFor('send buffer cap log', () => s.logs.lines.find((l) => /send buffer over/.test(String(l.msg))), 20_000);
  lazy.destroy();
  await stillWorks(healthy);
});

test('front.max-connections is enforced: the extra socket is refused at once', async (t) => {
  const s = await setup(t, { config: { 'front.max-connections': '2' } });
  const p1 = (await attachedPeer(s)).peer;
  const p2 = (await attachedPeer(s)).peer;
  t.after(() => { p1.destroy(); p2.destroy(); });
  const extra = connect({ host: '127.0.0.1', port: s.front.peerPort });
  extra.on('error', () => {});
  await once(extra, 'close');
  await stillWorks(p1);
  assert.equal(s.front.status().connections, 2);
});

test('front.key-provider = env: handshakes use the local key and continue while the backend is gone', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const backend = await startScriptedBackend(pki);
  t.after(() => backend.close());
  const cert = await pki.issue('front', 'fk');
  const nodeIdHex = Buffer.from(backend.nodeKey.pub).toString('hex');
  const config = frontConfig(pki, cert, backend.port, { 'front.key-provider': 'env', 'node.pub-key': nodeIdHex, 'cluster.reconnect-max-ms': '200' });
  const front = await startFront(config, {
    logger: captureLogger().logger, peerListen: LOOPBACK0, healthListen: LOOPBACK0,
    env: { NODE_PRIV_KEY: Buffer.from(backend.nodeKey.priv).toString('hex') },
  });
  t.after(() => front.close());
  await waitFor('link up', () => front.status().ready);
  await backend.kill();
  await waitFor('link down', () => !front.status().ready);
  const peer = await dialPeer(front.peerPort, backend.nodeKey.pub);
  t.after(() => peer.destroy());
  assert.equal((await peer.exchangeInit()).name, 'init');
  assert.equal(await peer.ping(2), 2);
  assert.ok(!backend.received.some((m) => m.name === 'ecdh_request'), 'no ECDH was asked of the backend');
});

/** `n` channels' gossip in BOLT 7 order: announcement, both updates, both node announcements. */
/** Offset of `timestamp` in a raw channel_update: type (2) + signature (64) + chain_hash (32) + short_channel_id (8). */
const CHANNEL_UPDATE_TIMESTAMP_OFFSET = 2 + 64 + 32 + 8;

function channelsGossip(n: number, firstBlock: number): Uint8Array[] {
  const now = Math.floor(Date.now() / 1000);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const keys = newChannelKeys();
    const scid = (BigInt(firstBlock + i) << 40n) | (1n << 16n);
    out.push(channelAnnouncement(keys, scid).raw, channelUpdate(keys, scid, 0, now).raw, channelUpdate(keys, scid, 1, now).raw,
      nodeAnnouncement(keys.node1, now).raw, nodeAnnouncement(keys.node2, now).raw);
  }
  return out;
}

test('front.verify-threads: gossip checked on the threads is forwarded announcement first; status and metrics show the threads; close ends them', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const backend = await startScriptedBackend(pki, { autoAcceptGossip: true });
  t.after(() => backend.close());
  const logs = captureLogger('info');
  const front = await startFront(frontConfig(pki, await pki.issue('front', 'fv'), backend.port, { 'front.verify-threads': '2' }), {
    logger: logs.logger, peerListen: LOOPBACK0, healthListen: LOOPBACK0,
  });
  let closed = false;
  t.after(() => (closed ? undefined : front.close()));
  assert.ok(logs.lines.some((l) => /front started \(gossip signatures: 2 verification threads, native secp256k1\)/.test(String(l.msg))));
  await waitFor('link up', () => front.status().ready);
  const peer = await dialPeer(front.peerPort, backend.nodeKey.pub);
  t.after(() => peer.destroy());
  await peer.exchangeInit();
  const gossip = channelsGossip(8, 300);
  // A newer update of the first channel whose signature no longer matches (its timestamp changed after
  // signing). Newer, so it is checked whenever the original arrived: a repeat of a known timestamp is
  // dropped before any signature check (BOLT 7 "SHOULD ignore"), and with the peer's writes no longer
  // coalesced by Nagle the original may be accepted first.
  const broken = Uint8Array.from(gossip[1]!);
  const view = new DataView(broken.buffer);
  view.setUint32(CHANNEL_UPDATE_TIMESTAMP_OFFSET, view.getUint32(CHANNEL_UPDATE_TIMESTAMP_OFFSET) + 1);
  for (const m of [...gossip, broken]) peer.sendRaw(m);
  await waitFor('every good message forwarded', () => backend.gossipForwards === gossip.length);
  const forwarded = backend.received.flatMap((m) => (m.name === 'gossip_forward' ? [Buffer.from(m.message).toString('hex')] : []));
  for (let c = 0; c < 8; c++) {
    const at = (k: number) => forwarded.indexOf(Buffer.from(gossip[5 * c + k]!).toString('hex'));
    for (let k = 1; k < 5; k++) assert.ok(at(0) >= 0 && at(0) < at(k), `channel ${c}: announcement forwarded before message ${k}`);
  }
  await waitFor('warning for the broken update', () => peer.messages.some((m) => { const d = decodeMessage(m); return d.name === 'warning' && /invalid signature/.test(Buffer.from(d.data).toString()); }));
  assert.equal(await peer.ping(6), 6, 'reads go on');
  const v = front.status().gossipVerify;
  assert.equal(v.threads, 2);
  assert.equal(v.mode, 'workers');
  assert.equal(v.engine, 'native');
  assert.equal(v.perThread.reduce((n, x) => n + x.jobs, 0), gossip.length + 1, 'every message checked on a thread');
  const metrics = (await get(front.healthPort, '/metrics')).body;
  assert.match(metrics, /^front_gossip_verify_threads 2$/m);
  assert.match(metrics, /^front_gossip_verify_jobs_total\{thread="1"\} \d+$/m);
  assert.match(metrics, new RegExp(`^front_router_signature_checks_total\\{where="ahead"\\} ${gossip.length + 1}$`, 'm'));
  assert.match(metrics, /^front_router_signature_checks_total\{where="inline"\} 0$/m);
  closed = true;
  await front.close();
  assert.deepEqual(front.status().gossipVerify.perThread.map((x) => x.state), ['closed', 'closed']);
});

test('a link loss with gossip in the verification pipeline: the peer\'s reads go on and nothing of it is forwarded on the next link', async (t) => {
  const s = await setup(t, { settings: { autoAcceptGossip: true }, config: { 'front.verify-threads': '1' } });
  const { peer } = await attachedPeer(s);
  t.after(() => peer.destroy());
  const gossip = channelsGossip(60, 400); // 300 messages, several times the 64 a peer may have unreleased
  for (const m of gossip) peer.sendRaw(m);
  await s.backend.kill(); // while they stream in: some forwarded, some in the pipeline, some after the loss
  await waitFor('link down', () => !s.front.status().ready);
  const mark = s.backend.received.length;
  await s.backend.restart();
  await waitFor('link up again', () => s.front.status().ready);
  assert.equal(await peer.ping(7), 7, 'the peer is read again: nothing of it was left unreleased');
  await s.backend.next('peer_attached', () => true, mark);
  assert.equal(await peer.ping(8), 8);
  assert.deepEqual(s.backend.received.slice(mark).filter((m) => m.name === 'gossip_forward'), [], 'nothing received before the loss is forwarded after it');
});
