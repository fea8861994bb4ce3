/**
 * The sans-I/O peer core (src/front/peer-fsm.ts): BOLT 1 rules, table-driven, with the clock injected.
 * A real BOLT 8 initiator from src/noise plays the peer; no sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoiseHandshake } from '../../src/noise/index.js';
import { CreditLedger } from '../../src/cluster/session.js';
import { FeatureVector } from '../../src/wire/index.js';
import { PeerConnection, checkTheirInit, type PeerAction } from '../../src/front/peer-fsm.js';
import { MAINNET, OUR_FEATURES, REGTEST, TIMINGS, drive, enc, newKey, ofKind, peerInit, raw, writes, type Driven } from './helpers.js';

/** A driven core past init and attach ack (active, `credit` messages of credit). */
async function active(credit = 100, hasChannels = false): Promise<Driven> {
  const d = await drive();
  await d.send(1, peerInit());
  d.fsm.handle({ kind: 'attachAck', accepted: true, hasChannels, credit, now: 1 });
  assert.equal(d.fsm.state, 'active');
  return d;
}

const closed = (a: readonly PeerAction[]) => ofKind(a, 'close').length === 1;

test('handshake done: we send init first, with our features and the networks TLV', async () => {
  const d = await drive();
  assert.equal(d.fsm.state, 'awaitingInit');
  const [init] = d.firstMessages;
  assert.ok(init && init.name === 'init');
  assert.deepEqual(init.features, OUR_FEATURES);
  assert.deepEqual(init.tlvs.networks, [REGTEST]);
  assert.equal(init.tlvs.remoteAddr, undefined);
  assert.deepEqual(d.fsm.nodeId, d.peerKey.pub);
});

test('remote_addr is sent when given', async () => {
  const node = newKey();
  const peerKey = newKey();
  const remoteAddr = Uint8Array.from([1, 8, 8, 8, 8, 0x26, 0x07]);
  const fsm = PeerConnection.inbound({
    conn: 1, localNodeId: node.pub, staticEcdh: node.ecdh, timings: TIMINGS,
    ourInit: { features: OUR_FEATURES, chainHash: REGTEST, remoteAddr }, credit: new CreditLedger(), now: 0,
  });
  const hs = NoiseHandshake.initiator({ localStatic: peerKey.pub, staticEcdh: peerKey.ecdh, remoteStatic: node.pub });
  const out = await hs.push(writes(await fsm.receive(hs.actOne(), 0)));
  const init = out.done!.transport.push(writes(await fsm.receive(Buffer.concat(out.send), 0)))[0]!;
  assert.deepEqual(init.subarray(init.length - remoteAddr.length), remoteAddr);
});

test('a valid peer init leads to attach; the ack makes the connection active', async () => {
  const d = await drive();
  const a = await d.send(1, peerInit());
  const [attach] = ofKind(a, 'attach');
  assert.ok(attach);
  assert.deepEqual(attach.nodeId, d.peerKey.pub);
  assert.deepEqual(attach.theirInit, peerInit());
  assert.equal(d.fsm.state, 'attaching');
  d.fsm.handle({ kind: 'attachAck', accepted: true, hasChannels: true, credit: 5, now: 2 });
  assert.equal(d.fsm.state, 'active');
  assert.equal(d.fsm.hasChannels, true);
  assert.equal(d.credit.available(7), 5);
});

const initCases: { name: string; init: Uint8Array; why: RegExp }[] = [
  { name: 'networks without our chain', init: peerInit(MAINNET), why: /networks .* do not include our chain/ },
  { name: 'unknown required (even) feature bit 100', init: peerInit(REGTEST, FeatureVector.fromBits([9, 100]).toBytes()), why: /unknown feature bit\(s\) 100/ },
  { name: 'basic_mpp without payment_secret is fine (assumed)', init: peerInit(REGTEST, FeatureVector.fromBits([17]).toBytes()), why: /^$/ },
  { name: 'option_zeroconf without option_scid_alias', init: peerInit(REGTEST, FeatureVector.fromBits([51]).toBytes()), why: /option_zeroconf lacks its dependency option_scid_alias/ },
  { name: 'first message not init', init: enc({ name: 'ping', numPongBytes: 1, ignored: new Uint8Array(0), tlvs: {} }), why: /not init/ },
  { name: 'malformed init', init: raw(16, Uint8Array.of(0, 5, 1)), why: /malformed message type 16/ },
];

for (const c of initCases) {
  test(`init check: ${c.name}`, async () => {
    const d = await drive();
    const a = await d.send(1, c.init);
    if (c.why.source === '^$') {
      assert.equal(d.fsm.state, 'attaching');
      return;
    }
    const [close] = ofKind(a, 'close');
    assert.ok(close, 'closed');
    assert.match(close.reason, c.why);
    assert.equal(d.fsm.state, 'closing');
    // A warning precedes the close.
    const sent = d.read(a);
    assert.equal(sent.at(-1)?.name, 'warning');
  });
}

test('checkTheirInit: networks absent is accepted (the TLV is optional)', () => {
  assert.equal(checkTheirInit({ name: 'init', globalfeatures: new Uint8Array(0), features: OUR_FEATURES, tlvs: {} }, REGTEST), undefined);
});

const pingCases = [
  { numPongBytes: 0, pong: 0 },
  { numPongBytes: 16, pong: 16 },
  { numPongBytes: 65531, pong: 65531 },
  { numPongBytes: 65532, pong: undefined },
  { numPongBytes: 65535, pong: undefined },
];
for (const c of pingCases) {
  test(`ping with num_pong_bytes ${c.numPongBytes} → ${c.pong === undefined ? 'no pong' : `pong of ${c.pong}`}`, async () => {
    const d = await active();
    const a = await d.send(2, enc({ name: 'ping', numPongBytes: c.numPongBytes, ignored: new Uint8Array(3), tlvs: {} }));
    const out = d.read(a);
    if (c.pong === undefined) assert.deepEqual(out, []);
    else {
      assert.equal(out.length, 1);
      assert.ok(out[0]!.name === 'pong');
      assert.equal(out[0]!.ignored.length, c.pong);
      assert.ok(out[0]!.ignored.every((b) => b === 0));
    }
    assert.ok(!closed(a));
  });
}

test('idle peer is pinged after pingIntervalMs; answered pong keeps it; no pong closes it', async () => {
  const d = await active();
  assert.deepEqual(d.read(d.fsm.handle({ kind: 'tick', now: 1 + TIMINGS.pingIntervalMs - 1 })), []);
  const ping = d.read(d.fsm.handle({ kind: 'tick', now: 1 + TIMINGS.pingIntervalMs }));
  assert.equal(ping[0]?.name, 'ping');
  // Answered in time: no close, and the next ping waits for a new idle period.
  await d.send(40_000, enc({ name: 'pong', ignored: new Uint8Array(0), tlvs: {} }));
  assert.deepEqual(d.fsm.handle({ kind: 'tick', now: 40_000 + TIMINGS.pongTimeoutMs + 1 }), []);
  const ping2 = d.read(d.fsm.handle({ kind: 'tick', now: 40_000 + TIMINGS.pingIntervalMs }));
  assert.equal(ping2[0]?.name, 'ping');
  const sentAt = 40_000 + TIMINGS.pingIntervalMs;
  assert.ok(!closed(d.fsm.handle({ kind: 'tick', now: sentAt + TIMINGS.pongTimeoutMs - 1 })));
  const a = d.fsm.handle({ kind: 'tick', now: sentAt + TIMINGS.pongTimeoutMs });
  assert.match(ofKind(a, 'close')[0]!.reason, /no pong within/);
});

test('handshake and init timeouts close the connection', async () => {
  const node = newKey();
  const fsm = PeerConnection.inbound({
    conn: 1, localNodeId: node.pub, staticEcdh: node.ecdh, timings: TIMINGS,
    ourInit: { features: OUR_FEATURES, chainHash: REGTEST }, credit: new CreditLedger(), now: 100,
  });
  assert.deepEqual(fsm.handle({ kind: 'tick', now: 100 + TIMINGS.handshakeTimeoutMs - 1 }), []);
  assert.match(ofKind(fsm.handle({ kind: 'tick', now: 100 + TIMINGS.handshakeTimeoutMs }), 'close')[0]!.reason, /handshake not finished/);
  const d = await drive();
  assert.match(ofKind(d.fsm.handle({ kind: 'tick', now: TIMINGS.initTimeoutMs }), 'close')[0]!.reason, /no init within/);
});

interface DispatchCase {
  name: string;
  message: Uint8Array;
  expect: 'forward' | 'gossip' | 'close' | 'local';
  closeMatch?: RegExp;
}
const dispatchCases: DispatchCase[] = [
  { name: 'open_channel (32) is forwarded unchanged', message: raw(32, Uint8Array.of(1, 2, 3)), expect: 'forward' },
  { name: 'update_add_htlc (128) is forwarded', message: raw(128, new Uint8Array(10)), expect: 'forward' },
  { name: 'stfu (2) is forwarded', message: raw(2, new Uint8Array(33)), expect: 'forward' },
  { name: 'unknown odd type 32769 is forwarded', message: raw(32769, Uint8Array.of(9)), expect: 'forward' },
  { name: 'onion_message (513) is forwarded', message: raw(513, new Uint8Array(4)), expect: 'forward' },
  { name: 'unknown even type 32768 closes', message: raw(32768), expect: 'close', closeMatch: /unknown even message type 32768/ },
  { name: 'unknown even type 4 closes', message: raw(4), expect: 'close', closeMatch: /unknown even message type 4/ },
  { name: 'gossip_timestamp_filter goes to the gossip service', message: enc({ name: 'gossip_timestamp_filter', chainHash: REGTEST, firstTimestamp: 0, timestampRange: 0xffffffff, tlvs: {} } as never), expect: 'gossip' },
  { name: 'query_channel_range goes to the gossip service', message: enc({ name: 'query_channel_range', chainHash: REGTEST, firstBlocknum: 0, numberOfBlocks: 10, tlvs: {} } as never), expect: 'gossip' },
  { name: 'malformed ping closes', message: raw(18, Uint8Array.of(0)), expect: 'close', closeMatch: /malformed message type 18/ },
  { name: 'warning is logged', message: enc({ name: 'warning', channelId: new Uint8Array(32), data: new TextEncoder().encode('hi'), tlvs: {} }), expect: 'local' },
  { name: 'error for one channel is forwarded, connection kept', message: enc({ name: 'error', channelId: new Uint8Array(32).fill(1), data: new Uint8Array(0), tlvs: {} }), expect: 'forward' },
  { name: 'error for all channels is forwarded and closes', message: enc({ name: 'error', channelId: new Uint8Array(32), data: new Uint8Array(0), tlvs: {} }), expect: 'close', closeMatch: /error for all channels/ },
  { name: 'second init closes', message: peerInit(), expect: 'close', closeMatch: /second init/ },
];

for (const c of dispatchCases) {
  test(`dispatch: ${c.name}`, async () => {
    const d = await active();
    const a = await d.send(2, c.message);
    const forwards = ofKind(a, 'forward');
    switch (c.expect) {
      case 'forward':
        assert.equal(forwards.length, 1);
        assert.deepEqual(forwards[0]!.message, c.message);
        break;
      case 'gossip':
        // Gossip stays on the front: no link credit spent, no peer_message.
        assert.equal(forwards.length, 0);
        assert.deepEqual(ofKind(a, 'gossip').map((g) => g.message), [c.message]);
        break;
      case 'local':
        assert.equal(forwards.length, 0);
        assert.equal(ofKind(a, 'log').length, 1);
        break;
      case 'close':
        assert.match(ofKind(a, 'close')[0]!.reason, c.closeMatch!);
        break;
    }
    if (c.expect !== 'close') {
      assert.ok(!closed(a));
      assert.equal(d.fsm.state, 'active');
    }
  });
}

test('unknown even type: a warning goes out before the close', async () => {
  const d = await active();
  const a = await d.send(2, raw(1000));
  const out = d.read(a);
  assert.equal(out[0]?.name, 'warning');
  assert.equal(a.at(-1)?.kind, 'close');
});

test('credit: forwards stop at zero credit and reading pauses; a credit grant flushes and resumes', async () => {
  const d = await active(1);
  const a = await d.send(2, raw(32, Uint8Array.of(1)), raw(32, Uint8Array.of(2)), raw(32, Uint8Array.of(3)));
  assert.equal(ofKind(a, 'forward').length, 1);
  assert.equal(ofKind(a, 'pauseRead').length, 1);
  const b = d.fsm.handle({ kind: 'credit', messages: 5, now: 3 });
  assert.deepEqual(ofKind(b, 'forward').map((f) => f.message[2]), [2, 3]);
  assert.equal(ofKind(b, 'resumeRead').length, 1);
});

test('messages before the attach ack are queued, then forwarded in order', async () => {
  const d = await drive();
  const a = await d.send(1, peerInit(), raw(32, Uint8Array.of(1)), raw(33, Uint8Array.of(2)));
  assert.equal(ofKind(a, 'forward').length, 0);
  assert.equal(ofKind(a, 'pauseRead').length, 1);
  const b = d.fsm.handle({ kind: 'attachAck', accepted: true, hasChannels: false, credit: 10, now: 2 });
  assert.deepEqual(ofKind(b, 'forward').map((f) => f.type), [32, 33]);
});

test('backend peer_message is encrypted to the peer; disconnect sends the error first', async () => {
  const d = await active();
  const msg = raw(33, Uint8Array.of(7, 7));
  const w = d.fsm.handle({ kind: 'fromBackend', message: msg });
  assert.deepEqual(d.peer.push(writes(w))[0], msg);
  const err = enc({ name: 'error', channelId: new Uint8Array(32), data: new TextEncoder().encode('bye'), tlvs: {} });
  const c = d.fsm.handle({ kind: 'disconnect', reason: 'test', sendFirst: err });
  assert.deepEqual(d.peer.push(writes(c))[0], err);
  assert.match(ofKind(c, 'close')[0]!.reason, /backend asked to disconnect: test/);
});

test('link loss: a peer with channels is closed, a channel-less one waits and is re-attached on link up', async () => {
  const withChannels = await active(10, true);
  assert.match(ofKind(withChannels.fsm.handle({ kind: 'linkDown' }), 'close')[0]!.reason, /has channels/);
  const without = await active(10, false);
  assert.deepEqual(without.fsm.handle({ kind: 'linkDown' }), []);
  assert.equal(without.fsm.state, 'attaching');
  assert.equal(without.credit.available(7), 0);
  // It still gets pongs while the link is down.
  const pong = without.read(await without.send(5, enc({ name: 'ping', numPongBytes: 4, ignored: new Uint8Array(0), tlvs: {} })));
  assert.equal(pong[0]?.name, 'pong');
  assert.equal(ofKind(without.fsm.handle({ kind: 'linkUp' }), 'attach').length, 1);
});

test('bad MAC after the handshake closes', async () => {
  const d = await active();
  const frame = d.peer.encrypt(raw(32));
  frame[frame.length - 1]! ^= 1;
  const a = await d.fsm.receive(frame, 3);
  assert.match(ofKind(a, 'close')[0]!.reason, /BOLT 8 transport failed \(badMac\)/);
});

test('garbage instead of act one closes', async () => {
  const node = newKey();
  const fsm = PeerConnection.inbound({
    conn: 1, localNodeId: node.pub, staticEcdh: node.ecdh, timings: TIMINGS,
    ourInit: { features: OUR_FEATURES, chainHash: REGTEST }, credit: new CreditLedger(), now: 0,
  });
  const a = await fsm.receive(new Uint8Array(50).fill(0x42), 0);
  assert.match(ofKind(a, 'close')[0]!.reason, /BOLT 8 handshake failed/);
});

test('outbound: the core is the initiator and finishes against a responder', async () => {
  const node = newKey();
  const remote = newKey();
  const { peer, actions } = PeerConnection.outbound({
    conn: 2, localNodeId: node.pub, staticEcdh: node.ecdh, timings: TIMINGS,
    ourInit: { features: OUR_FEATURES, chainHash: REGTEST }, credit: new CreditLedger(), now: 0, remoteNodeId: remote.pub,
  });
  const hs = NoiseHandshake.responder({ localStatic: remote.pub, staticEcdh: remote.ecdh });
  const actTwo = await hs.push(writes(actions));
  const a = await peer.receive(Buffer.concat(actTwo.send), 0);
  const done = await hs.push(writes(a));
  assert.ok(done.done);
  assert.deepEqual(done.done.remoteStatic, node.pub);
  assert.equal(done.done.messages.length, 1); // our init rode along with act three
  assert.equal(peer.state, 'awaitingInit');
});

test('receiveNow: undefined during the handshake and while a receive is queued; otherwise the same actions, in order', async () => {
  const node = newKey();
  const fsm = PeerConnection.inbound({
    conn: 1, localNodeId: node.pub, staticEcdh: node.ecdh, timings: TIMINGS,
    ourInit: { features: OUR_FEATURES, chainHash: REGTEST }, credit: new CreditLedger(), now: 0,
  });
  assert.equal(fsm.receiveNow(new Uint8Array(50), 0), undefined, 'handshaking: its steps may wait for the ECDH');

  const d = await active();
  const m1 = raw(33, Uint8Array.of(1));
  const m2 = raw(33, Uint8Array.of(2));
  const now = d.fsm.receiveNow(d.peer.encrypt(m1), 2);
  assert.deepEqual(ofKind(now!, 'forward').map((f) => f.message), [m1], 'handled synchronously');
  // A queued receive must not be overtaken: the next chunk waits for it.
  const queued = d.fsm.receive(d.peer.encrypt(m2), 3);
  assert.equal(d.fsm.receiveNow(new Uint8Array(18), 3), undefined, 'refused without reading the bytes');
  assert.deepEqual(ofKind(await queued, 'forward').map((f) => f.message), [m2]);
  // Settled: synchronous again.
  await new Promise<void>((r) => setImmediate(r));
  const m3 = raw(33, Uint8Array.of(3));
  assert.deepEqual(ofKind(d.fsm.receiveNow(d.peer.encrypt(m3), 4)!, 'forward').map((f) => f.message), [m3]);
  const bad = d.peer.encrypt(raw(33));
  bad[bad.length - 1]! ^= 1;
  assert.match(ofKind(d.fsm.receiveNow(bad, 5)!, 'close')[0]!.reason, /badMac/, 'transport errors close as in receive');
});
