/**
 * @module test/helpers/mainnet-graph
 * A mainnet-size, correctly signed gossip set for scale tests and benchmarks, built from Core Lightning's
 * `GOSSMAP_COMPRESSv1` topology of 2026-02-03 (`../shared/data/gossip/gossip-store-2026-02-03.compressed`:
 * 50,808 channels, 17,324 nodes, capacities, fees, HTLC limits, CLTV deltas, disabled halves).
 *
 * The file has no keys, signatures, scids or timestamps, so: node i's key is sha256("lnfleet-node-i"),
 * scids are synthetic (block 505000 + ⌊7i/3⌋, tx index i, output 0: ascending, unique, ~2 per block at
 * times), timestamps are spread over two weeks before 2026-02-03, and everything is signed with the
 * native libsecp256k1 engine. The result is cached in `os.tmpdir()` keyed by input hash, generator
 * version and channel limit, so it is built once per machine.
 *
 * Cache format: `u32 count` then per entry `u64 capacity_sat | u16 len | message` — the same as a
 * `graph_snapshot_chunk`'s entries. Order: per channel (ascending scid) the announcement then its updates,
 * then every node_announcement. Not a test file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadEngine } from '../../src/crypto/engines.js';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { channelAnnouncement, channelUpdate, keyPair, nodeAnnouncement, signerOf, type KeyPair } from './gossip-builders.js';
import { scidFromParts } from '../../src/wire/scid.js';
import { REPO_ROOT } from './vectors.js';

/** Bump when the generated messages change, to invalidate caches. */
const GENERATOR_VERSION = 1;
/** 2026-02-03T00:00:00Z: newest timestamp; others spread over the two weeks before. */
const SNAPSHOT_TIME = 1_770_076_800;
const SPREAD_S = 14 * 86_400;

/** Where the compressed topology lives (the shared data directory next to the repo). */
export const COMPRESSED_GRAPH = new URL('../shared/data/gossip/gossip-store-2026-02-03.compressed', REPO_ROOT);

/** The decoded topology. Per-direction arrays are indexed `2 * channel + direction`. */
export interface Topology {
  channelCount: number;
  nodeCount: number;
  start: Uint32Array;
  end: Uint32Array;
  disabled: Uint8Array;
  capacitySat: Float64Array;
  htlcMinMsat: bigint[];
  htlcMaxMsat: bigint[];
  feeBase: Uint32Array;
  feePpm: Uint32Array;
  cltv: Uint16Array;
}

/** Decodes a `GOSSMAP_COMPRESSv1` file (gzip; header; BigSize integers; value templates). */
export function decodeCompressed(file: Uint8Array): Topology {
  const b = gunzipSync(file);
  const header = 'GOSSMAP_COMPRESSv1\0';
  if (b.subarray(0, header.length).toString('latin1') !== header) throw new Error('not a GOSSMAP_COMPRESSv1 file');
  let o = header.length;
  const big = (): bigint => {
    const f = b[o++]!;
    if (f < 0xfd) return BigInt(f);
    const n = f === 0xfd ? 2 : f === 0xfe ? 4 : 8;
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[o++]!);
    return v;
  };
  const num = (): number => Number(big());
  const n = num();
  const start = new Uint32Array(n);
  const end = new Uint32Array(n);
  for (let i = 0; i < n; i++) start[i] = num();
  for (let i = 0; i < n; i++) end[i] = num();
  const disabled = new Uint8Array(2 * n);
  for (let v = num(); v < 2 * n; v = num()) disabled[v] = 1;
  const template = (count: number): bigint[] => {
    const values = Array.from({ length: num() }, big);
    return Array.from({ length: count }, () => values[num()]!);
  };
  const capacity = template(n);
  const htlcMin = template(2 * n);
  const htlcMaxRaw = template(2 * n);
  const base = template(2 * n);
  const ppm = template(2 * n);
  const cltv = template(2 * n);
  if (o !== b.length) throw new Error(`${b.length - o} bytes left after decoding`);
  const capacitySat = Float64Array.from(capacity, Number);
  const htlcMaxMsat = htlcMaxRaw.map((v, i) => {
    const capMsat = capacity[i >> 1]! * 1000n;
    return v === 0n ? capMsat : v === 1n ? (capMsat * 99n) / 100n : v;
  });
  let nodeCount = 0;
  for (let i = 0; i < n; i++) nodeCount = Math.max(nodeCount, start[i]! + 1, end[i]! + 1);
  return {
    channelCount: n,
    nodeCount,
    start,
    end,
    disabled,
    capacitySat,
    htlcMinMsat: htlcMin,
    htlcMaxMsat,
    feeBase: Uint32Array.from(base, Number),
    feePpm: Uint32Array.from(ppm, Number),
    cltv: Uint16Array.from(cltv, Number),
  };
}

/** One fixture entry (what a snapshot chunk carries). */
export interface FixtureEntry {
  readonly capacitySat: number;
  readonly message: Uint8Array;
}

/** The fixture plus how it was obtained. */
export interface MainnetFixture {
  readonly entries: FixtureEntry[];
  readonly channels: number;
  readonly updates: number;
  readonly nodes: number;
  readonly cachePath: string;
  /** ms spent building (0 when read from the cache). */
  readonly buildMs: number;
  readonly bytes: number;
}

/** The synthetic scid of channel `i`. */
export function fixtureScid(i: number): bigint {
  return scidFromParts(505_000 + Math.floor((7 * i) / 3), i, 0);
}

function build(t: Topology, limit: number, engine: Secp256k1Engine): FixtureEntry[] {
  const keys: (KeyPair | undefined)[] = new Array(t.nodeCount);
  const key = (i: number): KeyPair => (keys[i] ??= keyPair(engine, `lnfleet-node-${i}`));
  const entries: FixtureEntry[] = [];
  for (let i = 0; i < limit; i++) {
    const a = key(t.start[i]!);
    const b = key(t.end[i]!);
    const scid = fixtureScid(i);
    entries.push({ capacitySat: t.capacitySat[i]!, message: channelAnnouncement(engine, { scid, a, b }) });
    for (const d of [0, 1] as const) {
      // Direction d of the file is from its start (0) or end (1) node; on the wire, from node_id_1/2.
      const from = d === 0 ? a : b;
      const dir: 0 | 1 = signerOf(a, b, 0) === from ? 0 : 1;
      const k = 2 * i + d;
      const timestamp = SNAPSHOT_TIME - ((i * 7919 + d * 3571) % SPREAD_S);
      const upd = channelUpdate(engine, from, {
        scid, timestamp, direction: dir, disabled: t.disabled[k] === 1, cltvExpiryDelta: t.cltv[k]!,
        htlcMinimumMsat: t.htlcMinMsat[k]!, feeBaseMsat: t.feeBase[k]!, feeProportionalMillionths: t.feePpm[k]!,
        htlcMaximumMsat: t.htlcMaxMsat[k]!,
      });
      entries.push({ capacitySat: 0, message: upd });
    }
  }
  for (let n = 0; n < keys.length; n++) {
    const k = keys[n];
    if (k !== undefined) entries.push({ capacitySat: 0, message: nodeAnnouncement(engine, k, SNAPSHOT_TIME - ((n * 104_729) % SPREAD_S), `node-${n}`) });
  }
  return entries;
}

function serialize(entries: FixtureEntry[]): Buffer {
  const size = 4 + entries.reduce((s, e) => s + 10 + e.message.length, 0);
  const out = Buffer.alloc(size);
  let o = out.writeUInt32BE(entries.length, 0);
  for (const e of entries) {
    o = out.writeBigUInt64BE(BigInt(e.capacitySat), o);
    o = out.writeUInt16BE(e.message.length, o);
    out.set(e.message, o);
    o += e.message.length;
  }
  return out;
}

function deserialize(b: Buffer): FixtureEntry[] {
  const n = b.readUInt32BE(0);
  const out: FixtureEntry[] = [];
  let o = 4;
  for (let i = 0; i < n; i++) {
    const capacitySat = Number(b.readBigUInt64BE(o));
    const len = b.readUInt16BE(o + 8);
    out.push({ capacitySat, message: Uint8Array.prototype.slice.call(b, o + 10, o + 10 + len) });
    o += 10 + len;
  }
  return out;
}

/** Why the fixture cannot be built here, or undefined when it can. Tests skip with this text. */
export function fixtureUnavailable(): string | undefined {
  if (!existsSync(COMPRESSED_GRAPH)) return `no ${COMPRESSED_GRAPH.pathname} (the shared data directory is absent)`;
  try {
    loadEngine('native');
  } catch (e) {
    return `native secp256k1 engine unavailable: ${(e as Error).message}`;
  }
  return undefined;
}

/** Loads (or builds and caches) the fixture for the first `limit` channels (all by default). */
export function mainnetFixture(limit = Infinity): MainnetFixture {
  const file = readFileSync(COMPRESSED_GRAPH);
  const t = decodeCompressed(file);
  const n = Math.min(limit, t.channelCount);
  const id = createHash('sha256').update(file).update(`v${GENERATOR_VERSION}:${n}`).digest('hex').slice(0, 16);
  const cachePath = join(tmpdir(), `lnfleet-mainnet-graph-${id}.bin`);
  let entries: FixtureEntry[];
  let buildMs = 0;
  let bytes: number;
  if (existsSync(cachePath)) {
    const b = readFileSync(cachePath);
    bytes = b.length;
    entries = deserialize(b);
  } else {
    const t0 = performance.now();
    entries = build(t, n, loadEngine('native'));
    buildMs = performance.now() - t0;
    const b = serialize(entries);
    bytes = b.length;
    const tmp = `${cachePath}.${process.pid}.tmp`;
    writeFileSync(tmp, b);
    renameSync(tmp, cachePath); // atomic: parallel test files never read a half-written cache
  }
  const count = (type: number) => entries.filter((e) => ((e.message[0]! << 8) | e.message[1]!) === type).length;
  return { entries, channels: count(256), updates: count(258), nodes: count(257), cachePath, buildMs, bytes };
}
