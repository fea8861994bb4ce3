/**
 * @module front/peer-socket
 * The I/O shell of one peer connection: feeds a `net.Socket`'s bytes to the sans-I/O
 * `PeerConnection` and applies the actions it returns, with explicit backpressure (STYLE rule 8):
 *
 * - reading is paused while any reason holds: the core's (no link credit), our send buffer above
 *   `SEND_BUFFER_PAUSE_READ_BYTES` (resumed on `'drain'`), or a congested cluster link;
 * - low-priority writes are dropped above `SEND_BUFFER_DROP_LOW_PRIORITY_BYTES`; a write that would
 *   pass `SEND_BUFFER_HARD_CAP_BYTES` closes the connection (a peer that never reads);
 * - credit for the backend's messages is granted back as they leave our buffer, in batches of
 *   `FRONT_CREDIT_REGRANT_FRACTION` of the window (docs/cluster.md "Flow control", {@link CreditGrants});
 * - the writes of one loop turn go out in one syscall (`cluster/coalesce`): act two, then later our
 *   `init`; a burst of pongs; several backend messages that arrived in one link read.
 *
 * Does not: speak any protocol (the core does), or talk to the link (the daemon's hooks do).
 */
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import { assertNever } from '../errors.js';
import { TickCork } from '../cluster/coalesce.js';
import { type PeerAction, type PeerConnection, type PeerEvent } from './peer-fsm.js';
import {
  CLOSE_LINGER_MS, FRONT_CREDIT_REGRANT_FRACTION, SEND_BUFFER_DROP_LOW_PRIORITY_BYTES, SEND_BUFFER_HARD_CAP_BYTES,
  SEND_BUFFER_PAUSE_READ_BYTES,
} from './constants.js';

/** Why reading a peer is paused. */
export type PauseReason = 'credit' | 'sendBuffer' | 'link' | 'gossip';

/** What the shell needs from the daemon. */
export interface PeerSocketHooks {
  /** Send `peer_attached` (and our initial credit) for this connection. */
  attach(p: PeerSocket, a: Extract<PeerAction, { kind: 'attach' }>): void;
  /** Send `peer_message` to the backend. */
  forward(p: PeerSocket, message: Uint8Array, type: number): void;
  /** A gossip message (BOLT 7) for the front's gossip service. */
  gossip(p: PeerSocket, message: Uint8Array, type: number): void;
  /** Grant the backend `n` more messages for this connection. */
  grantCredit(p: PeerSocket, n: number): void;
  /** The backend's send window per connection (`hello_ack.initialCredit`), in messages. */
  creditWindow(): number;
  /** Metrics: a message from the peer was handled. */
  received(type: number, handling: 'local' | 'forward' | 'ignored'): void;
  /** Metrics: a message was written to the peer. */
  sent(type: number): void;
  /** The socket is gone; `reason` is the first close reason. */
  closed(p: PeerSocket, reason: string): void;
}

/** Re-grant batch for a send window of `window` messages: a fixed fraction of it, at least 1, never above it. */
export function creditBatch(window: number): number {
  return Math.max(1, Math.min(window, Math.floor(window * FRONT_CREDIT_REGRANT_FRACTION)));
}

/**
 * The front's side of the backend → peer credit (docs/cluster.md "Flow control"), pure bookkeeping:
 * `written()` when one of the backend's messages left our send buffer; it returns how many messages
 * to grant now (0: keep counting). Grants come in batches of {@link creditBatch}, so the backend,
 * which stops at zero credit, always gets its grant once its whole window has drained here: nothing
 * is granted before it was written (we never buffer more than we granted), and nothing written is
 * kept back once a batch is due. `reset()` on every link change: credit does not outlive a link, and
 * writes of the old link still in our buffer must not count on the new one.
 */
export class CreditGrants {
  #pending = 0;
  #epoch = 0;

  /** The current link epoch; pass it to `written` for a write made now. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Written messages not granted back yet. */
  get pending(): number {
    return this.#pending;
  }

  /** Forgets what was counted and starts a new epoch. */
  reset(): void {
    this.#pending = 0;
    this.#epoch += 1;
  }

  /** One backend message made in `epoch` was written; returns the grant due now (0 for none). */
  written(epoch: number, window: number): number {
    if (epoch !== this.#epoch) return 0;
    this.#pending += 1;
    if (this.#pending < creditBatch(window)) return 0;
    const n = this.#pending;
    this.#pending = 0;
    return n;
  }
}

/** One peer socket driven by its `PeerConnection`. */
export class PeerSocket {
  readonly conn: number;
  readonly fsm: PeerConnection;
  readonly socket: Socket;
  /** `host:port` of the peer as seen by us. */
  readonly remoteAddress: string;
  readonly #pauses = new Set<PauseReason>();
  readonly #hooks: PeerSocketHooks;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #cork: TickCork;
  readonly #grants = new CreditGrants();
  #attachedOnLink = false;
  #closeReason: string | undefined;

  constructor(socket: Socket, fsm: PeerConnection, hooks: PeerSocketHooks, log: Logger, now: () => number) {
    this.conn = fsm.conn;
    this.fsm = fsm;
    this.socket = socket;
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.#hooks = hooks;
    this.#log = log;
    this.#now = now;
    this.#cork = new TickCork(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const data = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      const now = this.#now();
      const actions = fsm.receiveNow(data, now);
      if (actions !== undefined) this.apply(actions);
      else void fsm.receive(data, now).then((a) => this.apply(a));
    });
    socket.on('drain', () => this.resume('sendBuffer'));
    socket.on('end', () => this.event({ kind: 'ended', reason: 'peer closed the connection' }));
    socket.on('error', (e: Error & { code?: string }) => { this.#closeReason ??= `socket error ${e.code ?? e.message}`; });
    socket.on('close', () => {
      const reason = this.#closeReason ?? 'connection closed';
      this.#closeReason = reason;
      if (fsm.state !== 'closing') fsm.handle({ kind: 'ended', reason });
      hooks.closed(this, reason);
    });
  }

  /**
   * Set once `peer_attached` went out on the current link (so `peer_detached` must follow). Every change
   * (link down, link up, attach) starts a new credit epoch: the backend's window starts afresh.
   */
  get attachedOnLink(): boolean {
    return this.#attachedOnLink;
  }

  set attachedOnLink(v: boolean) {
    this.#attachedOnLink = v;
    this.#grants.reset();
  }

  /** True once the socket is closing or closed. */
  get closing(): boolean {
    return this.#closeReason !== undefined;
  }

  /** Feeds an event to the core and applies its actions. */
  event(ev: PeerEvent): void {
    this.apply(this.fsm.handle(ev));
  }

  /** Applies actions in order. */
  apply(actions: readonly PeerAction[]): void {
    for (const a of actions) {
      if (this.socket.destroyed) return;
      switch (a.kind) {
        case 'write':
          this.#write(a);
          break;
        case 'forward':
          this.#hooks.forward(this, a.message, a.type);
          break;
        case 'gossip':
          this.#hooks.gossip(this, a.message, a.type);
          break;
        case 'attach':
          this.#hooks.attach(this, a);
          break;
        case 'received':
          this.#hooks.received(a.type, a.handling);
          break;
        case 'pauseRead':
          this.pause(a.reason);
          break;
        case 'resumeRead':
          this.resume(a.reason);
          break;
        case 'log':
          if (this.#log.isLevelEnabled(a.level)) this.#log[a.level]({ conn: this.conn, peer: this.remoteAddress }, a.msg);
          break;
        case 'close':
          this.#close(a.reason, a.level);
          break;
        default:
          assertNever(a, 'peer action');
      }
    }
  }

  /** Stops reading for `reason` (reading resumes when no reason is left). */
  pause(reason: PauseReason): void {
    this.#pauses.add(reason);
    this.socket.pause();
  }

  /** Removes a pause reason; resumes reading when none is left. */
  resume(reason: PauseReason): void {
    this.#pauses.delete(reason);
    if (this.#pauses.size === 0 && !this.closing) this.socket.resume();
  }

  /** Closes from outside the core (shutdown): destroys at once. */
  destroy(reason: string): void {
    this.#closeReason ??= reason;
    this.socket.destroy();
  }

  #write(a: Extract<PeerAction, { kind: 'write' }>): void {
    const queued = this.socket.writableLength; // includes what the cork holds for this turn
    if (a.priority === 'low' && queued > SEND_BUFFER_DROP_LOW_PRIORITY_BYTES) return;
    if (queued + a.bytes.length > SEND_BUFFER_HARD_CAP_BYTES) {
      this.fsm.handle({ kind: 'ended', reason: 'send buffer cap' });
      this.#close(`send buffer over ${SEND_BUFFER_HARD_CAP_BYTES} bytes: the peer is not reading`, 'warn');
      return;
    }
    if (a.origin === 'backend') {
      const epoch = this.#grants.epoch;
      this.#cork.write(a.bytes, () => this.#written(epoch));
    } else {
      this.#cork.write(a.bytes);
    }
    if (a.type >= 0) this.#hooks.sent(a.type);
    if (this.socket.writableLength > SEND_BUFFER_PAUSE_READ_BYTES) this.pause('sendBuffer');
  }

  /** A backend message left our buffer: give its credit back, in batches. */
  #written(epoch: number): void {
    const n = this.#grants.written(epoch, this.#hooks.creditWindow());
    if (n > 0 && !this.closing) this.#hooks.grantCredit(this, n);
  }

  #close(reason: string, level: 'info' | 'warn'): void {
    if (this.#closeReason !== undefined && this.socket.destroyed) return;
    this.#closeReason ??= reason;
    // Once per connection: build the fields only when the line is logged (the bench runs at `warn`).
    if (this.#log.isLevelEnabled(level)) {
      this.#log[level]({ conn: this.conn, peer: this.remoteAddress, nodeId: hexOrUndefined(this.fsm.nodeId) }, `closing peer connection: ${reason}`);
    }
    this.socket.pause();
    if (this.socket.writableLength > SEND_BUFFER_PAUSE_READ_BYTES) {
      this.socket.destroy(); // it does not read: our last words would never arrive
      return;
    }
    this.socket.end(); // also flushes what the cork holds
    const linger = setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS);
    linger.unref();
    this.socket.once('close', () => clearTimeout(linger));
  }
}

function hexOrUndefined(b: Uint8Array | undefined): string | undefined {
  return b === undefined ? undefined : Buffer.from(b).toString('hex');
}
