/**
 * @module board/scheduler
 * The clock and timers the board code runs on, injectable so tests drive time without waiting.
 *
 * `realScheduler` uses `setTimeout` with `unref()`: an LED blink or a health sample must never be the
 * reason a process stays alive after its real work stopped. `ManualScheduler` is a virtual clock for
 * tests and simulations: `advance(ms)` runs every timer that falls due, in time order, at its due time.
 *
 * Does not: guarantee precision (LED phases tolerate drift of tens of ms), or run anything periodic by
 * itself (callers re-arm one-shot timers, so a stopped component leaves no interval behind).
 */

/** Cancels a scheduled callback; calling it after the callback ran, or twice, is harmless. */
export type Cancel = () => void;

/** A clock plus one-shot timers. */
export interface Scheduler {
  /** Milliseconds on a monotonic-enough clock (only differences are used). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): Cancel;
}

/** Real timers, unref'd so they never keep the process alive. */
export const realScheduler: Scheduler = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A virtual clock for tests: time moves only through `advance`. Timers due at the same instant run in
 * the order they were scheduled; a timer scheduled by a running timer runs in the same `advance` if it
 * falls due within it.
 */
export class ManualScheduler implements Scheduler {
  #now: number;
  #seq = 0;
  #pending: Pending[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  /** Current virtual time (ms). */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at `now() + ms` (negative delays count as 0, like Node). */
  setTimeout(fn: () => void, ms: number): Cancel {
    const entry: Pending = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#pending.push(entry);
    return () => {
      this.#pending = this.#pending.filter((p) => p !== entry);
    };
  }

  /** Number of timers not yet run (tests check that `close()`/`stop()` leave none). */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Moves the clock forward by `ms`, running due timers at their own due time. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(end);
      if (next === undefined) break;
      this.#pending = this.#pending.filter((p) => p !== next);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }

  #nextDue(end: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.#pending) {
      if (p.at > end) continue;
      if (best === undefined || p.at < best.at || (p.at === best.at && p.seq < best.seq)) best = p;
    }
    return best;
  }
}
