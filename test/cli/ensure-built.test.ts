/**
 * scripts/ensure-built.mjs (run before `npm start`, `npm test` and `npm run bench`) on a tiny project of its
 * own in a temp dir, with the real TypeScript compiler: it compiles when dist/ is missing, does nothing when
 * nothing changed, and compiles again when a source changed (after a `git pull`, `npm start` must not run
 * the old code). Dependencies count as installed (the lock marker is newer than the lock), so no npm runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-ensure-built-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(REPO, 'scripts', 'ensure-built.mjs'), join(dir, 'scripts', 'ensure-built.mjs'));
  writeFileSync(join(dir, 'package-lock.json'), '{}\n');
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{}\n');
  const past = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'package-lock.json'), past, past);
  symlinkSync(join(REPO, 'node_modules', 'typescript'), join(dir, 'node_modules', 'typescript'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { outDir: 'dist', rootDir: '.', module: 'nodenext', target: 'es2022', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' },
    include: ['src/**/*.ts'],
  }));
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), 'export const version = 1;\n');
  return dir;
}

function ensureBuilt(dir: string): { compiled: boolean } {
  const r = spawnSync(process.execPath, [join(dir, 'scripts', 'ensure-built.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { compiled: /compiling TypeScript/.test(r.stderr) };
}

test('ensure-built compiles a fresh clone, skips an up-to-date build, and recompiles after a source changed', (t) => {
  const dir = project();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const main = join(dir, 'dist', 'src', 'cli', 'main.js');
  assert.deepEqual(ensureBuilt(dir), { compiled: true }, 'no dist/: compiles');
  assert.match(readFileSync(main, 'utf8'), /version = 1/);
  assert.deepEqual(ensureBuilt(dir), { compiled: false }, 'nothing changed: no compile');
  // A pull, a minute after that build, that changes a source (git gives it the time of the checkout).
  const built = join(dir, 'dist', '.built');
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(built, minuteAgo, minuteAgo);
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), 'export const version = 2;\n');
  assert.deepEqual(ensureBuilt(dir), { compiled: true }, 'a changed source: compiles');
  assert.match(readFileSync(main, 'utf8'), /version = 2/, 'the new code is what runs');
  assert.deepEqual(ensureBuilt(dir), { compiled: false });
});
