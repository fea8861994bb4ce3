/**
 * @module board/board-indicator
 * `BoardIndicator`: drives the three LEDs and the status pin from the front's state, keepalived's
 * VRRP role and the health report, following the table in `states.ts`.
 *
 *   setState ─┐
 *   setVrrp  ─┼─> combineState (priority) ─> STATE_TABLE row ─> LED phase timers ─> GpioOutput.write
 *   setHealth ┘                                              └─> status pin
 *
 * Each LED runs its pattern as a chain of one-shot timers on the injected `Scheduler` (tests use a
 * virtual clock; the real one is unref'd). A pattern restarts only when it changes, so re-reporting the
 * same state every health interval does not make a blinking LED stutter. `board.gpio.active-low`
 * inverts the LEDs only: the status pin is a logic signal that is "held high while healthy".
 *
 * Does not: sample health (see `health.ts`), talk to keepalived (see `vrrp.ts`), or open GPIO itself
 * (the provider does; a host without GPIO gets dark outputs).
 */
import type { LoadedConfig } from '../config/index.js';
import { BoardError } from './errors.js';
import type { BoardLogger, GpioOutput, GpioProvider } from './indicator.js';
import { realScheduler, type Cancel, type Scheduler } from './scheduler.js';
import {
  BOARD_STATES, LEDS, STATE_TABLE, combineState, patternPhases, statusPinHigh,
  type BoardInputs, type BoardState, type FrontState, type Led, type LedPattern, type StateRow, type VrrpRole,
} from './states.js';

/** GPIO numbers of the board; an unset pin is simply not driven. */
export interface BoardPins {
  readonly ledOk?: number | undefined;
  readonly ledWarn?: number | undefined;
  readonly ledFault?: number | undefined;
  readonly statusPin?: number | undefined;
  /** LEDs light on a low output (`board.gpio.active-low`). */
  readonly activeLow: boolean;
}

/** The pin map from `board.gpio.*`. */
export function boardPinsFromConfig(config: Pick<LoadedConfig, 'get'>): BoardPins {
  return {
    ledOk: config.get('board.gpio.led-ok'),
    ledWarn: config.get('board.gpio.led-warn'),
    ledFault: config.get('board.gpio.led-fault'),
    statusPin: config.get('board.gpio.status-pin'),
    activeLow: config.get('board.gpio.active-low'),
  };
}

/** Options of `BoardIndicator`. */
export interface BoardIndicatorOptions {
  readonly provider: GpioProvider;
  readonly pins: BoardPins;
  /** Defaults to real unref'd timers. */
  readonly scheduler?: Scheduler;
  /** The state table; defaults to `STATE_TABLE` (tests and the sysfs check pass shorter periods). */
  readonly table?: Readonly<Record<BoardState, StateRow>>;
  /** Logs each change of the shown state at info level. */
  readonly log?: BoardLogger;
  /** Called after each change of the shown state (metrics, /healthz). */
  readonly onChange?: (state: BoardState, previous: BoardState | null) => void;
}

/** What the indicator currently shows and why. */
export interface BoardSnapshot extends BoardInputs {
  readonly state: BoardState;
  readonly statusHigh: boolean;
}

interface LedDriver {
  readonly out: GpioOutput;
  pattern: LedPattern | null;
  cancel: Cancel | null;
}

const LED_PIN_KEY = { ok: 'ledOk', warn: 'ledWarn', fault: 'ledFault' } as const satisfies Record<Led, keyof BoardPins>;

function checkPins(pins: BoardPins): void {
  const seen = new Map<number, string>();
  for (const key of ['ledOk', 'ledWarn', 'ledFault', 'statusPin'] as const) {
    const pin = pins[key];
    if (pin === undefined) continue;
    const other = seen.get(pin);
    if (other !== undefined) throw new BoardError('BOARD_PIN_CONFLICT', `GPIO ${pin} is configured for both ${other} and ${key}: give each a pin of its own (board.gpio.*)`);
    seen.set(pin, key);
  }
}

const samePattern = (a: LedPattern | null, b: LedPattern): boolean => a !== null && JSON.stringify(a) === JSON.stringify(b);

/** Drives LEDs and the status pin. Starts in `booting`; `close()` turns everything off and releases the pins. */
export class BoardIndicator {
  readonly #scheduler: Scheduler;
  readonly #table: Readonly<Record<BoardState, StateRow>>;
  readonly #activeLow: boolean;
  readonly #leds = new Map<Led, LedDriver>();
  readonly #status: GpioOutput | null;
  readonly #log: BoardLogger | undefined;
  readonly #onChange: BoardIndicatorOptions['onChange'];
  #inputs: BoardInputs = { front: 'booting', vrrp: null, health: null };
  #shown: BoardState | null = null;
  #closed = false;

  constructor(opts: BoardIndicatorOptions) {
    checkPins(opts.pins);
    this.#scheduler = opts.scheduler ?? realScheduler;
    this.#table = opts.table ?? STATE_TABLE;
    // Fail at start, not at the first blink, if a table row is malformed.
    for (const s of BOARD_STATES) for (const led of LEDS) patternPhases(this.#table[s][led]);
    this.#activeLow = opts.pins.activeLow;
    this.#log = opts.log;
    this.#onChange = opts.onChange;
    for (const led of LEDS) {
      const pin = opts.pins[LED_PIN_KEY[led]];
      if (pin !== undefined) this.#leds.set(led, { out: opts.provider.open(pin), pattern: null, cancel: null });
    }
    this.#status = opts.pins.statusPin === undefined ? null : opts.provider.open(opts.pins.statusPin);
    this.#apply();
  }

  /** The state shown now. */
  get state(): BoardState {
    return this.#shown ?? 'booting';
  }

  /** The shown state and the inputs behind it. */
  snapshot(): BoardSnapshot {
    return { ...this.#inputs, state: this.state, statusHigh: statusPinHigh(this.state) };
  }

  /** The front reports its own state (`vrrpMaster` only comes from `setVrrp`). */
  setState(state: FrontState): void {
    this.#update({ ...this.#inputs, front: state });
  }

  /** keepalived's role, from the notify hook through `/vrrp`. */
  setVrrp(role: VrrpRole): void {
    this.#update({ ...this.#inputs, vrrp: role });
  }

  /** The latest health evaluation (`HealthReport` fits). */
  setHealth(report: { readonly degraded: readonly string[]; readonly overTemperature: boolean }): void {
    this.#update({ ...this.#inputs, health: { degraded: report.degraded.length > 0, overTemperature: report.overTemperature } });
  }

  /** Stops every timer, turns LEDs off and the status pin low, and releases the pins. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const d of this.#leds.values()) {
      d.cancel?.();
      d.cancel = null;
      d.out.write(this.#physical(0));
      d.out.close();
    }
    this.#status?.write(0);
    this.#status?.close();
  }

  #update(inputs: BoardInputs): void {
    if (this.#closed) return;
    this.#inputs = inputs;
    this.#apply();
  }

  #apply(): void {
    const next = combineState(this.#inputs);
    if (next === this.#shown) return;
    const previous = this.#shown;
    this.#shown = next;
    const row = this.#table[next];
    for (const [led, d] of this.#leds) this.#start(d, row[led]);
    this.#status?.write(statusPinHigh(next) ? 1 : 0);
    this.#log?.info({ component: 'board', state: next, previous, ...this.#inputs }, 'board state');
    this.#onChange?.(next, previous);
  }

  #start(d: LedDriver, pattern: LedPattern): void {
    if (samePattern(d.pattern, pattern)) return;
    d.cancel?.();
    d.cancel = null;
    d.pattern = pattern;
    const phases = patternPhases(pattern);
    const step = (i: number): void => {
      const ph = phases[i]!;
      d.out.write(this.#physical(ph.level));
      if (Number.isFinite(ph.ms)) d.cancel = this.#scheduler.setTimeout(() => step((i + 1) % phases.length), ph.ms);
    };
    step(0);
  }

  #physical(level: 0 | 1): 0 | 1 {
    return this.#activeLow ? (level === 1 ? 0 : 1) : level;
  }
}
