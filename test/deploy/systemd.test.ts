/**
 * systemd units: the files in `systemd/` are the generator's output (golden), every hardening
 * directive has a comment, MemoryDenyWriteExecute is never set, and `systemd-analyze verify` accepts
 * the units.
 *
 * systemd is not PID 1 here; `systemd-analyze verify --man=no` still loads the units offline, checks
 * every directive and that the ExecStart binary (/usr/bin/node) exists and is executable on this host
 * (the CLI path inside /opt/lnfleet is an argument and is not checked). When /usr/bin/node is absent
 * the test skips, since verify would then fail for a reason that is not the unit's.
 *
 * Golden files: systemd/*.service; `UPDATE_GOLDEN=1` rewrites them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BIN } from '../../src/deploy/constants.js';
import { generateSystemdUnit, UNIT_FILE_NAMES } from '../../src/deploy/systemd.js';
import { assertCode, assertGolden, findTool, runTool, systemdUrl, withTempDir } from './helpers.js';

const UNITS = (['back', 'front', 'firstboot', 'board-front'] as const).map((u) => [UNIT_FILE_NAMES[u], generateSystemdUnit({ unit: u })] as const);

test('systemd/ holds the generated units', () => {
  for (const [name, text] of UNITS) assertGolden(systemdUrl(name), text);
});

/** Directives that restrict the process; each must be introduced by a comment line. */
const HARDENING = /^(User|Group|UMask|NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|Protect\w+|Private\w+|Restrict\w+|LockPersonality|SystemCall\w+|RemoveIPC|ReadWritePaths|StateDirectoryMode)=/;

test('every hardening line has a comment; never MemoryDenyWriteExecute', () => {
  for (const [name, text] of UNITS) {
    const lines = text.split('\n');
    lines.forEach((l, i) => {
      if (HARDENING.test(l)) assert.match(lines[i - 1] ?? '', /^# \S/, `${name}: "${l}" has no comment above it`);
    });
    assert.ok(!lines.some((l) => l.startsWith('MemoryDenyWriteExecute')), `${name} sets MemoryDenyWriteExecute`);
    assert.match(text, /^# .*MemoryDenyWriteExecute.*V8's JIT/m, `${name} explains why MemoryDenyWriteExecute is absent`);
    assert.match(text, /^NoNewPrivileges=yes$/m);
    assert.match(text, /^ProtectSystem=strict$/m);
  }
});

test('unit specifics: user, restart, capabilities, state dir, first-boot conditions', () => {
  const [back, front, first, boardFront] = UNITS.map(([, t]) => t) as [string, string, string, string];
  assert.match(front, /^ExecStart=\/usr\/bin\/node \/opt\/lnfleet\/dist\/src\/cli\/main\.js front --config \/etc\/lnfleet\/front\.conf$/m);
  assert.match(back, /^ExecStart=\/usr\/bin\/node \/opt\/lnfleet\/dist\/src\/cli\/main\.js back --config \/etc\/lnfleet\/back\.conf$/m);
  for (const t of [back, front]) {
    assert.match(t, /^User=lnfleet$/m);
    assert.match(t, /^Restart=on-failure$/m);
  }
  assert.match(front, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);
  assert.doesNotMatch(back, /^AmbientCapabilities/m);
  assert.match(back, /^CapabilityBoundingSet=$/m);
  assert.match(back, /^StateDirectory=lnfleet$/m);
  assert.match(first, /^Type=oneshot$/m);
  assert.match(first, /^ConditionPathExists=\/boot\/firmware\/lnfleet-bundle\.tar$/m);
  assert.match(first, /^ConditionPathExists=!\/var\/lib\/lnfleet-firstboot\/done$/m);
  assert.match(first, /^Before=keepalived\.service nftables\.service$/m);
  // The generic front orders itself after first boot and the firewall; the image's front does not, it
  // waits for the marker nftables' drop-in writes (and so never opens a port before the ruleset).
  assert.match(front, /^After=nftables\.service lnfleet-firstboot\.service$/m);
  assert.doesNotMatch(boardFront, /^(After|Before|Requires|Wants)=/m);
  assert.doesNotMatch(boardFront, /^Condition/m);
  assert.match(boardFront, /^ExecStart=\/usr\/bin\/node \/opt\/lnfleet\/dist\/src\/cli\/main\.js front --config \/etc\/lnfleet\/front\.conf --wait-for \/run\/lnfleet-firewall-loaded$/m);
  assert.equal(boardFront.replace(/^# .*\n/gm, '').replace(/^ExecStart=.*$/m, '').replace(/^Description=.*$/m, ''),
    front.replace(/^# .*\n/gm, '').replace(/^ExecStart=.*$/m, '').replace(/^After=.*\n/m, '').replace(/^Description=.*$/m, ''),
    'otherwise the same unit (user, sandbox, limits)');
  assert.match(first, /^ExecStart=\/usr\/bin\/node \/opt\/lnfleet\/dist\/src\/cli\/main\.js board firstboot /m);
  assertCode(() => generateSystemdUnit({ unit: 'sideways' as 'back' }), 'DEPLOY_INVALID_INPUT', 'unit');
});

const analyze = findTool('systemd-analyze');

test('systemd-analyze verify accepts the units', (t) => {
  if (analyze === undefined) return t.skip('systemd-analyze not installed (Debian package systemd)');
  if (!existsSync(NODE_BIN)) return t.skip(`${NODE_BIN} absent: verify checks that ExecStart's binary exists`);
  withTempDir((dir) => {
    const files = UNITS.map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
    const r = runTool(analyze, ['verify', '--man=no', ...files], dir);
    assert.equal(r.error, undefined);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze printed diagnostics');
    assert.equal(r.status, 0);
    // Negative control: a misspelt directive and a missing binary are reported.
    const bad = join(dir, 'lnfleet-bad.service');
    writeFileSync(bad, UNITS[0][1].replace('NoNewPrivileges=yes', 'NoNewPrivilegez=yes').replace(NODE_BIN, '/nonexistent/node'));
    const r2 = runTool(analyze, ['verify', '--man=no', bad], dir);
    assert.notEqual(r2.status, 0);
    assert.match(r2.stderr, /NoNewPrivilegez/);
  });
});
