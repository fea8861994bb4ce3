// Installs dependencies when they are missing and compiles the TypeScript to dist/.
// Used by `npm start` (prestart), `npm test` (pretest) and `npm run bench` (prebench), so that the
// README's two commands work on a fresh clone with nothing done by hand.
// Does not: download anything but npm packages (native addons build against /usr headers, see .npmrc).
import { existsSync, statSync } from 'node:fs';
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
if (force || !existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
  console.error('[lnfleet] compiling TypeScript…');
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}
