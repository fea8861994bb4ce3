/**
 * torrc generator: golden file, target parsing, input validation by error code, and
 * `tor --verify-config` (parses and validates, starts nothing) on the generated text.
 *
 * The tool check swaps the HiddenServiceDir/DataDirectory for 0700 temp dirs (tor refuses group- or
 * world-readable ones) and asserts that those are the only lines that differ from the golden file.
 * Golden file: test/deploy/golden/torrc; `UPDATE_GOLDEN=1` rewrites it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTorrc, parseTorTarget } from '../../src/deploy/torrc.js';
import { assertCode, assertGolden, findTool, goldenUrl, runTool, TORRC, withTempDir } from './helpers.js';

const text = generateTorrc(TORRC);

test('torrc golden file', () => {
  assertGolden(goldenUrl('torrc'), text);
});

test('torrc: one HiddenServicePort per target, v3, loopback SOCKS and control', () => {
  assert.deepEqual(text.split('\n').filter((l) => l.startsWith('HiddenServicePort')), [
    'HiddenServicePort 9735 203.0.113.11:9735',
    'HiddenServicePort 9735 203.0.113.12:9735',
    'HiddenServicePort 9735 [2001:db8:2::13]:9735',
  ]);
  assert.match(text, /^HiddenServiceVersion 3$/m);
  assert.match(text, /^SocksPort 127\.0\.0\.1:9050$/m);
  assert.match(text, /^ControlPort 127\.0\.0\.1:9051\nCookieAuthentication 1$/m);
  assert.doesNotMatch(generateTorrc({ ...TORRC, controlPort: null }), /^ControlPort/m);
});

test('tor target parsing', () => {
  assert.deepEqual(parseTorTarget('t', '10.0.0.1', 9735), { host: '10.0.0.1', family: 'ip', port: 9735 });
  assert.deepEqual(parseTorTarget('t', '10.0.0.1:19735', 9735), { host: '10.0.0.1', family: 'ip', port: 19735 });
  assert.deepEqual(parseTorTarget('t', '[fd00::1]:1', 9735), { host: 'fd00::1', family: 'ip6', port: 1 });
  assert.deepEqual(parseTorTarget('t', 'fd00::1', 9735), { host: 'fd00::1', family: 'ip6', port: 9735 });
});

test('torrc input validation names the field', () => {
  assertCode(() => generateTorrc({ ...TORRC, targets: [] }), 'DEPLOY_INVALID_INPUT', 'targets');
  assertCode(() => generateTorrc({ ...TORRC, targets: ['10.0.0.1:0'] }), 'DEPLOY_INVALID_INPUT', 'targets[0]');
  assertCode(() => generateTorrc({ ...TORRC, targets: ['10.0.0.1:65536'] }), 'DEPLOY_INVALID_INPUT', 'targets[0]');
  assertCode(() => generateTorrc({ ...TORRC, targets: ['front-a.lan:9735'] }), 'DEPLOY_INVALID_INPUT', 'targets[0]');
  assertCode(() => generateTorrc({ ...TORRC, targets: ['10.0.0.1', '10.0.0.1:9735'] }), 'DEPLOY_INVALID_INPUT', 'targets[1]');
  assertCode(() => generateTorrc({ ...TORRC, hiddenServiceDir: 'relative/dir' }), 'DEPLOY_INVALID_INPUT', 'hiddenServiceDir');
  assertCode(() => generateTorrc({ ...TORRC, socksPort: 9051 }), 'DEPLOY_INVALID_INPUT', 'controlPort');
});

const tor = findTool('tor');
/** tor's one expected warning when the test runs as root (CI does); anything else fails the test. */
const ROOT_WARNING = /You are running Tor as root/;

test('tor --verify-config accepts the torrc (verify only, tor does not start)', (t) => {
  if (tor === undefined) return t.skip('tor not installed (Debian package tor)');
  withTempDir((dir) => {
    const hs = join(dir, 'hs');
    const data = join(dir, 'data');
    mkdirSync(hs, { mode: 0o700 });
    mkdirSync(data, { mode: 0o700 });
    const local = generateTorrc({ ...TORRC, hiddenServiceDir: hs, dataDirectory: data });
    const strip = (s: string) => s.split('\n').filter((l) => !/^(HiddenServiceDir|DataDirectory) /.test(l) && !/^# Tor's own state/.test(l)).join('\n');
    assert.equal(strip(local).replace(/\n\n\n/g, '\n\n'), strip(text), 'only the directories differ from the golden file');
    const file = join(dir, 'torrc');
    writeFileSync(file, local);
    const r = runTool(tor, ['--verify-config', '-f', file, '--defaults-torrc', '/dev/null']);
    assert.equal(r.error, undefined);
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /\[(warn|err)\]/.test(l) && !ROOT_WARNING.test(l));
    assert.deepEqual(problems, []);
    assert.match(r.stdout, /Configuration was valid/);
    assert.equal(r.status, 0);
    assert.deepEqual(readdirSync(hs), [], 'verify-config created no onion key');
    // Negative control: tor rejects a broken port line.
    writeFileSync(file, local.replace('HiddenServicePort 9735 203.0.113.11:9735', 'HiddenServicePort 9735 203.0.113.11:99999'));
    const bad = runTool(tor, ['--verify-config', '-f', file, '--defaults-torrc', '/dev/null']);
    assert.notEqual(bad.status, 0);
  });
});
