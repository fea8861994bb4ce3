/**
 * Backend gossip decisions, pure paths: every reason, with the `none` source and with a scripted
 * `UtxoChainSource` (blocks built here, so the funding lookup runs its real code).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Block } from '../../src/chain/bitcoin.js';
import { fundingOutputScript } from '../../src/chain/bitcoin.js';
import { ChainError } from '../../src/chain/errors.js';
import { noChainSource, type UtxoChainSource } from '../../src/chain/source.js';
import {
  ANNOUNCEMENT_DEPTH_LEEWAY, ANNOUNCEMENT_MIN_DEPTH, DECISION_REASONS, MAX_FUTURE_TIMESTAMP_SECONDS, MAX_TIMESTAMP_AGE_SECONDS,
  MIN_CHANNEL_CAPACITY_SAT, decide, decideChannelUpdate, decideNodeAnnouncement, type Decision, type DecisionReason,
} from '../../src/gossip/decide.js';
import { GraphStore } from '../../src/gossip/store.js';
import { scidFromParts } from '../../src/wire/index.js';
import { MAINNET, REGTEST, channelAnnouncement, channelUpdate, engine, newChannelKeys, nodeAnnouncement, type ChannelKeys } from '../helpers/gossip-fixtures.js';

const NOW = 1_700_000_000;
const ctx = { chainHash: REGTEST, now: NOW };
const seen = new Set<DecisionReason>();
const expectReason = (d: Decision, reason: DecisionReason): void => {
  assert.equal(d.reason, reason, `expected ${reason}, got ${d.reason}${d.accepted ? '' : ` (${d.detail ?? ''})`}`);
  seen.add(reason);
};

/** A graph with one known channel (scid 100x1x0) for `keys`. */
function graphWith(keys: ChannelKeys): { store: GraphStore; scid: bigint } {
  const store = GraphStore.open(':memory:', NOW);
  const scid = scidFromParts(100, 1, 0);
  const a = channelAnnouncement(keys, scid);
  store.addChannel({ scid, announcement: a.raw, nodeId1: a.message.nodeId1, nodeId2: a.message.nodeId2, bitcoinKey1: a.message.bitcoinKey1, bitcoinKey2: a.message.bitcoinKey2, capacitySat: undefined, funding: undefined, firstSeen: NOW });
  return { store, scid };
}

/** A scripted chain: tip height, one block at `height` whose tx 1 pays `outputs`; spent set. */
function scriptedChain(o: { tip: number; height: number; outputs: { value: bigint; script: Uint8Array }[]; spent?: boolean; fail?: boolean }): UtxoChainSource {
  const hash = createHash('sha256').update(String(o.height)).digest('hex');
  const tx = (txid: string, outputs: { value: bigint; script: Uint8Array }[]) => ({ txid, version: 2, inputs: [], outputs, locktime: 0, hasWitness: false });
  const block: Block = {
    header: { hash, version: 1, prevHash: '00'.repeat(32), merkleRoot: '00'.repeat(32), time: 0, bits: 0, nonce: 0 },
    txs: [tx('cb'.repeat(32), [{ value: 50n, script: Uint8Array.of(0x51) }]), tx('f0'.repeat(32), o.outputs)],
  };
  const guard = () => {
    if (o.fail) throw new ChainError('unreachable', 'scripted outage');
  };
  return {
    kind: 'bitcoind', describe: () => 'scripted', close: async () => {},
    getBlockCount: async () => (guard(), o.tip),
    getBlockHash: async (h) => (guard(), h === o.height ? hash : h <= o.tip ? 'ee'.repeat(32) : undefined),
    getBlock: async (h) => {
      guard();
      if (h !== hash) throw new ChainError('rpcError', 'no block', { rpcCode: -5 });
      return block;
    },
    getTxOut: async (txid, vout) => (guard(), txid === 'f0'.repeat(32) && o.outputs[vout] && !o.spent ? { ...o.outputs[vout]!, confirmations: o.tip - o.height + 1 } : undefined),
  };
}

test('channel_announcement with the none source: accepted on signatures alone, chain hash and duplicates still checked', async () => {
  const keys = newChannelKeys();
  const { store, scid } = graphWith(keys);
  const none = noChainSource();
  assert.match(none.describe(), /signatures alone/);
  const fresh = channelAnnouncement(newChannelKeys(), scidFromParts(7, 0, 0));
  const d = await decide(fresh, store, ctx, none);
  expectReason(d, 'accepted');
  assert.equal(d.accepted && d.funding, undefined, 'no capacity without a chain');
  expectReason(await decide(channelAnnouncement(newChannelKeys(), scidFromParts(7, 0, 0), MAINNET), store, ctx, none), 'unknownChain');
  expectReason(await decide(channelAnnouncement(keys, scid), store, ctx, none), 'duplicate');
  expectReason(await decide(channelAnnouncement(newChannelKeys(), scid), store, ctx, none), 'conflictingAnnouncement');
  store.close();
});

test('channel_announcement with a chain source: funding found, spent, wrong script, dust, depth, missing, outage', async () => {
  const keys = newChannelKeys();
  const store = GraphStore.open(':memory:', NOW);
  const scid = scidFromParts(200, 1, 0);
  const ann = channelAnnouncement(keys, scid);
  const good = fundingOutputScript(ann.message.bitcoinKey1, ann.message.bitcoinKey2);
  const minConf = ANNOUNCEMENT_MIN_DEPTH - ANNOUNCEMENT_DEPTH_LEEWAY;
  const run = (o: Parameters<typeof scriptedChain>[0], a = ann) => decide(a, store, ctx, scriptedChain(o));

  const ok = await run({ tip: 205, height: 200, outputs: [{ value: 500_000n, script: good }] });
  expectReason(ok, 'accepted');
  assert.deepEqual(ok.accepted && ok.funding, { txid: 'f0'.repeat(32), vout: 0, capacitySat: 500_000n, confirmations: 6 });
  // Key order does not matter to the script (BOLT 3 sorts), but the keys do.
  assert.deepEqual(fundingOutputScript(ann.message.bitcoinKey2, ann.message.bitcoinKey1), good);
  const other = fundingOutputScript(engine.publicKey(keys.node1), ann.message.bitcoinKey2);
  expectReason(await run({ tip: 205, height: 200, outputs: [{ value: 500_000n, script: other }] }), 'fundingScriptMismatch');
  expectReason(await run({ tip: 205, height: 200, outputs: [{ value: 500_000n, script: good.subarray(2) }] }), 'fundingScriptMismatch');
  expectReason(await run({ tip: 205, height: 200, outputs: [{ value: 500_000n, script: good }], spent: true }), 'fundingSpent');
  expectReason(await run({ tip: 205, height: 200, outputs: [{ value: MIN_CHANNEL_CAPACITY_SAT - 1n, script: good }] }), 'fundingBelowDust');
  expectReason(await run({ tip: 200 + minConf - 2, height: 200, outputs: [{ value: 500_000n, script: good }] }), 'tooFewConfirmations');
  expectReason(await run({ tip: 200 + minConf - 1, height: 200, outputs: [{ value: 500_000n, script: good }] }), 'accepted');
  expectReason(await run({ tip: 150, height: 200, outputs: [] }), 'tooFewConfirmations');
  expectReason(await run({ tip: 205, height: 200, outputs: [] }), 'fundingNotFound');
  expectReason(await run({ tip: 205, height: 200, outputs: [{ value: 1n, script: good }] }, channelAnnouncement(keys, scidFromParts(200, 5, 0))), 'fundingNotFound');
  const failing = await run({ tip: 205, height: 200, outputs: [], fail: true });
  expectReason(failing, 'chainUnavailable');
  assert.match(!failing.accepted ? failing.detail ?? '' : '', /scripted outage/);
  store.close();
});

test('channel_update: known channel, chain, timestamps (stale, duplicate, future, too old)', () => {
  const keys = newChannelKeys();
  const { store, scid } = graphWith(keys);
  const u = (ts: number, fee?: number, chainHash?: Uint8Array) => channelUpdate(keys, scid, 0, ts, { ...(fee === undefined ? {} : { fee }), ...(chainHash ? { chainHash } : {}) });
  const d = (x: ReturnType<typeof u>) => decideChannelUpdate(x.message, x.raw, store, ctx);
  expectReason(d(u(NOW)), 'accepted');
  expectReason(d(channelUpdate(keys, scidFromParts(1, 1, 1), 0, NOW)), 'noKnownChannel');
  expectReason(d(u(NOW, undefined, MAINNET)), 'unknownChain');
  const held = u(NOW);
  store.upsertChannelUpdate({ scid, direction: 0, timestamp: NOW, messageFlags: 1, channelFlags: 0, raw: held.raw });
  expectReason(d(held), 'duplicate');
  // ECDSA signatures are malleable: the same content with another signature is still a duplicate.
  const resigned = Uint8Array.from(held.raw);
  resigned.set(engine.sign(new Uint8Array(32).fill(1), keys.node1), 2);
  expectReason(decideChannelUpdate(held.message, resigned, store, ctx), 'duplicate');
  expectReason(d(u(NOW, 5)), 'stale');
  expectReason(d(u(NOW - 1)), 'stale');
  expectReason(d(u(NOW + 1)), 'accepted');
  expectReason(d(u(NOW + MAX_FUTURE_TIMESTAMP_SECONDS)), 'accepted');
  expectReason(d(u(NOW + MAX_FUTURE_TIMESTAMP_SECONDS + 1)), 'futureTimestamp');
  expectReason(d(channelUpdate(keys, scid, 1, NOW - MAX_TIMESTAMP_AGE_SECONDS - 1)), 'tooOld');
  store.close();
});

test('node_announcement: needs a channel for that node, then timestamp rules', () => {
  const keys = newChannelKeys();
  const { store } = graphWith(keys);
  const d = (x: ReturnType<typeof nodeAnnouncement>) => decideNodeAnnouncement(x.message, x.raw, store, ctx);
  expectReason(d(nodeAnnouncement(keys.btc1, NOW)), 'noRelatedChannel');
  expectReason(d(nodeAnnouncement(keys.node2, NOW)), 'accepted');
  const held = nodeAnnouncement(keys.node2, NOW);
  store.upsertNode({ nodeId: held.message.nodeId, timestamp: NOW, raw: held.raw });
  expectReason(d(held), 'duplicate');
  expectReason(d(nodeAnnouncement(keys.node2, NOW, 'other')), 'stale');
  expectReason(d(nodeAnnouncement(keys.node2, NOW + 10)), 'accepted');
  expectReason(d(nodeAnnouncement(keys.node2, NOW + MAX_FUTURE_TIMESTAMP_SECONDS + 1)), 'futureTimestamp');
  store.close();
});

test('every decision reason is exercised', () => {
  assert.deepEqual(DECISION_REASONS.filter((r) => !seen.has(r)), []);
});
