/**
 * @module test/back/channels-gossip-adapter
 * The adapter's report to our channel gossip (`tellGossip` in src/back/channels/machine-adapter.ts)
 * with real channel states from the BOLT 2 machine: a private-until-announced update to the peer, the
 * announcement and a public update at 6 confirmations, a public update after a restart (no new
 * announcement event), and disabled on disconnect.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OurGossip, UPDATE_MIN_INTERVAL_MS } from '../../src/back/channels/our-gossip.js';
import { tellGossip } from '../../src/back/channels/machine-adapter.js';
import { verifyChannelUpdate } from '../../src/gossip/verify.js';
import { decodeMessage, type ChannelUpdate } from '../../src/wire/index.js';
import { isDisabled, isDontForward } from '../../src/wire/messages/gossip.js';
import { activeEngine } from '../../src/crypto/engines.js';
import { ALL_FEATURES, Side, pump } from '../channel/machine-harness.js';
import { captureLogger } from '../helpers/cluster-fixtures.js';

const SCID = 0x0000640000010001n;

function gossipFor(side: Side, nowMs: () => number) {
  const published: Uint8Array[] = [];
  const toPeer: Uint8Array[] = [];
  const g = new OurGossip({
    chainHash: side.ctx.chainHash, localNodeId: side.ctx.localNodeId, sign: side.ctx.signWithNodeKey, now: nowMs, log: captureLogger().logger,
    policy: { cltvExpiryDelta: 80, feeBaseMsat: 1000, feeProportionalMillionths: 100 },
    publish: (m) => { published.push(m); }, sendToPeer: (_n, m) => { toPeer.push(m); return true; },
  });
  return { g, published, toPeer };
}

function upd(raw: Uint8Array | undefined): ChannelUpdate {
  assert.ok(raw !== undefined);
  const m = decodeMessage(raw);
  assert.equal(m.name, 'channel_update');
  return m as ChannelUpdate;
}

test('adapter → our gossip: peer-only update before 6 confirmations, announcement + public update after, public after restart, disabled on disconnect', () => {
  const a = new Side('A', 1, ALL_FEATURES);
  const b = new Side('B', 2, ALL_FEATURES, {}, 1000);
  let now = 1_700_000_000_000;
  const { g, published, toPeer } = gossipFor(a, () => now);
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 500_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: true, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(5) } } });
  pump(a, b);
  a.fund();
  pump(a, b);
  for (const s of [a, b]) s.apply({ kind: 'fundingDepth', depth: 3, shortChannelId: SCID });
  pump(a, b);
  assert.equal(a.kind(), 'normal');
  tellGossip(g, a.state, []);
  assert.equal(published.length, 0);
  assert.equal(toPeer.length, 1);
  const early = upd(toPeer[0]);
  assert.ok(isDontForward(early) && !isDisabled(early));
  assert.equal(early.htlcMaximumMsat, 500_000_000n, 'capacity');
  for (const s of [a, b]) s.apply({ kind: 'fundingDepth', depth: 6, shortChannelId: SCID });
  pump(a, b);
  const ann = a.actions.filter((x) => x.kind === 'event' && x.event.kind === 'channelAnnouncement');
  assert.equal(ann.length, 1);
  tellGossip(g, a.state, ann);
  assert.equal(published.length, 2, 'announcement, then our update');
  assert.equal(decodeMessage(published[0]!).name, 'channel_announcement');
  const pub = upd(published[1]);
  assert.ok(!isDontForward(pub) && !isDisabled(pub));
  assert.ok(pub.timestamp > early.timestamp);
  assert.deepEqual(verifyChannelUpdate(published[1]!, pub, a.ctx.localNodeId, activeEngine()), { ok: true });

  // A restart: no announcement event again, but the state says both signatures were exchanged.
  const r = gossipFor(a, () => now);
  tellGossip(r.g, a.state, []);
  assert.equal(r.toPeer.length, 0);
  assert.equal(r.published.length, 1);
  assert.ok(!isDontForward(upd(r.published[0])));

  now += UPDATE_MIN_INTERVAL_MS;
  a.apply({ kind: 'peerDisconnected' });
  tellGossip(g, a.state, []);
  assert.equal(published.length, 3);
  assert.ok(isDisabled(upd(published[2])));
  tellGossip(g, a.state, []);
  assert.equal(published.length, 3, 'no redundant update');
  g.close();
  r.g.close();
});
