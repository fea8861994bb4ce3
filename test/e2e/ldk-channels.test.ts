/**
 * Channels between lnfleet and a real LDK 0.1 node (WASM, from npm) on the embedded regtest chain:
 * a dev cluster (`lnfleet dev`: one backend process, two front processes, real mutual TLS) whose
 * backend reaches the chain through its bitcoind JSON-RPC client (`chain.source = bitcoind`, pointed at
 * the embedded chain's RPC, which also serves the Core wallet methods the channel wallet uses), and
 * LDK nodes from `test/helpers/ldk/regtest.ts` following the same chain block by block.
 *
 *  - LDK opens a channel through front 1; it confirms and both sides see it usable (balances, funding);
 *  - LDK raises its fee estimate: update_fee, and LDK commits to the new rate;
 *  - LDK reconnects through front 2 and the channel re-establishes with the same balances;
 *  - kill -9 of the front LDK is on: nothing is lost, LDK redials through front 1, usable again;
 *  - mutual close started by LDK confirms on chain;
 *  - force close by LDK and by us: a commitment confirms and LDK sweeps its output exactly when it
 *    matures (our sweep of our own output is not checked here yet);
 *  - we open a channel to LDK (funded from the regtest wallet), it becomes usable, the chain's fee
 *    estimate rises and our update_fee moves LDK's channel feerate to it, and we close it.
 *
 * Timeouts only bound waits; nothing asserts on durations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTransaction } from '../../src/chain/bitcoin.js';
import { startEmbeddedRegtest, type EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { once } from 'node:events';
import { startDevCluster, type DevCluster } from '../../src/cli/dev.js';
import { isEvent, type LdkEventRecord } from '../helpers/ldk/events.js';
import type { LdkChannelInfo } from '../helpers/ldk/ldk-channels.js';
import type { LdkNode } from '../helpers/ldk/ldk-node.js';
import { waitUntil } from '../helpers/ldk/wait.js';
import { LDK_ANTI_REORG_DELAY, LDK_MIN_DEPTH } from '../helpers/ldk/constants.js';
import { LdkRegtest } from '../helpers/ldk/regtest.js';
import { devClusterPorts } from '../helpers/ports.js';
import { eventually } from '../helpers/wait.js';

/** LDK ticks only when a test says so: nothing depends on timer scheduling. */
const MANUAL_TICKS_MS = 3_600_000;
/** Bound of each wait, ms. */
const WAIT_MS = 20_000;

interface StatusBody { nodeId: string; chain: string; chainSource: string; chainSourceNote: string }
interface PeerRow { nodeId: string; state: string; front?: string }
/** A row of `GET /channels` (amounts as decimal strings). */
interface ChannelRow {
  id: number; channelId?: string; temporaryChannelId: string; peer: string; peerConnected: boolean; phase: string;
  capacitySat?: string; localMsat?: string; remoteMsat?: string; funding?: { txid: string; vout: number };
  funder: boolean; active: boolean; closedReason?: string; fault?: string; feeratePerKw?: number;
}
/** Channel size of every open here, sat, and what the opener pushes to the other side, msat. */
const CAPACITY_SATS = 400_000n;
const PUSH_MSAT = 100_000_000n;
/** Confirmations lnfleet asks of a funding it accepts (`channels.minimum-depth` default). */
const LNFLEET_MIN_DEPTH = 3;
/** to_self_delay each side imposes on the other: lnfleet's `channels.to-self-delay` and LDK's default. */
const TO_SELF_DELAY = 144;
const RAISED_FEE_RATE = 1_000;
/** The chain's fee estimate once we raise it, sat/kvB (= 2 000 sat/kw: far past our 25 % band from the floor). */
const RAISED_ESTIMATE_SAT_PER_KVB = 8_000;

describe('LDK channels with a dev cluster on the embedded regtest chain', () => {
  let dir: string;
  let chain: EmbeddedRegtest;
  let rt: LdkRegtest;
  let cluster: DevCluster;
  let api: string;
  const ldk: LdkNode[] = [];

  const getJson = async <T>(path: string): Promise<T> => (await (await fetch(`${api}${path}`)).json()) as T;
  const peerOn = async (nodeId: string): Promise<string | undefined> =>
    (await getJson<PeerRow[]>('/peers')).find((p) => p.nodeId === nodeId && p.state === 'connected')?.front;
  const front = (i: number) => cluster.info.fronts[i]!;
  const ourChannel = async (channelId: string): Promise<ChannelRow | undefined> =>
    (await getJson<ChannelRow[]>('/channels')).find((c) => c.channelId === channelId);
  const post = async (path: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${api}${path}`, { method: 'POST', body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  /** Waits until our side shows `channelId` in `phase` (the backend polls the chain on its own). */
  const ourPhase = (channelId: string, phase: string): Promise<ChannelRow> => eventually(`our channel ${channelId.slice(0, 8)}… ${phase}`,
    async () => { const c = await ourChannel(channelId); return c?.phase === phase ? c : undefined; }, WAIT_MS);
  const usable = (n: LdkNode, channelId: string) => waitUntil(`${n.alias} usable`, () => {
    const ch = n.channels.get(channelId);
    return ch?.isUsable === true ? ch : undefined;
  }, WAIT_MS);

  /** LDK `a` opens a channel to our node and both sides see it usable; returns LDK's view. */
  async function ldkOpens(a: LdkNode): Promise<LdkChannelInfo> {
    const res = a.openChannel(cluster.info.nodeId, CAPACITY_SATS, PUSH_MSAT);
    assert.ok(res.ok, JSON.stringify(res));
    // LDK hears back either way: funding_signed (channelPending) or an error (channelClosed).
    const outcome = await a.waitForEvent('channelPending or channelClosed', (e): e is Extract<LdkEventRecord, { kind: 'channelPending' | 'channelClosed' }> =>
      (e.kind === 'channelPending' && e.formerTemporaryChannelId === res.temporaryChannelId)
      || (e.kind === 'channelClosed' && e.channelId === res.temporaryChannelId), WAIT_MS);
    assert.ok(outcome.kind === 'channelPending', `lnfleet refused: ${JSON.stringify(outcome)}`);
    const pending = outcome;
    await rt.settle();
    await rt.mine(LNFLEET_MIN_DEPTH);
    // No extra blocks: the backend looks a funding output up on every chain round and when its watch starts.
    await a.waitForEvent('channelReady', isEvent('channelReady', (e) => e.channelId === pending.channelId), WAIT_MS);
    const mine = await usable(a, pending.channelId);
    const ours = await ourPhase(pending.channelId, 'normal');
    assert.deepEqual(ours.funding, { txid: pending.fundingTxid, vout: pending.fundingVout });
    assert.equal(BigInt(ours.capacitySat!), CAPACITY_SATS);
    assert.equal(ours.funder, false);
    assert.equal(BigInt(ours.localMsat!), PUSH_MSAT);
    assert.equal(BigInt(ours.remoteMsat!) + PUSH_MSAT <= CAPACITY_SATS * 1000n, true);
    return mine;
  }

  /** Display-hex txids of everything `n` broadcast. */
  const sentBy = (n: LdkNode): string[] => n.broadcasts.map((tx) => parseTransaction(tx).txid);

  /** Waits until our side has left `normal` for good (closing or closed) and returns the row. */
  const ourClosing = (channelId: string): Promise<ChannelRow> => eventually(`our channel ${channelId.slice(0, 8)}… closing`, async () => {
    const c = await ourChannel(channelId);
    return c !== undefined && (c.phase === 'closing' || c.phase === 'closed') ? c : undefined;
  }, WAIT_MS);

  /**
   * After a force close of `ch`: the commitment that confirmed (LDK's or ours: each side broadcasts its
   * own when the other errors, the chain keeps one), then LDK's output of it swept to LDK's wallet
   * script: after LDK's anti-reorg depth when ours confirmed, after our to_self_delay when LDK's did.
   */
  async function ldkSweepsAfterForceClose(a: LdkNode, ch: LdkChannelInfo, from: number): Promise<void> {
    const closedAt = await rt.mine(1);
    const commitment = await rt.findSpend(ch.fundingTxid!, ch.fundingVout!, from);
    assert.ok(commitment !== undefined, 'a commitment mined');
    const ldkHolds = sentBy(a).includes(commitment.tx.txid);
    const delay = ldkHolds ? TO_SELF_DELAY : LDK_ANTI_REORG_DELAY;
    const tip = await chain.tip();
    await rt.mine(closedAt + delay - 2 - tip);
    assert.equal(a.channels.sweeps.filter((s) => s.channelId === ch.channelId).length, 0, 'nothing to sweep a block early');
    await rt.mine(1);
    await a.waitForEvent('spendableOutputs', isEvent('spendableOutputs', (e) => e.channelId === ch.channelId), WAIT_MS);
    const sweep = a.channels.sweeps.find((s) => s.channelId === ch.channelId)!;
    await rt.mine(1);
    const mined = await rt.findTx(sweep.txid, from);
    assert.ok(mined !== undefined, 'LDK sweep mined');
    assert.ok(mined.tx.inputs.some((i) => i.prevTxid === commitment.tx.txid), 'the sweep spends the commitment');
    // LDK funded CAPACITY and pushed PUSH_MSAT to us: its sweep is the rest less fees.
    assert.ok(sweep.sats > 0n && sweep.sats < CAPACITY_SATS - PUSH_MSAT / 1000n, `LDK swept ${sweep.sats} sat`);
    assert.ok(sweep.sats > (CAPACITY_SATS - PUSH_MSAT / 1000n) * 9n / 10n, `LDK swept ${sweep.sats} sat`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lnfleet-e2e-ch-'));
    chain = await startEmbeddedRegtest();
    rt = new LdkRegtest(chain);
    cluster = await startDevCluster({
      dataDir: dir, fronts: 2, ports: await devClusterPorts(2),
      backendConfig: {
        'chain.source': 'bitcoind', 'bitcoind.rpc-url': chain.rpcUrl, 'bitcoind.rpc-user': 'lnfleet', 'bitcoind.rpc-password': chain.apiKey,
      },
    });
    api = `http://127.0.0.1:${cluster.info.backend.api}`;
  });

  after(async () => {
    for (const n of ldk) await n.stop();
    await cluster?.stop();
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the backend's chain source is the embedded chain's RPC (bitcoind client), and LDK on regtest peers with it through front 1", async () => {
    const status = await getJson<StatusBody>('/status');
    assert.equal(status.chain, 'regtest');
    assert.equal(status.chainSource, 'bitcoind');
    assert.ok(status.chainSourceNote.includes(new URL(chain.rpcUrl).host), status.chainSourceNote);
    const a = await rt.startNode({ seed: new Uint8Array(32).fill(0xa1), alias: 'A', tickIntervalMs: MANUAL_TICKS_MS });
    ldk.push(a);
    await a.connect(cluster.info.nodeId, '127.0.0.1', front(0).port);
    await a.waitForPeer(cluster.info.nodeId, WAIT_MS);
    await eventually('A registered on the backend through front 1', async () =>
      ((await peerOn(a.nodeId)) === 'front-1' ? true : undefined), WAIT_MS);
  });

  let first: LdkChannelInfo;

  test('LDK opens a channel to lnfleet through front 1: it confirms and both sides see it usable', async () => {
    first = await ldkOpens(ldk[0]!);
  });

  test('update_fee: LDK raises its fee estimate; lnfleet takes the update and LDK commits to the new rate', async () => {
    const a = ldk[0]!;
    a.channels.setFeeRate(RAISED_FEE_RATE);
    a.channels.tick();
    await waitUntil('LDK on the new rate', () => (a.channels.get(first.channelId)?.feeRatePerKw === RAISED_FEE_RATE ? true : undefined), WAIT_MS);
    assert.equal((await ourChannel(first.channelId))?.phase, 'normal');
    assert.equal(a.channels.get(first.channelId)?.isUsable, true);
  });

  test('LDK reconnects through front 2 and the channel re-establishes', async () => {
    const a = ldk[0]!;
    a.disconnect(cluster.info.nodeId);
    await eventually('A gone from the backend', async () => ((await peerOn(a.nodeId)) === undefined ? true : undefined), WAIT_MS);
    await a.connect(cluster.info.nodeId, '127.0.0.1', front(1).port);
    await usable(a, first.channelId);
    assert.equal(await peerOn(a.nodeId), 'front-2');
    const ours = await ourPhase(first.channelId, 'normal');
    assert.equal(ours.peerConnected, true);
    assert.equal(BigInt(ours.localMsat!), PUSH_MSAT, 'balances unchanged');
  });

  test("kill -9 of the peer's front: nothing is lost; LDK redials through front 1 and the channel is usable again", async () => {
    const a = ldk[0]!;
    const before = await ourChannel(first.channelId);
    const victim = cluster.children.get('front-2')!;
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    await a.waitForDisconnect(cluster.info.nodeId, WAIT_MS);
    await a.connect(cluster.info.nodeId, '127.0.0.1', front(0).port);
    await usable(a, first.channelId);
    const after = await ourPhase(first.channelId, 'normal');
    assert.deepEqual({ ...after, peerConnected: true }, { ...before!, peerConnected: true });
    cluster.restart('front-2');
  });

  test('mutual close started by LDK confirms on chain; both sides call it closed', async () => {
    const a = ldk[0]!;
    const from = await chain.tip() + 1;
    a.channels.close(first.channelId, cluster.info.nodeId);
    await a.waitForEvent('channelClosed', isEvent('channelClosed', (e) => e.channelId === first.channelId), WAIT_MS);
    await rt.mine(1);
    const spend = await rt.findSpend(first.fundingTxid!, first.fundingVout!, from);
    assert.ok(spend !== undefined, 'closing transaction mined');
    const ours = await ourClosing(first.channelId);
    assert.match(ours.closedReason ?? ours.phase, /mutual|clos/);
  });

  test('force close by LDK: a commitment confirms, our channel leaves normal, LDK sweeps its output', async () => {
    const a = ldk[0]!;
    const ch = await ldkOpens(a);
    const from = await chain.tip() + 1;
    a.channels.forceClose(ch.channelId, cluster.info.nodeId);
    await ourClosing(ch.channelId);
    await ldkSweepsAfterForceClose(a, ch, from);
  });

  test('force close by lnfleet (POST /close force): a commitment confirms, LDK sees it closed and sweeps its output', async () => {
    const a = ldk[0]!;
    const ch = await ldkOpens(a);
    const from = await chain.tip() + 1;
    const res = await post('/close', { channel: ch.channelId, force: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await a.waitForEvent('channelClosed', isEvent('channelClosed', (e) => e.channelId === ch.channelId), WAIT_MS);
    await ourClosing(ch.channelId);
    await ldkSweepsAfterForceClose(a, ch, from);
  });

  test('we open a channel to LDK (funded from the regtest wallet), it becomes usable, follows our update_fee, and we close it', async () => {
    const b = await rt.startNode({ seed: new Uint8Array(32).fill(0xb2), alias: 'B', tickIntervalMs: MANUAL_TICKS_MS });
    ldk.push(b);
    const port = await b.listen(0);
    const conn = await post('/connect', { peer: `${b.nodeId}@127.0.0.1:${port}` });
    assert.equal(conn.status, 200, JSON.stringify(conn.body));
    await b.waitForPeer(cluster.info.nodeId, WAIT_MS);
    const opened = await post('/open', { nodeId: b.nodeId, sats: Number(CAPACITY_SATS) });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const { channelId, fundingTxid } = opened.body as { channelId: string; fundingTxid: string };
    await rt.settle();
    assert.ok(await rt.inMempool(fundingTxid), 'our funding transaction was broadcast');
    await rt.mine(LDK_MIN_DEPTH);
    const theirs = await usable(b, channelId);
    assert.equal(theirs.isOutbound, false);
    assert.equal(theirs.fundingTxid, fundingTxid);
    await ourPhase(channelId, 'normal');
    // Our update_fee: the chain's estimate rises; at the next block we propose it and LDK commits to it.
    chain.wallet.feeEstimateSatPerKvB = RAISED_ESTIMATE_SAT_PER_KVB;
    await rt.mine(1);
    const raised = RAISED_ESTIMATE_SAT_PER_KVB / 4;
    await waitUntil('LDK on our new rate', () => (b.channels.get(channelId)?.feeRatePerKw === raised ? true : undefined), WAIT_MS);
    await eventually('our channel on the new rate', async () => ((await ourChannel(channelId))?.feeratePerKw === raised ? true : undefined), WAIT_MS);
    assert.equal(b.channels.get(channelId)?.isUsable, true);
    chain.wallet.feeEstimateSatPerKvB = undefined;
    const from = await chain.tip() + 1;
    const closed = await post('/close', { channel: channelId });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    await b.waitForEvent('channelClosed', isEvent('channelClosed', (e) => e.channelId === channelId), WAIT_MS);
    await rt.mine(1);
    assert.ok(await rt.findSpend(fundingTxid, theirs.fundingVout!, from) !== undefined, 'closing transaction mined');
  });
});
