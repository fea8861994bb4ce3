/**
 * @module board/states
 * What the board shows: the states, their LED patterns and status-pin level in ONE `as const` table,
 * the priority that combines the front's state, keepalived's VRRP role and the health report into the
 * one state shown, and the pure pattern → phase arithmetic (DESIGN §7 "Health", §8).
 *
 * LEDs: `ok` (green, "serving"), `warn` (amber, "waiting/degraded"), `fault` (red). The status pin is
 * read by an external watchdog: high only in `serving` and `vrrpMaster`. Because `degraded`,
 * `overTemperature` and `fault` outrank both, "status high" always means "serving AND healthy".
 * docs/board.md holds the same table (a test checks it matches `describeStateTable()`).
 *
 * Pure: no GPIO, no timers. Levels here are *logical* (1 = LED lit); active-low wiring is applied by
 * `BoardIndicator`.
 */
import { assertNever } from '../errors.js';
import {
  DOUBLE_BLINK_FLASH_MS, DOUBLE_BLINK_PERIOD_MS, FAST_BLINK_MS, MIN_PHASE_MS, SLOW_BLINK_MS, WINK_OFF_MS,
  WINK_PERIOD_MS,
} from './constants.js';
import { BoardError } from './errors.js';

/** Every state a board can show, in lifecycle order. */
export const BOARD_STATES = [
  'booting', 'searchingBackend', 'syncing', 'serving', 'vrrpMaster', 'degraded', 'fault', 'overTemperature',
] as const;
/** One board state. */
export type BoardState = (typeof BOARD_STATES)[number];

/** States the front process reports itself; `vrrpMaster` comes only from keepalived (`setVrrp`). */
export type FrontState = Exclude<BoardState, 'vrrpMaster'>;

/** keepalived's roles, as its notify hooks name them. */
export const VRRP_ROLES = ['MASTER', 'BACKUP', 'FAULT'] as const;
/** One VRRP role. */
export type VrrpRole = (typeof VRRP_ROLES)[number];

/** Highest priority first: when several states apply, the first one in this list is shown. */
export const STATE_PRIORITY = [
  'fault', 'overTemperature', 'degraded', 'vrrpMaster', 'serving', 'syncing', 'searchingBackend', 'booting',
] as const satisfies readonly BoardState[];

/** How one LED behaves. Levels are logical: 1 = lit. */
export type LedPattern =
  | { readonly kind: 'off' }
  | { readonly kind: 'on' }
  /** 50 % duty: lit for half of `periodMs`, dark for the other half. */
  | { readonly kind: 'blink'; readonly periodMs: number }
  /** Two flashes of `flashMs` separated by `flashMs` dark, then dark for the rest of `periodMs`. */
  | { readonly kind: 'doubleBlink'; readonly periodMs: number; readonly flashMs: number }
  /** Lit except for one dark blip of `offMs` at the end of each `periodMs`. */
  | { readonly kind: 'wink'; readonly periodMs: number; readonly offMs: number };

/** The LEDs a board has. */
export const LEDS = ['ok', 'warn', 'fault'] as const;
/** One LED. */
export type Led = (typeof LEDS)[number];

/** One row of the state table. */
export interface StateRow {
  readonly ok: LedPattern;
  readonly warn: LedPattern;
  readonly fault: LedPattern;
  /** Level of the status pin (not affected by `board.gpio.active-low`). */
  readonly status: 0 | 1;
  /** What the operator should read from it. */
  readonly meaning: string;
}

const OFF = { kind: 'off' } as const;
const ON = { kind: 'on' } as const;

/** The one table: state → LED patterns, status pin, meaning. */
export const STATE_TABLE = {
  booting: { ok: ON, warn: ON, fault: ON, status: 0, meaning: 'process starting; all LEDs on doubles as a lamp test' },
  searchingBackend: {
    ok: OFF, warn: { kind: 'blink', periodMs: SLOW_BLINK_MS }, fault: OFF, status: 0,
    meaning: 'no backend link yet: discovering or redialling the backend (check the backend and the LAN)',
  },
  syncing: {
    ok: { kind: 'blink', periodMs: FAST_BLINK_MS }, warn: OFF, fault: OFF, status: 0,
    meaning: 'linked to the backend, loading the gossip graph; not accepting peers yet',
  },
  serving: { ok: ON, warn: OFF, fault: OFF, status: 1, meaning: 'serving peers, healthy, VRRP backup' },
  vrrpMaster: {
    ok: { kind: 'wink', periodMs: WINK_PERIOD_MS, offMs: WINK_OFF_MS }, warn: OFF, fault: OFF, status: 1,
    meaning: 'serving, healthy, and holding the VIP (keepalived MASTER)',
  },
  degraded: {
    ok: OFF, warn: ON, fault: OFF, status: 0,
    meaning: 'load, memory or disk above its threshold, or keepalived reports FAULT (see `lnfleet board status`)',
  },
  fault: { ok: OFF, warn: OFF, fault: ON, status: 0, meaning: 'the front failed; see its log' },
  overTemperature: {
    ok: OFF, warn: { kind: 'doubleBlink', periodMs: DOUBLE_BLINK_PERIOD_MS, flashMs: DOUBLE_BLINK_FLASH_MS },
    fault: OFF, status: 0, meaning: 'CPU above board.health.max-cpu-temp-c: check cooling and airflow',
  },
} as const satisfies Record<BoardState, StateRow>;

/** Inputs that decide the shown state. */
export interface BoardInputs {
  /** What the front process says about itself. */
  readonly front: FrontState;
  /** keepalived's last role, or null before the first notify. */
  readonly vrrp: VrrpRole | null;
  /** The last health evaluation, or null before the first sample. */
  readonly health: { readonly degraded: boolean; readonly overTemperature: boolean } | null;
}

/**
 * The state shown for `inputs`: the highest-priority candidate in `STATE_PRIORITY`. Candidates are the
 * front's own state; `vrrpMaster` if keepalived says MASTER *and* the front serves (a board that holds
 * the VIP but cannot serve shows why it cannot; its track script will move the VIP); `degraded` if
 * keepalived says FAULT or health is degraded; `overTemperature` if health says so.
 */
export function combineState(inputs: BoardInputs): BoardState {
  const candidates = new Set<BoardState>([inputs.front]);
  if (inputs.vrrp === 'MASTER' && inputs.front === 'serving') candidates.add('vrrpMaster');
  if (inputs.vrrp === 'FAULT') candidates.add('degraded');
  if (inputs.health?.degraded === true) candidates.add('degraded');
  if (inputs.health?.overTemperature === true) candidates.add('overTemperature');
  return STATE_PRIORITY.find((s) => candidates.has(s)) ?? inputs.front;
}

/** True if the status pin is high in `state` (serving or VIP master, which implies healthy). */
export function statusPinHigh(state: BoardState): boolean {
  return STATE_TABLE[state].status === 1;
}

/** One phase of a pattern: hold `level` for `ms` (Infinity = steady). */
export interface Phase {
  readonly level: 0 | 1;
  readonly ms: number;
}

/** The repeating phases of `p`, starting at the pattern's start. Throws `BOARD_BAD_PATTERN` if malformed. */
export function patternPhases(p: LedPattern): readonly Phase[] {
  let phases: Phase[];
  switch (p.kind) {
    case 'off': return [{ level: 0, ms: Infinity }];
    case 'on': return [{ level: 1, ms: Infinity }];
    case 'blink':
      phases = [{ level: 1, ms: p.periodMs / 2 }, { level: 0, ms: p.periodMs / 2 }];
      break;
    case 'doubleBlink':
      phases = [
        { level: 1, ms: p.flashMs }, { level: 0, ms: p.flashMs }, { level: 1, ms: p.flashMs },
        { level: 0, ms: p.periodMs - 3 * p.flashMs },
      ];
      break;
    case 'wink':
      phases = [{ level: 1, ms: p.periodMs - p.offMs }, { level: 0, ms: p.offMs }];
      break;
    default: return assertNever(p, 'LED pattern');
  }
  const bad = phases.find((ph) => !Number.isFinite(ph.ms) || ph.ms < MIN_PHASE_MS);
  if (bad !== undefined) {
    throw new BoardError('BOARD_BAD_PATTERN', `${JSON.stringify(p)} has a phase of ${bad.ms} ms; every phase must be ≥ ${MIN_PHASE_MS} ms`);
  }
  return phases;
}

/** Logical level of pattern `p` at `t` ms after it started (for tests and `board status`). */
export function levelAt(p: LedPattern, t: number): 0 | 1 {
  const phases = patternPhases(p);
  const period = phases.reduce((a, ph) => a + ph.ms, 0);
  if (!Number.isFinite(period)) return phases[0]!.level;
  let x = ((t % period) + period) % period;
  for (const ph of phases) {
    if (x < ph.ms) return ph.level;
    x -= ph.ms;
  }
  return phases[phases.length - 1]!.level;
}

/** Human text of a pattern, e.g. `blink 1000 ms`. */
export function describePattern(p: LedPattern): string {
  switch (p.kind) {
    case 'off': return 'off';
    case 'on': return 'on';
    case 'blink': return `blink ${p.periodMs} ms`;
    case 'doubleBlink': return `double blink every ${p.periodMs} ms (${p.flashMs} ms flashes)`;
    case 'wink': return `on, dark ${p.offMs} ms every ${p.periodMs} ms`;
    default: return assertNever(p, 'LED pattern');
  }
}

/** The state table as Markdown, in priority order (the source of the table in docs/board.md). */
export function describeStateTable(): string {
  const rows = STATE_PRIORITY.map((s, i) => {
    const r: StateRow = STATE_TABLE[s];
    return `| ${i + 1} | \`${s}\` | ${describePattern(r.ok)} | ${describePattern(r.warn)} | ${describePattern(r.fault)} | ${r.status === 1 ? 'high' : 'low'} | ${r.meaning} |`;
  });
  return [
    '| priority | state | ok (green) | warn (amber) | fault (red) | status pin | meaning |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
