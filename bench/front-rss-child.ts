/**
 * @module bench/front-rss-child
 * The measured process of `front-rss-mainnet` (`bench/gossip.ts` spawns it): it loads what a front
 * loads (`src/front/index.ts`, the whole daemon), runs a front's gossip service (`FrontGossip`: router,
 * graph copy) and feeds it `graph_snapshot_chunk` link frames read from stdin, exactly as a front gets
 * its graph from the backend. After the final chunk, the sorted index a first query builds, and GC, it
 * prints JSON `{ startRss, rss, heap, buffers, maxRss, raw, channels, nodes }` (bytes). It never holds
 * the whole fixture, and loads nothing a front does not (no SQLite, no backend, no fixture reader).
 *
 * Does not: open sockets, or measure time.
 */
import { Registry } from 'prom-client';
import '../src/front/index.js';
import { FrontGossip } from '../src/front/gossip.js';
import { FrameDecoder } from '../src/cluster/frame.js';
import { decodeLinkMessage } from '../src/cluster/messages.js';
import { activeEngine } from '../src/crypto/index.js';
import { createLogger } from '../src/log.js';

/** Mainnet chain hash (wire order): the fixture is signed for it. */
const MAINNET = Buffer.from('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000', 'hex');
/** A node id for "us" (the service only compares it with gossip origins). */
const OUR_NODE_ID = Uint8Array.from([2, ...new Uint8Array(32).fill(1)]);
/** Full GCs before reading the figures (and the pause after each, ms): lets V8 release freed pages. */
const GC_ROUNDS = 3;
const GC_PAUSE_MS = 50;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const g = new FrontGossip({
  chainHash: MAINNET, ourNodeId: OUR_NODE_ID, engine: activeEngine(), log: createLogger('bench', 'warn'), now: Date.now,
  send: () => true, linkUp: () => true, registry: new Registry(),
});
g.linkUp();
gc();
const startRss = process.memoryUsage().rss;
const frames = new FrameDecoder();
let raw = 0;
for await (const data of process.stdin as AsyncIterable<Buffer>) {
  for (const f of frames.push(data)) {
    const m = decodeLinkMessage(f);
    if (m.name !== 'graph_snapshot_chunk') continue;
    for (const e of m.entries) raw += e.message.length;
    g.onLinkMessage(m);
  }
  if (g.ready) break;
}
g.graph.scidsInBlocks(0, 0xffffff); // builds the sorted index a front builds for its first query
for (let i = 0; i < GC_ROUNDS; i++) {
  gc();
  await new Promise((r) => setTimeout(r, GC_PAUSE_MS));
}
const mem = process.memoryUsage();
const maxRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ startRss, rss: mem.rss, heap: mem.heapUsed, buffers: mem.arrayBuffers, maxRss, raw, channels: g.graph.channelCount, nodes: g.graph.nodeCount }) + '\n');
