/**
 * The board image's one-file CLI (firmware-image/bundle.mjs, docs/boards.md "Boot time"): built from
 * the compiled dist/ into a copy of the install tree, it must replace `dist/src/cli/main.js` and the
 * gossip verification worker's entry file (`dist/src/gossip/verify-worker.js`, its own bundle), keep
 * native-addon packages external, and still run: `version` (reads package.json through
 * `import.meta.url`), `front --help`, and `selftest` (loads the native secp256k1 binding, runs the
 * crypto checks and has a verification thread from the worker bundle judge signatures) with the rest
 * of dist/ deleted, so nothing of ours loads from outside the bundles. The dev cluster's front then
 * checks a peer's channel_announcement on its verification thread (when the host has a core to spare).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devClusterPorts } from '../helpers/ports.js';
import { waitFor } from '../helpers/cluster-fixtures.js';
import { eventually } from '../helpers/wait.js';
import { dialPeer } from '../front/test-peer.js';
import { channelAnnouncement, newChannelKeys } from '../helpers/gossip-fixtures.js';
import type { FrontStatus } from '../../src/front/health.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('the bundled CLI replaces main.js, keeps native addons external, runs version, front --help and selftest, and runs a dev cluster a peer handshakes with', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lnfleet-bundle-'));
  try {
    cpSync(join(REPO, 'dist/src'), join(root, 'dist/src'), { recursive: true });
    cpSync(join(REPO, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
    const before = statSync(join(root, 'dist/src/cli/main.js')).size;
    const report = execFileSync(process.execPath, [join(REPO, 'firmware-image/bundle.mjs'), root], { encoding: 'utf8' });
    const main = join(root, 'dist/src/cli/main.js');
    const worker = join(root, 'dist/src/gossip/verify-worker.js');
    const text = readFileSync(main, 'utf8');
    const workerText = readFileSync(worker, 'utf8');
    assert.ok(workerText.includes('__lnfleetCreateRequire'), 'the worker entry file is a bundle too');
    assert.ok(text.length > 20 * before, `main.js is the bundle (${text.length} bytes, was ${before})`);
    const external = /external: (.*)$/m.exec(report)?.[1]?.split(' ') ?? [];
    for (const pkg of ['secp256k1', 'better-sqlite3']) assert.ok(external.includes(pkg), `${pkg} stays external: ${report}`);
    // The bundle holds all of our code: the rest of dist/ goes, and everything below must still run.
    rmSync(join(root, 'dist'), { recursive: true });
    mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
    mkdirSync(join(root, 'dist/src/gossip'), { recursive: true });
    writeFileSync(main, text);
    writeFileSync(worker, workerText);
    const run = (...args: string[]) => execFileSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: root });
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.match(run('version'), new RegExp(`^lnfleet ${pkg.version.replace(/\./g, '\\.')} `));
    assert.match(run('front', '--help'), /^usage: lnfleet front/);
    const selftest = run('selftest');
    assert.match(selftest, /selftest passed/);
    assert.match(selftest, /ok +secp256k1 verify/);
    assert.match(selftest, /ok +gossip signatures on a verification thread \(native\)/);
    // The whole embedded cluster from the bundle (dev spawns the backend and the front from the same
    // file): the front's startup (TLS, metrics, board, gossip) and the backend's (SQLite) must load.
    const { peer, link, api, metrics, health } = await devClusterPorts(1);
    const data = join(root, 'dev');
    const dev = spawn(process.execPath, [main, 'dev', '--fronts', '1', '--datadir', data, '--port', String(peer), '--link-port', String(link),
      '--api-port', String(api), '--metrics-port', String(metrics), '--health-port', String(health)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dev.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    dev.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    try {
      const info = await waitFor('cluster.json from the bundled dev cluster', () => existsSync(join(data, 'cluster.json')) && JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as { nodeId: string }, 60_000)
        .catch((e: Error) => { throw new Error(`${e.message}\n${output}`); });
      const p = await dialPeer(peer, Buffer.from(info.nodeId, 'hex'));
      assert.notEqual(p.transport, undefined, 'BOLT 8 handshake with the node id through the bundled front');
      await p.exchangeInit();
      // A channel_announcement through the bundled front: with a verification thread (a host with a
      // core to spare) its signatures are checked there, from the worker bundle.
      const status = async () => (await (await fetch(`http://127.0.0.1:${health}/healthz`)).json()) as FrontStatus;
      p.sendRaw(channelAnnouncement(newChannelKeys(), (700n << 40n) | (1n << 16n)).raw);
      if ((await status()).gossipVerify.threads > 0) {
        await eventually('the front\'s verification thread checked the announcement', async () => ((await status()).gossipVerify.perThread[0]!.jobs === 1 ? true : undefined), 30_000);
      }
      assert.equal(await p.ping(3), 3);
      p.socket.destroy();
    } finally {
      dev.kill('SIGINT');
      if (dev.exitCode === null) await once(dev, 'exit');
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
