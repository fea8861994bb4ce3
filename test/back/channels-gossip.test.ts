/**
 * @module test/back/channels-gossip
 * Our channel gossip (src/back/channels/our-gossip.ts): channel_update signed by the node key verifies
 * with our own verifier, direction bit from node id order, disable flag, rate limit; and a
 * channel_announcement of ours goes into the graph store and out to every front as graph events
 * (through the real GossipService), followed by our update and our held node_announcement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OurGossip, UPDATE_MIN_INTERVAL_MS, publishAsOwn, signChannelUpdate, type OurChannel } from '../../src/back/channels/our-gossip.js';
import { GossipService } from '../../src/back/gossip.js';
import type { Front } from '../../src/back/fronts.js';
import { signOwnAnnouncement } from '../../src/back/own-announcement.js';
import { noChainSource } from '../../src/chain/source.js';
import type { LinkMessage } from '../../src/cluster/messages.js';
import { GRAPH_EVENT_KIND } from '../../src/cluster/gossip-messages.js';
import { verifyChannelUpdate } from '../../src/gossip/verify.js';
import { GraphStore } from '../../src/gossip/store.js';
import { createNodeKey } from '../../src/keys/node-key.js';
import { decodeMessage, type ChannelUpdate } from '../../src/wire/index.js';
import { isDisabled, isDontForward, updateDirection } from '../../src/wire/messages/gossip.js';
import { captureLogger } from '../helpers/cluster-fixtures.js';
import { REGTEST, channelAnnouncement, engine, newChannelKeys, newKey } from '../helpers/gossip-fixtures.js';

const POLICY = { cltvExpiryDelta: 80, feeBaseMsat: 1000, feeProportionalMillionths: 100 };

function chan(remote: Uint8Array, scid = 0x0001_0000_0200_0001n, pub = true): OurChannel {
  return { shortChannelId: scid, remoteNodeId: remote, capacitySat: 100_000n, remoteHtlcMinimumMsat: 1000n, remoteMaxHtlcValueInFlightMsat: 1n << 60n, public: pub };
}

function update(raw: Uint8Array): ChannelUpdate {
  const m = decodeMessage(raw);
  assert.equal(m.name, 'channel_update');
  return m as ChannelUpdate;
}

test('our channel_update: signed by the node key, verifies, direction from node id order, flags', () => {
  const [a, b] = [newKey(), newKey()];
  const keyA = createNodeKey(Uint8Array.from(a), 'env');
  const idA = engine.publicKey(a);
  const idB = engine.publicKey(b);
  const weAreFirst = Buffer.compare(idA, idB) < 0;
  for (const [remote, expectDir] of [[idB, weAreFirst ? 0 : 1], [idA, 0]] as const) {
    // Second case: a remote equal to us is never real; use B as local instead to flip the order.
    const local = remote === idA ? idB : idA;
    const sign = remote === idA ? (d: Uint8Array) => engine.sign(d, b) : (d: Uint8Array) => keyA.sign(d);
    const dir = remote === idA ? (weAreFirst ? 1 : 0) : expectDir;
    for (const disabled of [false, true]) {
      const raw = signChannelUpdate(sign, { chainHash: REGTEST, localNodeId: local, channel: chan(remote), policy: POLICY, timestamp: 1_700_000_000, disabled, dontForward: false });
      const u = update(raw);
      assert.deepEqual(verifyChannelUpdate(raw, u, local, engine), { ok: true });
      assert.deepEqual(verifyChannelUpdate(raw, u, remote, engine).ok, false, 'not valid for the other node');
      assert.equal(updateDirection(u), dir);
      assert.equal(isDisabled(u), disabled);
      assert.equal(u.messageFlags, 1, 'must_be_one set, dont_forward clear');
      assert.equal(u.htlcMaximumMsat, 100_000_000n, 'capped at capacity');
      assert.equal(u.htlcMinimumMsat, 1000n);
      assert.equal(u.cltvExpiryDelta, 80);
      assert.equal(u.feeBaseMsat, 1000);
      assert.equal(u.feeProportionalMillionths, 100);
    }
  }
  const priv = signChannelUpdate((d) => keyA.sign(d), { chainHash: REGTEST, localNodeId: idA, channel: { ...chan(idB), remoteMaxHtlcValueInFlightMsat: 5000n }, policy: POLICY, timestamp: 1, disabled: false, dontForward: true });
  const pu = update(priv);
  assert.ok(isDontForward(pu));
  assert.equal(pu.htlcMaximumMsat, 5000n, 'capped at the peer\'s max_htlc_value_in_flight');
  keyA.destroy?.();
});

function fakeFront(id: string): { front: Front; got: LinkMessage[] } {
  const got: LinkMessage[] = [];
  const link = { closed: false, send: (m: LinkMessage) => { got.push(m); return true; }, close: () => undefined };
  return { front: { id, link } as unknown as Front, got };
}

test('our channel_announcement: stored, graph events to every front, then our update and our held node_announcement', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-changossip-'));
  const { logger } = captureLogger();
  const store = GraphStore.open(join(dir, 'graph.sqlite'), 1_700_000_000);
  try {
    const keys = newChannelKeys();
    const ourPriv = keys.node2; // we are node_id_2: direction 1
    const ourId = engine.publicKey(ourPriv);
    const fronts = [fakeFront('f1'), fakeFront('f2')];
    let nowMs = 1_700_000_000_000;
    const own = { nodeId: ourId, sign: (ts: number) => signOwnAnnouncement(createNodeKey(Uint8Array.from(ourPriv), 'env'), { alias: 'us', color: '#010203', addresses: [], features: new Uint8Array(0) }, ts) };
    const gossip = new GossipService({ store, chain: noChainSource(), chainHash: REGTEST, fronts: () => fronts.map((f) => f.front), log: logger, now: () => nowMs, own });
    await gossip.publishOwn(); // held: no channel of ours yet
    assert.equal(store.getNode(ourId), undefined);
    const sentToPeer: Uint8Array[] = [];
    const g = new OurGossip({
      chainHash: REGTEST, localNodeId: ourId, sign: (d) => engine.sign(d, ourPriv), policy: POLICY, now: () => nowMs, log: logger,
      publish: publishAsOwn(gossip, logger), sendToPeer: (_n, m) => { sentToPeer.push(m); return true; },
    });
    const scid = 0x0001_0000_0200_0001n;
    const c = chan(engine.publicKey(keys.node1), scid);
    // Before the announcement: the update goes to the peer only, with dont_forward.
    g.channel(c, true);
    assert.equal(sentToPeer.length, 1);
    assert.ok(isDontForward(update(sentToPeer[0]!)));
    const ann = channelAnnouncement(keys, scid);
    g.announced(ann.message, c, true);
    await gossip.publishOwn(); // a barrier: queued behind our forwarded gossip
    assert.ok(store.getChannel(scid) !== undefined, 'the store holds our channel');
    const stored = store.getChannelUpdate(scid, 1);
    assert.ok(stored !== undefined, 'our update stored in direction 1');
    assert.ok(!isDontForward(update(stored.raw)));
    for (const f of fronts) {
      const events = f.got.filter((m) => m.name === 'graph_event') as Extract<LinkMessage, { name: 'graph_event' }>[];
      const names = events.map((e) => decodeMessage(e.message).name);
      assert.equal(events[0]?.kind, GRAPH_EVENT_KIND.added);
      assert.equal(names[0], 'channel_announcement', `front ${f.front.id}`);
      assert.deepEqual([...names.slice(1, 3)].sort(), ['channel_update', 'node_announcement'], `front ${f.front.id}`);
    }
    // Peer disconnects a window later: disabled at once; re-enabled only after the next window.
    nowMs += UPDATE_MIN_INTERVAL_MS;
    g.channel(c, false);
    await gossip.publishOwn();
    assert.ok(isDisabled(update(store.getChannelUpdate(scid, 1)!.raw)));
    const ts1 = update(store.getChannelUpdate(scid, 1)!.raw).timestamp;
    g.channel(c, true);
    await gossip.publishOwn();
    assert.ok(isDisabled(update(store.getChannelUpdate(scid, 1)!.raw)), 'within the window: not re-signed yet');
    nowMs += UPDATE_MIN_INTERVAL_MS;
    g.channel(c, true);
    await gossip.publishOwn();
    const u = update(store.getChannelUpdate(scid, 1)!.raw);
    assert.ok(!isDisabled(u));
    assert.ok(u.timestamp > ts1, 'newer timestamp');
    assert.deepEqual(verifyChannelUpdate(store.getChannelUpdate(scid, 1)!.raw, u, ourId, engine), { ok: true });
    g.close();
    await gossip.close();
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
