/**
 * @module back/connector
 * Outgoing connections (DESIGN §2: "outgoing when the backend asks, through any live front"):
 * `connect` picks the least-loaded live front, sends `connect_request`, and resolves when the front's
 * `connect_result` (ok) is followed by `peer_attached` for that connection; it rejects with a
 * `BackendError` on a failed dial, a timeout, the front's link going down, or at once when no front is
 * connected. Persistent peers (`connect --persist`) are redialled with exponential backoff
 * (`RECONNECT_MIN_MS` doubling to `RECONNECT_MAX_MS`, ±20 % jitter) whenever they drop.
 *
 * Does not: hold connections (the switchboard does), or dial itself (fronts do).
 */
import type { Logger } from '../log.js';
import type { LinkMessageNamed } from '../cluster/messages.js';
import { CONNECT_TIMEOUT_MS, RECONNECT_MAX_MS, RECONNECT_MIN_MS } from './constants.js';
import { BackendError } from './errors.js';
import type { Front, FrontRegistry } from './fronts.js';
import type { Switchboard } from './switchboard.js';

/** Where a connect ended up. */
export interface ConnectOutcome {
  readonly nodeId: string;
  readonly front: string;
  readonly conn: number;
  /** The peer was already connected; nothing was dialled. */
  readonly alreadyConnected: boolean;
}

/** A persistent peer, as `/peers` shows it while it is not connected. */
export interface PersistentPeerInfo {
  readonly nodeId: string;
  readonly state: 'reconnecting';
  readonly address: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | undefined;
  readonly lastError: string | undefined;
}

interface Pending {
  readonly nodeId: string;
  readonly front: Front;
  readonly resolve: (o: ConnectOutcome) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
  /** Set by an ok `connect_result`: the connection whose `peer_attached` completes the call. */
  conn: number | undefined;
}

interface Persistent {
  readonly nodeId: string;
  host: string;
  port: number;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  nextAt: number | undefined;
  lastError: string | undefined;
}

/** The outgoing-connection service. */
export class Connector {
  readonly #pending = new Map<number, Pending>();
  readonly #persistent = new Map<string, Persistent>();
  #nextId = 1;
  #closed = false;

  private readonly fronts: FrontRegistry;
  private readonly switchboard: Switchboard;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(fronts: FrontRegistry, switchboard: Switchboard, log: Logger, now: () => number, timeoutMs: number = CONNECT_TIMEOUT_MS) {
    this.fronts = fronts;
    this.switchboard = switchboard;
    this.log = log;
    this.now = now;
    this.timeoutMs = timeoutMs;
  }

  /** Dials `nodeId` (hex) at host:port through a front; with `persist`, keeps redialling it when it drops. */
  connect(nodeId: string, host: string, port: number, opts: { persist?: boolean } = {}): Promise<ConnectOutcome> {
    if (opts.persist === true) {
      const p = this.#persistent.get(nodeId);
      if (p === undefined) this.#persistent.set(nodeId, { nodeId, host, port, attempts: 0, timer: undefined, nextAt: undefined, lastError: undefined });
      else Object.assign(p, { host, port });
    }
    return this.#dial(nodeId, host, port);
  }

  #dial(nodeId: string, host: string, port: number): Promise<ConnectOutcome> {
    if (this.#closed) return Promise.reject(new BackendError('BACK_CLOSED', 'the backend is shutting down'));
    const where = this.switchboard.where(nodeId);
    if (where !== undefined) return Promise.resolve({ nodeId, ...where, alreadyConnected: true });
    const front = this.fronts.leastLoaded();
    if (front === undefined) {
      return Promise.reject(new BackendError('BACK_NO_FRONT', 'no front is connected to the backend, so nothing can dial; start a front or check the cluster link (lnfleet status shows fronts)'));
    }
    const requestId = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise<ConnectOutcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(new BackendError('BACK_CONNECT_TIMEOUT', `connect to ${nodeId}@${host}:${port} through front ${front.id}: no result within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      timer.unref();
      this.#pending.set(requestId, { nodeId, front, resolve, reject, timer, conn: undefined });
      this.log.info({ peer: nodeId, host, port, front: front.id, requestId }, 'dialling through front');
      front.link.send({ name: 'connect_request', requestId, nodeId: Buffer.from(nodeId, 'hex'), host, port, tlvs: {} });
    });
  }

  /** `connect_result` from `front`. */
  onConnectResult(front: Front, m: LinkMessageNamed<'connect_result'>): void {
    const p = this.#pending.get(m.requestId);
    if (p === undefined || p.front !== front) {
      this.log.debug({ front: front.id, requestId: m.requestId }, 'connect_result for no pending request ignored');
      return;
    }
    if (!m.ok) {
      this.#settle(m.requestId, new BackendError('BACK_CONNECT_FAILED', `front ${front.id} could not connect to ${p.nodeId}: ${m.error || 'no reason given'}`));
      return;
    }
    const where = this.switchboard.where(p.nodeId);
    if (where !== undefined && where.front === front.id && where.conn === m.conn) {
      this.#settle(m.requestId, { nodeId: p.nodeId, ...where, alreadyConnected: false });
      return;
    }
    p.conn = m.conn; // peer_attached follows
  }

  /** A peer attached (from the switchboard): completes a dial waiting for it; resets a persistent peer's backoff. */
  onPeerUp(nodeId: string, front: Front, conn: number): void {
    for (const [id, p] of this.#pending) {
      if (p.front === front && p.conn === conn && p.nodeId === nodeId) this.#settle(id, { nodeId, front: front.id, conn, alreadyConnected: false });
    }
    const per = this.#persistent.get(nodeId);
    if (per !== undefined) {
      clearTimeout(per.timer);
      Object.assign(per, { attempts: 0, timer: undefined, nextAt: undefined, lastError: undefined });
    }
  }

  /** A peer went down (from the switchboard): schedules a redial if it is persistent. */
  onPeerDown(nodeId: string, reason: string): void {
    const per = this.#persistent.get(nodeId);
    if (per !== undefined && per.timer === undefined) {
      per.lastError = reason;
      this.#schedule(per);
    }
  }

  /** The front's link is down: pending dials on it fail. */
  frontDown(front: Front, reason: string): void {
    for (const [id, p] of this.#pending) {
      if (p.front === front) this.#settle(id, new BackendError('BACK_LINK_LOST', `front ${front.id} went down during the connect to ${p.nodeId} (${reason})`));
    }
  }

  /** Stops redialling `nodeId`; true if it was persistent. */
  forget(nodeId: string): boolean {
    const per = this.#persistent.get(nodeId);
    if (per === undefined) return false;
    clearTimeout(per.timer);
    this.#persistent.delete(nodeId);
    return true;
  }

  /** Whether `nodeId` is persistent. */
  isPersistent(nodeId: string): boolean {
    return this.#persistent.has(nodeId);
  }

  /** Persistent peers not connected right now. */
  reconnecting(): PersistentPeerInfo[] {
    return [...this.#persistent.values()]
      .filter((p) => !this.switchboard.isConnected(p.nodeId))
      .map((p) => ({
        nodeId: p.nodeId, state: 'reconnecting', address: `${p.host}:${p.port}`, attempts: p.attempts,
        nextAttemptAt: p.nextAt === undefined ? undefined : new Date(p.nextAt).toISOString(), lastError: p.lastError,
      }));
  }

  /** Rejects every pending dial and stops every redial timer. */
  close(): void {
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) this.#settle(id, new BackendError('BACK_CLOSED', 'the backend is shutting down'));
    for (const p of this.#persistent.values()) clearTimeout(p.timer);
  }

  #settle(id: number, r: ConnectOutcome | Error): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (r instanceof Error) p.reject(r);
    else p.resolve(r);
  }

  #schedule(per: Persistent): void {
    if (this.#closed) return;
    const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(per.attempts, 20));
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    per.nextAt = this.now() + delay;
    per.timer = setTimeout(() => {
      per.timer = undefined;
      per.nextAt = undefined;
      per.attempts += 1;
      if (!this.#persistent.has(per.nodeId)) return;
      this.#dial(per.nodeId, per.host, per.port).catch((e: Error) => {
        per.lastError = e.message;
        this.log.info({ peer: per.nodeId, attempts: per.attempts, err: e.message }, 'redial of persistent peer failed');
        if (this.#persistent.has(per.nodeId) && per.timer === undefined && !this.switchboard.isConnected(per.nodeId)) this.#schedule(per);
      });
    }, delay);
    per.timer.unref();
  }
}
