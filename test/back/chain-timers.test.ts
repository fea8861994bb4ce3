// The backend's chain upkeep wiring (src/back/chain-timers.ts) against a scripted chain source: a funding
// spend marks the channel, a reorg undoes the mark, a spend buried FUNDING_SPENT_FORGET_DELAY_BLOCKS deep
// removes the channel and reports its scid (what becomes graph_event removed); the `none` source has no watcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Block } from '../../src/chain/bitcoin.js';
import type { UtxoChainSource } from '../../src/chain/source.js';
import { noChainSource } from '../../src/chain/source.js';
import { FUNDING_SPENT_FORGET_DELAY_BLOCKS, GraphStore } from '../../src/gossip/store.js';
import { startChainTimers } from '../../src/back/chain-timers.js';
import { captureLogger } from '../helpers/cluster-fixtures.js';
import { channelAnnouncement, newChannelKeys } from '../helpers/gossip-fixtures.js';

const FUNDING = { txid: 'ab'.repeat(32), vout: 1 };

/** A best chain of scripted blocks; `chain[h]` is the block at height h. */
function scriptedSource(): { source: UtxoChainSource; chain: Block[]; add(tag: string, spends?: boolean): void; dropTo(h: number): void } {
  const chain: Block[] = [];
  const add = (tag: string, spends = false): void => {
    const h = chain.length;
    const hash = `${tag}-${h}`;
    const txs = spends ? [{ txid: 'cd'.repeat(32), inputs: [{ prevTxid: FUNDING.txid, prevVout: FUNDING.vout }] }] : [];
    chain.push({ header: { hash, prevHash: h === 0 ? '00' : chain[h - 1]!.header.hash }, txs } as unknown as Block);
  };
  const source: UtxoChainSource = {
    kind: 'embedded-regtest',
    describe: () => 'scripted',
    getBlockCount: async () => chain.length - 1,
    getBlockHash: async (h) => chain[h]?.header.hash,
    getBlock: async (hash) => chain.find((b) => b.header.hash === hash)!,
    getTxOut: async () => undefined,
    close: async () => {},
  };
  return { source, chain, add, dropTo: (h) => { chain.length = h + 1; } };
}

test('chain timers: spend marks, reorg unmarks, a deep spend removes the channel and reports it', async (t) => {
  const store = GraphStore.open(':memory:', 0);
  t.after(() => store.close());
  const keys = newChannelKeys();
  const scid = (1n << 40n) | 1n;
  const a = channelAnnouncement(keys, scid).message;
  store.addChannel({ scid, announcement: channelAnnouncement(keys, scid).raw, nodeId1: a.nodeId1, nodeId2: a.nodeId2, bitcoinKey1: a.bitcoinKey1, bitcoinKey2: a.bitcoinKey2, capacitySat: 100_000n, funding: FUNDING, firstSeen: 0 });
  const removed: bigint[] = [];
  store.onChannelRemoved = (s) => removed.push(s);

  const s = scriptedSource();
  s.add('a');
  const timers = startChainTimers({ store, chain: s.source, log: captureLogger('warn').logger, now: () => 0, pollMs: 3_600_000 });
  t.after(() => timers.stop());
  const sync = async () => { while (timers.watcher!.processedHeight !== s.chain.length - 1) await timers.tick(); };
  await sync();
  assert.equal(timers.watcher!.watchedCount, 1);

  s.add('a', true);
  await sync();
  assert.equal(store.getChannel(scid)?.spentHeight, 1);

  s.dropTo(0); // reorg: the spend's block is replaced
  s.add('b');
  s.add('b');
  await sync();
  assert.equal(store.getChannel(scid)?.spentHeight, undefined);
  assert.equal(timers.watcher!.watchedCount, 1);

  s.add('b', true);
  for (let i = 0; i < FUNDING_SPENT_FORGET_DELAY_BLOCKS - 2; i++) s.add('b');
  await sync();
  assert.ok(store.getChannel(scid) !== undefined, 'one confirmation short');
  s.add('b');
  await sync();
  assert.equal(store.getChannel(scid), undefined);
  assert.deepEqual(removed, [scid]);
});

test('chain timers: the none source has no watcher, stopping is immediate', async () => {
  const store = GraphStore.open(':memory:', 0);
  const timers = startChainTimers({ store, chain: noChainSource(), log: captureLogger('warn').logger, now: () => 0 });
  assert.equal(timers.watcher, undefined);
  await timers.tick();
  await timers.stop();
  store.close();
});
