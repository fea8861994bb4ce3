/**
 * @module cluster/coalesce
 * Write coalescing for the I/O shells (STYLE rule 8): the frames a socket is given in one event-loop
 * turn leave in one `write` system call instead of one each. The first write of a turn corks the
 * stream and schedules `uncork` with `setImmediate`, which runs after the poll phase has handled every
 * socket that was readable, so work for many connections (ECDH requests, `peer_attached`, credit,
 * several backend messages for one peer) shares one TLS record and one syscall. On a loopback or
 * board, each write syscall costs ~100 µs of CPU on the writer (bench `handshakes` profile), far more
 * than the microseconds the frames wait for the end of the turn.
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

/** Coalesces one stream's writes per loop turn. Use its `write` instead of the stream's. */
export class TickCork {
  readonly #stream: CorkableStream;
  readonly #schedule: TurnScheduler;
  readonly #maxBytes: number;
  #corked = false;
  readonly #uncork = (): void => this.flush();

  constructor(stream: CorkableStream, schedule: TurnScheduler = defaultScheduler, maxBytes = COALESCE_MAX_BYTES) {
    this.#stream = stream;
    this.#schedule = schedule;
    this.#maxBytes = maxBytes;
  }

  /** Whether writes are being held for the end of this turn. */
  get holding(): boolean {
    return this.#corked;
  }

  /** Queues `chunk` behind this turn's earlier writes; returns what `stream.write` returns (false: wait for `'drain'`). */
  write(chunk: Uint8Array, cb?: () => void): boolean {
    const s = this.#stream;
    if (!this.#corked && !s.destroyed) {
      s.cork();
      this.#corked = true;
      this.#schedule(this.#uncork);
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
