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
 * Exporting a line that is not exported yet does not block: `open` returns at once, the export is
 * written asynchronously, and the line is configured once udev has handed its files to the service
 * user (`60-lnfleet-gpio.rules`); writes made meanwhile are kept and the last one is applied then.
 * onoff itself busy-waits for those permissions inside its constructor, which held the front's start
 * (and its peer port) for seconds on an emulated board (docs/boards.md "Boot time").
 *
 * Does not: decide what to show (see `board-indicator.ts`), or read inputs (`watch()` is not used; it
 * needs epoll on real sysfs, DESIGN §12).
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Gpio } from 'onoff';
import { realScheduler, type Scheduler } from './scheduler.js';

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
  /**
   * Resolves when every line opened so far is driven or given up on (an export may still wait for
   * udev). A short-lived process that writes levels and exits awaits this first.
   */
  settled?(): Promise<void>;
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

/** The sysfs steps the provider takes itself before handing a line to onoff (injectable for tests). */
export interface GpioSysfs {
  /** True when `/sys/class/gpio/gpioN` exists (exported earlier, e.g. by a previous run). */
  exported(pin: number): boolean;
  /** Writes N to `/sys/class/gpio/export`. */
  export(pin: number): Promise<void>;
  /** True when the service user can open the files onoff writes for an output (udev has run). */
  writable(pin: number): boolean;
}

const GPIO_ROOT = '/sys/class/gpio';
/** The files onoff opens to configure and drive an output. */
const OUTPUT_FILES = ['value', 'direction', 'active_low'] as const;

/** The real sysfs. */
export const realGpioSysfs: GpioSysfs = {
  exported: (pin) => existsSync(`${GPIO_ROOT}/gpio${pin}`),
  export: (pin) => writeFile(`${GPIO_ROOT}/export`, String(pin)),
  writable: (pin) => OUTPUT_FILES.every((f) => {
    try {
      closeSync(openSync(`${GPIO_ROOT}/gpio${pin}/${f}`, 'r+'));
      return true;
    } catch {
      return false;
    }
  }),
};

/** How often an exported line is checked for udev's permissions, and for how long (ms). */
export const GPIO_EXPORT_POLL_MS = 25;
export const GPIO_EXPORT_TIMEOUT_MS = 10_000;

/** Injected parts of the onoff provider; every field defaults to the real thing. */
export interface OnoffProviderParts {
  readonly load?: () => OnoffModule;
  readonly sysfs?: GpioSysfs;
  readonly scheduler?: Scheduler;
}

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
  readonly #sysfs: GpioSysfs;
  readonly #scheduler: Scheduler;
  #module: OnoffModule | undefined;
  #warned = false;
  /** Lines still being exported: each promise resolves once the line is driven or given up on. */
  readonly #exports = new Set<Promise<void>>();

  constructor(log: BoardLogger, parts: OnoffProviderParts = {}) {
    this.#log = log;
    this.#load = parts.load ?? loadOnoff;
    this.#sysfs = parts.sysfs ?? realGpioSysfs;
    this.#scheduler = parts.scheduler ?? realScheduler;
  }

  async settled(): Promise<void> {
    // The poll timers are unref'd (they must not keep a front alive); this wait keeps the process up.
    const keep = setTimeout(() => {}, GPIO_EXPORT_TIMEOUT_MS + 1000);
    try {
      while (this.#exports.size > 0) await Promise.all(this.#exports);
    } finally {
      clearTimeout(keep);
    }
  }

  /** True once a problem was logged (the LEDs are dark from then on). */
  get unavailable(): boolean {
    return this.#warned;
  }

  open(pin: number): GpioOutput {
    if (this.#warned) return DARK_OUTPUT;
    let mod: OnoffModule;
    try {
      mod = this.#module ??= this.#load();
      if (!mod.Gpio.accessible) {
        return this.#off({ pin }, 'no GPIO on this host (/sys/class/gpio/export not writable): LEDs and status pin stay off');
      }
      if (this.#sysfs.exported(pin)) return this.#output(mod, pin);
    } catch (e) {
      return this.#off({ pin, err: (e as Error).message }, 'cannot open GPIO: LEDs and status pin stay off');
    }
    return this.#exporting(mod, pin);
  }

  /** onoff's output on `pin`, its write and unexport failures logged once. */
  #output(mod: OnoffModule, pin: number): GpioOutput {
    return onoffOutput(newOutput(mod, pin), pin, (obj, msg) => this.#warnOnce(obj, msg));
  }

  /** An output for a line being exported: writes are kept until the line is ready, then the last is applied. */
  #exporting(mod: OnoffModule, pin: number): GpioOutput {
    let real: GpioOutput | undefined;
    let last: 0 | 1 | undefined;
    let closed = false;
    let done!: () => void;
    const pending = new Promise<void>((resolve) => { done = resolve; });
    this.#exports.add(pending);
    const finish = () => {
      this.#exports.delete(pending);
      done();
    };
    const fail = (e: unknown) => {
      this.#warnOnce({ pin, err: (e as Error).message }, 'cannot open GPIO: LEDs and status pin stay off');
      finish();
    };
    const attach = () => {
      try {
        real = this.#output(mod, pin);
      } catch (e) {
        return fail(e);
      }
      if (closed) real.close();
      else if (last !== undefined) real.write(last);
      finish();
    };
    const deadline = this.#scheduler.now() + GPIO_EXPORT_TIMEOUT_MS;
    const poll = () => {
      if (this.#sysfs.writable(pin)) return attach();
      if (this.#scheduler.now() >= deadline) {
        return fail(new Error(`gpio${pin} not writable ${GPIO_EXPORT_TIMEOUT_MS} ms after export (is 60-lnfleet-gpio.rules installed?)`));
      }
      this.#scheduler.setTimeout(poll, GPIO_EXPORT_POLL_MS);
    };
    this.#sysfs.export(pin).then(poll, fail);
    return {
      write(value) {
        if (closed) return;
        if (real === undefined) last = value;
        else real.write(value);
      },
      close() {
        if (closed) return;
        closed = true;
        real?.close(); // not ready yet: attach() releases the line when it is
      },
    };
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

/** onoff's output on a line (exported here if needed; onoff then waits for its files). */
function newOutput(mod: OnoffModule, pin: number): Gpio {
  // Edge 'none': onoff applies an edge only to inputs; the typings want it before the options.
  return new mod.Gpio(pin, 'out', 'none', { activeLow: false });
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
