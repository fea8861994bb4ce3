/**
 * Tests of `BoardIndicator` and the state table on the fake GPIO and a virtual clock: every state's LED
 * levels over a timeline (blink phases written out by hand, not derived from the code under test), the
 * status pin, the priority combination, active-low, close(), and the onoff provider's "log once, stay
 * dark" behaviour with a stand-in module. No real time passes: the ManualScheduler drives every blink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  BOARD_STATES, BoardError, BoardIndicator, FakeGpioProvider, ManualScheduler, OnoffGpioProvider, STATE_TABLE, VRRP_ROLES,
  combineState, describeStateTable, statusPinHigh, type BoardLogger, type BoardState, type FrontState, type OnoffModule,
  type StateRow, type VrrpRole, type GpioSysfs, GPIO_EXPORT_POLL_MS, GPIO_EXPORT_TIMEOUT_MS,
} from '../../src/board/index.js';
import { createLogger } from '../../src/log.js';

const PINS = { ledOk: 17, ledWarn: 27, ledFault: 22, statusPin: 23 } as const;

function rig(activeLow = false) {
  const sched = new ManualScheduler(1000);
  const gpio = new FakeGpioProvider(() => sched.now());
  const changes: BoardState[] = [];
  const ind = new BoardIndicator({ provider: gpio, pins: { ...PINS, activeLow }, scheduler: sched, onChange: (s) => changes.push(s) });
  const levels = () => ({
    ok: gpio.value(PINS.ledOk), warn: gpio.value(PINS.ledWarn), fault: gpio.value(PINS.ledFault), status: gpio.value(PINS.statusPin),
  });
  return { sched, gpio, ind, levels, changes };
}

/** Puts the indicator into `state` the way the front and keepalived would. */
function drive(ind: BoardIndicator, state: BoardState): void {
  if (state === 'booting') return;
  if (state === 'vrrpMaster') {
    ind.setState('serving');
    ind.setVrrp('MASTER');
    return;
  }
  ind.setState(state);
}

type L = 0 | 1;
/** [ms after entering the state, ok, warn, fault, status]: expected *logical* levels (active-high wiring). */
type Row = readonly [number, L, L, L, L];
const TIMELINES: Record<BoardState, readonly Row[]> = {
  booting: [[0, 1, 1, 1, 0], [5000, 1, 1, 1, 0]],
  // warn blinks 1000 ms: lit 0-499, dark 500-999.
  searchingBackend: [[0, 0, 1, 0, 0], [499, 0, 1, 0, 0], [500, 0, 0, 0, 0], [999, 0, 0, 0, 0], [1000, 0, 1, 0, 0], [2600, 0, 0, 0, 0]],
  // ok blinks 500 ms.
  syncing: [[0, 1, 0, 0, 0], [249, 1, 0, 0, 0], [250, 0, 0, 0, 0], [500, 1, 0, 0, 0], [1750, 0, 0, 0, 0]],
  serving: [[0, 1, 0, 0, 1], [10_000, 1, 0, 0, 1]],
  // ok winks: lit 0-1849, dark 1850-1999 of every 2000 ms.
  vrrpMaster: [[0, 1, 0, 0, 1], [1849, 1, 0, 0, 1], [1850, 0, 0, 0, 1], [1999, 0, 0, 0, 1], [2000, 1, 0, 0, 1], [3900, 0, 0, 0, 1]],
  degraded: [[0, 0, 1, 0, 0], [10_000, 0, 1, 0, 0]],
  fault: [[0, 0, 0, 1, 0], [10_000, 0, 0, 1, 0]],
  // warn double-blinks: flash 0-149, dark 150-299, flash 300-449, dark 450-1499, every 1500 ms.
  overTemperature: [
    [0, 0, 1, 0, 0], [149, 0, 1, 0, 0], [150, 0, 0, 0, 0], [300, 0, 1, 0, 0], [449, 0, 1, 0, 0], [450, 0, 0, 0, 0],
    [1499, 0, 0, 0, 0], [1500, 0, 1, 0, 0], [1800, 0, 1, 0, 0], [1950, 0, 0, 0, 0],
  ],
};

for (const state of BOARD_STATES) {
  test(`timeline: ${state} shows the documented LED pattern and status pin`, () => {
    const { sched, ind, levels } = rig();
    drive(ind, state);
    assert.equal(ind.state, state);
    const t0 = sched.now();
    for (const [at, ok, warn, fault, status] of TIMELINES[state]) {
      sched.advance(t0 + at - sched.now());
      assert.deepEqual(levels(), { ok, warn, fault, status }, `${state} at +${at} ms`);
    }
    ind.close();
  });
}

test('the fake records every write with its timestamp (searchingBackend: a warn write every 500 ms)', () => {
  const { sched, gpio, ind } = rig();
  const from = gpio.writes.length;
  ind.setState('searchingBackend');
  const t0 = sched.now();
  sched.advance(2000);
  const warn = gpio.writes.slice(from).filter((w) => w.pin === PINS.ledWarn).map((w) => [w.at - t0, w.value]);
  assert.deepEqual(warn, [[0, 1], [500, 0], [1000, 1], [1500, 0], [2000, 1]]);
});

test('re-reporting the same state does not restart a blink; an LED with the same pattern is not rewritten', () => {
  const { sched, gpio, ind } = rig();
  ind.setState('searchingBackend');
  const t0 = sched.now();
  sched.advance(300);
  const before = gpio.writes.length;
  ind.setState('searchingBackend');
  assert.equal(gpio.writes.length, before);
  sched.advance(200); // t0 + 500: the original phase boundary still holds
  assert.equal(gpio.value(PINS.ledWarn), 0);
  assert.equal(gpio.writes.at(-1)!.at, t0 + 500);
  // serving → vrrpMaster: the ok LED restarts (wink), fault LED stays off without a new write.
  ind.setState('serving');
  const faultWrites = gpio.writes.filter((w) => w.pin === PINS.ledFault).length;
  ind.setVrrp('MASTER');
  assert.equal(gpio.writes.filter((w) => w.pin === PINS.ledFault).length, faultWrites);
});

type Health = { readonly degraded: boolean; readonly overTemperature: boolean } | null;
const HEALTH: readonly Health[] = [null, { degraded: false, overTemperature: false }, { degraded: true, overTemperature: false }, { degraded: true, overTemperature: true }];
const FRONT_STATES = BOARD_STATES.filter((s): s is FrontState => s !== 'vrrpMaster');

test('priority table: explicit combinations', () => {
  const rows: [FrontState, VrrpRole | null, Health | undefined, BoardState][] = [
    ['booting', null, null, 'booting'],
    ['serving', null, null, 'serving'],
    ['serving', 'BACKUP', HEALTH[1], 'serving'],
    ['serving', 'MASTER', HEALTH[1], 'vrrpMaster'],
    ['syncing', 'MASTER', null, 'syncing'], // MASTER counts only while serving
    ['serving', 'FAULT', null, 'degraded'],
    ['serving', 'MASTER', HEALTH[2], 'degraded'],
    ['searchingBackend', null, HEALTH[2], 'degraded'],
    ['serving', 'MASTER', HEALTH[3], 'overTemperature'],
    ['degraded', null, HEALTH[3], 'overTemperature'],
    ['fault', 'MASTER', HEALTH[3], 'fault'],
    ['overTemperature', 'MASTER', HEALTH[1], 'overTemperature'],
  ];
  for (const [front, vrrp, health, want] of rows) {
    assert.equal(combineState({ front, vrrp, health: health ?? null }), want, JSON.stringify({ front, vrrp, health }));
  }
});

test('status pin is high exactly when serving (or master) and healthy, over every combination', () => {
  const { ind, levels } = rig();
  for (const front of FRONT_STATES) {
    for (const vrrp of [null, ...VRRP_ROLES]) {
      for (const health of HEALTH) {
        const want = front === 'serving' && vrrp !== 'FAULT' && health?.degraded !== true && health?.overTemperature !== true;
        const shown = combineState({ front, vrrp, health });
        assert.equal(statusPinHigh(shown), want, JSON.stringify({ front, vrrp, health, shown }));
        if (vrrp !== null) {
          ind.setState(front);
          ind.setVrrp(vrrp);
          ind.setHealth(health === null ? { degraded: [], overTemperature: false } : { degraded: health.degraded ? ['load: x'] : [], overTemperature: health.overTemperature });
          assert.equal(levels().status, want ? 1 : 0, JSON.stringify({ front, vrrp, health }));
        }
      }
    }
  }
  const high = BOARD_STATES.filter((s) => STATE_TABLE[s].status === 1);
  assert.deepEqual(high, ['serving', 'vrrpMaster']);
});

test('active-low inverts the LEDs only; the status pin stays active-high', () => {
  const { ind, levels, sched } = rig(true);
  assert.deepEqual(levels(), { ok: 0, warn: 0, fault: 0, status: 0 }); // booting: all lit = all low
  ind.setState('serving');
  assert.deepEqual(levels(), { ok: 0, warn: 1, fault: 1, status: 1 });
  ind.setState('searchingBackend');
  assert.equal(levels().warn, 0); // lit
  sched.advance(500);
  assert.equal(levels().warn, 1); // dark
  ind.close();
  assert.deepEqual(levels(), { ok: 1, warn: 1, fault: 1, status: 0 }); // all dark, status low
});

test('close() stops the timers, turns everything off, releases every pin, and later calls are ignored', () => {
  const { sched, gpio, ind, levels } = rig();
  ind.setState('serving');
  ind.setVrrp('MASTER');
  assert.ok(sched.pendingCount > 0);
  assert.deepEqual(gpio.openPins, [17, 22, 23, 27]);
  ind.close();
  assert.equal(sched.pendingCount, 0);
  assert.deepEqual(levels(), { ok: 0, warn: 0, fault: 0, status: 0 });
  assert.deepEqual(gpio.openPins, []);
  assert.deepEqual(gpio.closedPins, [17, 22, 23, 27]);
  const n = gpio.writes.length;
  ind.setState('fault'); // the fake throws on a write after close; nothing must be written
  ind.close();
  sched.advance(10_000);
  assert.equal(gpio.writes.length, n);
});

test('unset pins are not opened; a pin used twice is refused with BOARD_PIN_CONFLICT', () => {
  const gpio = new FakeGpioProvider();
  const ind = new BoardIndicator({ provider: gpio, pins: { statusPin: 5, activeLow: false }, scheduler: new ManualScheduler() });
  assert.deepEqual(gpio.openPins, [5]);
  ind.setState('serving');
  assert.equal(gpio.value(5), 1);
  ind.close();
  assert.throws(
    () => new BoardIndicator({ provider: new FakeGpioProvider(), pins: { ledOk: 4, statusPin: 4, activeLow: false } }),
    (e: unknown) => e instanceof BoardError && e.code === 'BOARD_PIN_CONFLICT' && /GPIO 4 .*ledOk.*statusPin/.test(e.message),
  );
});

test('a malformed table is refused at construction with BOARD_BAD_PATTERN', () => {
  const table: Record<BoardState, StateRow> = { ...STATE_TABLE, syncing: { ...STATE_TABLE.syncing, ok: { kind: 'blink', periodMs: 10 } } };
  assert.throws(
    () => new BoardIndicator({ provider: new FakeGpioProvider(), pins: { ledOk: 1, activeLow: false }, table }),
    (e: unknown) => e instanceof BoardError && e.code === 'BOARD_BAD_PATTERN',
  );
});

test('onChange and snapshot report the shown state and its inputs', () => {
  const { ind, changes } = rig();
  ind.setState('syncing');
  ind.setState('serving');
  ind.setVrrp('MASTER');
  ind.setHealth({ degraded: ['memory: 95 %'], overTemperature: false });
  assert.deepEqual(changes, ['booting', 'syncing', 'serving', 'vrrpMaster', 'degraded']);
  assert.deepEqual(ind.snapshot(), {
    front: 'serving', vrrp: 'MASTER', health: { degraded: true, overTemperature: false }, state: 'degraded', statusHigh: false,
  });
});

test('docs/board.md carries the state table exactly as describeStateTable() prints it', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/board.md', import.meta.url)), 'utf8');
  assert.ok(doc.includes(describeStateTable()), 'regenerate the table in docs/board.md from `lnfleet board status`');
});

// ── the onoff provider, with a stand-in for the onoff module ──

function logSink(): BoardLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (_o, m) => lines.push(m), info: () => {} };
}

/** Stand-in sysfs steps (the provider must not touch the real /sys in unit tests). */
const NO_SYSFS: GpioSysfs = {
  exported: () => { throw new Error('sysfs touched'); },
  export: () => Promise.reject(new Error('sysfs touched')),
  writable: () => { throw new Error('sysfs touched'); },
};
const EXPORTED: GpioSysfs = { ...NO_SYSFS, exported: () => true };

test('onoff provider: no /sys/class/gpio → one warning, dark outputs, no exports', () => {
  const log = logSink();
  let constructed = 0;
  const mod = { Gpio: class { static accessible = false; constructor() { constructed++; } } } as unknown as OnoffModule;
  const provider = new OnoffGpioProvider(log, { load: () => mod, sysfs: NO_SYSFS });
  const ind = new BoardIndicator({ provider, pins: { ...PINS, activeLow: false }, scheduler: new ManualScheduler() });
  ind.setState('searchingBackend');
  ind.close();
  assert.equal(constructed, 0);
  assert.equal(log.lines.length, 1);
  assert.match(log.lines[0]!, /no GPIO on this host/);
  assert.equal(provider.unavailable, true);
});

test('onoff provider: a module that fails to load or an export that throws → one warning, then dark', () => {
  const log = logSink();
  const p1 = new OnoffGpioProvider(log, { load: () => { throw new Error('epoll.node: cannot open shared object file'); }, sysfs: NO_SYSFS });
  p1.open(1).write(1);
  p1.open(2).write(1);
  assert.deepEqual(log.lines, ['cannot open GPIO: LEDs and status pin stay off']);

  const log2 = logSink();
  const calls: string[] = [];
  const mod = {
    Gpio: class {
      static accessible = true;
      constructor(pin: number, dir: string, edge: string, opts: { activeLow: boolean }) {
        if (pin === 13) throw new Error('EBUSY');
        calls.push(`new ${pin} ${dir} ${edge} activeLow=${opts.activeLow}`);
      }
      writeSync(v: number) { calls.push(`write ${v}`); }
      unexport() { calls.push('unexport'); }
    },
  } as unknown as OnoffModule;
  const p2 = new OnoffGpioProvider(log2, { load: () => mod, sysfs: EXPORTED });
  const a = p2.open(12);
  a.write(1);
  a.close();
  a.close();
  a.write(0); // ignored after close
  p2.open(13).write(1); // fails: logs once, dark from now on
  p2.open(14).write(1);
  assert.deepEqual(calls, ['new 12 out none activeLow=false', 'write 1', 'unexport']);
  assert.deepEqual(log2.lines, ['cannot open GPIO: LEDs and status pin stay off']);
});

test('the real onoff module on a host without GPIO: one JSON warning through pino, dark LEDs', (t) => {
  if (existsSync('/sys/class/gpio/export')) {
    t.skip('this host has sysfs GPIO; not exporting real pins from a unit test');
    return;
  }
  const lines: string[] = [];
  const log = createLogger('front', 'info', { write: (l: string) => { lines.push(l); } });
  const provider = new OnoffGpioProvider(log); // the pino Logger fits BoardLogger
  const ind = new BoardIndicator({ provider, pins: { ...PINS, activeLow: false }, scheduler: new ManualScheduler() });
  ind.setState('serving');
  ind.close();
  assert.equal(provider.unavailable, true);
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]!) as { level: number; component: string; msg: string; pin: number };
  assert.equal(entry.component, 'board');
  assert.equal(entry.level, 40); // pino warn
  assert.match(entry.msg, /no GPIO on this host/);
});

/** A stand-in onoff that records what it is asked to do. */
function recordingOnoff(calls: string[]): OnoffModule {
  return {
    Gpio: class {
      static accessible = true;
      readonly #pin: number;
      constructor(pin: number, dir: string) { this.#pin = pin; calls.push(`new ${pin} ${dir}`); }
      writeSync(v: number) { calls.push(`write ${this.#pin} ${v}`); }
      unexport() { calls.push(`unexport ${this.#pin}`); }
    },
  } as unknown as OnoffModule;
}

/** Stand-in sysfs: exports are recorded; a line turns writable when the test says udev has run. */
function slowUdev() {
  const exported = new Set<number>();
  const writable = new Set<number>();
  const sysfs: GpioSysfs = {
    exported: (pin) => exported.has(pin),
    export: async (pin) => { exported.add(pin); },
    writable: (pin) => writable.has(pin),
  };
  return { sysfs, exported, writable };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

/** The onoff provider over a stand-in onoff and a slow udev, on a virtual clock. */
function exportRig(log: BoardLogger = logSink()) {
  const calls: string[] = [];
  const sched = new ManualScheduler();
  const udev = slowUdev();
  const provider = new OnoffGpioProvider(log, { load: () => recordingOnoff(calls), sysfs: udev.sysfs, scheduler: sched });
  return { calls, sched, udev, provider };
}

test('onoff provider: a line not exported yet is exported without blocking; writes wait for udev, the last one lands', async () => {
  const { calls, sched, udev, provider } = exportRig();
  const out = provider.open(17);
  out.write(1);
  out.write(0);
  out.write(1);
  assert.deepEqual(calls, [], 'onoff is not asked before the line is ready');
  await flush();
  assert.deepEqual([...udev.exported], [17], 'the export was written');
  sched.advance(GPIO_EXPORT_POLL_MS * 3);
  assert.deepEqual(calls, [], 'still waiting for udev');
  udev.writable.add(17);
  let settled = false;
  const done = provider.settled().then(() => { settled = true; });
  await flush();
  assert.equal(settled, false);
  sched.advance(GPIO_EXPORT_POLL_MS);
  await done;
  assert.deepEqual(calls, ['new 17 out', 'write 17 1'], 'configured once, then only the last level');
  out.write(0);
  out.close();
  assert.deepEqual(calls.slice(2), ['write 17 0', 'unexport 17']);
});

test('onoff provider: closed before udev ran → the line is released when it becomes ready, never driven', async () => {
  const { calls, sched, udev, provider } = exportRig();
  const out = provider.open(27);
  out.write(1);
  out.close();
  out.write(1);
  await flush();
  udev.writable.add(27);
  sched.advance(GPIO_EXPORT_POLL_MS);
  await provider.settled();
  assert.deepEqual(calls, ['new 27 out', 'unexport 27']);
});

test('onoff provider: udev never hands the line over → one warning after the timeout, dark from then on', async () => {
  const log = logSink();
  const { calls, sched, udev, provider } = exportRig(log);
  provider.open(22).write(1);
  provider.open(23).write(1);
  await flush();
  sched.advance(GPIO_EXPORT_TIMEOUT_MS + GPIO_EXPORT_POLL_MS);
  await provider.settled();
  assert.deepEqual(calls, []);
  assert.deepEqual(log.lines, ['cannot open GPIO: LEDs and status pin stay off']);
  assert.equal(provider.unavailable, true);
  provider.open(24).write(1);
  assert.deepEqual([...udev.exported], [22, 23], 'nothing exported after the warning');
});

test('onoff provider: a failing export write → one warning, dark', async () => {
  const log = logSink();
  const sysfs: GpioSysfs = { exported: () => false, export: () => Promise.reject(new Error('EINVAL')), writable: () => true };
  const calls: string[] = [];
  const provider = new OnoffGpioProvider(log, { load: () => recordingOnoff(calls), sysfs, scheduler: new ManualScheduler() });
  provider.open(5).write(1);
  await provider.settled();
  assert.deepEqual(calls, []);
  assert.deepEqual(log.lines, ['cannot open GPIO: LEDs and status pin stay off']);
});
