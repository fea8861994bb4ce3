// Builds (or loads from the os.tmpdir() cache) the signed mainnet-size gossip fixture and reports its
// size and build time. Needs a compiled tree (`tsc -p .`) and ../shared/data/gossip.
// usage: node scripts/build-mainnet-graph.mjs [channel-limit]
const { mainnetFixture, fixtureUnavailable } = await import('../dist/test/helpers/mainnet-graph.js');
const why = fixtureUnavailable();
if (why) {
  console.error(`cannot build the mainnet fixture: ${why}`);
  process.exit(1);
}
const limit = process.argv[2] ? Number(process.argv[2]) : Infinity;
const t0 = performance.now();
const f = mainnetFixture(limit);
const ms = performance.now() - t0;
console.log(JSON.stringify({ channels: f.channels, updates: f.updates, nodes: f.nodes, bytes: f.bytes, cachePath: f.cachePath, buildMs: Math.round(f.buildMs), totalMs: Math.round(ms) }));
