/**
 * Tests of the `lnfleet` CLI entry: the command table, --help everywhere, usage errors, and the
 * selftest output, both in-process and through the real compiled binary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { COMMAND_NAMES, loadCommands, main } from '../../src/cli/main.js';
import { lastErrorOf } from '../../src/cli/dev.js';

const COMMANDS = await loadCommands();

function capture(): { io: { out(l: string): void; err(l: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('every command answers --help with its usage and exit 0', async () => {
  for (const c of COMMANDS) {
    const cap = capture();
    assert.equal(await main([c.name, '--help'], cap.io), 0, c.name);
    assert.match(cap.out.join('\n'), new RegExp(`^usage: lnfleet ${c.name}`), c.name);
  }
});

test('the lazy command table names each command as the command names itself', () => {
  assert.deepEqual(COMMANDS.map((c) => c.name), COMMAND_NAMES);
  assert.equal(new Set(COMMAND_NAMES).size, COMMAND_NAMES.length);
});

test('global help lists every command; no command is a usage error', async () => {
  const cap = capture();
  assert.equal(await main(['--help'], cap.io), 0);
  for (const c of COMMANDS) assert.ok(cap.out.join('\n').includes(c.name));
  assert.equal(await main([], capture().io), 2);
  const bad = capture();
  assert.equal(await main(['frobnicate'], bad.io), 2);
  assert.match(bad.err.join('\n'), /unknown command 'frobnicate'/);
});

test('an unknown option is a usage error naming it', async () => {
  const cap = capture();
  assert.equal(await main(['selftest', '--bogus'], cap.io), 2);
  assert.match(cap.err.join('\n'), /unknown option --bogus/);
});

test('version prints the package version', async () => {
  const cap = capture();
  assert.equal(await main(['version'], cap.io), 0);
  assert.match(cap.out[0]!, /^lnfleet \d+\.\d+\.\d+ \(node v20\./);
});

test('selftest through the real binary reports the engine, the AEAD and passes', () => {
  const out = execFileSync(process.execPath, [BIN, 'selftest'], { encoding: 'utf8', env: { ...process.env, LNFLEET_SECP256K1_ENGINE: '' } });
  assert.match(out, /^secp256k1 engine: native \(auto: native loaded/m);
  assert.match(out, /^AEAD: chacha20-poly1305 via small\+node$/m);
  assert.match(out, /^ {2}ok {3}aead 600-byte text \(small\+node\) agrees with chacha-small both ways$/m);
  assert.match(out, /^selftest passed$/m);
  assert.doesNotMatch(out, /FAIL/);
});

test('selftest honours LNFLEET_SECP256K1_ENGINE and rejects an unknown engine', () => {
  const wasm = execFileSync(process.execPath, [BIN, 'selftest'], { encoding: 'utf8', env: { ...process.env, LNFLEET_SECP256K1_ENGINE: 'wasm' } });
  assert.match(wasm, /^secp256k1 engine: wasm \(wasm requested \(environment\)\)/m);
  const bad = spawnSync(process.execPath, [BIN, 'selftest'], { encoding: 'utf8', env: { ...process.env, LNFLEET_SECP256K1_ENGINE: 'bogus' } });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown secp256k1 engine "bogus"/);
});

test('a subcommand\'s --help prints that subcommand\'s usage and runs nothing', async () => {
  const cases: [string[], RegExp][] = [
    [['provision', 'init', '--help'], /^usage: lnfleet provision init /],
    [['provision', 'board', 'front-a', '--dir', '/nonexistent', '--help'], /^usage: lnfleet provision board /],
    [['gen', 'systemd', '--help'], /^lnfleet gen systemd --role /],
    [['gen', '--help'], /^usage: lnfleet gen KIND/],
    // Commands whose usage already covers their subcommands print it (and never run the subcommand).
    [['board', 'firstboot', '--help'], /^usage: lnfleet board/],
    [['provision', '-h'], /^usage: lnfleet provision </],
  ];
  for (const [argv, first] of cases) {
    const cap = capture();
    assert.equal(await main(argv, cap.io), 0, argv.join(' '));
    assert.match(cap.out.join('\n'), first, argv.join(' '));
    assert.deepEqual(cap.err, [], argv.join(' '));
  }
});

test('dev: a child\'s start-up failure is read from its output: the CLI error line, else the last pino error', () => {
  const pino = (level: number, msg: string): string => JSON.stringify({ level, time: 1, msg });
  assert.equal(lastErrorOf([pino(30, 'starting'), 'lnfleet front: [LISTEN] front.listen 127.0.0.1:9735: the address is already in use', ''].join('\n')),
    '[LISTEN] front.listen 127.0.0.1:9735: the address is already in use');
  assert.equal(lastErrorOf([pino(30, 'starting'), pino(50, 'database is locked'), pino(30, 'stopping'), 'at foo (bar.js:1:2)'].join('\n')), 'database is locked');
  assert.equal(lastErrorOf([pino(30, 'starting'), 'Error: something', '    at x'].join('\n')), undefined);
  assert.equal(lastErrorOf(['configuration for role back is invalid (1 problem):', '  [CONFIG_IO] config: cannot read config file /x.conf (ENOENT)', ''].join('\n')),
    '[CONFIG_IO] config: cannot read config file /x.conf (ENOENT)');
  assert.equal(lastErrorOf(''), undefined);
});
