/**
 * @module bench/gossip
 * Gossip benchmarks of issue 5 on the mainnet-shape graph (`test/helpers/mainnet-graph.ts`: 50,808
 * channels, 17,324 nodes, re-signed; cached in the OS temp directory):
 *
 * - `backend-ingest`: accepted gossip messages/s through the backend's gossip service (decode,
 *   `decide` with the `none` chain source, `GraphStore` upsert in SQLite WAL, `gossip_decision` and
 *   `graph_event` encoded for a front) vs raw better-sqlite3 inserts of the same bytes (one row per
 *   message, same pragmas), measured in the same run.
 * - `front-rss-mainnet`: RSS of a fresh Node process running a front's gossip service that received the
 *   whole graph as snapshot link frames on a pipe (as a front does from the backend), after the final
 *   chunk and GC, vs the raw bytes of the messages it holds. The goal (≤ 150 MB absolute) is expressed
 *   as a ratio to those bytes.
 *
 * - `gossip-ingest-front`: channel_announcement + channel_update messages/s through one front's whole
 *   incoming path — a BOLT 8 peer on a loopback socket, decryption, the peer FSM, the FrontRouter
 *   (parse, dedup, signature checks), up to the `gossip_forward` the backend receives (a stand-in backend
 *   that accepts at once, `test/front/scripted-backend.ts`) — vs raw libsecp256k1 verification of the
 *   same signatures (4 per announcement, 1 per update). Goal ≥ 0.7. The peer's frames are encrypted
 *   before the clock starts, and the messages of other channels go through the same front first as
 *   warm-up (`INGEST_WARMUP_CHANNELS`).
 *
 * - `graph-serve`: messages/s a front sends one peer answering a full query sync of the mainnet-shape
 *   graph (`query_channel_range` over every block, then `query_short_channel_ids` in batches of
 *   `SERVE_QUERY_BATCH`), counted at the peer, vs raw BOLT 8 encryption of the same messages (two
 *   node:crypto chacha20-poly1305 seals each: length and body) measured in the same run. Goal ≥ 0.6.
 *   The graph reaches the front as the stand-in backend's snapshot; the peer (`bench/serve-peer-child.ts`)
 *   runs in its own process, which also measures the baseline on the messages it received.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { GossipService } from '../src/back/gossip.js';
import type { Front } from '../src/back/fronts.js';
import { GraphStore } from '../src/gossip/store.js';
import { openDatabase } from '../src/gossip/store-migrations.js';
import { noChainSource } from '../src/chain/source.js';
import { encodeLinkMessage, type LinkMessage } from '../src/cluster/messages.js';
import type { SnapshotEntry } from '../src/cluster/gossip-messages.js';
import { createLogger } from '../src/log.js';
import { fixtureUnavailable, mainnetFixture, type FixtureEntry } from '../test/helpers/mainnet-graph.js';
import type { BenchResult } from './measure.js';
import { createRequire } from 'node:module';
import { startFront } from '../src/front/index.js';
import { decodeMessage } from '../src/wire/index.js';
import { gossipSigningHash } from '../src/wire/signed.js';
import { createTempPki, frontConfig } from '../test/helpers/cluster-fixtures.js';
import { startScriptedBackend } from '../test/front/scripted-backend.js';
import { dialPeer } from '../test/front/test-peer.js';
import { MAINNET_CHAIN } from '../test/helpers/gossip-builders.js';

/** The fixture's snapshot time (UNIX s): decisions run at that clock so no timestamp is too old. */
const FIXTURE_TIME_S = 1_770_076_800;
/** The issue's RSS goal for a front holding the mainnet graph, MB. */
const FRONT_RSS_GOAL_MB = 150;

/** A front stand-in: counts decisions and encodes what the backend sends, as the link would. */
function fakeFront(onDecision: (accepted: boolean) => void): Front {
  const link = {
    closed: false,
    queuedBytes: 0,
    send(m: LinkMessage) {
      encodeLinkMessage(m);
      if (m.name === 'gossip_decision') onDecision(m.accepted);
    },
  };
  return { id: 'bench', link, conns: new Set<number>() } as unknown as Front;
}

async function ingest(entries: readonly FixtureEntry[], dir: string): Promise<{ accepted: number; ms: number }> {
  const store = GraphStore.open(join(dir, 'graph.sqlite'), FIXTURE_TIME_S);
  let accepted = 0;
  let decided = 0;
  const front = fakeFront((ok) => { decided++; if (ok) accepted++; });
  const svc = new GossipService({
    store, chain: noChainSource(), chainHash: MAINNET_CHAIN, fronts: () => [front], log: createLogger('bench', 'warn'), now: () => FIXTURE_TIME_S * 1000,
  });
  const t0 = performance.now();
  for (const e of entries) svc.forward(front, { name: 'gossip_forward', conn: 1, nodeId: MAINNET_POINT, verified: true, message: e.message, tlvs: {} });
  // Decisions run one at a time in arrival order: wait until the last one is out.
  while (decided < entries.length) await new Promise((r) => setImmediate(r));
  const ms = performance.now() - t0;
  store.close();
  return { accepted, ms };
}
const MAINNET_POINT = Uint8Array.from([2, ...new Uint8Array(32).fill(1)]);

function rawInserts(entries: readonly FixtureEntry[], dir: string): number {
  const db = openDatabase(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE m (id INTEGER PRIMARY KEY, raw BLOB NOT NULL)');
  const st = db.prepare('INSERT INTO m (raw) VALUES (?)');
  const t0 = performance.now();
  for (const e of entries) st.run(e.message);
  const ms = performance.now() - t0;
  db.close();
  return ms;
}

/** `backend-ingest`. `channels` limits the fixture (quick runs). */
export async function backendIngest(channels: number): Promise<BenchResult[]> {
  const why = fixtureUnavailable();
  if (why !== undefined) { console.log(`backend-ingest skipped: ${why}`); return []; }
  const f = mainnetFixture(channels);
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-bench-ingest-'));
  try {
    const ours = await ingest(f.entries, dir);
    const rawMs = rawInserts(f.entries, dir);
    const oursRate = ours.accepted / (ours.ms / 1000);
    const baseRate = f.entries.length / (rawMs / 1000);
    return [{
      name: 'backend-ingest', unit: 'accepted msg/s', ours: oursRate, baseline: baseRate, baselineName: 'raw better-sqlite3 INSERT of the same messages (WAL, NORMAL)',
      ratio: oursRate / baseRate,
      note: `${ours.accepted}/${f.entries.length} accepted (${f.channels} channels, ${f.updates} updates, ${f.nodes} nodes), chain source none, one decision at a time`,
    }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Snapshot chunk size for `front-rss-mainnet`: the backend's `SNAPSHOT_CHUNK_BYTES` (256 KiB). */
const RSS_CHUNK_BYTES = 256 << 10;

/** `front-rss-mainnet`: spawns `node --expose-gc dist/bench/front-rss-child.js`, streams it the graph as snapshot frames, reads its report. */
export async function frontRssMainnet(channels: number): Promise<BenchResult[]> {
  const why = fixtureUnavailable();
  if (why !== undefined) { console.log(`front-rss-mainnet skipped: ${why}`); return []; }
  const f = mainnetFixture(channels);
  const childFile = fileURLToPath(new URL('./front-rss-child.js', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', childFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const write = async (b: Uint8Array) => { if (!child.stdin.write(b)) await new Promise((r) => child.stdin.once('drain', r)); };
  let batch: { capacitySat: bigint; message: Uint8Array }[] = [];
  let bytes = 0;
  let index = 0;
  for (const e of f.entries) {
    batch.push({ capacitySat: BigInt(e.capacitySat), message: e.message });
    bytes += e.message.length + 10;
    if (bytes >= RSS_CHUNK_BYTES) {
      await write(encodeLinkMessage({ name: 'graph_snapshot_chunk', index: index++, final: false, entries: batch, tlvs: {} }));
      batch = [];
      bytes = 0;
    }
  }
  await write(encodeLinkMessage({ name: 'graph_snapshot_chunk', index: index++, final: true, entries: batch, tlvs: {} }));
  child.stdin.end();
  if ((await exited) !== 0) throw new Error('front-rss-mainnet child failed');
  const m = JSON.parse(out.trim().split('\n').at(-1)!) as { startRss: number; rss: number; heap: number; buffers: number; maxRss: number; raw: number; channels: number; nodes: number };
  const mb = (b: number) => b / (1 << 20);
  return [{
    name: 'front-rss-mainnet', unit: 'MB RSS', ours: mb(m.rss), baseline: mb(m.raw), baselineName: 'raw bytes of the gossip held',
    ratio: m.rss / m.raw, goal: { ratio: (FRONT_RSS_GOAL_MB * (1 << 20)) / m.raw, direction: 'atMost' },
    note: `front gossip service fed ${index} snapshot frames (${m.channels} channels, ${m.nodes} nodes) in a fresh node process, RSS after the final chunk and gc: `
      + `heap ${mb(m.heap).toFixed(1)} MB, array buffers ${mb(m.buffers).toFixed(1)} MB, RSS before the snapshot ${mb(m.startRss).toFixed(0)} MB, peak while applying ${mb(m.maxRss).toFixed(0)} MB; goal ≤ ${FRONT_RSS_GOAL_MB} MB RSS`,
  }];
}

interface RawSecp { ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean }

/** The (signature, hash, key) triples of announcements and updates, as the front must verify them. */
function signatureTriples(msgs: readonly Uint8Array[]): [Uint8Array, Uint8Array, Uint8Array][] {
  const nodes = new Map<bigint, [Uint8Array, Uint8Array]>();
  const out: [Uint8Array, Uint8Array, Uint8Array][] = [];
  for (const raw of msgs) {
    const m = decodeMessage(raw);
    const h = gossipSigningHash(raw);
    if (m.name === 'channel_announcement') {
      nodes.set(m.shortChannelId, [m.nodeId1, m.nodeId2]);
      out.push([m.nodeSignature1, h, m.nodeId1], [m.nodeSignature2, h, m.nodeId2], [m.bitcoinSignature1, h, m.bitcoinKey1], [m.bitcoinSignature2, h, m.bitcoinKey2]);
    } else if (m.name === 'channel_update') {
      out.push([m.signature, h, nodes.get(m.shortChannelId)![m.channelFlags & 1]!]);
    }
  }
  return out;
}

/** A real front (in process, ephemeral ports) linked to the scripted backend. */
async function benchFront(pki: Awaited<ReturnType<typeof createTempPki>>, backendPort: number, name: string): Promise<Awaited<ReturnType<typeof startFront>>> {
  return startFront(frontConfig(pki, await pki.issue('front', name), backendPort), {
    logger: createLogger('bench', 'warn'), peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
  });
}

/** Waits (at most `timeoutMs`) until the front has its graph snapshot and serves. */
async function untilReady(front: Awaited<ReturnType<typeof startFront>>, timeoutMs = 10_000): Promise<void> {
  const t = Date.now();
  while (!front.status().ready) {
    if (Date.now() - t > timeoutMs) throw new Error('front not ready');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Channels whose messages go through the front before the clock starts: the front's code is compiled
 * and its heap sized, as in a front that has run for a while. Without it the first second or two of a
 * run are the main thread's JIT warm-up (its thread at a full core, the verification thread at a
 * quarter) and the figure is the warm-up's more than the front's.
 */
const INGEST_WARMUP_CHANNELS = 5_000;

/** Announcements and updates of the fixture's channels `[from, to)`, in fixture order. */
function annsAndUpdates(entries: readonly FixtureEntry[], from: number, to: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let channel = -1;
  for (const e of entries) {
    const type = e.message[1];
    if (type === 0) channel += 1; // 256 = channel_announcement: its updates follow it
    if (channel >= to) break;
    if (channel >= from && (type === 0 || type === 2)) out.push(e.message); // 256, 258
  }
  return out;
}

/** `gossip-ingest-front` on `channels` channels of the fixture, after the warm-up channels. */
export async function gossipIngestFront(channels: number, warmupChannels = INGEST_WARMUP_CHANNELS): Promise<BenchResult[]> {
  const why = fixtureUnavailable();
  if (why !== undefined) { console.log(`gossip-ingest-front skipped: ${why}`); return []; }
  const entries = mainnetFixture(warmupChannels + channels).entries;
  const warm = annsAndUpdates(entries, 0, warmupChannels);
  const msgs = annsAndUpdates(entries, warmupChannels, warmupChannels + channels);
  const pki = await createTempPki();
  // The stand-in backend runs in its own process, as a real backend runs on another host: its work
  // (decode, hash, answer every forward) must not count against the front measured here.
  const childFile = fileURLToPath(new URL('./ingest-backend-child.js', import.meta.url));
  const milestones = [...(warm.length > 0 ? [warm.length] : []), warm.length + msgs.length].join(',');
  const child = spawn(process.execPath, [childFile, pki.back.certPath, pki.back.keyPath, pki.caPath, milestones], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = childLines(child);
  const { port, nodeId } = JSON.parse(await lines.next()) as { port: number; nodeId: string };
  const front = await benchFront(pki, port, 'bench');
  try {
    await untilReady(front);
    const peer = await dialPeer(front.peerPort, Buffer.from(nodeId, 'hex'));
    await peer.exchangeInit(MAINNET_CHAIN);
    const forwarded = async (): Promise<number> => (JSON.parse(await lines.next(120_000)) as { forwards: number }).forwards;
    if (warm.length > 0) {
      peer.socket.write(Buffer.concat(warm.map((m) => peer.transport!.encrypt(m))));
      const n = await forwarded();
      if (n !== warm.length) throw new Error(`gossip-ingest-front warm-up: ${n}/${warm.length} forwarded`);
    }
    const wire = Buffer.concat(msgs.map((m) => peer.transport!.encrypt(m)));
    // The baseline runs just before and just after ours, and the two are averaged: this host's speed
    // drifts by 10-20% within a minute, which one baseline run on one side alone would fold into the ratio.
    const triples = signatureTriples(msgs);
    const raw = createRequire(import.meta.url)('secp256k1/bindings') as RawSecp;
    const rawRun = (): number => {
      const b0 = performance.now();
      for (const [sig, h, k] of triples) if (!raw.ecdsaVerify(sig, h, k)) throw new Error('raw verify failed');
      return performance.now() - b0;
    };
    const rawBefore = rawRun();
    const t0 = performance.now();
    peer.socket.write(wire);
    const total = await forwarded();
    const ms = performance.now() - t0;
    if (total - warm.length !== msgs.length) throw new Error(`gossip-ingest-front: ${total - warm.length}/${msgs.length} forwarded`);
    peer.socket.destroy();
    const rawAfter = rawRun();
    const rawMs = (rawBefore + rawAfter) / 2;
    const ours = msgs.length / (ms / 1000);
    const baseline = msgs.length / (rawMs / 1000);
    const rate = (t: number): string => Math.round(msgs.length / (t / 1000)).toLocaleString('en-US');
    return [{
      name: 'gossip-ingest-front', unit: 'msg/s', ours, baseline, baselineName: 'raw libsecp256k1 ecdsaVerify of the same signatures',
      ratio: ours / baseline, goal: { ratio: 0.7, direction: 'atLeast' },
      note: `${msgs.length} channel_announcement + channel_update (${triples.length} signatures) from one BOLT 8 peer to gossip_forward, after ${warm.length} others `
        + `(${warmupChannels} channels) as warm-up; the stand-in backend (its own process, as on another host) accepts each at once. `
        + `Baseline: mean time of a run just before ours (${rate(rawBefore)} msg/s) and one just after (${rate(rawAfter)} msg/s)`,
    }];
  } finally {
    await front.close();
    child.stdin!.end();
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    pki.cleanup();
  }
}

/** Reads a child's stdout line by line: `next(timeoutMs)` resolves with the next line. */
function childLines(child: ReturnType<typeof spawn>): { next(timeoutMs?: number): Promise<string> } {
  const ready: string[] = [];
  const waiting: { resolve(line: string): void; reject(e: Error): void }[] = [];
  let buf = '';
  let ended = false;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w !== undefined) w.resolve(line); else ready.push(line);
    }
  });
  // A child that dies fails whoever waits for its next line at once, not at the end of the wait.
  child.on('exit', (code, signal) => {
    ended = true;
    for (const w of waiting.splice(0)) w.reject(new Error(`bench child exited (${signal ?? code})`));
  });
  return {
    next: (timeoutMs = 30_000) => new Promise<string>((resolve, reject) => {
      const line = ready.shift();
      if (line !== undefined) return resolve(line);
      if (ended) return reject(new Error('bench child exited'));
      const timer = setTimeout(() => reject(new Error('bench child: no answer in time')), timeoutMs);
      waiting.push({ resolve: (l) => { clearTimeout(timer); resolve(l); }, reject: (e) => { clearTimeout(timer); reject(e); } });
    }),
  };
}

/** Snapshot entries per chunk sent by the stand-in backend (a chunk stays far below the 1 MiB frame cap). */
const SERVE_CHUNK_ENTRIES = 2_000;

/** `graph-serve` on the first `channels` channels of the fixture. */
export async function graphServe(channels: number): Promise<BenchResult[]> {
  const why = fixtureUnavailable();
  if (why !== undefined) { console.log(`graph-serve skipped: ${why}`); return []; }
  const f = mainnetFixture(channels);
  const pki = await createTempPki();
  // Long handshake and init timeouts: the front is busy applying the snapshot while the probe dials.
  const snapshot: SnapshotEntry[][] = [];
  for (let i = 0; i < f.entries.length; i += SERVE_CHUNK_ENTRIES) {
    snapshot.push(f.entries.slice(i, i + SERVE_CHUNK_ENTRIES).map((e) => ({ capacitySat: BigInt(e.capacitySat), message: e.message })));
  }
  const backend = await startScriptedBackend(pki, { chainHash: MAINNET_CHAIN, handshakeTimeoutMs: 60_000, initTimeoutMs: 60_000, snapshot });
  const front = await benchFront(pki, backend.port, 'serve');
  try {
    await untilReady(front, 120_000); // the whole graph arrives as its snapshot
    // Wait until the front holds every channel: a probe peer asks for the range until the count is right.
    for (let attempt = 0; ; attempt++) {
      const probe = await dialPeer(front.peerPort, backend.nodeKey.pub);
      await probe.exchangeInit(MAINNET_CHAIN);
      probe.send({ name: 'query_channel_range', chainHash: MAINNET_CHAIN, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: {} });
      let n = 0;
      for (let from = 0; ;) {
        const raw = await probe.next(264, from);
        from = probe.messages.indexOf(raw) + 1;
        const r = decodeMessage(raw);
        if (r.name !== 'reply_channel_range') break;
        n += r.encodedShortIds.length;
        if (r.syncComplete === 1) break;
      }
      probe.socket.destroy();
      if (n === f.channels) break;
      if (attempt > 100) throw new Error(`graph-serve: the front holds ${n}/${f.channels} channels`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // The syncing peer runs in its own process: the front's process does only the front's work (its
    // decryption and bookkeeping would otherwise count against the front).
    const peerFile = fileURLToPath(new URL('./serve-peer-child.js', import.meta.url));
    const child = spawn(process.execPath, [peerFile, String(front.peerPort), Buffer.from(backend.nodeKey.pub).toString('hex')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    if (code !== 0) throw new Error('graph-serve: the peer process failed');
    const { served, counts, ms, rawMs, batches } = JSON.parse(out.trim().split('\n').at(-1)!) as {
      served: number; counts: { ann: number; upd: number; node: number }; ms: number; rawMs: number; batches: number;
    };
    const ours = served / (ms / 1000);
    const baseline = served / (rawMs / 1000);
    return [{
      name: 'graph-serve', unit: 'msg/s', ours, baseline, baselineName: 'raw node:crypto chacha20-poly1305, two seals per message',
      ratio: ours / baseline, goal: { ratio: 0.6, direction: 'atLeast' },
      // Each query_short_channel_ids sends the node_announcements of its channels once, so nodes with
      // channels in several batches come once per batch.
      note: `full query sync by one peer (${batches} query_short_channel_ids): ${served} messages (${counts.ann} channel_announcements, ${counts.upd} updates, ${counts.node} node_announcements; fixture ${f.channels}/${f.updates}/${f.nodes}) in ${(ms / 1000).toFixed(1)} s; the peer (and the baseline) run in a separate process`,
    }];
  } finally {
    await front.close();
    await backend.close();
    pki.cleanup();
  }
}
