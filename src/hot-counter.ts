/**
 * @module hot-counter
 * A Prometheus counter for the per-message hot path (every peer message on a front, every link message on
 * the backend). `prom-client`'s `inc(labels)` hashes the label object on every call (sorted keys joined
 * into a string, ≈ 2–3 µs on the dev machine, two or more per forwarded message); here a message costs
 * one `Map` lookup on a number or an interned string, and the labels are built only when `/metrics` is
 * scraped (`collect`).
 *
 * Two directions (`in`, `out`) and one key per message type; `label` turns a key into the bounded
 * `type` label (several keys may share one label: their counts add up).
 * Does not: keep anything but counts, or bound the number of keys (callers pass bounded keys: a
 * message type number ≤ 65535 or a link message name).
 */
import { Counter, type Registry } from 'prom-client';

/** A `direction`/`type` counter incremented without label hashing. */
export class DirectionTypeCounter<K> {
  readonly #in = new Map<K, number>();
  readonly #out = new Map<K, number>();

  constructor(registry: Registry, name: string, help: string, label: (key: K) => string) {
    const counts = { in: this.#in, out: this.#out };
    new Counter({
      name,
      help,
      labelNames: ['direction', 'type'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const direction of ['in', 'out'] as const) {
          for (const [key, n] of counts[direction]) this.inc({ direction, type: label(key) }, n);
        }
      },
    });
  }

  /** Counts one message of `key` in `direction`. */
  inc(direction: 'in' | 'out', key: K): void {
    const m = direction === 'in' ? this.#in : this.#out;
    m.set(key, (m.get(key) ?? 0) + 1);
  }
}
