/**
 * @module gossip/counted-set
 * A set whose members are added and removed by reference count: `add` n times and the member stays until
 * `remove` n times. The gossip code tracks node keys this way for announcements that are in flight (the
 * verification pipeline's FIFO, the router's channels accepted but awaiting their graph event): a node
 * named by two such channels stays known until both are gone.
 * Does not: check that `remove` matches an earlier `add` (callers remove only what they added).
 */
export class CountedSet<K> {
  readonly #counts = new Map<K, number>();

  /** Counts one more reference to `key`. */
  add(key: K): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** Drops one reference to `key`; the key leaves the set with its last one. */
  remove(key: K): void {
    const left = (this.#counts.get(key) ?? 0) - 1;
    if (left <= 0) this.#counts.delete(key);
    else this.#counts.set(key, left);
  }

  /** Whether any reference to `key` is left. */
  has(key: K): boolean {
    return this.#counts.has(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#counts.clear();
  }
}
