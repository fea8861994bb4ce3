// Builds (or loads from the os.tmpdir() cache) the signed mainnet-size gossip fixture and reports its
// size and build time. With --memory (run as `node --expose-gc`), also loads it into a front graph copy
// from one snapshot-like buffer (so the copy owns its bytes) and reports the RSS/heap the copy keeps.
// Needs a compiled tree (`tsc -p .`) and ../shared/data/gossip.
// usage: node --expose-gc scripts/build-mainnet-graph.mjs [channel-limit] [--memory]
import { closeSync, openSync, readSync } from 'node:fs';
const { mainnetFixture, fixtureUnavailable } = await import('../dist/test/helpers/mainnet-graph.js');
const { GraphCopy } = await import('../dist/src/gossip/graph.js');
const why = fixtureUnavailable();
if (why) {
  console.error(`cannot build the mainnet fixture: ${why}`);
  process.exit(1);
}
const args = process.argv.slice(2);
const limitArg = args.find((a) => !a.startsWith('--'));
const t0 = performance.now();
if (args.includes('--memory')) {
  // Measure in a fresh process that never held the decoded fixture, so the delta is the copy alone.
  const { spawnSync } = await import('node:child_process');
  const f = mainnetFixture(limitArg ? Number(limitArg) : Infinity);
  const r = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--measure', f.cachePath], { encoding: 'utf8' });
  console.log(JSON.stringify({ channels: f.channels, updates: f.updates, nodes: f.nodes, bytes: f.bytes, cachePath: f.cachePath, buildMs: Math.round(f.buildMs), ...JSON.parse(r.stdout || '{}') }));
  process.exit(r.status ?? 1);
}
if (args.includes('--measure')) {
  const cachePath = args[args.indexOf('--measure') + 1];
  const mib = (n) => +(n / 2 ** 20).toFixed(1);
  const report = {};
  gc();
  const before = process.memoryUsage();
  const g = new GraphCopy();
  {
    // Stream the cache through one 64 KiB buffer (as snapshot chunks arrive): the copy slices what it keeps.
    const fd = openSync(cachePath, 'r');
    const buf = new Uint8Array(65_536 + 10);
    const dv = new DataView(buf.buffer);
    let pos = 0;
    const read = (n) => {
      readSync(fd, buf, 0, n, pos);
      pos += n;
    };
    read(4);
    const n = dv.getUint32(0);
    const t1 = performance.now();
    for (let i = 0; i < n; i++) {
      read(10);
      const cap = Number(dv.getBigUint64(0));
      const len = dv.getUint16(8);
      read(len);
      g.applyRaw(buf.subarray(0, len), cap || undefined);
    }
    closeSync(fd);
    report.loadMs = Math.round(performance.now() - t1);
  }
  g.scidsInBlocks(0, 1); // build the sorted index too
  gc();
  const after = process.memoryUsage();
  Object.assign(report, {
    graphChannels: g.channelCount, graphNodes: g.nodeCount,
    rssBeforeMiB: mib(before.rss), rssAfterMiB: mib(after.rss), rssDeltaMiB: mib(after.rss - before.rss),
    heapDeltaMiB: mib(after.heapUsed - before.heapUsed),
    arrayBuffersDeltaMiB: mib(after.arrayBuffers - before.arrayBuffers),
  });
  console.log(JSON.stringify(report));
  process.exit(0);
}
const f = mainnetFixture(limitArg ? Number(limitArg) : Infinity);
const report = { channels: f.channels, updates: f.updates, nodes: f.nodes, bytes: f.bytes, cachePath: f.cachePath, buildMs: Math.round(f.buildMs), totalMs: Math.round(performance.now() - t0) };
console.log(JSON.stringify(report));
