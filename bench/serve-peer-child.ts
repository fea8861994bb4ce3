/**
 * @module bench/serve-peer-child
 * The syncing peer of `graph-serve` (`bench/gossip.ts` spawns it with the front's port and node id):
 * a BOLT 8 test peer that runs a full query sync against the front (`query_channel_range` over every
 * block, then `query_short_channel_ids` in batches of `SERVE_QUERY_BATCH`), then measures the baseline,
 * two node:crypto chacha20-poly1305 seals per received message, and prints JSON
 * `{ served, counts, ms, rawMs, batches }`. In its own process so its decryption does not count against
 * the front.
 *
 * Does not: check the messages' signatures (the counts are checked by the caller).
 */
import { performance } from 'node:perf_hooks';
import { createCipheriv, randomBytes } from 'node:crypto';
import { decodeMessage } from '../src/wire/index.js';
import { dialPeer } from '../test/front/test-peer.js';
import { MAINNET_CHAIN } from '../test/helpers/gossip-builders.js';

/** Scids per `query_short_channel_ids`: 8,000 × 8 bytes fits one 65,535-byte message. */
const SERVE_QUERY_BATCH = 8_000;

const port = Number(process.argv[2]);
const nodeId = Buffer.from(process.argv[3] ?? '', 'hex');
const peer = await dialPeer(port, nodeId);
await peer.exchangeInit(MAINNET_CHAIN);
const typeAt = (i: number) => (peer.messages[i]![0]! << 8) | peer.messages[i]![1]!;
const since = (from: number, type: number) => { let n = 0; for (let i = from; i < peer.messages.length; i++) if (typeAt(i) === type) n++; return n; };
// The harness polls every 2 ms in the same process as the front: each poll looks only at messages
// that arrived since the last one, so the measuring costs O(messages), not O(messages × polls).
let seen = 0;
const waitForType = async (type: number, done: (raw: Uint8Array) => boolean) => {
  const t1 = Date.now();
  for (;;) {
    for (; seen < peer.messages.length; seen++) if (typeAt(seen) === type && done(peer.messages[seen]!)) return;
    if (Date.now() - t1 > 600_000) throw new Error('graph-serve: timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};
const start = peer.messages.length;
seen = start;
const t0 = performance.now();
peer.send({ name: 'query_channel_range', chainHash: MAINNET_CHAIN, firstBlocknum: 0, numberOfBlocks: 0xffffffff, tlvs: {} });
let scids: bigint[] = [];
await waitForType(264, (raw) => {
  const r = decodeMessage(raw);
  if (r.name !== 'reply_channel_range') return false;
  scids = scids.concat(r.encodedShortIds);
  return r.syncComplete === 1;
});
for (let i = 0; i < scids.length; i += SERVE_QUERY_BATCH) {
  seen = peer.messages.length;
  peer.send({ name: 'query_short_channel_ids', chainHash: MAINNET_CHAIN, encodedShortIds: scids.slice(i, i + SERVE_QUERY_BATCH), tlvs: {} });
  await waitForType(262, () => true);
}
const ms = performance.now() - t0;
const served = peer.messages.slice(start);
const counts = { ann: since(start, 256), upd: since(start, 258), node: since(start, 257) };
peer.socket.destroy();
// Baseline: BOLT 8 puts each message on the wire as two AEAD seals (2-byte length, then body).
const key = randomBytes(32);
const nonce = Buffer.alloc(12);
const seal = (b: Uint8Array) => { const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 }); c.update(b); c.final(); c.getAuthTag(); };
const len = Buffer.alloc(2);
const b0 = performance.now();
for (const m of served) { len.writeUInt16BE(m.length); seal(len); seal(m); }
const rawMs = performance.now() - b0;
const batches = Math.ceil(scids.length / SERVE_QUERY_BATCH);
process.stdout.write(JSON.stringify({ served: served.length, counts, ms, rawMs, batches }) + '\n');
process.exit(0);
