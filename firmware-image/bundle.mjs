#!/usr/bin/env node
/**
 * firmware-image/bundle.mjs — one-file build of the CLI for boards (docs/boards.md "Boot time").
 *
 * Debian's nodejs has no startup snapshot or code cache, so on a board every module of the front is
 * resolved, read and compiled at each start: the front's ~280 modules of ours plus pino, prom-client,
 * dns-packet… esbuild folds them into one ES module that replaces `dist/src/cli/main.js` in the image
 * (same path: the systemd units, the `lnfleet` wrapper and paths taken from `import.meta.url` hold;
 * the other files of dist/ stay, unused by it). Left out and loaded from node_modules as before:
 * packages with native addons or WASM files (found by looking for binding.gyp, *.node, *.wasm), and
 * large packages only some commands load on demand (`LAZY_EXTERNAL`: the AWS SDK for the aws-sm key
 * provider, the X.509 toolkit for issuing certificates).
 *
 * The front's gossip signature-verification threads run their own entry file, which the bundled CLI
 * finds at dist/src/gossip/verify-worker.js (src/gossip/verify-pool.ts names it relative to
 * dist/src/<any dir>/, which main.js also is). That file is bundled the same way, in place, so the
 * image needs nothing else of dist/ either.
 *
 * Usage: node firmware-image/bundle.mjs <install dir with dist/ and node_modules/>
 * Prints the bundle size and the external list.
 */
import { readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/**
 * prom-client's index also loads its cluster aggregator, Pushgateway and default metrics, which pull in
 * Node's `https`, `zlib`, `v8` and `perf_hooks` (and `cluster`, which a server's first `listen` loads
 * anyway); Debian's node compiles each of those from source at every start. We use three classes: the
 * bundle takes them directly (≈ 0.15 s of CPU per start under qemu-user).
 */
const PROM_CLIENT_PARTS = `
export { default as Registry } from 'prom-client/lib/registry.js';
export { default as Counter } from 'prom-client/lib/counter.js';
export { default as Gauge } from 'prom-client/lib/gauge.js';
`;
const promClientParts = {
  name: 'prom-client-parts',
  setup(b) {
    b.onResolve({ filter: /^prom-client$/ }, () => ({ path: 'prom-client-parts', namespace: 'lnfleet' }));
    b.onLoad({ filter: /.*/, namespace: 'lnfleet' }, () => ({ contents: PROM_CLIENT_PARTS, resolveDir: root, loader: 'js' }));
  },
};

/** Loaded on demand by few commands; bundling them would only add bytes every start must parse. */
const LAZY_EXTERNAL = ['@aws-sdk/*', '@smithy/*', '@peculiar/*', 'asn1js', 'bcoin'];

/** Top-level packages under `nm` that carry native addons or WASM (they load files by path). */
function nativePackages(nm) {
  const out = [];
  const hasNative = (dir, depth) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && (e.name === 'binding.gyp' || e.name.endsWith('.node') || e.name.endsWith('.wasm'))) return true;
      if (e.isDirectory() && depth < 6 && e.name !== 'test' && hasNative(join(dir, e.name), depth + 1)) return true;
    }
    return false;
  };
  for (const name of readdirSync(nm)) {
    if (name.startsWith('.')) continue;
    const pkgs = name.startsWith('@') ? readdirSync(join(nm, name)).map((s) => `${name}/${s}`) : [name];
    for (const p of pkgs) if (statSync(join(nm, p)).isDirectory() && hasNative(join(nm, p), 0)) out.push(p);
  }
  return out;
}

const root = resolve(process.argv[2] ?? '.');
const main = join(root, 'dist/src/cli/main.js');
const worker = join(root, 'dist/src/gossip/verify-worker.js');
const BANNER = "import { createRequire as __lnfleetCreateRequire } from 'node:module'; const require = __lnfleetCreateRequire(import.meta.url);";
for (const entry of [main, worker]) {
  if (readFileSync(entry, 'utf8').includes('__lnfleetCreateRequire')) {
    console.error(`bundle: ${entry} is already a bundle; copy a fresh dist/ first`);
    process.exit(1);
  }
}
const external = [...nativePackages(join(root, 'node_modules')), ...LAZY_EXTERNAL];

/** Bundles `entry` into one ES module at the same path; returns its size in bytes. */
async function bundleInPlace(entry) {
  const outfile = `${entry}.bundle.tmp`;
  const r = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    plugins: [promClientParts],
    // CommonJS packages inside an ES module bundle call require(): give them Node's.
    banner: { js: BANNER },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  renameSync(outfile, entry);
  return Object.values(r.metafile.outputs)[0].bytes;
}

const mainBytes = await bundleInPlace(main);
const workerBytes = await bundleInPlace(worker);
console.log(`bundle: ${main} (${(mainBytes / 1024).toFixed(0)} KiB), ${worker} (${(workerBytes / 1024).toFixed(0)} KiB); external: ${external.join(' ')}`);
