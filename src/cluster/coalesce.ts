/**
 * @module cluster/coalesce
 * Write coalescing for the I/O shells (STYLE rule 8), only under load: the first frame of an event-loop
 * turn on an idle stream goes to the kernel at once (nothing waits: a lone message, the usual case on a
 * quiet link, pays no coalescing delay); every later frame of the same turn, or any frame while the
 * stream still has unsent bytes, is corked and leaves in one `write` when the turn ends (`uncork` with
 * `setImmediate`, which runs after the poll phase has handled every readable socket). So a busy turn's
 * work for many connections (ECDH requests, `peer_attached`, credit, several backend messages for one
 * peer) shares at most two syscalls and one or two TLS records, however many frames it made.
 *
 * Why both: on a loopback or board each write syscall costs ~60–100 µs of CPU on the writer (bench
 * `handshakes` profile), so batching pays under load; but holding a lone frame for the end of the turn
 * cost ~13 µs per write (bench `link-forward`: four corked writes per forwarded round trip; measured with
 * a two-process echo, cork 0.083 ms vs direct 0.052 ms per round trip), which a quiet link never recovers.
 *
 * Backpressure is unchanged: corked bytes count in `writableLength`, `write()` still returns false
 * above the stream's high-water mark (so `'drain'` follows), and a batch that reaches `maxBytes` is
 * written at once, so the callers' caps see the same numbers as before. Order is preserved (one
 * stream, one buffer) and every write's callback still runs when its bytes are flushed.
 *
 * Does not: own the socket (the shell does), drop anything, or delay past the current loop turn.
 */
import { COALESCE_MAX_BYTES } from './constants.js';

/** What {@link TickCork} needs of a stream; `net.Socket` and `tls.TLSSocket` have it. */
export interface CorkableStream {
  cork(): void;
  uncork(): void;
  write(chunk: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
}

/** Schedules a callback for the end of the current loop turn (default `setImmediate`). */
export type TurnScheduler = (f: () => void) => void;

const defaultScheduler: TurnScheduler = (f) => { setImmediate(f); };

/** Coalesces one stream's writes per loop turn once a turn has more than one. Use its `write` instead of the stream's. */
export class TickCork {
  readonly #stream: CorkableStream;
  readonly #schedule: TurnScheduler;
  readonly #maxBytes: number;
  /** A write happened this turn (the end-of-turn call is scheduled). */
  #inTurn = false;
  #corked = false;
  readonly #endTurn = (): void => {
    this.#inTurn = false;
    this.flush();
  };

  constructor(stream: CorkableStream, schedule: TurnScheduler = defaultScheduler, maxBytes = COALESCE_MAX_BYTES) {
    this.#stream = stream;
    this.#schedule = schedule;
    this.#maxBytes = maxBytes;
  }

  /** Whether writes are being held for the end of this turn. */
  get holding(): boolean {
    return this.#corked;
  }

  /**
   * Writes `chunk` now if it is the turn's first and the stream is idle; otherwise queues it behind
   * this turn's earlier writes. Returns what `stream.write` returns (false: wait for `'drain'`).
   */
  write(chunk: Uint8Array, cb?: () => void): boolean {
    const s = this.#stream;
    if (!this.#inTurn) {
      this.#inTurn = true;
      this.#schedule(this.#endTurn);
      if (s.writableLength === 0 || s.destroyed) return cb === undefined ? s.write(chunk) : s.write(chunk, cb);
    }
    if (!this.#corked && !s.destroyed) {
      s.cork();
      this.#corked = true;
    }
    const ok = cb === undefined ? s.write(chunk) : s.write(chunk, cb);
    if (s.writableLength >= this.#maxBytes) this.flush();
    return ok;
  }

  /** Hands everything held to the stream now (also what the scheduled end-of-turn call does). */
  flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#stream.uncork();
  }
}
