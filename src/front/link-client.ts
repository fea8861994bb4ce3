/**
 * @module front/link-client
 * The front's end of the cluster link (docs/cluster.md): dials the backend over mutual TLS 1.3, says
 * `hello`, waits for `hello_ack`, keeps the `LinkSession` heartbeats, answers nothing itself but hands
 * every other message to the daemon, runs the ECDH request/answer map, and redials with exponential
 * backoff capped at `cluster.reconnect-max-ms` whenever the link is lost or cannot be made.
 *
 * The backend's address comes from a `resolveBackend()` function (today `cluster.backend-address`;
 * mDNS discovery plugs in there, DESIGN §7), so nothing here knows how the backend was found.
 *
 * Does not: decide what link messages mean for peers (the daemon does), or verify certificates itself
 * (`cluster/tls` options carry the CA, the role check and the pin).
 */
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { assertNever, LnfleetError } from '../errors.js';
import { ECDH_STATUS, LINK_PROTOCOL_VERSION, type LinkMessage, type LinkMessageNamed } from '../cluster/messages.js';
import { LinkSession, type LinkTiming } from '../cluster/session.js';
import { TickCork } from '../cluster/coalesce.js';
import {
  ECDH_TIMEOUT_MS, HELLO_TIMEOUT_MS, LINK_BACKOFF_INITIAL_MS, LINK_CONNECT_TIMEOUT_MS, LINK_SEND_PAUSE_BYTES,
} from './constants.js';

/** The backend's `hello_ack`. */
export type HelloAck = LinkMessageNamed<'hello_ack'>;

/** Where to dial the backend. */
export interface BackendAddress {
  readonly host: string;
  readonly port: number;
}

/** Finds the backend: a fixed address today, mDNS later (DESIGN §7). May throw; the client retries. */
export type ResolveBackend = () => Promise<BackendAddress>;

/** What the link tells the daemon. */
export interface LinkHandlers {
  /** `hello_ack` arrived: the link is usable. */
  up(ack: HelloAck): void;
  /** A link that was up is gone (peers must be told); `reason` is for the log. */
  down(reason: string): void;
  /** Any message after `hello_ack` except `ecdh_result` (answered here). */
  message(m: LinkMessage): void;
  /** The link's send buffer fell below the pause threshold again. */
  drain(): void;
}

/** Options of {@link LinkClient}. */
export interface LinkClientOptions {
  readonly tls: ConnectionOptions;
  readonly resolveBackend: ResolveBackend;
  readonly frontId: string;
  readonly timing: LinkTiming;
  readonly reconnectMaxMs: number;
  readonly localAddress?: string | undefined;
  readonly log: Logger;
  readonly now: () => number;
  readonly handlers: LinkHandlers;
}

/** A failed ECDH asked of the backend. */
export class LinkEcdhError extends LnfleetError<'LINK_ECDH'> {}

/** Link states; each holds what exists there. */
type State =
  | { readonly kind: 'connecting'; readonly socket: TLSSocket | undefined }
  | { readonly kind: 'hello'; readonly socket: TLSSocket; readonly cork: TickCork; readonly session: LinkSession; readonly timer: NodeJS.Timeout }
  | { readonly kind: 'up'; readonly socket: TLSSocket; readonly cork: TickCork; readonly session: LinkSession; readonly ack: HelloAck }
  | { readonly kind: 'backoff'; readonly timer: NodeJS.Timeout; readonly until: number }
  | { readonly kind: 'closed' };

/** Name of a link state (for status and `/healthz`). */
export type LinkStateName = State['kind'];

interface PendingEcdh {
  readonly resolve: (secret: Uint8Array) => void;
  readonly reject: (e: Error) => void;
  /** When `ECDH_TIMEOUT_MS` runs out (ms); `tick()` sweeps, so no timer per handshake. */
  readonly deadline: number;
}

/** The front's link to the backend. Call `start()` once; `close()` ends it for good. */
export class LinkClient {
  #state: State = { kind: 'closed' };
  readonly #o: LinkClientOptions;
  #attempt = 0;
  #nextRequestId = 1;
  readonly #pending = new Map<number, PendingEcdh>();
  #lastError: string | undefined;
  #stopped = false;

  constructor(o: LinkClientOptions) {
    this.#o = o;
  }

  /** Current state name. */
  get state(): LinkStateName {
    return this.#state.kind;
  }

  /** The last reason the link was lost or could not be made (for `/healthz`). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Round trip of the heartbeat, ms, when up and measured. */
  get rttMs(): number | undefined {
    return this.#state.kind === 'up' ? this.#state.session.rttMs : undefined;
  }

  /** True while the link socket holds more than `LINK_SEND_PAUSE_BYTES` unsent. */
  get congested(): boolean {
    return this.#state.kind === 'up' && this.#state.socket.writableLength > LINK_SEND_PAUSE_BYTES;
  }

  /** Starts dialling. */
  start(): void {
    this.#stopped = false;
    void this.#dial();
  }

  /**
   * Sends a message; `false` (dropped) when the link is not up. Frames sent in one loop turn leave in
   * one TLS write (`cluster/coalesce`); `congested` and `'drain'` still see every queued byte.
   */
  send(m: LinkMessage): boolean {
    const s = this.#state;
    if (s.kind !== 'up') return false;
    s.cork.write(s.session.send(m, this.#o.now()));
    return true;
  }

  /** Asks the backend for ECDH(node key, point). Rejects when the link is down, on timeout or refusal. */
  ecdh(point: Uint8Array): Promise<Uint8Array> {
    const requestId = this.#nextRequestId;
    this.#nextRequestId = (this.#nextRequestId % 0xffffffff) + 1;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject, deadline: this.#o.now() + ECDH_TIMEOUT_MS });
      // The frame is encoded (copied) at once, so the caller's point needs no copy of its own.
      if (!this.send({ name: 'ecdh_request', requestId, point, tlvs: {} })) {
        this.#settle(requestId, new LinkEcdhError('LINK_ECDH', 'the cluster link is down'));
      }
    });
  }

  /** Periodic: ECDH timeouts, heartbeats and loss detection. */
  tick(): void {
    this.#expireEcdh(this.#o.now());
    const s = this.#state;
    if (s.kind !== 'up' && s.kind !== 'hello') return;
    const r = s.session.tick(this.#o.now());
    switch (r.kind) {
      case 'idle':
        return;
      case 'heartbeat':
        s.cork.write(r.bytes);
        return;
      case 'lost':
        this.#lose(`no frame from the backend for ${r.silentMs} ms`);
        return;
      default:
        assertNever(r, 'tick result');
    }
  }

  /** Closes the link and stops redialling. */
  close(): void {
    this.#stopped = true;
    const s = this.#state;
    this.#state = { kind: 'closed' };
    this.#teardown(s);
    this.#failPending('the front is shutting down');
  }

  async #dial(): Promise<void> {
    if (this.#stopped) return;
    this.#state = { kind: 'connecting', socket: undefined };
    let addr: BackendAddress;
    try {
      addr = await this.#o.resolveBackend();
    } catch (e) {
      this.#retry(`cannot find the backend: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (this.#stopped || this.#state.kind !== 'connecting') return;
    const socket = connect({ ...this.#o.tls, host: addr.host, port: addr.port, ...(this.#o.localAddress ? { localAddress: this.#o.localAddress } : {}) });
    this.#state = { kind: 'connecting', socket };
    socket.setNoDelay(true);
    socket.setTimeout(LINK_CONNECT_TIMEOUT_MS, () => socket.destroy(new Error(`TLS connect to ${addr.host}:${addr.port} timed out`)));
    socket.once('secureConnect', () => this.#secure(socket));
    socket.on('data', (chunk: Buffer) => this.#data(socket, chunk));
    socket.on('drain', () => { if (this.#state.kind === 'up' && this.#state.socket === socket) this.#o.handlers.drain(); });
    socket.on('error', (e: Error & { code?: string }) => { this.#lastError = `${addr.host}:${addr.port}: ${e.code ?? ''} ${e.message}`.trim(); });
    socket.on('close', () => this.#closed(socket));
  }

  #secure(socket: TLSSocket): void {
    if (this.#state.kind !== 'connecting' || this.#state.socket !== socket) return;
    socket.setTimeout(0);
    const session = new LinkSession(this.#o.timing, this.#o.now());
    const timer = setTimeout(() => socket.destroy(new Error(`no hello_ack within ${HELLO_TIMEOUT_MS} ms`)), HELLO_TIMEOUT_MS);
    timer.unref();
    this.#state = { kind: 'hello', socket, cork: new TickCork(socket), session, timer };
    socket.write(session.send({ name: 'hello', version: LINK_PROTOCOL_VERSION, frontId: this.#o.frontId, capabilities: new Uint8Array(0), tlvs: {} }, this.#o.now()));
  }

  #data(socket: TLSSocket, chunk: Buffer): void {
    const s = this.#state;
    if ((s.kind !== 'hello' && s.kind !== 'up') || s.socket !== socket) return;
    let messages: LinkMessage[];
    try {
      messages = s.session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), this.#o.now());
    } catch (e) {
      this.#lose(`broken frame from the backend: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const echo = s.session.takeEcho(this.#o.now());
    if (echo !== undefined) s.cork.write(echo);
    for (const m of messages) {
      if (this.#state.kind === 'hello') this.#onHello(m);
      else if (this.#state.kind === 'up') this.#onMessage(m);
      else return;
    }
  }

  #onHello(m: LinkMessage): void {
    const s = this.#state;
    if (s.kind !== 'hello') return;
    if (m.name === 'hello_reject') {
      this.#lose(`the backend refused this front: ${m.reason}`);
      return;
    }
    if (m.name !== 'hello_ack') {
      this.#lose(`expected hello_ack, got ${m.name}`);
      return;
    }
    if (m.version !== LINK_PROTOCOL_VERSION) {
      this.#lose(`the backend speaks link version ${m.version}, we speak ${LINK_PROTOCOL_VERSION}`);
      return;
    }
    clearTimeout(s.timer);
    this.#attempt = 0;
    this.#lastError = undefined;
    this.#state = { kind: 'up', socket: s.socket, cork: s.cork, session: s.session, ack: m };
    this.#o.handlers.up(m);
  }

  #onMessage(m: LinkMessage): void {
    if (m.name !== 'ecdh_result') {
      this.#o.handlers.message(m);
      return;
    }
    if (m.status === ECDH_STATUS.ok) {
      const p = this.#pending.get(m.requestId);
      if (p === undefined) return; // timed out already
      this.#pending.delete(m.requestId);
      p.resolve(Uint8Array.from(m.secret));
      m.secret.fill(0);
      return;
    }
    const why = m.status === ECDH_STATUS.rateLimited ? 'rate limited' : m.status === ECDH_STATUS.invalidPoint ? 'invalid point' : `status ${m.status}`;
    this.#settle(m.requestId, new LinkEcdhError('LINK_ECDH', `the backend refused ecdh_request ${m.requestId}: ${why}`));
  }

  #settle(requestId: number, e: Error): void {
    const p = this.#pending.get(requestId);
    if (p === undefined) return;
    this.#pending.delete(requestId);
    p.reject(e);
  }

  /** Rejects the ECDH requests whose deadline passed (the map is in request order, so oldest first). */
  #expireEcdh(now: number): void {
    for (const [id, p] of this.#pending) {
      if (p.deadline > now) return;
      this.#settle(id, new LinkEcdhError('LINK_ECDH', `the backend did not answer ecdh_request ${id} within ${ECDH_TIMEOUT_MS} ms`));
    }
  }

  #failPending(why: string): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, new LinkEcdhError('LINK_ECDH', why));
  }

  /** Drops the current socket (the 'close' handler then schedules the redial). */
  #lose(reason: string): void {
    this.#lastError = reason;
    const s = this.#state;
    if (s.kind === 'hello' || s.kind === 'up' || s.kind === 'connecting') s.socket?.destroy();
  }

  #closed(socket: TLSSocket): void {
    const s = this.#state;
    if ((s.kind !== 'connecting' && s.kind !== 'hello' && s.kind !== 'up') || s.socket !== socket) return;
    if (s.kind === 'hello') clearTimeout(s.timer);
    this.#failPending('the cluster link was lost');
    const reason = this.#lastError ?? 'the backend closed the link';
    if (s.kind === 'up') {
      this.#o.log.warn({ reason }, 'cluster link lost');
      this.#o.handlers.down(reason);
    }
    this.#retry(reason);
  }

  #retry(reason: string): void {
    this.#lastError = reason;
    if (this.#stopped) {
      this.#state = { kind: 'closed' };
      return;
    }
    // Exponential backoff with ±20 % jitter so a fleet of fronts does not redial in lockstep.
    const base = Math.min(this.#o.reconnectMaxMs, LINK_BACKOFF_INITIAL_MS * 2 ** Math.min(this.#attempt, 30));
    const delay = Math.round(base * (0.8 + 0.4 * Math.random()));
    this.#attempt += 1;
    this.#o.log.info({ reason, retryInMs: delay, attempt: this.#attempt }, 'backend unreachable; will redial');
    const timer = setTimeout(() => void this.#dial(), delay);
    timer.unref();
    this.#state = { kind: 'backoff', timer, until: this.#o.now() + delay };
  }

  #teardown(s: State): void {
    switch (s.kind) {
      case 'connecting':
        s.socket?.destroy();
        return;
      case 'hello':
        clearTimeout(s.timer);
        s.socket.destroy();
        return;
      case 'up':
        s.socket.destroy();
        return;
      case 'backoff':
        clearTimeout(s.timer);
        return;
      case 'closed':
        return;
      default:
        assertNever(s, 'link state');
    }
  }
}
