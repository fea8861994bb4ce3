/**
 * The embedded regtest chain (bcoin in memory) through the production JSON-RPC source: real blocks
 * and a segwit transaction through the raw parser; channel_announcements whose funding outputs are
 * real (accepted with the right capacity) or wrong (script, dust, spent, too shallow); a mined spend
 * reported by the watcher and the channel removed from the store after the delay.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fundingOutputScript, merkleRoot, parseTransaction } from '../../src/chain/bitcoin.js';
import { EmbeddedRegtest, type FundedOutput } from '../../src/chain/embedded-regtest.js';
import { ChainWatcher, type ChainEvent } from '../../src/chain/watcher.js';
import { decide, MIN_CHANNEL_CAPACITY_SAT, type Decision } from '../../src/gossip/decide.js';
import { FUNDING_SPENT_FORGET_DELAY_BLOCKS, GraphStore } from '../../src/gossip/store.js';
import { channelAnnouncement, engine, newChannelKeys, REGTEST, type ChannelKeys } from '../helpers/gossip-fixtures.js';

let chain: EmbeddedRegtest;
const ctx = { chainHash: REGTEST, now: Math.floor(Date.now() / 1000) };

before(async () => {
  chain = await EmbeddedRegtest.start();
});
after(async () => {
  await chain?.close();
});

/** Funds the channel of `keys` with `value` to `script` (default: its real funding script). */
async function fundChannel(keys: ChannelKeys, value: bigint, script?: Uint8Array): Promise<FundedOutput> {
  return chain.fund(script ?? fundingOutputScript(engine.publicKey(keys.btc1), engine.publicKey(keys.btc2)), value);
}

test('real blocks parse: regtest genesis, mined blocks (merkle roots match), and a segwit spend', async () => {
  const source = chain.source;
  assert.equal(source.kind, 'embedded-regtest');
  assert.match(source.describe(), /embedded regtest/);
  const genesis = await source.getBlock((await source.getBlockHash(0))!);
  assert.equal(genesis.header.hash, '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
  assert.equal(genesis.txs[0]!.txid, '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
  const tip = await source.getBlockCount();
  for (const h of [1, 2, tip]) {
    const block = await source.getBlock((await source.getBlockHash(h))!);
    assert.equal(merkleRoot(block.txs.map((t) => t.txid)), block.header.merkleRoot, `block ${h}`);
    assert.equal(block.header.prevHash, await source.getBlockHash(h - 1));
  }
  assert.equal(await source.getBlockHash(tip + 1), undefined);
  // A segwit transaction: spend a 2-of-2 funding output (witness: <> sig sig script).
  const keys = newChannelKeys();
  const f = await fundChannel(keys, 200_000n);
  const txid = await chain.spendFunding(f, keys.btc1, keys.btc2);
  const [hash] = await chain.mine(1);
  const block = await source.getBlock(hash!);
  const spend = block.txs.find((t) => t.txid === txid)!;
  assert.equal(spend.hasWitness, true);
  assert.equal(spend.inputs[0]!.witness.length, 4);
  assert.equal(spend.inputs[0]!.prevTxid, f.txid);
  assert.equal(merkleRoot(block.txs.map((t) => t.txid)), block.header.merkleRoot);
  const raw = await source.rpc.call<string>('getrawtransaction', [txid, false]).catch(() => undefined);
  if (raw !== undefined) assert.equal(parseTransaction(Uint8Array.from(Buffer.from(raw, 'hex'))).txid, txid);
});

test('channel_announcements against real funding outputs: accepted with capacity; wrong script, dust, spent, shallow rejected', async () => {
  const store = GraphStore.open(':memory:', ctx.now);
  const run = (keys: ChannelKeys, f: FundedOutput): Promise<Decision> => Promise.resolve(decide(channelAnnouncement(keys, f.scid), store, ctx, chain.source));

  const good = newChannelKeys();
  const fGood = await fundChannel(good, 1_000_000n);
  assert.equal((await run(good, fGood)).reason, 'tooFewConfirmations', '1 confirmation');
  await chain.mine(5);
  const ok = await run(good, fGood);
  assert.equal(ok.reason, 'accepted');
  assert.deepEqual(ok.accepted && ok.funding, { txid: fGood.txid, vout: 0, capacitySat: 1_000_000n, confirmations: 6 });

  const wrong = newChannelKeys();
  const fWrong = await fundChannel(wrong, 1_000_000n, fundingOutputScript(engine.publicKey(wrong.btc1), engine.publicKey(wrong.node1)));
  const dust = newChannelKeys();
  const fDust = await fundChannel(dust, MIN_CHANNEL_CAPACITY_SAT - 1n);
  const spent = newChannelKeys();
  const fSpent = await fundChannel(spent, 500_000n);
  await chain.spendFunding(fSpent, spent.btc1, spent.btc2);
  await chain.mine(6);
  assert.equal((await run(wrong, fWrong)).reason, 'fundingScriptMismatch');
  assert.equal((await run(dust, fDust)).reason, 'fundingBelowDust');
  assert.equal((await run(spent, fSpent)).reason, 'fundingSpent');
  assert.equal((await run(good, { ...fGood, scid: fGood.scid + 1n })).reason, 'fundingScriptMismatch', 'output 1 is the change');
  assert.equal((await run(good, { ...fGood, scid: fGood.scid + 2n })).reason, 'fundingNotFound', 'there is no output 2');
  store.close();
});

test('the watcher reports a mined spend of a funding output, and the store forgets the channel after the delay', async () => {
  const store = GraphStore.open(':memory:', ctx.now);
  const keys = newChannelKeys();
  const f = await fundChannel(keys, 300_000n);
  await chain.mine(5);
  const ann = channelAnnouncement(keys, f.scid);
  const d = await decide(ann, store, ctx, chain.source);
  assert.ok(d.accepted && d.funding);
  const m = ann.message;
  store.addChannel({ scid: f.scid, announcement: ann.raw, nodeId1: m.nodeId1, nodeId2: m.nodeId2, bitcoinKey1: m.bitcoinKey1, bitcoinKey2: m.bitcoinKey2, capacitySat: d.funding.capacitySat, funding: { txid: d.funding.txid, vout: d.funding.vout }, firstSeen: ctx.now });

  const events: ChainEvent[] = [];
  const watcher = new ChainWatcher(chain.source, (e) => {
    events.push(e);
    if (e.kind === 'spent') store.markFundingSpent(e.outpoint, e.height);
    if (e.kind === 'block') store.removeSpentChannels(e.height);
  });
  watcher.watch(store.unspentFundingOutpoints());
  await watcher.poll(); // starts at the tip
  const spendTxid = await chain.spendFunding(f, keys.btc1, keys.btc2);
  await chain.mine(1);
  await watcher.poll();
  const spend = events.find((e) => e.kind === 'spent');
  assert.ok(spend && spend.kind === 'spent');
  assert.deepEqual(spend.outpoint, { txid: f.txid, vout: 0 });
  assert.equal(spend.spendingTxid, spendTxid);
  assert.equal(store.counts().spentPending, 1);
  assert.notEqual(store.getChannel(f.scid), undefined, 'kept until the spend is deep enough');
  await chain.mine(FUNDING_SPENT_FORGET_DELAY_BLOCKS - 1);
  await watcher.poll();
  assert.equal(store.getChannel(f.scid), undefined);
  assert.equal(events.filter((e) => e.kind === 'block').length, FUNDING_SPENT_FORGET_DELAY_BLOCKS);
  assert.equal(events.some((e) => e.kind === 'reorg'), false);
  await watcher.stop();
  store.close();
});
