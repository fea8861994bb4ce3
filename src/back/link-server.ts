/**
 * @module back/link-server
 * The backend end of the cluster link (docs/cluster.md): a `node:tls` server that admits fronts.
 *
 * Admission, in order:
 *  1. TLS 1.3 handshake with the cluster CA (`backendServerOptions`). Handshake-time refusals (foreign
 *     CA, …) arrive as `tlsClientError` and are logged with `judgeTlsClientError`'s verdict.
 *  2. `checkFrontPeer`: chains to our CA, role `front`, not revoked. Refused fronts are logged and closed.
 *  3. `hello` within `HELLO_TIMEOUT_MS`: version must be `LINK_PROTOCOL_VERSION` and the front id
 *     unused by a live link, else `hello_reject` and close. Accepted: `hello_ack` with our node id,
 *     chain hash, init features and peer settings; the front enters the registry.
 * The revocation list is watched: on each reload every live link is checked again, and a newly
 * revoked front is dropped at once (its connections go down like any lost link).
 *
 * Does not: interpret post-hello messages (the owner's `onFrontMessage` does), or dial fronts.
 */
import { once } from 'node:events';
import type { FSWatcher } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { checkFrontPeer, judgeTlsClientError, type BackendTls } from '../cluster/tls.js';
import { LINK_PROTOCOL_VERSION, type LinkMessage, type LinkMessageNamed } from '../cluster/messages.js';
import type { LinkTiming } from '../cluster/session.js';
import { HELLO_TIMEOUT_MS } from './constants.js';
import { TokenBucket } from './ecdh.js';
import { LinkSocket } from './link.js';
import type { Front, FrontRegistry } from './fronts.js';
import { listenOn } from '../listen.js';

/** What the link server needs from its owner. */
export interface LinkServerDeps {
  readonly tls: BackendTls;
  readonly bind: string;
  /** 0 = ephemeral. */
  readonly port: number;
  readonly timing: LinkTiming;
  readonly now: () => number;
  readonly log: Logger;
  readonly fronts: FrontRegistry;
  /** The `hello_ack` every accepted front receives. */
  readonly helloAck: LinkMessageNamed<'hello_ack'>;
  readonly ecdhBucket: { readonly burst: number; readonly perSecond: number };
  onFrontUp(f: Front): void;
  onFrontMessage(f: Front, m: LinkMessage): void;
  onFrontDown(f: Front, reason: string): void;
  count(direction: 'in' | 'out', name: string): void;
}

/** The listening link server. */
export class LinkServer {
  readonly #server: Server;
  readonly #deps: LinkServerDeps;
  /** Every admitted socket (before and after hello), for revocation re-checks and shutdown. */
  readonly #links = new Map<TLSSocket, LinkSocket>();
  #watcher: FSWatcher | undefined;

  private constructor(deps: LinkServerDeps) {
    this.#deps = deps;
    this.#server = createServer(deps.tls.serverOptions, (s) => this.#admit(s));
    this.#server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      const v = judgeTlsClientError(err, socket);
      if (v.kind === 'rejected') deps.log.warn({ reason: v.reason, detail: v.detail, remote: socket?.remoteAddress }, 'front refused during TLS handshake');
    });
  }

  /** Binds and starts the revocation watch. */
  static async start(deps: LinkServerDeps): Promise<LinkServer> {
    const s = new LinkServer(deps);
    await listenOn(s.#server, deps.bind, deps.port, 'cluster.port');
    const trust = deps.tls.trust;
    if (trust.mode === 'ca') {
      s.#watcher = trust.revocations.watch((r) => {
        if (!r.ok) {
          deps.log.error({ err: r.error.message }, 'revocation list reload failed; the previous list stays in force');
          return;
        }
        deps.log.info({ entries: r.count }, 'revocation list reloaded');
        s.#recheck();
      });
    }
    return s;
  }

  /** The bound port. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Checks every live link against the current trust (after a revocation list change). */
  #recheck(): void {
    for (const [socket, link] of this.#links) {
      const v = checkFrontPeer(socket, this.#deps.tls.trust);
      if (v.kind === 'rejected') {
        this.#deps.log.warn({ reason: v.reason, detail: v.detail, serial: v.serial }, 'live front no longer trusted: dropping its link');
        link.close(`certificate ${v.reason}`);
      }
    }
  }

  #admit(socket: TLSSocket): void {
    const { log } = this.#deps;
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const v = checkFrontPeer(socket, this.#deps.tls.trust);
    if (v.kind === 'rejected') {
      log.warn({ reason: v.reason, detail: v.detail, serial: v.serial, remote }, 'front refused');
      socket.destroy();
      return;
    }
    let front: Front | undefined;
    const helloTimer = setTimeout(() => link.close(`no hello within ${HELLO_TIMEOUT_MS} ms`), HELLO_TIMEOUT_MS);
    helloTimer.unref();
    const link: LinkSocket = new LinkSocket(socket, this.#deps.timing, this.#deps.now, log.child({ remote }), {
      count: this.#deps.count,
      onMessage: (m) => {
        if (front !== undefined) {
          if (m.name === 'hello') link.close('second hello on a live link');
          else this.#deps.onFrontMessage(front, m);
          return;
        }
        if (m.name !== 'hello') {
          link.close(`expected hello first, got ${m.name}`);
          return;
        }
        clearTimeout(helloTimer);
        front = this.#hello(m, link, v, remote);
      },
      onClose: (reason) => {
        clearTimeout(helloTimer);
        this.#links.delete(socket);
        if (front !== undefined && this.#deps.fronts.remove(front)) {
          log.warn({ front: front.id, reason, connections: front.conns.size }, 'front link down');
          this.#deps.onFrontDown(front, reason);
        } else {
          log.info({ reason, remote }, 'link closed before hello');
        }
      },
    });
    this.#links.set(socket, link);
  }

  /** Handles `hello`: returns the registered front, or undefined after a `hello_reject`. */
  #hello(
    m: LinkMessageNamed<'hello'>,
    link: LinkSocket,
    v: { readonly name: string | undefined; readonly serial: string; readonly fingerprint: string },
    remote: string,
  ): Front | undefined {
    const { log, fronts } = this.#deps;
    const reject = (reason: string): undefined => {
      log.warn({ frontId: m.frontId, cert: v.name, reason, remote }, 'hello rejected');
      link.sendAndEnd({ name: 'hello_reject', reason, tlvs: {} }, `hello rejected: ${reason}`);
      return undefined;
    };
    if (m.version !== LINK_PROTOCOL_VERSION) {
      return reject(`link protocol version ${m.version} is not supported; this backend speaks version ${LINK_PROTOCOL_VERSION}`);
    }
    const id = m.frontId !== '' ? m.frontId : v.name;
    if (id === undefined) return reject('hello has an empty front id and the certificate names none');
    if (fronts.has(id)) return reject(`front id ${id} is already connected; give each front its own front.id`);
    const now = this.#deps.now();
    const front: Front = {
      id,
      certName: v.name,
      certSerial: v.serial,
      certFingerprint: v.fingerprint,
      remoteAddress: remote,
      connectedAt: now,
      link,
      conns: new Set(),
      ecdhBucket: new TokenBucket(this.#deps.ecdhBucket.burst, this.#deps.ecdhBucket.perSecond, now),
    };
    fronts.add(front);
    link.send(this.#deps.helloAck);
    log.info({ front: id, cert: v.name, remote }, 'front link up');
    this.#deps.onFrontUp(front);
    return front;
  }

  /** Stops listening, closes every link and the revocation watch. */
  async close(): Promise<void> {
    this.#watcher?.close();
    const closed = once(this.#server, 'close');
    this.#server.close();
    for (const link of [...this.#links.values()]) link.close('backend shutting down');
    await closed;
  }
}
