/**
 * @module bench/htlc-throughput
 * `htlc-throughput`: HTLC add + fulfill round trips per second on one channel between a scripted peer
 * (test/helpers/scripted-peer.ts: our noise, wire and ledger) and the backend, through a real front, with
 * every channel state change of the backend committed to `channels.sqlite` (WAL, synchronous FULL) before
 * its messages leave. One round trip: the peer adds an HTLC and runs the dance (commitment_signed,
 * revoke_and_ack both ways); the backend, told by its channel event (as the relay layer will be), fulfills it
 * and runs the dance back. Baseline, measured in the same run on the same disk: raw durable SQLite writes
 * — one synchronous transaction per write, each a channel-state-sized blob (the channel's real row) —
 * per second. The ratio says how many durable writes one round trip costs, inverted; the absolute numbers
 * are printed too.
 *
 * In process: the embedded regtest chain (funding), the backend and the front; only the peer's socket and
 * the cluster link are real TCP/TLS on 127.0.0.1. Bounded in count and time.
 * Does not: assert anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBackend } from '../src/back/index.js';
import type { ChannelEvent } from '../src/back/channels/port.js';
import { EmbeddedRegtest } from '../src/chain/embedded-regtest.js';
import { startFront } from '../src/front/index.js';
import { openDatabase } from '../src/gossip/store-migrations.js';
import { createLogger } from '../src/log.js';
import { backendConfig, createTempPki, frontConfig, TEST_NODE_ENV } from '../test/helpers/cluster-fixtures.js';
import { preimagePair, ScriptedPeer } from '../test/helpers/scripted-peer.js';
import type { BenchResult } from './measure.js';

/** Upper bound of the measured phase of either side, ms. */
const MAX_MS = 20_000;
/** Warm-up round trips (not measured). */
const WARMUP = 5;

const silent = () => createLogger('back', 'fatal');

/** Raw durable writes per second: `count` UPDATEs of a `bytes`-long blob, each its own synchronous transaction. */
function rawDurableWrites(dir: string, bytes: number, count: number): number {
  const db = openDatabase(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, state TEXT NOT NULL, version INTEGER NOT NULL)');
  const blob = 'x'.repeat(bytes);
  db.prepare('INSERT INTO t (id, state, version) VALUES (1, ?, 0)').run(blob);
  const update = db.prepare('UPDATE t SET state = ?, version = version + 1 WHERE id = 1');
  const start = performance.now();
  let n = 0;
  for (; n < count && performance.now() - start < MAX_MS; n++) update.run(n % 2 === 0 ? blob : blob.replace('x', 'y'));
  const rate = n / ((performance.now() - start) / 1000);
  db.close();
  return rate;
}

/** The benchmark; `count` measured round trips (at most, within `MAX_MS`). */
export async function htlcThroughput(count: number): Promise<BenchResult[]> {
  const chain = await EmbeddedRegtest.start();
  const pki = await createTempPki();
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-bench-htlc-'));
  const channelsPath = join(dir, 'channels.sqlite');
  const backend = await startBackend(backendConfig(pki), { env: TEST_NODE_ENV, ephemeralPorts: true, logger: silent(), chainSource: chain.source, chainPollMs: 250, channelsPath });
  const front = await startFront(frontConfig(pki, await pki.issue('front', 'bench'), backend.linkPort), {
    logger: silent(), peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
  });
  try {
    for (let i = 0; i < 200 && !front.status().ready; i++) await new Promise((r) => setTimeout(r, 50));
    const peer = await ScriptedPeer.connect(front.peerPort, backend.nodeId);
    peer.sendOpenChannel({ fundingSat: 10_000_000n });
    await peer.acceptAndFund(chain);
    // Six blocks: past minimum_depth and the announcement depth, so the funding watch is over before measuring.
    await chain.mine(6);
    await peer.exchangeChannelReady();
    const pending = new Map<string, Uint8Array>();
    backend.onChannelEvent((channel, e) => {
      const ev = e as ChannelEvent;
      if (ev.kind !== 'htlcAdded') return;
      const key = Buffer.from(ev.paymentHash).toString('hex');
      void backend.channelCommand(channel, { kind: 'fulfillHtlc', id: ev.id, preimage: pending.get(key)! });
    });
    const roundTrip = async (): Promise<void> => {
      const p = preimagePair();
      pending.set(Buffer.from(p.hash).toString('hex'), p.preimage);
      peer.addHtlc(1_000_000n, p.hash);
      await peer.signAndSettle();
      const u = await peer.receiveUpdate();
      if (u.kind !== 'fulfill') throw new Error(`expected a fulfill, got ${u.kind}`);
      await peer.converge();
    };
    for (let i = 0; i < WARMUP; i++) await roundTrip();
    const start = performance.now();
    let n = 0;
    for (; n < count && performance.now() - start < MAX_MS; n++) await roundTrip();
    const ours = n / ((performance.now() - start) / 1000);
    const row = openDatabase(channelsPath, { readonly: true });
    const size = row.prepare<{ n: number }>('SELECT length(state) AS n FROM channels').get()?.n ?? 0;
    row.close();
    const baseline = rawDurableWrites(dir, size, count * 10);
    peer.destroy();
    return [{
      name: 'htlc-throughput', unit: 'HTLC add+fulfill round trips/s', ours, baseline,
      baselineName: `raw SQLite durable writes/s (WAL, synchronous FULL, one ${size}-byte state per transaction)`, ratio: ours / baseline,
      note: `${n} round trips through one front; each is two commitment dances, ~7 backend state commits before their messages leave`,
    }];
  } finally {
    await front.close();
    await backend.close();
    await chain.close();
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
