/**
 * keepalived generator: golden files (multicast and unicast boards), input validation by error code,
 * and `keepalived -t` (config test: parses and checks, starts nothing) on the generated text.
 *
 * keepalived 2.2.x quirk (Debian 12's 2.2.7, seen under strace): in config-test mode, after it checks
 * a script's permissions as `script_user`, it compares getppid() with its own (absent) parent
 * keepalived process and sends itself SIGTERM, even for a valid file (exit 143); parse errors are
 * still printed first. So "valid" here means: exit 0 or SIGTERM, and no diagnostics on stderr/stdout.
 * The negative control shows that a broken file does produce diagnostics.
 *
 * The `lnfleet` user does not exist on a CI host, and keepalived refuses a missing script_user, so the
 * tool check uses `nobody`; the test asserts that this is the only difference from the golden file.
 *
 * Golden files: test/deploy/golden/keepalived-*.conf; `UPDATE_GOLDEN=1` rewrites them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeepalived } from '../../src/deploy/keepalived.js';
import {
  assertCode, assertGolden, findTool, FRONTS, goldenUrl, KEEPALIVED_A, KEEPALIVED_B_UNICAST, runTool, withTempDir,
} from './helpers.js';

const a = generateKeepalived(KEEPALIVED_A);
const b = generateKeepalived(KEEPALIVED_B_UNICAST);

test('keepalived golden files', () => {
  assertGolden(goldenUrl('keepalived-front-a.conf'), a);
  assertGolden(goldenUrl('keepalived-front-b-unicast.conf'), b);
});

test('keepalived: VRRPv3, readiness script, LED hooks, one real_server per front', () => {
  assert.match(a, /^\tvrrp_version 3$/m);
  assert.match(a, /^\tpriority 150$/m);
  assert.match(a, /script "\/usr\/bin\/curl -fsS -o \/dev\/null --max-time 1\.5 http:\/\/127\.0\.0\.1:9095\/readyz"/);
  assert.match(a, /^\ttrack_script \{\n\t\tlnfleet_ready\n\t\}$/m);
  for (const s of ['MASTER', 'BACKUP', 'FAULT']) {
    assert.match(a, new RegExp(`notify_${s.toLowerCase()} "/usr/local/bin/lnfleet board vrrp-state ${s}"`));
  }
  assert.match(a, /^virtual_server 203\.0\.113\.10 9735 \{$/m);
  assert.match(a, /^\tlb_kind DR$/m);
  assert.equal(a.match(/real_server /g)?.length, FRONTS.length);
  assert.doesNotMatch(a, /unicast_peer/, 'multicast by default');
  // Unicast: the other two fronts, one per line, and this board as source.
  assert.match(b, /\tunicast_src_ip 203\.0\.113\.12\n\tunicast_peer \{\n\t\t203\.0\.113\.11\n\t\t203\.0\.113\.13\n\t\}/);
  assert.match(b, /^\tadvert_int 0\.1$/m);
  assert.match(b, /^\tpriority 140$/m);
});

test('keepalived input validation names the field', () => {
  const k = KEEPALIVED_A;
  assertCode(() => generateKeepalived({ ...k, vip: '198.51.100.10' }), 'DEPLOY_INVALID_INPUT', 'vip');
  assertCode(() => generateKeepalived({ ...k, vip: '203.0.113.11' }), 'DEPLOY_INVALID_INPUT', 'vip');
  assertCode(() => generateKeepalived({ ...k, vip: '2001:db8::1' }), 'DEPLOY_INVALID_INPUT', 'vip');
  assertCode(() => generateKeepalived({ ...k, fronts: [] }), 'DEPLOY_INVALID_INPUT', 'fronts');
  assertCode(() => generateKeepalived({ ...k, self: 'front-z' }), 'DEPLOY_INVALID_INPUT', 'self');
  assertCode(() => generateKeepalived({ ...k, ports: { peer: 9735, metrics: 65536 } }), 'DEPLOY_INVALID_INPUT', 'ports.metrics');
  assertCode(() => generateKeepalived({ ...k, ports: { peer: 1.5, metrics: 9095 } }), 'DEPLOY_INVALID_INPUT', 'ports.peer');
  assertCode(() => generateKeepalived({ ...k, fronts: [{ ...FRONTS[0], priority: 255 }] }), 'DEPLOY_INVALID_INPUT', 'fronts[0].priority');
  assertCode(() => generateKeepalived({ ...k, fronts: [FRONTS[0], { ...FRONTS[1], priority: 150 }] }), 'DEPLOY_INVALID_INPUT', 'fronts (priorities)[1]');
  assertCode(() => generateKeepalived({ ...k, virtualRouterId: 0 }), 'DEPLOY_INVALID_INPUT', 'virtualRouterId');
  assertCode(() => generateKeepalived({ ...k, advertInt: 0.001 }), 'DEPLOY_INVALID_INPUT', 'advertInt');
  assertCode(() => generateKeepalived({ ...k, advertInt: 41 }), 'DEPLOY_INVALID_INPUT', 'advertInt');
  assertCode(() => generateKeepalived({ ...k, interface: 'eth0 dev lo' }), 'DEPLOY_INVALID_INPUT', 'interface');
  assertCode(() => generateKeepalived({ ...k, interface: 'averyveryverylongif' }), 'DEPLOY_INVALID_INPUT', 'interface');
  assertCode(() => generateKeepalived({ ...k, lvs: { kind: 'TUN' as 'DR' } }), 'DEPLOY_INVALID_INPUT', 'lvs.kind');
  assertCode(() => generateKeepalived({ ...k, hookCommand: '/usr/bin/x"; reboot' }), 'DEPLOY_INVALID_INPUT', 'hookCommand');
});

const keepalived = findTool('keepalived');

/** Runs `keepalived -t` on `text` with private pid files (DESIGN §12); returns the tool's output. */
function configTest(bin: string, text: string): { ok: boolean; output: string } {
  return withTempDir((dir) => {
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    const r = runTool(bin, ['-t', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'v.pid'), '-c', join(dir, 'c.pid')]);
    assert.equal(r.error, undefined);
    const output = `${r.stdout}${r.stderr}`.trim();
    return { ok: (r.status === 0 || r.signal === 'SIGTERM') && output === '', output };
  });
}

for (const [name, input, golden] of [['front-a', KEEPALIVED_A, a], ['front-b unicast', KEEPALIVED_B_UNICAST, b]] as const) {
  test(`keepalived -t accepts the ${name} config (config test only)`, (t) => {
    if (keepalived === undefined) return t.skip('keepalived not installed (Debian package keepalived)');
    const text = generateKeepalived({ ...input, scriptUser: 'nobody' });
    assert.equal(text.replace('script_user nobody', 'script_user lnfleet'), golden, 'only script_user differs from the golden file');
    const r = configTest(keepalived, text);
    assert.ok(r.ok, `keepalived -t complained:\n${r.output}`);
    const bad = configTest(keepalived, text.replace('lb_kind DR', 'lb_kind XX').replace('connect_port 9095', 'connect_port 99999'));
    assert.ok(!bad.ok, 'the negative control must fail');
    assert.match(bad.output, /routing method|outside range/);
  });
}
