/**
 * @module gossip/slab
 * Where the front's graph copy keeps raw gossip bytes: messages are copied back to back into large
 * slabs and kept as (ref, length) numbers, handed out as views (`subarray`) only when read, instead of
 * one `ArrayBuffer` (or one view object) per message. A separate
 * buffer per message costs an ArrayBuffer object, a C++ backing store and a malloc block each
 * (≈ 200 bytes over a 136-byte channel_update; a kept view alone ≈ 70 bytes of heap) and fragments the native heap; with ≈ 170 k messages for
 * mainnet that overhead was larger than the gossip itself (bench `front-rss-mainnet`).
 *
 * Replaced messages leave dead bytes behind in their slab; the owner counts them (`release`) and
 * rebuilds into fresh slabs when they outweigh the live ones (`wantsCompaction`). A slab is freed by GC
 * once no view into it is left.
 *
 * Does not: know message types, or free anything itself.
 */

/**
 * Bytes per slab: 1 MiB. Large enough that per-slab overhead vanishes (≈ 7,000 updates per slab), small
 * enough that the last, partly used slab wastes little and that one compaction step allocates in small
 * steps.
 */
export const SLAB_BYTES = 1 << 20;
/**
 * Dead bytes that never trigger a compaction: 8 MiB. Below this the waste is small against a front's
 * budget (150 MB RSS for mainnet), and a small graph is never rebuilt for a handful of updates.
 */
export const COMPACT_MIN_DEAD_BYTES = 8 << 20;

/** No message: the `ref` of an absent update or node announcement. */
export const NO_REF = -1;

/**
 * An append-only arena of byte slabs with live/dead accounting. A stored message is a `ref` (slab index ×
 * `SLAB_BYTES` + offset, a small integer) and its length; `view` gives the bytes without copying.
 */
export class Slabs {
  #list: Uint8Array[] = [];
  #used = SLAB_BYTES;
  #live = 0;
  #dead = 0;

  /** Bytes of live messages (stored and not released). */
  get liveBytes(): number {
    return this.#live;
  }

  /** Bytes of released messages still taking slab space. */
  get deadBytes(): number {
    return this.#dead;
  }

  /** Copies `b` (at most `SLAB_BYTES`; gossip is ≤ 65,535) into the arena; returns its ref. */
  copy(b: Uint8Array): number {
    const n = b.length;
    if (n > SLAB_BYTES) throw new RangeError(`message of ${n} bytes exceeds a slab`);
    if (this.#used + n > SLAB_BYTES) {
      this.#list.push(new Uint8Array(SLAB_BYTES));
      this.#used = 0;
    }
    const ref = (this.#list.length - 1) * SLAB_BYTES + this.#used;
    this.#list[this.#list.length - 1]!.set(b, this.#used);
    this.#used += n;
    this.#live += n;
    return ref;
  }

  /** The `len` bytes stored at `ref` (a view: valid while the caller holds it, even across compaction). */
  view(ref: number, len: number): Uint8Array {
    const off = ref % SLAB_BYTES;
    return this.#list[(ref - off) / SLAB_BYTES]!.subarray(off, off + len);
  }

  /** Marks a stored message as no longer used (`NO_REF` is ignored). */
  release(ref: number, len: number): void {
    if (ref === NO_REF) return;
    this.#live -= len;
    this.#dead += len;
  }

  /** True when dead bytes exceed both the live ones and `COMPACT_MIN_DEAD_BYTES`: time to rebuild. */
  wantsCompaction(): boolean {
    return this.#dead > COMPACT_MIN_DEAD_BYTES && this.#dead > this.#live;
  }

  /**
   * Starts a compaction: the arena empties and the returned `move(ref, len)` copies a live message from
   * the old slabs and returns its new ref. Call it for every live message; the old slabs are freed by GC
   * once no view into them is left.
   */
  compact(): (ref: number, len: number) => number {
    const old = new Slabs();
    old.#list = this.#list;
    this.#list = [];
    this.#used = SLAB_BYTES;
    this.#live = 0;
    this.#dead = 0;
    return (ref, len) => (ref === NO_REF ? NO_REF : this.copy(old.view(ref, len)));
  }
}
