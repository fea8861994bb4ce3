/**
 * The board image's one-file CLI (firmware-image/bundle.mjs, docs/boards.md "Boot time"): built from
 * the compiled dist/ into a copy of the install tree, it must replace `dist/src/cli/main.js`, keep
 * native-addon packages external, and still run: `version` (reads package.json through
 * `import.meta.url`), `front --help`, and `selftest` (loads the native secp256k1 binding and runs the
 * crypto checks) with the rest of dist/ deleted, so nothing of ours loads from outside the bundle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

test('the bundled CLI replaces main.js, keeps native addons external and runs version, front --help and selftest', () => {
  const root = mkdtempSync(join(tmpdir(), 'lnfleet-bundle-'));
  try {
    cpSync(join(REPO, 'dist/src'), join(root, 'dist/src'), { recursive: true });
    cpSync(join(REPO, 'package.json'), join(root, 'package.json'));
    symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
    const before = statSync(join(root, 'dist/src/cli/main.js')).size;
    const report = execFileSync(process.execPath, [join(REPO, 'firmware-image/bundle.mjs'), root], { encoding: 'utf8' });
    const main = join(root, 'dist/src/cli/main.js');
    const text = readFileSync(main, 'utf8');
    assert.ok(text.length > 20 * before, `main.js is the bundle (${text.length} bytes, was ${before})`);
    const external = /external: (.*)$/m.exec(report)?.[1]?.split(' ') ?? [];
    for (const pkg of ['secp256k1', 'better-sqlite3']) assert.ok(external.includes(pkg), `${pkg} stays external: ${report}`);
    // The bundle holds all of our code: the rest of dist/ goes, and everything below must still run.
    rmSync(join(root, 'dist'), { recursive: true });
    mkdirSync(join(root, 'dist/src/cli'), { recursive: true });
    writeFileSync(main, text);
    const run = (...args: string[]) => execFileSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: root });
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.match(run('version'), new RegExp(`^lnfleet ${pkg.version.replace(/\./g, '\\.')} `));
    assert.match(run('front', '--help'), /^usage: lnfleet front/);
    const selftest = run('selftest');
    assert.match(selftest, /selftest passed/);
    assert.match(selftest, /ok +secp256k1 verify/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
