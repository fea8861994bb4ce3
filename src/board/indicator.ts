/**
 * @module board/indicator
 * The GPIO seam: `GpioOutput`/`GpioProvider`, the real provider on `onoff` (sysfs GPIO), a dark
 * provider for hosts without GPIO, and `FakeGpioProvider` for tests.
 *
 * A host without GPIO is normal (VMs, the dev box, CI): when `/sys/class/gpio/export` is missing or an
 * export fails, the onoff provider logs ONE warning and hands out outputs that do nothing, so the front
 * runs the same everywhere. `onoff` (and its native `epoll` addon) is loaded lazily on the first `open`,
 * so a build without the addon only loses the LEDs.
 *
 * Does not: decide what to show (see `board-indicator.ts`), or read inputs (`watch()` is not used; it
 * needs epoll on real sysfs, DESIGN §12).
 */
import { createRequire } from 'node:module';
import type { Gpio } from 'onoff';

/** One GPIO configured as an output. Values are physical levels (active-low is the caller's job). */
export interface GpioOutput {
  /** Drives the pin to `value`. Never throws for a missing pin (a dark output ignores writes). */
  write(value: 0 | 1): void;
  /** Releases the pin (sysfs unexport). Further writes are ignored. */
  close(): void;
}

/** Opens GPIO outputs by number (Linux GPIO number as in `/sys/class/gpio/gpioN`). */
export interface GpioProvider {
  open(pin: number): GpioOutput;
}

/** The little a provider logs; a pino `Logger` fits. */
export interface BoardLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** An output that does nothing: the pin is absent or GPIO is unavailable. */
export const DARK_OUTPUT: GpioOutput = Object.freeze({ write: () => {}, close: () => {} });

/** A provider for hosts without GPIO, or when `board.gpio.enabled` is false: every output is dark. */
export const darkGpioProvider: GpioProvider = Object.freeze({ open: () => DARK_OUTPUT });

/** What the onoff provider needs of the `onoff` module (injectable: tests simulate missing GPIO). */
export interface OnoffModule {
  readonly Gpio: typeof Gpio;
}

const loadOnoff = (): OnoffModule => createRequire(import.meta.url)('onoff') as OnoffModule;

/**
 * The real provider: `new Gpio(pin, 'out', 'none', { activeLow: false })`. `activeLow: false` is explicit
 * because a pin exported earlier may still carry `active_low=1` in the kernel, which would silently
 * invert our levels; inversion is done in `BoardIndicator` instead, so the value file holds the
 * physical level. On the first problem (module missing, no `/sys/class/gpio`, export failing) it logs
 * once and every later `open` returns a dark output without retrying.
 */
export class OnoffGpioProvider implements GpioProvider {
  readonly #log: BoardLogger;
  readonly #load: () => OnoffModule;
  #module: OnoffModule | undefined;
  #warned = false;

  constructor(log: BoardLogger, load: () => OnoffModule = loadOnoff) {
    this.#log = log;
    this.#load = load;
  }

  /** True once a problem was logged (the LEDs are dark from then on). */
  get unavailable(): boolean {
    return this.#warned;
  }

  open(pin: number): GpioOutput {
    if (this.#warned) return DARK_OUTPUT;
    let gpio: Gpio;
    try {
      this.#module ??= this.#load();
      if (!this.#module.Gpio.accessible) {
        return this.#off({ pin }, 'no GPIO on this host (/sys/class/gpio/export not writable): LEDs and status pin stay off');
      }
      // Edge 'none': onoff applies an edge only to inputs; the typings want it before the options.
      gpio = new this.#module.Gpio(pin, 'out', 'none', { activeLow: false });
    } catch (e) {
      return this.#off({ pin, err: (e as Error).message }, 'cannot open GPIO: LEDs and status pin stay off');
    }
    return onoffOutput(gpio, pin, (obj, msg) => this.#warnOnce(obj, msg));
  }

  #off(obj: object, msg: string): GpioOutput {
    this.#warnOnce(obj, msg);
    return DARK_OUTPUT;
  }

  #warnOnce(obj: object, msg: string): void {
    if (this.#warned) return;
    this.#warned = true;
    this.#log.warn({ component: 'board', ...obj }, msg);
  }
}

function onoffOutput(gpio: Gpio, pin: number, warn: (obj: object, msg: string) => void): GpioOutput {
  let open = true;
  return {
    write(value) {
      if (!open) return;
      try {
        gpio.writeSync(value);
      } catch (e) {
        warn({ pin, err: (e as Error).message }, 'GPIO write failed');
      }
    },
    close() {
      if (!open) return;
      open = false;
      try {
        gpio.unexport();
      } catch (e) {
        warn({ pin, err: (e as Error).message }, 'GPIO unexport failed');
      }
    },
  };
}

/** The provider for a front: onoff when `board.gpio.enabled`, otherwise dark. */
export function createGpioProvider(enabled: boolean, log: BoardLogger): GpioProvider {
  return enabled ? new OnoffGpioProvider(log) : darkGpioProvider;
}

/** One recorded write of the fake. */
export interface FakeWrite {
  readonly pin: number;
  readonly value: 0 | 1;
  /** Clock reading at the write (the clock given to the fake; tests pass the virtual scheduler's). */
  readonly at: number;
}

/**
 * FAKE GPIO, for tests only: stands in for LED/status hardware we do not have in CI. It records every
 * write with a timestamp, which pins are open and which were released. It does not model electrical
 * behaviour, sysfs, or active-low (the real path is tested against a fake sysfs with real onoff).
 */
export class FakeGpioProvider implements GpioProvider {
  /** Every write, in order. */
  readonly writes: FakeWrite[] = [];
  readonly #now: () => number;
  readonly #open = new Set<number>();
  readonly #closed = new Set<number>();
  readonly #values = new Map<number, 0 | 1>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  open(pin: number): GpioOutput {
    if (this.#open.has(pin)) throw new Error(`fake GPIO ${pin} opened twice`);
    this.#open.add(pin);
    this.#closed.delete(pin);
    let open = true;
    return {
      write: (value) => {
        if (!open) throw new Error(`fake GPIO ${pin} written after close`);
        this.writes.push({ pin, value, at: this.#now() });
        this.#values.set(pin, value);
      },
      close: () => {
        if (!open) return;
        open = false;
        this.#open.delete(pin);
        this.#closed.add(pin);
      },
    };
  }

  /** Last value written to `pin`, or undefined if never written. */
  value(pin: number): 0 | 1 | undefined {
    return this.#values.get(pin);
  }

  /** Pins currently open. */
  get openPins(): readonly number[] {
    return [...this.#open].sort((a, b) => a - b);
  }

  /** Pins that were opened and then closed. */
  get closedPins(): readonly number[] {
    return [...this.#closed].sort((a, b) => a - b);
  }
}
