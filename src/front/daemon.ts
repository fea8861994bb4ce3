/**
 * @module front/daemon
 * The front daemon: `startFront(config)` → a running front (DESIGN §2, docs/cluster.md).
 *
 * Tour, in the order bytes flow:
 *
 * 1. **Link** (`./link-client.ts`): dial the backend over mutual TLS (`cluster/tls` options with the
 *    backend pin), `hello` → `hello_ack` (node id, chain hash, init features, peer settings). Redial
 *    with capped exponential backoff. The address comes from `resolveBackend()` on every dial:
 *    `cluster.backend-address` (`BACKEND_IP`) when set, else an mDNS browse for `_lnfleet._tcp`
 *    (`cluster.mdns`, `src/discovery`), so after a link loss the front browses again.
 * 2. **Peer server**: `net.createServer` on `front.listen`. A new socket is refused at once when
 *    `front.max-connections` (or the backend's `maxConnections`) is reached, or when the backend is
 *    unreachable and no front-side key can do the handshake ECDH.
 * 3. **Per connection**: a `PeerSocket` (I/O, backpressure) drives a `PeerConnection` (sans-I/O BOLT 8
 *    + BOLT 1). The handshake's static-key ECDH goes to the backend (`ecdh_request`) unless
 *    `front.key-provider` loads the key here. After `init`: `peer_attached` (both sides start with `initialCredit`); the
 *    backend answers `peer_attach_ack` (keep? channels? credit).
 * 4. **Messages**: BOLT 2 and unknown odd types → `peer_message` to the backend, spending credit
 *    (reading pauses at zero); the backend's `peer_message` → encrypted to the peer, credit granted
 *    back as our send buffer drains. Gossip (types 256–265) stays here: see 9.
 * 5. **Dials**: `connect_request` → TCP (or SOCKS5 for `.onion`) → BOLT 8 initiator → init →
 *    `connect_result` + `peer_attached`.
 * 6. **Link loss**: peers with channels are closed, channel-less ones stay (pings go on); new
 *    handshakes are refused; on redial every live connection is attached again.
 * 7. **Health** (`./health.ts`): `/healthz`, `/readyz`, `/metrics` on `front.health-listen` (plus
 *    `POST /vrrp`, keepalived's notify hook) and on `metrics.listen` when `metrics.enabled` (what the
 *    track script and LVS ask).
 * 8. **Board** (`./board.ts`): LEDs and status pin follow the link state, keepalived's role and health.
 * 9. **Gossip** (`./gossip.ts`): at each link-up the backend streams the graph (`graph_snapshot_chunk`s);
 *    the front is ready (`/readyz`, new peers) only after the final chunk. Peer gossip goes through the
 *    `FrontRouter` (verify, dedup, one `gossip_forward`, release), queries and timestamp filters are
 *    answered from the copy, accepted gossip (`graph_event`) is rebroadcast on the daemon's timer.
 *    Signatures are checked on `front.verify-threads` worker threads (`VerifyPool`, started at the
 *    first link-up, terminated by `close()`) ahead of the router, or inline by the router without.
 *
 * Does not: import `src/back`, or hold state worth backing up.
 */
import { X509Certificate } from 'node:crypto';
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { availableParallelism, hostname, networkInterfaces } from 'node:os';
import type { Server as HttpServer } from 'node:http';
import type { LoadedConfig } from '../config/index.js';
import { assertNever } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { CreditLedger } from '../cluster/session.js';
import { identityFromSan } from '../cluster/pki.js';
import { loadFrontTls, tlsPathsFromConfig } from '../cluster/tls.js';
import type { LinkMessage, LinkMessageNamed } from '../cluster/messages.js';
import { keySourceFromConfig, loadNodeKey, type NodeKey } from '../keys/index.js';
import type { StaticEcdh } from '../noise/index.js';
import { staleVrrpReport, type VrrpRole } from '../board/index.js';
import { resolveBackend as discoverBackend, type ResolveOptions } from '../discovery/index.js';
import { DIAL_TIMEOUT_MS, TICK_INTERVAL_MS } from './constants.js';
import { FrontBoard, type FrontBoardOptions } from './board.js';
import { startHealthServer, type FrontStatus, type HealthServer } from './health.js';
import { LinkClient, type BackendAddress, type HelloAck, type LinkStateName, type ResolveBackend } from './link-client.js';
import { FrontMetrics, registerVerifyMetrics } from './metrics.js';
import { PeerConnection, type PeerTimings } from './peer-fsm.js';
import { PeerSocket, type PeerSocketHooks } from './peer-socket.js';
import { remoteAddrDescriptor } from './remote-addr.js';
import { socks5Connect } from './socks5.js';
import { FrontGossip } from './gossip.js';
import { activeEngine } from '../crypto/engines.js';
import { inlineStats, verifyThreadsFor, VerifyPool } from '../gossip/verify-pool.js';
import { listenOn } from '../listen.js';

/** Options of {@link startFront}; all optional, for tests and embedding. */
export interface StartFrontOptions {
  readonly logger?: Logger;
  /** Clock in ms (default `Date.now`). */
  readonly now?: () => number;
  /** Overrides how the backend is found (default: `cluster.backend-address`:`cluster.port`). */
  readonly resolveBackend?: ResolveBackend;
  /** Overrides `front.listen` (tests use port 0). */
  readonly peerListen?: { readonly host: string; readonly port: number };
  /** Overrides `front.health-listen` (tests use port 0). */
  readonly healthListen?: { readonly host: string; readonly port: number };
  /** Overrides `metrics.listen` (tests use port 0); `null` serves no metrics listener. */
  readonly metricsListen?: { readonly host: string; readonly port: number } | null;
  /** GPIO provider and health source of the board (tests). */
  readonly board?: FrontBoardOptions;
  /** Where a front-side key provider reads `NODE_PRIV_KEY` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Rebroadcast batch interval and largest per-peer delay instead of the BOLT 7-sized defaults (tests). */
  readonly rebroadcast?: { readonly intervalMs: number; readonly maxPeerDelayMs: number };
}

/** What `status()` reports. */
export type FrontHandleStatus = FrontStatus;

/** A running front. */
export interface FrontHandle {
  /** The front id sent in `hello`. */
  readonly id: string;
  /** The port peers connect to. */
  readonly peerPort: number;
  /** The health endpoint's port. */
  readonly healthPort: number;
  /** The `metrics.listen` port, when that listener runs. */
  readonly metricsPort: number | undefined;
  /** The front's metrics registry. */
  readonly metrics: FrontMetrics;
  /** Link state, connections, readiness. */
  status(): FrontHandleStatus;
  /** Stops everything: link, listeners, every peer socket. */
  close(): Promise<void>;
}

/** Options of {@link resolveBackendFromConfig}. */
export interface ResolveFromConfigOptions {
  readonly log?: Logger | undefined;
  /** Aborts a browse in progress (the front's `close()`). */
  readonly signal?: AbortSignal | undefined;
  /** The mDNS browse (tests inject a fake; default `findBackend`). */
  readonly find?: ResolveOptions['find'];
  /** Called with each answer (the daemon shows it in `/healthz`). */
  readonly onFound?: ((source: 'config' | 'mdns', addr: BackendAddress) => void) | undefined;
}

/**
 * The default `resolveBackend`, asked on every dial: `cluster.backend-address` (`BACKEND_IP`) when set;
 * else, with `cluster.mdns` on, one mDNS browse (`RESOLVE_ATTEMPT_MS`) for a backend of our cluster CA
 * (the link client retries with backoff when none answers, so a link loss browses again); else it
 * rejects with `DISCOVERY_DISABLED`. An mDNS answer is a hint: the mutual TLS check decides.
 */
export function resolveBackendFromConfig(config: LoadedConfig, o: ResolveFromConfigOptions = {}): ResolveBackend {
  return async (): Promise<BackendAddress> => {
    const r = await discoverBackend(config.values, { log: o.log, signal: o.signal, find: o.find, maxAttempts: 1 });
    if (r.source === 'mdns') {
      o.log?.info({ instance: r.backend.name, host: r.host, port: r.port, nodeId: r.backend.txt.nodeId }, 'backend found by mDNS; dialling it');
    }
    const addr = { host: r.host, port: r.port };
    o.onFound?.(r.source, addr);
    return addr;
  };
}

/** The front id: `front.id`, else the name in our certificate, else the host name. */
function frontIdOf(config: LoadedConfig, certPem: string | undefined): string {
  const configured = config.values['front.id'];
  if (configured !== undefined) return configured;
  if (certPem !== undefined) {
    const id = identityFromSan(new X509Certificate(certPem).subjectAltName);
    if (id !== undefined) return id.name;
  }
  return hostname();
}

/** Starts a front from its configuration. Resolves once both listeners are up (the link dials in the background). */
export async function startFront(config: LoadedConfig, opts: StartFrontOptions = {}): Promise<FrontHandle> {
  const v = config.values;
  const log = opts.logger ?? createLogger('front', v['log.level']);
  const now = opts.now ?? Date.now;
  const tls = loadFrontTls(tlsPathsFromConfig(config));
  const id = frontIdOf(config, typeof tls.cert === 'string' ? tls.cert : undefined);
  const source = keySourceFromConfig(config, opts.env ?? process.env);
  const frontKey: NodeKey | undefined = source === undefined ? undefined : await loadNodeKey(source, { expectedNodeId: v['node.pub-key'] });
  const engine = activeEngine();
  const verifyThreads = verifyThreadsFor(v['front.verify-threads'], availableParallelism());
  const verifyPool = verifyThreads > 0 ? new VerifyPool({ threads: verifyThreads, engine, log: log.child({ component: 'verify' }) }) : undefined;
  const front = new Front(config, log.child({ frontId: id }), now, frontKey, id, opts.rebroadcast, verifyPool);
  registerVerifyMetrics(front.metrics.registry, () => verifyPool?.stats());
  front.board = new FrontBoard(config, log, front.metrics.registry, opts.board);
  const stopResolving = new AbortController();
  const link = new LinkClient({
    tls,
    resolveBackend: opts.resolveBackend ?? resolveBackendFromConfig(config, {
      log: log.child({ component: 'discovery' }),
      signal: stopResolving.signal,
      onFound: (source, a) => { front.backend = `${a.host}:${a.port} (${source})`; },
    }),
    frontId: id,
    timing: { heartbeatMs: v['cluster.heartbeat-ms'], peerTimeoutMs: v['cluster.peer-timeout-ms'] },
    reconnectMaxMs: v['cluster.reconnect-max-ms'],
    localAddress: v['cluster.local-address'],
    log: log.child({ component: 'link' }),
    now,
    handlers: front.linkHandlers(),
  });
  front.link = link;
  const peerListen = opts.peerListen ?? v['front.listen'];
  const server = createServer({ pauseOnConnect: false }, (s) => front.accept(s));
  const http: HealthServer[] = [];
  try {
    await listenOn(server, peerListen.host, peerListen.port, 'front.listen');
    const handlers = { status: () => front.status(), registry: front.metrics.registry };
    http.push(await startHealthServer(opts.healthListen ?? v['front.health-listen'], { ...handlers, vrrp: (r) => front.vrrp(r) }));
    const metricsListen = opts.metricsListen !== undefined ? opts.metricsListen : v['metrics.enabled'] ? v['metrics.listen'] : null;
    if (metricsListen !== null) http.push(await startHealthServer(metricsListen, handlers, 'metrics.listen'));
  } catch (e) {
    server.close();
    for (const h of http) h.server.close();
    front.board.close();
    await verifyPool?.close();
    throw e;
  }
  const ticker = setInterval(() => front.tick(), TICK_INTERVAL_MS);
  ticker.unref();
  link.start();
  const peerPort = (server.address() as AddressInfo).port;
  const [health, metricsServer] = http as [HealthServer, HealthServer | undefined];
  log.info({ frontId: id, peerPort, healthPort: health.port, metricsPort: metricsServer?.port, keyProvider: v['front.key-provider'], verifyThreads, engine: engine.name },
    `front started (gossip signatures: ${verifyThreads > 0 ? `${verifyThreads} verification thread${verifyThreads === 1 ? '' : 's'}` : 'inline'}, ${engine.name} secp256k1)`);
  return {
    id,
    peerPort,
    healthPort: health.port,
    metricsPort: metricsServer?.port,
    metrics: front.metrics,
    status: () => front.status(),
    close: () => { stopResolving.abort(new Error('front closing')); return front.close(server, http.map((h) => h.server), ticker); },
  };
}

/** The daemon's state and its reactions; `startFront` wires it to sockets and timers. */
class Front {
  link!: LinkClient;
  board!: FrontBoard;
  /** Where the backend was last found, for `/healthz`. */
  backend: string | undefined;
  readonly metrics = new FrontMetrics();
  readonly #config: LoadedConfig;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #key: NodeKey | undefined;
  readonly #id: string;
  readonly #peers = new Map<number, PeerSocket>();
  readonly #credit = new CreditLedger();
  /** conn → requestId of a dial whose `connect_result` is not sent yet. */
  readonly #dials = new Map<number, number>();
  #ack: HelloAck | undefined;
  /** Created at the first link-up (it needs the chain hash and node id of `hello_ack`). */
  #gossip: FrontGossip | undefined;
  #nextConn = 1;
  #closing = false;

  readonly #rebroadcast: StartFrontOptions['rebroadcast'];
  /** Signature-verification threads, or undefined when the router verifies inline. */
  readonly #verifyPool: VerifyPool | undefined;

  constructor(config: LoadedConfig, log: Logger, now: () => number, key: NodeKey | undefined, id: string, rebroadcast: StartFrontOptions['rebroadcast'], verifyPool: VerifyPool | undefined) {
    this.#rebroadcast = rebroadcast;
    this.#verifyPool = verifyPool;
    this.#config = config;
    this.#log = log;
    this.#now = now;
    this.#key = key;
    this.#id = id;
  }

  status(): FrontStatus {
    const linkState: LinkStateName = this.link.state;
    const graphReady = this.#gossip?.ready === true;
    const ready = linkState === 'up' && graphReady;
    return {
      id: this.#id,
      link: linkState,
      linkError: this.link.lastError,
      linkRttMs: this.link.rttMs,
      backend: this.backend,
      connections: this.#peers.size,
      ready,
      notReadyBecause: ready ? undefined : linkState === 'up' ? this.#snapshotProgress()
        : `cluster link is ${linkState}${this.link.lastError ? ` (${this.link.lastError})` : ''}`,
      board: this.board.snapshot(),
      degraded: this.board.health()?.degraded ?? [],
      gossipVerify: this.#verifyPool?.stats() ?? inlineStats(activeEngine().name),
    };
  }

  #snapshotProgress(): string {
    const p = this.#gossip?.progress();
    return p === undefined ? 'graph snapshot not started' : `graph snapshot in progress (${p.chunks} chunks, ${p.channels} channels so far)`;
  }

  /** keepalived's new role (`POST /vrrp` from the notify hook). */
  vrrp(role: VrrpRole): void {
    const vip = this.#config.values['network.vip'];
    const ifname = this.#config.values['network.interface'];
    if (vip !== null && vip !== undefined) {
      const addresses = (networkInterfaces()[ifname] ?? []).map((a) => a.address);
      if (staleVrrpReport(role, vip, addresses)) {
        this.#log.info({ role, vip, interface: ifname }, 'stale VRRP role report ignored (the VIP says otherwise; a later hook carries the current role)');
        return;
      }
    }
    this.#log.info({ role }, 'keepalived reports a VRRP role');
    this.board.vrrp(role);
  }

  linkHandlers() {
    return {
      up: (ack: HelloAck) => this.#linkUp(ack),
      down: (reason: string) => this.#linkDown(reason),
      message: (m: LinkMessage) => this.#linkMessage(m),
      drain: () => { for (const p of this.#peers.values()) p.resume('link'); },
    };
  }

  tick(): void {
    this.link.tick();
    if (!this.#closing) this.board.link(this.link.state);
    const now = this.#now();
    for (const p of [...this.#peers.values()]) p.event({ kind: 'tick', now });
    this.#gossip?.tick();
  }

  /** A peer connected to us. */
  accept(socket: Socket): void {
    const refuse = this.#refusal();
    if (refuse !== undefined) {
      this.#log.debug({ peer: `${socket.remoteAddress}:${socket.remotePort}`, reason: refuse }, 'refused a peer connection');
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const remoteAddr = this.#config.values['front.remote-addr'] && this.#ack!.sendRemoteAddr
      ? remoteAddrDescriptor(socket.remoteAddress, socket.remotePort) : undefined;
    const fsm = PeerConnection.inbound(this.#fsmOptions(remoteAddr));
    this.#adopt(socket, fsm);
  }

  /** Why a new connection cannot be taken now, or undefined. */
  #refusal(): string | undefined {
    if (this.#closing) return 'shutting down';
    const max = Math.min(this.#config.values['front.max-connections'], this.#ack?.maxConnections || Infinity);
    if (this.#peers.size >= max) return `max connections (${max}) reached`;
    if (this.#ack === undefined) return 'the backend has never been reached (no node id, features or settings yet)';
    // DESIGN §4: a front never answers queries from an empty graph.
    if (this.link.state === 'up' ? this.#gossip?.ready !== true : this.#gossip?.everReady !== true) return 'the graph snapshot is not complete yet';
    if (this.link.state !== 'up' && this.#key === undefined) return 'the backend is unreachable and this front has no node key for the handshake';
    return undefined;
  }

  #fsmOptions(remoteAddr: Uint8Array | undefined) {
    const ack = this.#ack!;
    const timings: PeerTimings = {
      pingIntervalMs: ack.pingIntervalMs,
      pongTimeoutMs: ack.pongTimeoutMs,
      handshakeTimeoutMs: ack.handshakeTimeoutMs,
      initTimeoutMs: ack.initTimeoutMs,
    };
    const key = this.#key;
    const staticEcdh: StaticEcdh = key !== undefined ? (p) => key.ecdh(p) : (p) => this.link.ecdh(p);
    const conn = this.#nextConn;
    this.#nextConn = (this.#nextConn % 0xffffffff) + 1;
    return {
      conn,
      localNodeId: ack.nodeId,
      staticEcdh,
      timings,
      ourInit: { features: ack.initFeatures, chainHash: ack.chainHash, remoteAddr },
      credit: this.#credit,
      now: this.#now(),
    };
  }

  #adopt(socket: Socket, fsm: PeerConnection): PeerSocket {
    // One child logger for all peers (a pino child per connection cost a few µs and an object each).
    this.#peerLog ??= this.#log.child({ component: 'peer' });
    const p = new PeerSocket(socket, fsm, this.#hooks, this.#peerLog, this.#now);
    this.#peers.set(fsm.conn, p);
    this.metrics.peerConnections.set(this.#peers.size);
    if (this.link.congested) p.pause('link');
    return p;
  }

  #peerLog: Logger | undefined;

  readonly #hooks: PeerSocketHooks = {
    attach: (p, a) => {
      this.#gossip?.peerUp(p);
      if (this.link.state !== 'up') return; // re-attached on the next link up
      const requestId = this.#dials.get(p.conn);
      if (requestId !== undefined) {
        this.#dials.delete(p.conn);
        this.link.send({ name: 'connect_result', requestId, ok: true, conn: p.conn, error: '', tlvs: {} });
      }
      this.link.send({
        name: 'peer_attached', conn: p.conn, nodeId: a.nodeId, remoteAddress: p.remoteAddress, outbound: p.fsm.direction === 'outbound',
        theirInit: a.theirInit, ourInit: a.ourInit, tlvs: {},
      });
      // The backend starts with `hello_ack.initialCredit` messages for this connection (docs/cluster.md
      // "Flow control"): that is our implicit initial grant; `credit` frames follow as writes drain.
      p.attachedOnLink = true;
    },
    forward: (p, message, type) => {
      if (!this.link.send({ name: 'peer_message', conn: p.conn, message, tlvs: {} })) return;
      this.metrics.message('in', type);
      if (this.link.congested) for (const q of this.#peers.values()) q.pause('link');
    },
    gossip: (p, message) => this.#gossip?.onPeerGossip(p, message, (message[0]! << 8) | message[1]!),
    grantCredit: (p, n) => { if (p.attachedOnLink) this.link.send({ name: 'credit', conn: p.conn, messages: n, tlvs: {} }); },
    creditWindow: () => this.#ack?.initialCredit ?? 0,
    received: (type, handling) => { if (handling !== 'forward') this.metrics.message('in', type); },
    sent: (type) => this.metrics.message('out', type),
    closed: (p, reason) => {
      if (this.#peers.get(p.conn) === p) this.#peers.delete(p.conn);
      this.#credit.delete(p.conn);
      this.#gossip?.peerClosed(p.conn);
      this.metrics.peerConnections.set(this.#peers.size);
      const requestId = this.#dials.get(p.conn);
      if (requestId !== undefined) {
        this.#dials.delete(p.conn);
        this.link.send({ name: 'connect_result', requestId, ok: false, conn: p.conn, error: reason, tlvs: {} });
      }
      if (p.attachedOnLink) this.link.send({ name: 'peer_detached', conn: p.conn, reason, tlvs: {} });
    },
  };

  #linkUp(ack: HelloAck): void {
    if (this.#key !== undefined && !equal(this.#key.nodeId, ack.nodeId)) {
      this.#log.error({ ours: this.#key.nodeIdHex, backend: hex(ack.nodeId) }, 'the backend serves another node id than our front-side key; ignoring the key would be wrong, closing the link');
      this.link.close();
      return;
    }
    const first = this.#ack === undefined;
    this.#ack = ack;
    this.#verifyPool?.start(); // at the first link-up: off the start-up path, before any gossip can come
    this.#gossip ??= new FrontGossip({
      chainHash: ack.chainHash, ourNodeId: ack.nodeId, engine: activeEngine(), log: this.#log.child({ component: 'gossip' }), now: this.#now,
      send: (m) => this.link.send(m), linkUp: () => this.link.state === 'up', registry: this.metrics.registry, rebroadcast: this.#rebroadcast,
      verifier: this.#verifyPool,
    });
    this.#gossip.linkUp();
    this.metrics.linkUp.set(1);
    this.board.link('up');
    this.#log.info({ nodeId: hex(ack.nodeId), chainHash: hex(ack.chainHash), reattach: this.#peers.size }, first ? 'cluster link up' : 'cluster link up again; re-attaching connections');
    for (const p of [...this.#peers.values()]) {
      p.attachedOnLink = false;
      p.event({ kind: 'linkUp' });
    }
  }

  #linkDown(reason: string): void {
    this.metrics.linkUp.set(0);
    this.#gossip?.linkDown();
    if (!this.#closing) this.board.link('backoff');
    this.#log.warn({ reason, connections: this.#peers.size }, 'cluster link down: closing peers with channels, keeping the others');
    for (const p of [...this.#peers.values()]) {
      p.attachedOnLink = false;
      p.event({ kind: 'linkDown' });
    }
    for (const [conn, requestId] of this.#dials) {
      this.#dials.delete(conn);
      this.#peers.get(conn)?.destroy(`dial ${requestId} abandoned: link lost`);
    }
  }

  #linkMessage(m: LinkMessage): void {
    const now = this.#now();
    switch (m.name) {
      case 'peer_attach_ack':
        this.#peer(m.conn, m.name)?.event({ kind: 'attachAck', accepted: m.accepted, hasChannels: m.hasChannels, credit: m.credit, now });
        this.#gossip?.peerChannels(m.conn, m.hasChannels);
        return;
      case 'peer_message':
        this.#peer(m.conn, m.name)?.event({ kind: 'fromBackend', message: m.message });
        return;
      case 'credit':
        this.#peer(m.conn, m.name)?.event({ kind: 'credit', messages: m.messages, now });
        return;
      case 'disconnect':
        this.#peer(m.conn, m.name)?.event({ kind: 'disconnect', reason: m.reason, sendFirst: m.tlvs.sendFirst });
        return;
      case 'connect_request':
        void this.#dial(m);
        return;
      case 'gossip_decision':
      case 'graph_snapshot_chunk':
      case 'graph_event':
      case 'sync_request':
        this.#gossipMessage(m);
        return;
      case 'hello':
      case 'hello_ack':
      case 'hello_reject':
      case 'heartbeat':
      case 'ecdh_request':
      case 'ecdh_result':
      case 'peer_attached':
      case 'peer_detached':
      case 'connect_result':
      case 'gossip_forward':
        this.#log.warn({ message: m.name }, 'ignoring a link message a backend must not send');
        return;
      default:
        assertNever(m, 'link message');
    }
  }

  #gossipMessage(m: LinkMessageNamed<'gossip_decision' | 'graph_snapshot_chunk' | 'graph_event' | 'sync_request'>): void {
    if (this.#gossip === undefined) this.#log.warn({ message: m.name }, 'gossip link message before hello_ack ignored');
    else this.#gossip.onLinkMessage(m);
  }

  #peer(conn: number, what: string): PeerSocket | undefined {
    const p = this.#peers.get(conn);
    if (p === undefined) this.#log.debug({ conn, message: what }, 'link message for a connection that is gone');
    return p;
  }

  async #dial(m: LinkMessageNamed<'connect_request'>): Promise<void> {
    const fail = (error: string) => {
      this.#log.info({ requestId: m.requestId, host: m.host, port: m.port, error }, 'outgoing dial failed');
      this.link.send({ name: 'connect_result', requestId: m.requestId, ok: false, conn: 0, error, tlvs: {} });
    };
    const refuse = this.#refusal();
    if (refuse !== undefined) return fail(refuse);
    const proxy = this.#config.values['front.socks5-proxy'];
    let socket: Socket;
    try {
      if (m.host.endsWith('.onion')) {
        if (proxy === undefined) return fail('onion address but front.socks5-proxy is not set');
        socket = await socks5Connect(proxy, m.host, m.port, DIAL_TIMEOUT_MS);
      } else {
        socket = await tcpConnect(m.host, m.port, DIAL_TIMEOUT_MS);
      }
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
    if (this.#closing || this.#ack === undefined) {
      socket.destroy();
      return fail('shutting down');
    }
    const { peer, actions } = PeerConnection.outbound({ ...this.#fsmOptions(undefined), remoteNodeId: m.nodeId });
    this.#dials.set(peer.conn, m.requestId);
    this.#adopt(socket, peer).apply(actions);
  }

  async close(server: Server, http: readonly HttpServer[], ticker: NodeJS.Timeout): Promise<void> {
    this.#closing = true;
    clearInterval(ticker);
    this.link.close();
    for (const p of [...this.#peers.values()]) p.destroy('front shutting down');
    const done = Promise.all([
      new Promise<void>((r) => server.close(() => r())),
      ...http.map((h) => new Promise<void>((r) => h.close(() => r()))),
    ]);
    for (const h of http) h.closeAllConnections();
    await done;
    await this.#verifyPool?.close();
    this.board.close();
    this.#key?.destroy();
    this.#log.info('front stopped');
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port });
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`)));
    s.once('error', reject);
    s.once('connect', () => {
      s.off('error', reject);
      s.setTimeout(0);
      resolve(s);
    });
  });
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}
