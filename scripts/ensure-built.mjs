// Installs dependencies when they are missing and compiles the TypeScript to dist/.
// Used by `npm start` (prestart), `npm test` (pretest) and `npm run bench` (prebench), so that the
// README's two commands work on a fresh clone with nothing done by hand.
// Compiles when forced (--force), when dist/ lacks the CLI, or when a source file (src/, test/, bench/,
// tsconfig.json) changed since the last build: after a `git pull`, `npm start` must not run the old code.
// Does not: download anything but npm packages (native addons build against /usr headers, see .npmrc).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
const force = process.argv.includes('--force');

const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('[lnfleet] installing dependencies (npm ci)…');
  run('npm', existsSync(lock) ? ['ci'] : ['install']);
}

/** Written after every successful compile; sources newer than it mean dist/ is out of date. */
const builtMarker = join(root, 'dist', '.built');

/** Newest modification time (ms) of `path`, or of any file below it; 0 when it does not exist. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), s.mtimeMs);
}

const sourcesChanged = () => ['src', 'test', 'bench', 'tsconfig.json'].reduce((m, p) => Math.max(m, newest(join(root, p))), 0) > newest(builtMarker);

if (force || !existsSync(join(root, 'dist', 'src', 'cli', 'main.js')) || sourcesChanged()) {
  console.error('[lnfleet] compiling TypeScript…');
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  writeFileSync(builtMarker, `${new Date().toISOString()}\n`);
}
