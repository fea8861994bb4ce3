/**
 * The REAL onoff provider against a fake sysfs: a child Node process in a private mount namespace
 * mounts a tmpfs over /sys/class, builds gpio/{export,unexport,gpioN/{direction,value,edge,active_low}}
 * and drives `BoardIndicator` through booting → serving → searchingBackend → vrrpMaster → fault → close
 * with short real blink periods, sampling the value files (fixtures/sysfs-child.ts). This test asserts
 * the sampled sequence and that nothing leaked into the host's /sys. Needs root (skipped otherwise).
 *
 * Timing: the child samples every 5 ms over 100–400 ms windows. Assertions count toggles with wide
 * margins (≥ 2 where ~8 are expected) and never depend on when exactly a phase boundary fell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./fixtures/sysfs-child.js', import.meta.url));
/** GPIO numbers of the fake board (a Raspberry Pi-like header: 17, 27, 22, 23). */
const PINS = { ok: 17, warn: 27, fault: 22, status: 23 } as const;
/** Upper bound for the child (ms): it needs ~1.1 s of sampling plus Node start-up. */
const CHILD_TIMEOUT_MS = 30_000;
const UNSHARE = ['--mount', '--propagation', 'private', '--'];

type Runs = [string, number][];
interface ChildOutput {
  phases: { name: string; samples: Runs }[];
  final: string;
  direction: Record<string, string>;
  activeLow: Record<string, string>;
  unexport: string;
  lateLine: { beforeReady: boolean; value: string; direction: string; activeLow: string };
  warnings: string[];
  ownNs: string;
}

/** Why the test cannot run here, or null. */
function cannotRun(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for a private mount namespace';
  const probe = spawnSync('unshare', [...UNSHARE, 'true'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `unshare not available (${probe.error.message}); install util-linux`;
  if (probe.status !== 0) return `unshare --mount not permitted here: ${probe.stderr.trim()}`;
  return null;
}

/** Position of the levels string: ok, warn, fault, status. */
const LED = { ok: 0, warn: 1, fault: 2, status: 3 } as const;
const valuesOf = (runs: Runs, which: keyof typeof LED): Set<string> => new Set(runs.map(([v]) => v[LED[which]]!));
const toggles = (runs: Runs, which: keyof typeof LED): number => {
  const seq = runs.map(([v]) => v[LED[which]]!);
  return seq.filter((c, i) => i > 0 && c !== seq[i - 1]).length;
};

test('real onoff on a fake sysfs: value files follow the states; nothing leaks into /sys', (t) => {
  const why = cannotRun();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const hadGpio = existsSync('/sys/class/gpio');
  const parentMntNs = readlinkSync('/proc/self/ns/mnt');
  const r = spawnSync('unshare', [...UNSHARE, process.execPath, CHILD, JSON.stringify({ parentMntNs, pins: PINS })], {
    encoding: 'utf8', timeout: CHILD_TIMEOUT_MS,
  });
  assert.equal(r.status, 0, `child failed (${r.status} ${r.signal ?? ''}): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as ChildOutput;
  assert.notEqual(out.ownNs, parentMntNs, 'the child ran in its own mount namespace');
  assert.deepEqual(out.warnings, [], 'onoff opened every pin');
  const phase = (name: string): Runs => out.phases.find((p) => p.name === name)!.samples;

  // booting: lamp test, status low.
  assert.deepEqual(phase('booting').map(([v]) => v), ['1110']);
  // serving: ok lit, status pin high the whole time.
  assert.deepEqual(phase('serving').map(([v]) => v), ['1001']);
  // searchingBackend: warn blinks (80 ms period over 400 ms ≈ 10 toggles), status low throughout.
  const search = phase('searchingBackend');
  assert.deepEqual(valuesOf(search, 'status'), new Set(['0']));
  assert.deepEqual(valuesOf(search, 'ok'), new Set(['0']));
  assert.ok(toggles(search, 'warn') >= 2, `warn toggled ${toggles(search, 'warn')} times: ${JSON.stringify(search)}`);
  // vrrpMaster: ok winks, status high throughout.
  const master = phase('vrrpMaster');
  assert.deepEqual(valuesOf(master, 'status'), new Set(['1']));
  assert.ok(toggles(master, 'ok') >= 2, `ok toggled ${toggles(master, 'ok')} times: ${JSON.stringify(master)}`);
  // fault: red only, status '0'.
  assert.deepEqual(phase('fault').map(([v]) => v), ['0010']);
  // close(): everything off, pins released through onoff's unexport.
  assert.equal(out.final, '0000');
  assert.ok(Object.values(PINS).map(String).includes(out.unexport.trim()), `unexport got ${JSON.stringify(out.unexport)}`);
  // onoff configured each pin as an output and reset a stale active_low (we invert in BoardIndicator).
  for (const pin of Object.values(PINS)) {
    assert.equal(out.direction[pin], 'out', `gpio${pin}/direction`);
    assert.equal(out.activeLow[pin], '0', `gpio${pin}/active_low`);
  }
  // A line exported by the provider itself: open() returned before the kernel made gpioN, the level
  // written meanwhile landed once it existed, configured as an output with active_low reset.
  assert.deepEqual(out.lateLine, { beforeReady: false, value: '1', direction: 'out', activeLow: '0' });

  // Private mount: the host's /sys is untouched.
  assert.equal(existsSync('/sys/class/gpio'), hadGpio);
  for (const pin of Object.values(PINS)) assert.equal(existsSync(`/sys/class/gpio/gpio${pin}`), false, `gpio${pin} leaked`);
  assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), /lnfleet-fake-sysfs/);
});

test('the child refuses to mount outside a private namespace', (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root for a private mount namespace');
    return;
  }
  const parentMntNs = readlinkSync('/proc/self/ns/mnt');
  const r = spawnSync(process.execPath, [CHILD, JSON.stringify({ parentMntNs, pins: PINS })], { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS });
  assert.equal(r.status, 3);
  assert.match(r.stderr, /refusing: not in a private mount namespace/);
  assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), /lnfleet-fake-sysfs/);
});
