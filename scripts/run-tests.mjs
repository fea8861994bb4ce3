// Runs the compiled test suite with node:test on the explicit list of dist/test/**/*.test.js files.
// Node 20 has no glob support in `node --test`, and a bare directory argument would also run helper
// modules under test/ as tests, so the list is built here. Extra arguments are passed to node --test
// (e.g. `npm test -- --test-name-pattern=tlv`); a positional argument filters files by substring.
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const walk = (dir) => readdirSync(dir).flatMap((name) => {
  const p = join(dir, name);
  return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.js') ? [p] : [];
});
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = walk(join(root, 'dist', 'test'))
  .map((p) => relative(root, p))
  .filter((p) => filters.length === 0 || filters.some((f) => p.includes(f)))
  .sort();
if (files.length === 0) {
  console.error('no compiled test files found under dist/test');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...flags, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
