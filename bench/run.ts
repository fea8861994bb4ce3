/**
 * @module bench/run
 * `npm run bench`: measures lnfleet's hot paths against baselines measured in the same run, prints the
 * ratios with the absolute numbers, and writes them to bench-results.json (an array of BenchResult).
 *
 * - gossip-verify[engine]: our channel_announcement check (parse + sha256d + 4 verifies) per second vs
 *   raw libsecp256k1 verifies/s ÷ 4. Goal ≥ 0.7 (meaningful for the native engine; WASM and noble rows
 *   show what a board without the addon gets).
 * - transport-frames[aead]: BOLT 8 encrypt+decrypt of a 300-byte message per second vs raw node:crypto
 *   chacha20-poly1305 seal+open of the same two blocks BOLT 8 puts on the wire (the 2-byte length and the
 *   body, each with its own tag). Goal ≥ 0.8 for the default engine (`small+node`). A second row shows the
 *   ratio against a single seal+open.
 * - aead-small[N B]: our ChaCha20-Poly1305 (`crypto/chacha-small`) seal+open of N bytes vs raw node:crypto
 *   seal+open of the same; no goal. Shows why the default engine uses it up to SMALL_AEAD_MAX bytes and
 *   OpenSSL above.
 * - ecdh[engine]: BOLT 8 ECDH (sha256 of the shared point) per second vs raw libsecp256k1 ecdh. Goal ≥ 0.9.
 * - gossip-ingest-front, graph-serve, backend-ingest, front-rss-mainnet: gossip on the mainnet-shape graph (see bench/gossip.ts).
 * - htlc-throughput: HTLC add+fulfill round trips/s on one channel (scripted peer → front → backend, every
 *   state change persisted) vs raw SQLite durable writes/s of the same state size (see bench/htlc-throughput.ts).
 * - handshakes, link-forward, idle-peers: the cluster benchmarks on a real backend + front + load generator
 *   (processes on 127.0.0.1; see bench/cluster.ts for their exact baselines).
 *
 * Goals apply to the production engines (native libsecp256k1, node:crypto AEAD); the WASM and noble rows
 * are there to show what a board without the native addon gets, against the same native baseline.
 * Every loop is bounded in time and count (bench/measure.ts). Set BENCH_QUICK=1 for a short smoke run
 * (smaller counts; idle-peers with 1,000 peers and no goal). BENCH_ONLY=name1,name2 runs only those
 * benchmarks (names without the `[engine]` suffix: gossip-verify, transport-frames, aead-small, ecdh,
 * gossip-ingest-front, graph-serve, backend-ingest, front-rss-mainnet, htlc-throughput, handshakes, link-forward,
 * idle-peers); bench-results.json then holds only the rows that ran.
 * Does not: assert anything; it measures. Goals are printed beside the ratios.
 */
import { labResults } from './lab.js';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { loadEngine, nobleAead, nodeAead, selectAead, SMALL_AEAD_MAX, type AeadEngine, type EngineName } from '../src/crypto/index.js';
import { openSmall, sealSmall } from '../src/crypto/chacha-small.js';
import { Transport } from '../src/noise/index.js';
import { verifyChannelAnnouncement } from '../src/gossip/verify.js';
import { decodeMessage } from '../src/wire/index.js';
import { gossipSigningHash } from '../src/wire/signed.js';
import { readFileSync } from 'node:fs';
import { compareRates, type BenchResult } from './measure.js';
import { CLUSTER_BENCHMARKS, CLUSTER_SIZES } from './cluster.js';
import { backendIngest, frontRssMainnet, gossipIngestFront, graphServe } from './gossip.js';
import { htlcThroughput } from './htlc-throughput.js';

interface RawSecp {
  ecdsaVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  ecdh(pub: Uint8Array, priv: Uint8Array): Uint8Array;
  publicKeyCreate(priv: Uint8Array, compressed?: boolean): Uint8Array;
}
const raw = createRequire(import.meta.url)('secp256k1/bindings') as RawSecp;
const quick = process.env['BENCH_QUICK'] === '1';
const timing = quick ? { rounds: 3, msPerRound: 100 } : { rounds: 5, msPerRound: 400 };

const announcements = readFileSync(new URL('../../test/data/channel_announcements.mainnet.hex', import.meta.url), 'utf8')
  .split('\n').filter((l) => l.length > 0).map((l) => Uint8Array.from(Buffer.from(l, 'hex')));

function gossipVerify(engineName: EngineName): BenchResult {
  const engine = loadEngine(engineName);
  // Baseline inputs: the 392 (sig, hash, key) triples, hashed up front, for raw libsecp256k1.
  const triples = announcements.flatMap((rawMsg) => {
    const m = decodeMessage(rawMsg);
    if (m.name !== 'channel_announcement') throw new Error('not a channel_announcement');
    const h = gossipSigningHash(rawMsg);
    return [[m.nodeSignature1, h, m.nodeId1], [m.nodeSignature2, h, m.nodeId2], [m.bitcoinSignature1, h, m.bitcoinKey1], [m.bitcoinSignature2, h, m.bitcoinKey2]] as const;
  });
  let i = 0;
  let j = 0;
  const r = compareRates(
    () => {
      const rawMsg = announcements[i++ % announcements.length]!;
      const m = decodeMessage(rawMsg);
      if (m.name !== 'channel_announcement' || !verifyChannelAnnouncement(rawMsg, m, engine).ok) throw new Error('verify failed');
    },
    () => {
      const [s, h, k] = triples[j++ % triples.length]!;
      if (!raw.ecdsaVerify(s, h, k)) throw new Error('raw verify failed');
    },
    { ...timing, batch: engineName === 'noble' ? 4 : 32 },
  );
  const baseline = r.baseline / 4;
  return {
    name: `gossip-verify[${engineName}]`, unit: 'announcements/s', ours: r.ours, baseline,
    baselineName: 'raw libsecp256k1 ecdsaVerify/s ÷ 4', ratio: r.ours / baseline,
    ...(engineName === 'native' ? { goal: { ratio: 0.7, direction: 'atLeast' as const } } : {}),
    note: `${announcements.length} real mainnet channel_announcements, cycled`,
  };
}

function rawSealOpen(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array): void {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  const ct = Buffer.concat([c.update(pt), c.final()]);
  const tag = c.getAuthTag();
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(tag);
  d.update(ct);
  d.final();
}

function transportFrames(aead: AeadEngine): BenchResult[] {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);
  const ck = randomBytes(32);
  const a = new Transport(k1, k2, ck, aead);
  const b = new Transport(k2, k1, ck, aead);
  const msg = randomBytes(300);
  const lenBlock = new Uint8Array(2);
  const nonce = Buffer.alloc(12);
  let n = 0n;
  const ours = (): void => {
    const out = b.push(a.encrypt(msg));
    if (out.length !== 1) throw new Error('transport lost a message');
  };
  const twoBlocks = (): void => {
    nonce.writeBigUInt64LE(n++, 4);
    rawSealOpen(k1, nonce, lenBlock);
    nonce.writeBigUInt64LE(n++, 4);
    rawSealOpen(k1, nonce, msg);
  };
  const oneBlock = (): void => {
    nonce.writeBigUInt64LE(n++, 4);
    rawSealOpen(k1, nonce, msg);
  };
  const two = compareRates(ours, twoBlocks, timing);
  const one = compareRates(ours, oneBlock, timing);
  return [
    {
      name: `transport-frames[${aead.name}]`, unit: 'messages/s (encrypt+decrypt, 300 B)', ours: two.ours, baseline: two.baseline,
      baselineName: 'raw node:crypto chacha20-poly1305 seal+open of the BOLT 8 length block + body block', ratio: two.ours / two.baseline,
      ...(aead === selectAead() ? { goal: { ratio: 0.8, direction: 'atLeast' as const } } : {}),
      note: 'BOLT 8 seals the length prefix and the body separately: two AEAD operations per message',
    },
    {
      name: `transport-frames-vs-one-seal[${aead.name}]`, unit: 'messages/s (encrypt+decrypt, 300 B)', ours: one.ours, baseline: one.baseline,
      baselineName: 'raw node:crypto chacha20-poly1305 seal+open of the 300-byte body only', ratio: one.ours / one.baseline,
      note: 'for context: the protocol itself costs a second AEAD operation per message',
    },
  ];
}

function aeadSmall(size: number): BenchResult {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const ad = new Uint8Array(0);
  const pt = randomBytes(size);
  const sealed = new Uint8Array(size + 16);
  const r = compareRates(
    () => {
      sealSmall(key, nonce, ad, pt, sealed, 0);
      if (openSmall(key, nonce, ad, sealed) === null) throw new Error('chacha-small refused its own tag');
    },
    () => rawSealOpen(key, nonce, pt),
    timing,
  );
  return {
    name: `aead-small[${size} B]`, unit: 'seal+open/s', ours: r.ours, baseline: r.baseline,
    baselineName: 'raw node:crypto chacha20-poly1305 seal+open', ratio: r.ours / r.baseline,
    note: `crypto/chacha-small; the default AEAD engine uses it up to ${SMALL_AEAD_MAX} bytes`,
  };
}

function ecdh(engineName: EngineName): BenchResult {
  const engine = loadEngine(engineName);
  const priv = randomBytes(32);
  const pubs = Array.from({ length: 64 }, () => raw.publicKeyCreate(randomBytes(32), true));
  let i = 0;
  let j = 0;
  const r = compareRates(
    () => { engine.ecdh(pubs[i++ & 63]!, priv); },
    () => { raw.ecdh(pubs[j++ & 63]!, priv); },
    { ...timing, batch: engineName === 'noble' ? 4 : 32 },
  );
  return {
    name: `ecdh[${engineName}]`, unit: 'ecdh/s', ours: r.ours, baseline: r.baseline, baselineName: 'raw libsecp256k1 ecdh/s',
    ratio: r.ours / r.baseline, ...(engineName === 'native' ? { goal: { ratio: 0.9, direction: 'atLeast' as const } } : {}),
  };
}

function fmt(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2);
}

/** The benchmarks by name (BENCH_ONLY uses these names), in the order they run. */
const BENCHMARKS: Record<string, () => BenchResult[] | Promise<BenchResult[]>> = {
  'gossip-verify': () => (['native', 'wasm', 'noble'] as const).map(gossipVerify),
  'transport-frames': () => [selectAead(), nodeAead, nobleAead].flatMap(transportFrames),
  'aead-small': () => [2, 32, 300, SMALL_AEAD_MAX, 1024, 4096].map(aeadSmall),
  ecdh: () => (['native', 'wasm', 'noble'] as const).map(ecdh),
  'gossip-ingest-front': () => (quick ? gossipIngestFront(2_000, 1_000) : gossipIngestFront(10_000)),
  'graph-serve': () => graphServe(quick ? 2_000 : Infinity),
  'backend-ingest': () => backendIngest(quick ? 2_000 : Infinity),
  'front-rss-mainnet': () => frontRssMainnet(quick ? 2_000 : Infinity),
  'htlc-throughput': () => htlcThroughput(quick ? 20 : 200),
  ...Object.fromEntries(Object.entries(CLUSTER_BENCHMARKS).map(([name, f]) =>
    [name, async () => [await f(quick ? CLUSTER_SIZES.quick : CLUSTER_SIZES.full)]])),
};

/** BENCH_ONLY as a set of names, or undefined for all; unknown names are an error. */
function selected(): Set<string> | undefined {
  const only = process.env['BENCH_ONLY'];
  if (only === undefined || only.trim() === '') return undefined;
  const names = new Set(only.split(',').map((n) => n.trim()).filter((n) => n !== ''));
  const unknown = [...names].filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  return names;
}

async function main(): Promise<void> {
  const results: BenchResult[] = [];
  const add = (r: BenchResult): void => {
    results.push(r);
    const goal = r.goal ? ` (goal ${r.goal.direction === 'atLeast' ? '≥' : '≤'} ${fmt(r.goal.ratio)}${(r.goal.direction === 'atLeast' ? r.ratio >= r.goal.ratio : r.ratio <= r.goal.ratio) ? ', met' : ', NOT met'})` : '';
    console.log(`${r.name.padEnd(36)} ratio ${r.ratio.toFixed(3)}${goal}  ours ${fmt(r.ours)} ${r.unit}  baseline ${fmt(r.baseline)} (${r.baselineName})`);
    if (r.note !== undefined && process.env['BENCH_NOTES'] !== '0') console.log(`${''.padEnd(36)} ${r.note}`);
  };
  const only = selected();
  console.log(`lnfleet bench — node ${process.version}, ${process.platform}-${process.arch}${quick ? ' (BENCH_QUICK)' : ''}${only ? ` (BENCH_ONLY ${[...only].join(',')})` : ''}`);
  for (const [name, run] of Object.entries(BENCHMARKS)) {
    if (only === undefined || only.has(name)) (await run()).forEach(add);
  }
  // The VIP failover times come from the LAN lab (root + network namespaces, part of npm test in CI),
  // which records them in lab-results.json; they are carried over when present (see bench/lab.ts).
  if (only === undefined) {
    const lab = labResults();
    if (lab.length === 0) console.log('(no lab-results.json: run the LAN lab, test/lab/cluster-lab.test.ts, as root to add vip-failover-* rows)');
    lab.forEach(add);
  }
  const out = new URL('../../bench-results.json', import.meta.url);
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${out.pathname}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
