// The five behaviours of eclair's FrontRouterSpec end to end: one real backend (SQLite graph, the
// embedded regtest chain behind a gate so a channel_announcement can be held pending at the backend),
// three real fronts, BOLT 8 test peers on each. Observed from outside only: what peers receive, pongs
// (a sender's reads continue), the backend's graph counts and decision metrics, and each front's
// `front_router_gossip_total{status,type}` scraped from its health port's /metrics. Front 1 checks
// signatures on two verification threads, front 2 inline, front 3 with the default.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fundingOutputScript } from '../../src/chain/bitcoin.js';
import { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import type { UtxoChainSource } from '../../src/chain/source.js';
import type { FrontHandle } from '../../src/front/index.js';
import { encodeMessage } from '../../src/wire/index.js';
import { waitFor, type TempPki } from '../helpers/cluster-fixtures.js';
import { QUICK_REBROADCAST, startGossipFronts, type GossipFrontSpec } from '../helpers/gossip-fronts.js';
import { channelAnnouncement, channelUpdate, engine, newChannelKeys, newKey, nodeAnnouncement, REGTEST } from '../helpers/gossip-fixtures.js';
import { dialPeer, type TestPeer } from '../front/test-peer.js';
import { eventually } from '../helpers/wait.js';
import { startTestBackend } from '../back/setup.js';

const QUIET_MS = 3 * QUICK_REBROADCAST.intervalMs;

let chain: EmbeddedRegtest;
before(async () => { chain = await EmbeddedRegtest.start(); });
after(async () => { await chain?.close(); });

/** The regtest source with `getTxOut` held while the gate is closed: the backend's decision stays pending. */
function gatedSource(inner: UtxoChainSource): { source: UtxoChainSource; close(): void; open(): void; waiting(): number } {
  let gate: Promise<void> | undefined;
  let openGate = (): void => {};
  let waiting = 0;
  const source: UtxoChainSource = {
    kind: inner.kind,
    describe: () => inner.describe(),
    getBlockCount: () => inner.getBlockCount(),
    getBlockHash: (h) => inner.getBlockHash(h),
    getBlock: (h) => inner.getBlock(h),
    getTxOut: async (txid, vout) => {
      if (gate) {
        waiting++;
        await gate;
        waiting--;
      }
      return inner.getTxOut(txid, vout);
    },
    close: () => Promise.resolve(), // the regtest chain is closed by `after`
  };
  return {
    source,
    close: () => { gate = new Promise((r) => { openGate = r; }); },
    open: () => { openGate(); gate = undefined; },
    waiting: () => waiting,
  };
}

/**
 * Front i gets `front.verify-threads` = threads[i] (undefined: the default, min(3, cores - 1)), so the
 * behaviours are checked with signatures verified on threads and inline in one cluster.
 */
/** Fronts t1, t2, … linked to `linkPort`, with `front.verify-threads` from `threads` (undefined: the default), ready. */
function startFronts(t: { after(fn: () => Promise<void>): void }, pki: TempPki, linkPort: number, threads: readonly (string | undefined)[]): Promise<FrontHandle[]> {
  return startGossipFronts(t, pki, linkPort, threads.map((n, i): GossipFrontSpec => ({ name: `t${i + 1}`, ...(n === undefined ? {} : { extra: { 'front.verify-threads': n } }) })));
}

const allTime = () => encodeMessage({ name: 'gossip_timestamp_filter', chainHash: REGTEST, firstTimestamp: 0, timestampRange: 0xffffffff, tlvs: {} });

async function peerOn(t: { after(fn: () => void): void }, f: FrontHandle, nodeId: string): Promise<TestPeer> {
  const p = await dialPeer(f.peerPort, Buffer.from(nodeId, 'hex'));
  t.after(() => p.socket.destroy());
  await p.exchangeInit();
  p.sendRaw(allTime()); // every peer wants all gossip, so "not rebroadcast to it" means something
  return p;
}

/** Copies of exactly `raw` that `p` received. */
const got = (p: TestPeer, raw: Uint8Array): number => p.messages.filter((m) => Buffer.compare(m, raw) === 0).length;

/** A pong within 2 s: the peer's reads were not left paused. */
async function alive(p: TestPeer): Promise<void> {
  const pong = await Promise.race([p.ping(4), new Promise<number>((r) => setTimeout(() => r(-2), 2_000).unref())]);
  assert.equal(pong, 4, 'the sender got a pong (its reads continue)');
}

type Counts = Record<string, number>;
/** `front_router_gossip_total` of one front, from its health port, as `status/type` → value. */
async function routerCounts(f: FrontHandle): Promise<Counts> {
  const text = await (await fetch(`http://127.0.0.1:${f.healthPort}/metrics`)).text();
  const out: Counts = {};
  for (const m of text.matchAll(/^front_router_gossip_total\{status="([^"]+)",type="([^"]+)"\} (\d+)$/gm)) out[`${m[1]}/${m[2]}`] = Number(m[3]);
  return out;
}

async function backendDecisions(port: number): Promise<Counts> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Counts = {};
  for (const m of text.matchAll(/^lnfleet_gossip_decisions_total\{reason="([^"]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** Bounded wait for an async condition (10 s). */
const until = (what: string, check: () => Promise<boolean>) => eventually(what, async () => ((await check()) ? true : undefined), 10_000);

const quiet = () => new Promise((r) => setTimeout(r, QUIET_MS));

test('three fronts, one backend: the five FrontRouterSpec behaviours and the fixes, end to end', async (t) => {
  const gate = gatedSource(chain.source);
  const { pki, backend } = await startTestBackend(t, {}, { chainSource: gate.source });
  const [f1, f2, f3] = await startFronts(t, pki, backend.linkPort, ['2', '0', undefined]) as [FrontHandle, FrontHandle, FrontHandle];

  // Channel a–b with a real funding output; a private channel c–d (never announced); a lone node e.
  const ab = newChannelKeys();
  const funded = await chain.fund(fundingOutputScript(engine.publicKey(ab.btc1), engine.publicKey(ab.btc2)), 800_000n);
  await chain.mine(6);
  const cd = newChannelKeys();
  const scidCD = (500n << 40n) | (7n << 16n);
  const now = Math.floor(Date.now() / 1000);
  const chanAB = channelAnnouncement(ab, funded.scid).raw;
  const updAB = channelUpdate(ab, funded.scid, 0, now).raw;
  const annA = nodeAnnouncement(ab.node1, now).raw;
  const annA2 = nodeAnnouncement(ab.node1, now + 1, 'newer').raw;
  const updCD = channelUpdate(cd, scidCD, 0, now).raw; // private: no announcement exists anywhere
  const annE = nodeAnnouncement(newKey(), now).raw; // node with no channel

  const p1a = await peerOn(t, f1, backend.nodeId);
  const p1b = await peerOn(t, f1, backend.nodeId);
  const p2 = await peerOn(t, f2, backend.nodeId);
  const p3 = await peerOn(t, f3, backend.nodeId);
  const peers = [p1a, p1b, p2, p3];

  // (1) + (2): the announcement from three peers on two fronts, pending at the backend (gate closed).
  gate.close();
  p1a.sendRaw(chanAB);
  p1b.sendRaw(chanAB);
  // f1's copy reaches the backend first (the decision order is then fixed: f1 accepted, f2's copy a duplicate).
  await until('f1 forwarded its copy', async () => (await routerCounts(f1))['forwarded/channel_announcement'] === 1);
  await waitFor('the backend is looking up the funding output', () => gate.waiting() === 1);
  p2.sendRaw(chanAB);
  // (4) a duplicate from the same peer while pending: acked at once, not forwarded again.
  p1a.sendRaw(chanAB);
  // (2) gossip for the pending channel is held; gossip for nothing known is released at once.
  p1a.sendRaw(annA);
  p1b.sendRaw(updAB);
  p1b.sendRaw(annE);
  // (5) an update for a private channel, from a peer without channels.
  p3.sendRaw(updCD);

  await until('f1 forwarded, stashed, deduped and held', async () => {
    const c = await routerCounts(f1);
    return c['forwarded/channel_announcement'] === 1 && c['stashed/channel_announcement'] === 1 && c['duplicate/channel_announcement'] === 1
      && c['held/node_announcement'] === 1 && c['held/channel_update'] === 1 && c['no-known-channel/node_announcement'] === 1;
  });
  await until('f2 forwarded its copy', async () => (await routerCounts(f2))['forwarded/channel_announcement'] === 1);
  await until('f3 released the private update', async () => (await routerCounts(f3))['no-related-channel/channel_update'] === 1);
  await waitFor('the backend is looking up the funding output', () => gate.waiting() === 1);
  for (const p of peers) await alive(p); // nobody's reads are paused while the decision is pending
  await quiet();
  const f1Pending = await routerCounts(f1);
  assert.equal(f1Pending['forwarded/channel_update'], undefined, 'the held update is not forwarded before the decision');
  assert.equal(f1Pending['forwarded/node_announcement'], undefined, 'the held node_announcement is not forwarded before the decision');
  assert.equal(f1Pending['accepted/channel_announcement'], undefined);
  assert.deepEqual({ ...backend.status().graph }, { channels: 0, channelUpdates: 0, nodes: 0, unverifiedChannels: 0, spentPending: 0 });
  assert.deepEqual(await routerCounts(f3), { 'no-related-channel/channel_update': 1 });
  for (const p of peers) assert.equal(got(p, chanAB), 0, 'nothing rebroadcast before the decision');

  // The decision: the channel is accepted; the held gossip goes to the backend now.
  gate.open();
  await waitFor('the backend stored the channel, the update and the node', () => {
    const g = backend.status().graph;
    return g.channels === 1 && g.channelUpdates === 1 && g.nodes === 1;
  });
  await waitFor('p3 got the rebroadcast', () => got(p3, chanAB) === 1 && got(p3, updAB) === 1 && got(p3, annA) === 1);
  await quiet();
  const f1After = await routerCounts(f1);
  assert.equal(f1After['forwarded/channel_announcement'], 1, 'f1 forwarded the announcement once for its three receptions');
  assert.equal(f1After['accepted/channel_announcement'], 1);
  assert.equal(f1After['forwarded/channel_update'], 1);
  assert.equal(f1After['forwarded/node_announcement'], 1);
  assert.equal(f1After['accepted/channel_update'], 1);
  assert.equal(f1After['accepted/node_announcement'], 1);
  assert.equal((await routerCounts(f2))['forwarded/channel_announcement'], 1);
  // Backend: the channel decided twice (one copy per front), the second a duplicate; update and node once.
  const dec = await backendDecisions(backend.metricsPort!);
  assert.equal(dec['accepted'], 3, 'channel_announcement, channel_update, node_announcement accepted once each');
  assert.equal(Object.entries(dec).filter(([k]) => k !== 'accepted').reduce((s, [, v]) => s + v, 0), 1, 'only the second front copy was refused');
  for (const p of peers) await alive(p); // every sender released after the decision
  // Rebroadcast: exactly once to every peer that did not send it; never back to an origin.
  assert.deepEqual(peers.map((p) => got(p, chanAB)), [0, 0, 0, 1], 'channel_announcement: only p3 (p1a, p1b, p2 sent it)');
  assert.deepEqual(peers.map((p) => got(p, updAB)), [1, 0, 1, 1], 'channel_update: everyone but p1b');
  assert.deepEqual(peers.map((p) => got(p, annA)), [0, 1, 1, 1], 'node_announcement: everyone but p1a');
  assert.deepEqual(peers.map((p) => got(p, annE)), [0, 0, 0, 0], 'a node without a channel is not rebroadcast');

  // (3) duplicates after acceptance, and a sender arriving after acceptance: released, not forwarded.
  const p3b = await peerOn(t, f3, backend.nodeId);
  p3b.sendRaw(chanAB);
  p3b.sendRaw(updAB);
  p3b.sendRaw(annA);
  p2.sendRaw(chanAB);
  await until('f3 dropped all three', async () => {
    const c = await routerCounts(f3);
    return c['dropped/channel_announcement'] === 1 && c['dropped/channel_update'] === 1 && c['dropped/node_announcement'] === 1;
  });
  await until('f2 dropped the repeat', async () => (await routerCounts(f2))['dropped/channel_announcement'] === 1);
  await alive(p3b);
  await alive(p2);
  const f3Dup = await routerCounts(f3);
  assert.equal(f3Dup['forwarded/channel_announcement'] ?? 0, 0);
  assert.equal(f3Dup['forwarded/channel_update'] ?? 0, 0);
  assert.equal(f3Dup['forwarded/node_announcement'] ?? 0, 0);

  // Fix: a newer node_announcement for a known node reaches the backend and is rebroadcast.
  p3.sendRaw(annA2);
  await until('the backend accepted the newer node_announcement', async () => (await backendDecisions(backend.metricsPort!))['accepted'] === 4);
  await waitFor('the newer node_announcement reached the other fronts\' peers', () => [p1a, p1b, p2, p3b].every((p) => got(p, annA2) === 1));
  await quiet();
  assert.equal((await routerCounts(f3))['forwarded/node_announcement'], 1);
  assert.deepEqual([p1a, p1b, p2, p3, p3b].map((p) => got(p, annA2)), [1, 1, 1, 0, 1], 'not back to its origin');
  assert.deepEqual({ ...backend.status().graph }, { channels: 1, channelUpdates: 1, nodes: 1, unverifiedChannels: 0, spentPending: 0 });

  // (5) at the end: the private update never reached any peer and the backend never stored it.
  for (const p of [...peers, p3b]) assert.equal(got(p, updCD), 0, 'the private channel_update is never rebroadcast');
  // p3b joined after acceptance: its timestamp filter's backlog gave it each message once; its own
  // duplicates brought nothing more to anyone.
  assert.deepEqual([...peers, p3b].map((p) => got(p, chanAB)), [0, 0, 0, 1, 1], 'channel_announcement: no extra copies after the duplicates');
  assert.deepEqual([...peers, p3b].map((p) => got(p, updAB)), [1, 0, 1, 1, 1], 'channel_update: no extra copies after the duplicates');
  assert.deepEqual([...peers, p3b].map((p) => got(p, annA)), [0, 1, 1, 1, 1], 'node_announcement: no extra copies after the duplicates');
  for (const f of [f1, f2, f3]) {
    const c = await routerCounts(f);
    assert.equal(c['abandoned/channel_announcement'] ?? 0, 0);
    assert.equal(c['forwarded-unverified/channel_update'] ?? 0, 0, 'no peer has channels here: private updates are not forwarded');
  }
  // Where the signatures were checked: f1 on its two threads (the announcement, the held update and
  // node_announcement), f2 inline (its copy of the announcement), f3 on its default threads if any.
  assert.deepEqual(await signatureChecks(f1), { ahead: 3, inline: 0 });
  assert.deepEqual(await signatureChecks(f2), { ahead: 0, inline: 1 });
  const f3Threads = f3.status().gossipVerify.threads;
  assert.deepEqual(await signatureChecks(f3), f3Threads > 0 ? { ahead: 1, inline: 0 } : { ahead: 0, inline: 1 }, 'the newer node_announcement');
});

/** `front_router_signature_checks_total` of one front by `where`. */
async function signatureChecks(f: FrontHandle): Promise<Counts> {
  const text = await (await fetch(`http://127.0.0.1:${f.healthPort}/metrics`)).text();
  const out: Counts = {};
  for (const m of text.matchAll(/^front_router_signature_checks_total\{where="([^"]+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
}
