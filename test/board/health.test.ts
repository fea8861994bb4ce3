/**
 * Tests of board health: each threshold crossing gives `degraded` with the right reason, over-
 * temperature, unknown temperature and disk, the periodic monitor on a virtual clock (no overlap, a
 * failing source keeps the last report), the real sysfs/procfs sample's shape and its thermal-zone choice, and the board
 * gauges on a prom-client registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import {
  HealthMonitor, ManualScheduler, evaluateHealth, registerBoardMetrics, systemHealthSource, thresholdsFromConfig,
  type BoardState, type HealthReport, type HealthSample,
} from '../../src/board/index.js';
import { parseConfig } from '../../src/config/index.js';

const T = { maxCpuTempC: 80, maxLoadPerCpu: 2, maxMemPercent: 90, maxDiskPercent: 90 } as const;
const CALM: HealthSample = { cpuTempC: 50, load1: 1, cpus: 4, memUsedRatio: 0.5, diskUsedRatio: 0.5 };

test('thresholds come from board.health.* (defaults and overrides)', () => {
  const c = parseConfig({ role: 'dev', env: { LNFLEET_CONF: 'board.health.max-load=1.5;board.health.max-disk-percent=75' } });
  assert.deepEqual(thresholdsFromConfig(c), { maxCpuTempC: 80, maxLoadPerCpu: 1.5, maxMemPercent: 90, maxDiskPercent: 75 });
});

test('each threshold crossing degrades with its own reason; at the limit is still fine', () => {
  const rows: [string, Partial<HealthSample>, RegExp | null, boolean][] = [
    ['calm', {}, null, false],
    ['temp at limit', { cpuTempC: 80 }, null, false],
    ['temp above', { cpuTempC: 80.5 }, /^cpuTemp: 80\.5 °C > 80 °C$/, true],
    ['load at limit (8 on 4 CPUs)', { load1: 8 }, null, false],
    ['load above', { load1: 8.4 }, /^load: 2\.10 per CPU > 2$/, false],
    ['load on 1 CPU', { load1: 2.5, cpus: 1 }, /^load: 2\.50 per CPU > 2$/, false],
    ['memory at limit', { memUsedRatio: 0.9 }, null, false],
    ['memory above', { memUsedRatio: 0.95 }, /^memory: 95\.0 % used > 90 %$/, false],
    ['disk above', { diskUsedRatio: 0.97 }, /^disk: 97\.0 % of \/ used > 90 %$/, false],
  ];
  for (const [name, patch, reason, overTemp] of rows) {
    const r = evaluateHealth({ ...CALM, ...patch }, T);
    assert.equal(r.ok, reason === null, name);
    assert.equal(r.overTemperature, overTemp, name);
    if (reason === null) assert.deepEqual(r.degraded, [], name);
    else {
      assert.equal(r.degraded.length, 1, name);
      assert.match(r.degraded[0]!, reason, name);
    }
  }
});

test('several crossings list every reason, in a fixed order', () => {
  const r = evaluateHealth({ cpuTempC: 90, load1: 20, cpus: 4, memUsedRatio: 0.99, diskUsedRatio: 0.99 }, T);
  assert.deepEqual(r.degraded.map((d) => d.split(':')[0]), ['cpuTemp', 'load', 'memory', 'disk']);
  assert.equal(r.temperature, 'high');
  assert.equal(r.overTemperature, true);
});

test('unknown temperature (VMs) and unknown disk are not failures', () => {
  const r = evaluateHealth({ ...CALM, cpuTempC: null, diskUsedRatio: null }, T);
  assert.equal(r.ok, true);
  assert.equal(r.temperature, 'unknown');
  assert.equal(r.overTemperature, false);
});

test('monitor: samples at start then every interval, never overlapping; stop() leaves no timer', async () => {
  const sched = new ManualScheduler();
  const feed = [CALM, { ...CALM, memUsedRatio: 0.99 }, { ...CALM, cpuTempC: 95 }];
  let calls = 0;
  let release: (() => void) | null = null;
  const reports: HealthReport[] = [];
  const m = new HealthMonitor({
    thresholds: T, intervalMs: 5000, scheduler: sched, onReport: (r) => reports.push(r),
    source: async () => {
      const s = feed[Math.min(calls++, feed.length - 1)]!;
      if (calls === 2) await new Promise<void>((res) => { release = res; }); // second sample is slow
      return s;
    },
  });
  const flush = () => new Promise((r) => setImmediate(r));
  m.start();
  m.start(); // idempotent
  await flush();
  assert.equal(calls, 1);
  assert.equal(m.latest?.ok, true);
  sched.advance(4999);
  await flush();
  assert.equal(calls, 1);
  sched.advance(1);
  await flush();
  assert.equal(calls, 2);
  sched.advance(60_000); // the slow sample has not finished: nothing new is scheduled
  await flush();
  assert.equal(calls, 2);
  release!();
  await flush();
  assert.deepEqual(m.latest?.degraded.map((d) => d.split(':')[0]), ['memory']);
  sched.advance(5000);
  await flush();
  assert.equal(calls, 3);
  assert.equal(m.latest?.overTemperature, true);
  m.stop();
  assert.equal(sched.pendingCount, 0);
  assert.equal(reports.length, 3);
});

test('monitor: a failing source logs once per streak and keeps the last report', async () => {
  const sched = new ManualScheduler();
  const warnings: string[] = [];
  let fail = false;
  const m = new HealthMonitor({
    thresholds: T, intervalMs: 1000, scheduler: sched, log: { warn: (_o, msg) => warnings.push(msg), info: () => {} },
    source: async () => { if (fail) throw new Error('df: not found'); return CALM; },
  });
  const flush = () => new Promise((r) => setImmediate(r));
  m.start();
  await flush();
  fail = true;
  for (let i = 0; i < 3; i++) { sched.advance(1000); await flush(); }
  assert.equal(warnings.length, 1);
  assert.equal(m.latest?.ok, true);
  fail = false;
  sched.advance(1000); await flush();
  fail = true;
  sched.advance(1000); await flush();
  assert.equal(warnings.length, 2);
  m.stop();
});

test('the real sysfs/procfs sample has numbers in range (temperature may be unknown)', async () => {
  const s = await systemHealthSource()();
  assert.ok(s.cpuTempC === null || (Number.isFinite(s.cpuTempC) && s.cpuTempC > -50 && s.cpuTempC < 150), `cpuTempC ${s.cpuTempC}`);
  assert.ok(Number.isFinite(s.load1) && s.load1 >= 0);
  assert.ok(Number.isInteger(s.cpus) && s.cpus >= 1);
  assert.ok(s.memUsedRatio > 0 && s.memUsedRatio < 1, `memUsedRatio ${s.memUsedRatio}`);
  assert.ok(s.diskUsedRatio === null || (s.diskUsedRatio >= 0 && s.diskUsedRatio <= 1), `diskUsedRatio ${s.diskUsedRatio}`);
  const r = evaluateHealth(s, T);
  assert.equal(typeof r.ok, 'boolean');
  assert.ok(Array.isArray(r.degraded));
});

test('the real source reads the CPU thermal zone (not the first zone), in °C, and skips broken sensors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-thermal-'));
  try {
    const zone = (n: number, type: string, temp: string) => {
      mkdirSync(join(dir, `thermal_zone${n}`));
      writeFileSync(join(dir, `thermal_zone${n}`, 'type'), `${type}\n`);
      writeFileSync(join(dir, `thermal_zone${n}`, 'temp'), `${temp}\n`);
    };
    zone(0, 'acpitz', '27800');
    zone(1, 'x86_pkg_temp', '999999');
    zone(2, 'cpu-thermal', '52125');
    assert.equal((await systemHealthSource(dir)()).cpuTempC, 52.125);
    rmSync(join(dir, 'thermal_zone2'), { recursive: true });
    assert.equal((await systemHealthSource(dir)()).cpuTempC, 27.8, 'no sane CPU zone: the first readable zone');
    assert.equal((await systemHealthSource(join(dir, 'missing'))()).cpuTempC, null, 'no thermal zones: unknown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('board gauges: read at scrape time; unknown values are absent; one state is 1', async () => {
  const registry = new Registry();
  let health: HealthReport | null = null;
  let state: BoardState = 'booting';
  registerBoardMetrics(registry, { health: () => health, state: () => state });
  const scrape = async () => registry.metrics();
  let text = await scrape();
  assert.match(text, /^lnfleet_board_state\{state="booting"\} 1$/m);
  assert.match(text, /^lnfleet_board_state\{state="serving"\} 0$/m);
  assert.doesNotMatch(text, /^lnfleet_board_load1 /m);
  health = evaluateHealth({ cpuTempC: null, load1: 0.25, cpus: 4, memUsedRatio: 0.5, diskUsedRatio: 0.125 }, T);
  state = 'vrrpMaster';
  text = await scrape();
  assert.match(text, /^lnfleet_board_load1 0\.25$/m);
  assert.match(text, /^lnfleet_board_mem_used_ratio 0\.5$/m);
  assert.match(text, /^lnfleet_board_disk_used_ratio 0\.125$/m);
  assert.doesNotMatch(text, /^lnfleet_board_cpu_temp_celsius /m);
  assert.match(text, /^lnfleet_board_state\{state="vrrpMaster"\} 1$/m);
  assert.equal([...text.matchAll(/^lnfleet_board_state\{.*\} 1$/gm)].length, 1);
  health = evaluateHealth({ ...CALM, cpuTempC: 61.5 }, T);
  assert.match(await scrape(), /^lnfleet_board_cpu_temp_celsius 61\.5$/m);
});
