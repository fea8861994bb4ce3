/**
 * @module back/link
 * The socket adapter around one `LinkSession` (src/cluster/session.ts): the only place the backend
 * touches a link's TLS socket (STYLE rule 2).
 *
 * - Reading: chunks go to `session.receive`; each decoded message goes to `onMessage`. A framing or
 *   decode error closes the link (nothing after a bad frame can be trusted).
 * - Writing (STYLE rule 8): frames are written while `socket.write()` returns true; after a `false`
 *   they wait in our queue for `'drain'`. Above `LINK_PAUSE_READ_BYTES` queued we stop reading the
 *   link; above `LINK_MAX_QUEUED_BYTES` we drop it (the front redials and resyncs). The frames of one
 *   loop turn (e.g. `ecdh_result`s for many handshakes, credit, echoes) leave in one TLS write
 *   (`cluster/coalesce`); corked bytes count in `queuedBytes` like any other.
 * - Liveness: a timer (unref'd, every heartbeat/2) calls `session.tick`: it sends heartbeats and
 *   declares the link lost after `peerTimeoutMs` of silence, so a front that died without a FIN is
 *   noticed within `peerTimeoutMs + heartbeatMs/2`.
 * `onClose(reason)` is called exactly once, whatever closed the link.
 *
 * Does not: interpret messages (see `link-server.ts` and the services), or retry.
 */
import { LINK_LIVENESS_TICK_MS } from '../cluster/constants.js';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { LinkSession, type LinkTiming } from '../cluster/session.js';
import { TickCork } from '../cluster/coalesce.js';
import type { LinkMessage } from '../cluster/messages.js';
import { LINK_MAX_QUEUED_BYTES, LINK_PAUSE_READ_BYTES } from './constants.js';

/** Callbacks of one link. */
export interface LinkHandlers {
  /** One decoded message (heartbeats are consumed by the session and never arrive here). */
  onMessage(m: LinkMessage): void;
  /** The link is closed; called once. */
  onClose(reason: string): void;
  /** Counts a message for metrics. */
  count?(direction: 'in' | 'out', name: string): void;
}

/** One open link to a front. */
export class LinkSocket {
  readonly #socket: TLSSocket;
  readonly #cork: TickCork;
  readonly #session: LinkSession;
  readonly #now: () => number;
  readonly #handlers: LinkHandlers;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #waitingDrain = false;
  #readPaused = false;
  #closed = false;

  constructor(socket: TLSSocket, timing: LinkTiming, now: () => number, log: Logger, handlers: LinkHandlers) {
    this.#socket = socket;
    this.#cork = new TickCork(socket);
    this.#now = now;
    this.#log = log;
    this.#handlers = handlers;
    this.#session = new LinkSession(timing, now());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#onDrain());
    socket.on('error', (e: NodeJS.ErrnoException) => this.close(`socket error ${e.code ?? e.message}`));
    socket.on('close', () => this.close('socket closed'));
    socket.on('end', () => this.close('front closed the link'));
    this.#timer = setInterval(() => this.#tick(), Math.min(LINK_LIVENESS_TICK_MS, Math.max(20, Math.floor(timing.heartbeatMs / 2))));
    this.#timer.unref();
  }

  /** Heartbeat round trip in ms (undefined until the first echo). */
  get rttMs(): number | undefined {
    return this.#session.rttMs;
  }

  /** Whether the link is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes written but not yet flushed to the kernel (ours plus the socket's). */
  get queuedBytes(): number {
    return this.#queuedBytes + this.#socket.writableLength;
  }

  /** Sends one message (queued behind earlier ones while the socket is full). No-op once closed. */
  send(m: LinkMessage): void {
    if (this.#closed) return;
    this.#handlers.count?.('out', m.name);
    this.#write(this.#session.send(m, this.#now()));
  }

  /** Sends `m` as the last message, then ends the TLS session gracefully. */
  sendAndEnd(m: LinkMessage, reason: string): void {
    if (this.#closed) return;
    this.send(m);
    this.#finish(reason);
    this.#socket.end();
    // A front that never reads must not keep the socket open: destroy it after a short grace.
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  /** Closes the link now. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#finish(reason);
    this.#socket.destroy();
  }

  #finish(reason: string): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#handlers.onClose(reason);
  }

  #write(bytes: Uint8Array): void {
    if (this.#waitingDrain) {
      this.#queue.push(bytes);
      this.#queuedBytes += bytes.length;
      if (this.queuedBytes > LINK_MAX_QUEUED_BYTES) {
        this.close(`front is not reading: over ${LINK_MAX_QUEUED_BYTES} bytes queued`);
      } else if (!this.#readPaused && this.queuedBytes > LINK_PAUSE_READ_BYTES) {
        this.#readPaused = true;
        this.#socket.pause();
        this.#log.warn({ queuedBytes: this.queuedBytes }, 'link outbound queue full: pausing reads until it drains');
      }
      return;
    }
    if (!this.#cork.write(bytes)) this.#waitingDrain = true;
  }

  #onDrain(): void {
    this.#waitingDrain = false;
    while (this.#queue.length > 0 && !this.#waitingDrain) {
      const b = this.#queue.shift()!;
      this.#queuedBytes -= b.length;
      if (!this.#cork.write(b)) this.#waitingDrain = true;
    }
    if (this.#readPaused && this.queuedBytes < LINK_PAUSE_READ_BYTES / 2) {
      this.#readPaused = false;
      this.#socket.resume();
    }
  }

  #onData(chunk: Buffer): void {
    if (this.#closed) return;
    let msgs: LinkMessage[];
    try {
      msgs = this.#session.receive(chunk, this.#now());
    } catch (e) {
      this.close(`bad frame from front: ${(e as Error).message}`);
      return;
    }
    const echo = this.#session.takeEcho(this.#now());
    if (echo !== undefined) {
      this.#handlers.count?.('out', 'heartbeat');
      this.#write(echo);
    }
    for (const m of msgs) {
      if (this.#closed) return;
      this.#handlers.count?.('in', m.name);
      this.#handlers.onMessage(m);
    }
  }

  #tick(): void {
    if (this.#closed) return;
    const r = this.#session.tick(this.#now());
    switch (r.kind) {
      case 'idle': return;
      case 'heartbeat':
        this.#handlers.count?.('out', 'heartbeat');
        this.#write(r.bytes);
        return;
      case 'lost':
        this.close(`link lost: no frame for ${r.silentMs} ms`);
        return;
    }
  }
}
