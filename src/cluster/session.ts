/**
 * @module cluster/session
 * The sans-I/O core of one cluster link, used by both ends: frame decoding into link messages,
 * heartbeats, loss detection and per-connection message credit (DESIGN §3, STYLE rule 2).
 *
 * The daemon owns the TLS socket and the clock: it feeds received chunks to `receive`, writes what
 * `send`/`tick` return, and calls `tick(now)` every `heartbeatMs / 2` or so. A link is lost when
 * nothing at all has arrived for `peerTimeoutMs` (every frame counts, not only heartbeats), so a busy
 * link never needs a heartbeat to stay up and a dead one is noticed within `peerTimeoutMs + tick period`.
 *
 * Our own stalls: when this process's event loop was blocked (a slow board loading modules, a long GC),
 * the first timer after the stall runs before the socket's queued frames are read, so "silence" may be
 * ours. A tick that comes more than {@link OWN_STALL_FRACTION} of `peerTimeoutMs` after the previous one
 * therefore never declares the link lost; the next tick (one tick period later, after I/O had its turn)
 * decides. A dead peer is then noticed one tick period later, never missed.
 *
 * Does not: touch sockets or timers, decide what messages mean, or retry.
 */
import { FrameDecoder } from './frame.js';
import { decodeLinkMessage, encodeLinkMessage, type LinkMessage } from './messages.js';

/**
 * A gap between two ticks longer than this fraction of `peerTimeoutMs` means our own event loop stalled:
 * half the timeout, so a tick period (250 ms by default) is far below it and a stall that could make a
 * live peer look silent is far above it.
 */
export const OWN_STALL_FRACTION = 0.5;

/** Timing of one link, in milliseconds. */
export interface LinkTiming {
  /** How often to send a heartbeat when nothing else was sent. */
  readonly heartbeatMs: number;
  /** Silence after which the other side counts as gone. */
  readonly peerTimeoutMs: number;
}

/** What `tick` asks the daemon to do. */
export type TickResult =
  | { readonly kind: 'idle' }
  | { readonly kind: 'heartbeat'; readonly bytes: Uint8Array }
  | { readonly kind: 'lost'; readonly silentMs: number };

/** One end of a link. Construct when the TLS session is up. */
export class LinkSession {
  readonly #decoder = new FrameDecoder();
  readonly #timing: LinkTiming;
  #lastReceived: number;
  #lastSent: number;
  #lastTick: number;
  #seq = 0n;
  #lastSeqSeen = 0n;
  /** A heartbeat with a new `seq` arrived: echo it at once (see {@link LinkSession.takeEcho}). */
  #echoDue = false;
  /** Round trip measured from heartbeat echoes, in ms (undefined until the first echo). */
  rttMs: number | undefined;
  readonly #sentAt = new Map<bigint, number>();

  constructor(timing: LinkTiming, now: number) {
    this.#timing = timing;
    this.#lastReceived = now;
    this.#lastSent = now;
    this.#lastTick = now;
  }

  /**
   * Decodes every whole message in `chunk`. Heartbeats are consumed here (they update liveness and the
   * RTT) and not returned. Throws `FrameError` or `WireDecodeError` on a broken link: close it.
   */
  receive(chunk: Uint8Array, now: number): LinkMessage[] {
    this.#lastReceived = now;
    const out: LinkMessage[] = [];
    for (const frame of this.#decoder.push(chunk)) {
      const m = decodeLinkMessage(frame);
      if (m.name === 'heartbeat') {
        // A heartbeat repeating the last seq we saw is an echo of ours: never echoed back (no ping-pong).
        if (m.seq !== this.#lastSeqSeen) this.#echoDue = true;
        this.#lastSeqSeen = m.seq;
        const sent = this.#sentAt.get(m.echo);
        if (sent !== undefined) {
          this.rttMs = now - sent;
          this.#sentAt.clear();
        }
        continue;
      }
      out.push(m);
    }
    return out;
  }

  /** Encodes `m` as a frame to write, and notes the time (a sent frame stands in for a heartbeat). */
  send(m: LinkMessage, now: number): Uint8Array {
    this.#lastSent = now;
    return encodeLinkMessage(m);
  }

  /**
   * After `receive`: the bytes of an immediate echo of a heartbeat that just arrived, or undefined.
   * The echo repeats our current `seq` (so the other side knows it is an echo and does not answer
   * it) and carries the received `seq` in `echo`, so the other side's RTT is one network round trip
   * rather than up to a heartbeat period of waiting for our next heartbeat. Write it like any frame.
   */
  takeEcho(now: number): Uint8Array | undefined {
    if (!this.#echoDue) return undefined;
    this.#echoDue = false;
    return this.send({ name: 'heartbeat', seq: this.#seq, echo: this.#lastSeqSeen, tlvs: {} }, now);
  }

  /** Call periodically: says whether the link is lost, or a heartbeat is due. */
  tick(now: number): TickResult {
    const silent = now - this.#lastReceived;
    const stalled = now - this.#lastTick > this.#timing.peerTimeoutMs * OWN_STALL_FRACTION;
    this.#lastTick = now;
    if (silent > this.#timing.peerTimeoutMs && !stalled) return { kind: 'lost', silentMs: silent };
    if (now - this.#lastSent < this.#timing.heartbeatMs) return { kind: 'idle' };
    this.#seq += 1n;
    // Keep a handful of outstanding sequence numbers for RTT; older ones are simply forgotten.
    if (this.#sentAt.size > 8) this.#sentAt.clear();
    this.#sentAt.set(this.#seq, now);
    return { kind: 'heartbeat', bytes: this.send({ name: 'heartbeat', seq: this.#seq, echo: this.#lastSeqSeen, tlvs: {} }, now) };
  }
}

/**
 * Message credit per connection (docs/cluster.md "Flow control"). The receiver of `peer_message`s
 * grants credit; the sender spends one unit per message and must stop (pause the peer socket, or hold
 * the message) at zero. Unknown connections have no credit.
 */
export class CreditLedger {
  readonly #credit = new Map<number, number>();

  /** Adds `n` messages of credit for `conn` (creating the entry). */
  grant(conn: number, n: number): void {
    this.#credit.set(conn, (this.#credit.get(conn) ?? 0) + n);
  }

  /** Spends one unit; `false` (nothing spent) when the connection has none. */
  take(conn: number): boolean {
    const c = this.#credit.get(conn) ?? 0;
    if (c <= 0) return false;
    this.#credit.set(conn, c - 1);
    return true;
  }

  /** Credit left for `conn`. */
  available(conn: number): number {
    return this.#credit.get(conn) ?? 0;
  }

  /** Forgets a closed connection. */
  delete(conn: number): void {
    this.#credit.delete(conn);
  }
}
