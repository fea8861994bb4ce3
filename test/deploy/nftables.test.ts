/**
 * nftables generator: golden files for both roles, the rules that DESIGN §6–7 require, input
 * validation by error code, and `nft -c -f` (check only: parses and validates against the kernel,
 * applies nothing) on the generated text.
 *
 * Golden files: test/deploy/golden/nftables-*.nft. After an intended change run the suite with
 * `UPDATE_GOLDEN=1` (e.g. `UPDATE_GOLDEN=1 node scripts/run-tests.mjs test/deploy`) and review the diff.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateNftables } from '../../src/deploy/nftables.js';
import { assertCode, assertGolden, findTool, goldenUrl, isRoot, NFT_BACK, NFT_FRONT, runTool, withTempDir } from './helpers.js';

const back = generateNftables(NFT_BACK);
const front = generateNftables(NFT_FRONT);

test('nftables golden files', () => {
  assertGolden(goldenUrl('nftables-back.nft'), back);
  assertGolden(goldenUrl('nftables-front.nft'), front);
});

test('backend: 9735 only on loopback, link only from fronts, API/metrics/ssh only from admins', () => {
  const rules = back.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(rules.includes('iifname "lo" accept'));
  assert.ok(!rules.some((r) => /dport 9735\b.*accept/.test(r)), 'no accept rule for 9735 on the backend');
  assert.ok(rules.includes('tcp dport 9735 counter'));
  assert.ok(rules.includes('ip saddr @fronts_v4 tcp dport 25520 accept'));
  assert.equal(rules.filter((r) => r.includes('25520')).length, 1, 'the link port appears in exactly one rule');
  assert.ok(rules.includes('ip saddr @admins_v4 tcp dport { 8080, 9095 } accept'));
  assert.ok(rules.includes('ip6 saddr @admins_v6 tcp dport { 8080, 9095 } accept'));
  assert.ok(rules.includes('ip saddr @admins_v4 tcp dport 22 accept'));
  assert.ok(rules.includes('type filter hook input priority filter; policy drop;'));
  assert.ok(rules.includes('ct state established,related accept'));
  assert.equal(rules.at(-3), 'counter drop', 'the last rule of input drops with a counter');
  assert.match(back, /log prefix "lnfleet-drop: "/);
  assert.match(back, /^table inet lnfleet\ndelete table inet lnfleet$/m, 'recreates only its own table');
  assert.doesNotMatch(back, /flush ruleset/);
});

test('front: 9735 open, VRRP and mDNS from the subnet, metrics from admins and fronts, no link input', () => {
  const rules = front.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(rules.includes('tcp dport 9735 accept'));
  assert.ok(rules.includes('ip saddr 203.0.113.0/24 meta l4proto 112 accept'));
  assert.ok(rules.includes('ip saddr 203.0.113.0/24 ip daddr 224.0.0.251 udp dport 5353 accept'));
  assert.ok(rules.includes('ip saddr @admins_v4 tcp dport 9095 accept'));
  assert.ok(rules.includes('ip saddr @fronts_v4 tcp dport 9095 accept'));
  assert.ok(!rules.some((r) => r.includes('25520')), 'the link is outbound only on a front');
  assert.ok(!rules.some((r) => r.includes('8080')), 'no API on a front');
});

test('ssh can be closed; the table name is configurable', () => {
  const t = generateNftables({ ...NFT_BACK, ports: { ...NFT_BACK.ports, ssh: null }, table: 'lnf2' });
  assert.doesNotMatch(t, /dport 22 /);
  assert.match(t, /^table inet lnf2 \{$/m);
});

test('nftables input validation names the field', () => {
  assertCode(() => generateNftables({ ...NFT_BACK, fronts: [] }), 'DEPLOY_INVALID_INPUT', 'fronts');
  assertCode(() => generateNftables({ ...NFT_BACK, admins: [] }), 'DEPLOY_INVALID_INPUT', 'admins');
  assertCode(() => generateNftables({ ...NFT_BACK, ports: { ...NFT_BACK.ports, link: 70000 } }), 'DEPLOY_INVALID_INPUT', 'ports.link');
  assertCode(() => generateNftables({ ...NFT_BACK, ports: { ...NFT_BACK.ports, api: 0 } }), 'DEPLOY_INVALID_INPUT', 'ports.api');
  assertCode(() => generateNftables({ ...NFT_BACK, ports: { ...NFT_BACK.ports, api: 9095 } }), 'DEPLOY_INVALID_INPUT');
  assertCode(() => generateNftables({ ...NFT_BACK, fronts: [{ name: 'x', address: '10.9.9.9', priority: 1 }] }), 'DEPLOY_INVALID_INPUT', 'fronts[0].address');
  assertCode(() => generateNftables({ ...NFT_BACK, admins: ['192.0.2.5/24'] }), 'DEPLOY_INVALID_INPUT', 'admins[0]');
  assertCode(() => generateNftables({ ...NFT_BACK, admins: ['not-an-ip'] }), 'DEPLOY_INVALID_INPUT', 'admins[0]');
  assertCode(() => generateNftables({ ...NFT_BACK, subnet: '203.0.113.0/33' }), 'DEPLOY_INVALID_INPUT', 'subnet');
  assertCode(() => generateNftables({ ...NFT_BACK, table: 'x; flush ruleset' }), 'DEPLOY_INVALID_INPUT', 'table');
  assertCode(() => generateNftables({ ...NFT_BACK, role: 'middle' as 'back' }), 'DEPLOY_INVALID_INPUT', 'role');
});

const nft = findTool('nft');
for (const [role, text] of [['back', back], ['front', front]] as const) {
  test(`nft -c -f accepts the ${role} ruleset (check only, nothing applied)`, (t) => {
    if (nft === undefined) return t.skip('nft not installed (Debian package nftables)');
    if (!isRoot()) return t.skip('nft -c needs root (netlink) and we are not root');
    withTempDir((dir) => {
      const file = join(dir, `${role}.nft`);
      writeFileSync(file, text);
      const r = runTool(nft, ['-c', '-f', file]);
      assert.equal(r.error, undefined);
      assert.equal(r.stderr, '', 'nft printed diagnostics');
      assert.equal(r.status, 0);
      // Negative control: the same check rejects a broken file, so a pass above means something.
      writeFileSync(file, text.replace('counter drop', 'counter dorp'));
      const bad = runTool(nft, ['-c', '-f', file]);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /Error/);
    });
  });
}

test('overlapping admin prefixes still load (auto-merge)', (t) => {
  if (nft === undefined) return t.skip('nft not installed (Debian package nftables)');
  if (!isRoot()) return t.skip('nft -c needs root (netlink) and we are not root');
  const text = generateNftables({ ...NFT_BACK, admins: ['192.0.2.0/28', '192.0.2.5', '2001:db8::/32', '2001:db8::1'] });
  withTempDir((dir) => {
    const file = join(dir, 'overlap.nft');
    writeFileSync(file, text);
    const r = runTool(nft, ['-c', '-f', file]);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });
});
