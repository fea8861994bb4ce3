// The backend's chain upkeep wiring (src/back/chain-timers.ts) against a scripted chain source: a funding
// spend marks the channel, a reorg undoes the mark, a spend buried FUNDING_SPENT_FORGET_DELAY_BLOCKS deep
// removes the channel and reports its scid (what becomes graph_event removed); the `none` source has no watcher.
// Restarts: spends mined while the backend was stopped are found from the recorded progress (also after a
// reorg while stopped); a database with no record has its funding outputs checked once.
import { test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    // Unspent unless a block of the best chain spends it (the funding itself is assumed confirmed).
    getTxOut: async (txid, vout) => chain.some((b) => b.txs.some((tx) => tx.inputs.some((i) => i.prevTxid === txid && i.prevVout === vout)))
      ? undefined : { value: 100_000n, script: new Uint8Array(34), confirmations: 6 },
    close: async () => {},
  };
  return { source, chain, add, dropTo: (h) => { chain.length = h + 1; } };
}

const SCID = (1n << 40n) | 1n;

/** Adds the channel funded by `FUNDING`. */
function addChannel(store: GraphStore): void {
  const keys = newChannelKeys();
  const a = channelAnnouncement(keys, SCID).message;
  store.addChannel({ scid: SCID, announcement: channelAnnouncement(keys, SCID).raw, nodeId1: a.nodeId1, nodeId2: a.nodeId2, bitcoinKey1: a.bitcoinKey1, bitcoinKey2: a.bitcoinKey2, capacitySat: 100_000n, funding: FUNDING, firstSeen: 0 });
}

/** Runs watcher rounds until it has processed the scripted tip (bounded). */
async function syncTo(timers: ReturnType<typeof startChainTimers>, tip: number): Promise<void> {
  for (let i = 0; i < 100 && timers.watcher?.processedHeight !== tip; i++) await timers.tick();
  assert.equal(timers.watcher?.processedHeight, tip);
}

test('chain timers: spend marks, reorg unmarks, a deep spend removes the channel and reports it', async (t) => {
  const store = GraphStore.open(':memory:', 0);
  t.after(() => store.close());
  const scid = SCID;
  addChannel(store);
  const removed: bigint[] = [];
  store.onChannelRemoved = (s) => removed.push(s);

  const s = scriptedSource();
  s.add('a');
  const timers = startChainTimers({ store, chain: s.source, log: captureLogger('warn').logger, now: () => 0, pollMs: 3_600_000 });
  t.after(() => timers.stop());
  const sync = async () => { while (timers.watcher?.processedHeight !== s.chain.length - 1) await timers.tick(); };
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

test('restart: a spend mined while the backend was stopped is found from the recorded progress', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-chain-timers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'graph.sqlite');
  const log = captureLogger('warn').logger;
  const s = scriptedSource();
  s.add('a');
  s.add('a');
  let store = GraphStore.open(path, 0);
  addChannel(store);
  let timers = startChainTimers({ store, chain: s.source, log, now: () => 0, pollMs: 3_600_000 });
  await syncTo(timers, 1);
  await timers.stop();
  store.close();
  assert.equal(timers.watcher!.watchedCount, 1);

  // Stopped: the funding is spent, then buried deep enough to forget.
  s.add('a', true);
  for (let i = 0; i < FUNDING_SPENT_FORGET_DELAY_BLOCKS; i++) s.add('a');
  store = GraphStore.open(path, 0);
  assert.deepEqual(store.chainProgress(), { height: 1, hash: 'a-1' });
  const removed: bigint[] = [];
  store.onChannelRemoved = (x) => removed.push(x);
  timers = startChainTimers({ store, chain: s.source, log, now: () => 0, pollMs: 3_600_000 });
  t.after(async () => { await timers.stop(); store.close(); });
  await syncTo(timers, s.chain.length - 1);
  assert.equal(store.getChannel(SCID), undefined);
  assert.deepEqual(removed, [SCID]);
});

test('restart: after a reorg while stopped the watcher rescans from below, undoing spends that left the chain', async (t) => {
  const store = GraphStore.open(':memory:', 0);
  t.after(() => store.close());
  addChannel(store);
  const s = scriptedSource();
  s.add('a');
  s.add('a', true); // spend at height 1
  const log = captureLogger('warn').logger;
  let timers = startChainTimers({ store, chain: s.source, log, now: () => 0, pollMs: 3_600_000 });
  // First start with no record: the funding is checked once and found spent (at the tip).
  await syncTo(timers, 1);
  assert.equal(store.getChannel(SCID)?.spentHeight, 1);
  await timers.stop();

  // Stopped: blocks 1.. are replaced by a chain without the spend.
  s.dropTo(0);
  s.add('b');
  s.add('b');
  timers = startChainTimers({ store, chain: s.source, log, now: () => 0, pollMs: 3_600_000 });
  t.after(() => timers.stop());
  await syncTo(timers, 2);
  assert.equal(store.getChannel(SCID)?.spentHeight, undefined, 'the spend mark is undone');
  assert.deepEqual(store.chainProgress(), { height: 2, hash: 'b-2' });
  assert.equal(timers.watcher!.watchedCount, 1, 'the funding is watched again');
});

test('first start with no record: unspent fundings stay, spent ones are marked at the tip', async (t) => {
  const store = GraphStore.open(':memory:', 0);
  t.after(() => store.close());
  addChannel(store);
  const s = scriptedSource();
  s.add('a');
  s.add('a');
  const timers = startChainTimers({ store, chain: s.source, log: captureLogger('warn').logger, now: () => 0, pollMs: 3_600_000 });
  t.after(() => timers.stop());
  await syncTo(timers, 1);
  assert.equal(store.getChannel(SCID)?.spentHeight, undefined);
  assert.deepEqual(store.chainProgress(), { height: 1, hash: 'a-1' });
});
