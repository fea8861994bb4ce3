/**
 * The LDK harness runs real channels on the embedded regtest chain (bcoin through our bitcoind RPC
 * client): two LDK 0.1 peers on loopback open a channel funded from the regtest wallet, see it
 * confirm and become usable on both sides, change the commitment fee rate with `update_fee`, close it
 * cooperatively (the closing transaction spends the funding output on chain, both outputs swept), and
 * on a second channel one side force-closes: the output of the side whose commitment did not confirm is
 * swept at once, the holder's own only after the CSV delay its peer asked for. The same on an anchor
 * channel, where the force-close commitment reaches the chain through LDK's bump event.
 *
 * This proves the harness (`test/helpers/ldk/regtest.ts`, `ldk-channels.ts`) before it faces our node.
 * Timeouts only bound waits; nothing asserts on durations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTransaction } from '../../src/chain/bitcoin.js';
import { startEmbeddedRegtest, type EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { isEvent } from '../helpers/ldk/events.js';
import type { LdkChannelInfo } from '../helpers/ldk/ldk-channels.js';
import type { LdkNode } from '../helpers/ldk/ldk-node.js';
import { LdkRegtest } from '../helpers/ldk/regtest.js';
import { waitUntil } from '../helpers/ldk/wait.js';
import { LDK_ANTI_REORG_DELAY, LDK_MIN_DEPTH, LDK_TO_SELF_DELAY } from '../helpers/ldk/constants.js';

/** Ping ticks only when a test calls them: nothing here depends on timer scheduling. */
const MANUAL_TICKS_MS = 3_600_000;
/** Bound of each wait, ms. */
const WAIT_MS = 15_000;
const CAPACITY_SATS = 400_000n;
/** A gives B this much at opening, so B has an output of its own when A force-closes. */
const PUSH_MSAT = 100_000_000n;
const RAISED_FEE_RATE = 1_000;

const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

describe('two LDK peers run channels on the embedded regtest chain', () => {
  let chain: EmbeddedRegtest;
  let rt: LdkRegtest;
  let a: LdkNode;
  let b: LdkNode;
  let first: LdkChannelInfo;
  let bPort: number;
  const extra: LdkNode[] = [];

  /** `a` opens a channel to `b` and mines it to usable on both sides; returns `a`'s view. */
  async function openAndConfirm(a: LdkNode, b: LdkNode): Promise<LdkChannelInfo> {
    const res = a.openChannel(b.nodeId, CAPACITY_SATS, PUSH_MSAT);
    assert.ok(res.ok, JSON.stringify(res));
    const pending = await a.waitForEvent('channelPending', isEvent('channelPending', (e) => e.formerTemporaryChannelId === res.temporaryChannelId), WAIT_MS);
    assert.ok(a.channels.fundingTxids.includes(pending.fundingTxid), 'LDK funds with the transaction the harness built');
    await rt.settle();
    assert.ok(await rt.inMempool(pending.fundingTxid), 'LDK broadcast the funding transaction');
    const from = await rt.mine(LDK_MIN_DEPTH) - LDK_MIN_DEPTH + 1;
    for (const n of [a, b]) await n.waitForEvent('channelReady', isEvent('channelReady', (e) => e.channelId === pending.channelId), WAIT_MS);
    const usable = (n: LdkNode) => waitUntil(`${n.alias} usable`, () => {
      const ch = n.channels.get(pending.channelId);
      return ch?.isUsable === true ? ch : undefined;
    }, WAIT_MS);
    const [mine, theirs] = [await usable(a), await usable(b)];
    const funding = await rt.findTx(pending.fundingTxid, from);
    assert.equal(funding?.tx.outputs[pending.fundingVout]?.value, CAPACITY_SATS, 'funding output on chain');
    assert.equal(mine.fundingTxid, pending.fundingTxid);
    assert.equal(theirs.fundingTxid, pending.fundingTxid);
    assert.equal(mine.capacitySats, CAPACITY_SATS);
    assert.equal(mine.isOutbound, true);
    assert.equal(mine.channelType, a.anchors ? 'anchors' : 'staticRemoteKey');
    assert.equal(theirs.isOutbound, false);
    assert.ok(mine.confirmations !== null && mine.confirmations >= LDK_MIN_DEPTH);
    // What each can send is its balance less its reserve (and, for A, the commitment fee): B's 100k
    // sats pushed sit below A's, and each side's inbound mirrors the other's outbound within reserves.
    assert.ok(theirs.outboundMsat > 0n && theirs.outboundMsat < PUSH_MSAT, `B outbound ${theirs.outboundMsat}`);
    assert.ok(mine.outboundMsat > theirs.outboundMsat && mine.outboundMsat < CAPACITY_SATS * 1000n - PUSH_MSAT);
    assert.ok(mine.inboundMsat <= PUSH_MSAT && theirs.inboundMsat <= CAPACITY_SATS * 1000n - PUSH_MSAT);
    return mine;
  }

  /** Waits for `n` to sweep `channelId`'s outputs, mines a block, and checks the sweep paid `n`'s script. */
  async function sweptOnChain(n: LdkNode, channelId: string, from: number): Promise<bigint> {
    await n.waitForEvent('spendableOutputs', isEvent('spendableOutputs', (e) => e.channelId === channelId), WAIT_MS);
    const sweep = n.channels.sweeps.find((s) => s.channelId === channelId);
    assert.ok(sweep !== undefined, `${n.alias} built a sweep`);
    await rt.mine(1);
    const mined = await rt.findTx(sweep.txid, from);
    assert.ok(mined !== undefined, `${n.alias}'s sweep mined`);
    const paid = mined.tx.outputs.filter((o) => Buffer.from(o.script).equals(n.channels.sweepScript!));
    assert.deepEqual(paid.map((o) => o.value), [sweep.sats]);
    return sweep.sats;
  }

  before(async () => {
    chain = await startEmbeddedRegtest();
    rt = new LdkRegtest(chain);
    a = await rt.startNode({ seed: seed(0xa1), alias: 'A', tickIntervalMs: MANUAL_TICKS_MS });
    b = await rt.startNode({ seed: seed(0xb2), alias: 'B', tickIntervalMs: MANUAL_TICKS_MS });
    bPort = await b.listen(0);
    await a.connect(b.nodeId, '127.0.0.1', bPort);
    await a.waitForPeer(b.nodeId, WAIT_MS);
    await b.waitForPeer(a.nodeId, WAIT_MS);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    for (const n of extra) await n.stop();
    await chain?.close();
  });

  test('A opens a channel to B funded from the regtest wallet; it confirms and is usable on both sides', async () => {
    first = await openAndConfirm(a, b);
  });

  test('update_fee: A raises its fee estimate and, after a channel tick, both commitments use the new rate', async () => {
    assert.notEqual(first.feeRatePerKw, RAISED_FEE_RATE);
    a.channels.setFeeRate(RAISED_FEE_RATE);
    a.channels.tick();
    for (const n of [a, b]) {
      await waitUntil(`${n.alias} sees the new fee rate`, () =>
        (n.channels.get(first.channelId)?.feeRatePerKw === RAISED_FEE_RATE ? true : undefined), WAIT_MS);
    }
    assert.equal(b.channels.get(first.channelId)?.isUsable, true);
  });

  test('reconnect: after a disconnect the channel is not usable; A dials B again, channel_reestablish, usable on both sides', async () => {
    const reestablished = (n: LdkNode) => n.logs.filter((l) => l.includes('Received message ChannelReestablish')).length;
    const [aBefore, bBefore] = [reestablished(a), reestablished(b)];
    a.disconnect(b.nodeId);
    await b.waitForDisconnect(a.nodeId, WAIT_MS);
    assert.equal(a.channels.get(first.channelId)?.isUsable, false);
    assert.equal(b.channels.get(first.channelId)?.isUsable, false);
    await a.connect(b.nodeId, '127.0.0.1', bPort);
    for (const n of [a, b]) {
      await waitUntil(`${n.alias} usable again`, () => (n.channels.get(first.channelId)?.isUsable === true ? true : undefined), WAIT_MS);
    }
    assert.ok(reestablished(a) > aBefore && reestablished(b) > bBefore, 'both sides sent channel_reestablish');
    assert.equal(b.channels.get(first.channelId)?.feeRatePerKw, RAISED_FEE_RATE, 'the updated fee rate survived the reconnection');
  });

  test('mutual close: both sides report it, and the closing transaction spends the funding output on chain', async () => {
    const from = await chain.tip() + 1;
    a.channels.close(first.channelId, b.nodeId);
    for (const n of [a, b]) {
      const closed = await n.waitForEvent('channelClosed', isEvent('channelClosed', (e) => e.channelId === first.channelId), WAIT_MS);
      assert.match(closed.reason, /cooperative|coop/i, closed.reason);
    }
    await rt.mine(1);
    const spend = await rt.findSpend(first.fundingTxid!, first.fundingVout!, from);
    assert.ok(spend !== undefined, 'closing transaction mined');
    assert.equal(spend.tx.inputs.length, 1);
    assert.equal(spend.tx.outputs.length, 2, 'one output each');
    assert.equal(a.channels.get(first.channelId), undefined);
    assert.equal(b.channels.get(first.channelId), undefined);
    // Each side's closing output pays its own key: LDK reports it spendable once deep enough, and sweeps.
    await rt.mine(LDK_ANTI_REORG_DELAY - 1);
    const aGot = await sweptOnChain(a, first.channelId, from);
    const bGot = await sweptOnChain(b, first.channelId, from);
    assert.ok(aGot > bGot && bGot > 0n && bGot < PUSH_MSAT / 1000n, `swept A ${aGot}, B ${bGot}`);
  });

  /** Display-hex txids of everything `n` broadcast. */
  const sentBy = (n: LdkNode): string[] => n.broadcasts.map((tx) => parseTransaction(tx).txid);

  /**
   * `a` force-closes its channel to `b`. LDK's peer answers the `error` by broadcasting its own
   * commitment too, and the chain keeps whichever came first (nearly always `a`'s): `holder` is the
   * side whose commitment was mined. The other side's output is swept after LDK's anti-reorg depth,
   * the holder's own exactly when its `to_self_delay` matures, not a block before.
   */
  async function forceCloseAndSweep(a: LdkNode, b: LdkNode, ch: LdkChannelInfo): Promise<void> {
    const from = await chain.tip() + 1;
    a.channels.forceClose(ch.channelId, b.nodeId);
    await b.waitForEvent('channelClosed', isEvent('channelClosed', (e) => e.channelId === ch.channelId), WAIT_MS);
    const closedAt = await rt.mine(1);
    const commitment = await rt.findSpend(ch.fundingTxid!, ch.fundingVout!, from);
    assert.ok(commitment !== undefined, 'a commitment transaction mined');
    const holder = sentBy(a).includes(commitment.tx.txid) ? a : b;
    const other = holder === a ? b : a;
    assert.ok(sentBy(holder).includes(commitment.tx.txid), 'the mined commitment is one the nodes broadcast');
    const sweptFor = (n: LdkNode) => n.channels.sweeps.filter((s) => s.channelId === ch.channelId).length;

    await rt.mine(LDK_ANTI_REORG_DELAY - 1);
    const otherGot = await sweptOnChain(other, ch.channelId, from);
    assert.equal(sweptFor(holder), 0, `${holder.alias}'s output is still locked by to_self_delay`);

    // LDK reports the to_local output when the tip is LDK_TO_SELF_DELAY - 1 past the commitment's block,
    // so a sweep fits in the next block.
    const tip = await chain.tip();
    await rt.mine(closedAt + LDK_TO_SELF_DELAY - 2 - tip);
    assert.equal(sweptFor(holder), 0, `one block before maturity ${holder.alias} has nothing to sweep`);
    await rt.mine(1);
    const holderGot = await sweptOnChain(holder, ch.channelId, from);
    // A funded the channel and pushed PUSH_MSAT to B: each sweep is that side's balance less fees.
    const [aGot, bGot] = holder === a ? [holderGot, otherGot] : [otherGot, holderGot];
    assert.ok(bGot > 0n && bGot < PUSH_MSAT / 1000n, `${b.alias} swept ${bGot} sat`);
    assert.ok(aGot > bGot && aGot < CAPACITY_SATS - PUSH_MSAT / 1000n, `${a.alias} swept ${aGot} sat`);
  }

  test("force close: A broadcasts its commitment; the non-holder's output is swept at once, the holder's only after the CSV delay", async () => {
    await forceCloseAndSweep(a, b, await openAndConfirm(a, b));
  });

  test('anchor channel (option_anchors): opened; force-closed by the opener while fees rose, the commitment goes out through the bump event (no CPFP child); both sides swept', async () => {
    const c = await rt.startNode({ seed: seed(0xc3), alias: 'C', tickIntervalMs: MANUAL_TICKS_MS, anchors: true });
    // LDK takes an inbound anchor channel only when the user accepts it by hand.
    const d = await rt.startNode({ seed: seed(0xd4), alias: 'D', tickIntervalMs: MANUAL_TICKS_MS, anchors: true,
      inboundChannels: { kind: 'accept' } });
    extra.push(c, d);
    await c.connect(d.nodeId, '127.0.0.1', await d.listen(0));
    await c.waitForPeer(d.nodeId, WAIT_MS);
    const ch = await openAndConfirm(c, d);
    assert.equal(ch.channelType, 'anchors');
    assert.equal(d.channels.get(ch.channelId)?.channelType, 'anchors');
    // With its estimate above the commitment's rate (no channel tick, so no update_fee), LDK does not
    // broadcast the commitment itself but asks the bumper, which here broadcasts it as is.
    c.channels.setFeeRate(RAISED_FEE_RATE);
    await forceCloseAndSweep(c, d, ch);
    assert.ok(c.events.some(isEvent('bumpChannelClose', (e) => e.channelId === ch.channelId)), 'LDK left the commitment to the bumper');
    const spendsFunding = (tx: Uint8Array): boolean => parseTransaction(tx).inputs.some((i) => i.prevTxid === ch.fundingTxid);
    assert.ok(c.broadcasts.some(spendsFunding), 'the harness broadcast the commitment of the bump event');
  });
});
