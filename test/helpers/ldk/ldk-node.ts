/**
 * @module test/helpers/ldk/ldk-node
 * `LdkNode`: a real LDK 0.1 Lightning peer running in-process, on loopback, for interop tests.
 *
 * Tour: `start()` loads the WASM once and builds the object graph (`components.ts`); `listen()` and
 * `connect()` bridge `net.Socket`s into LDK's `PeerManager` (`socket-bridge.ts`); an unref'd interval
 * calls `timer_tick_occurred` (LDK pings each tick and drops peers that did not answer by the next);
 * after every read and tick the node drains `ChannelManager` events into `events` and applies its
 * inbound-channel policy. Tests then wait, bounded, on peers, events and log lines.
 *
 * What LDK demands of a connecting peer's `init` is written down in `init-requirements.ts`.
 *
 * With `chain` hooks (`regtest.ts`) it also runs channels through `channels` (`ldk-channels.ts`):
 * blocks in, funding, list, close, force close, sweeps, fee rate changes (`update_fee`). Channel
 * monitors are kept in memory (`ldk.monitors`).
 *
 * Does not: route payments, persist anything to disk, or listen beyond 127.0.0.1.
 */
import * as net from 'node:net';
import * as ldk from 'lightningdevkit';
import { fromDisplayHex } from '../../../src/chain/bitcoin.js';
import { buildLdkComponents, type LdkComponents } from './components.js';
import { CONNECT_TIMEOUT_MS, DEFAULT_TICK_INTERVAL_MS, DEFAULT_WAIT_TIMEOUT_MS, MAX_EVENTS, MAX_LOG_LINES,
  STOP_TIMEOUT_MS } from './constants.js';
import { LdkHarnessError } from './errors.js';
import { apiErrorText, recordEvent, type LdkEventRecord } from './events.js';
import { featureBitsFromLeFlags, type LdkNetworkName } from './init-requirements.js';
import { LdkChannels, LdkFeeRates, type LdkChainHooks } from './ldk-channels.js';
import { parseNodeId } from './node-id.js';
import { SocketBridge } from './socket-bridge.js';
import { waitUntil } from './wait.js';
import { ensureLdkLoaded } from './wasm.js';

/** What the node does with an inbound `open_channel`. */
export type InboundChannelPolicy =
  /** LDK's default: accept on its own (no `Event_OpenChannelRequest`). */
  | { readonly kind: 'ldkDefault' }
  /** Raise `Event_OpenChannelRequest`, then accept it. */
  | { readonly kind: 'accept' }
  /** Raise `Event_OpenChannelRequest`, then reject it: LDK answers `open_channel` with `error(message)`. */
  | { readonly kind: 'reject'; readonly message: string };

/** Options of {@link LdkNode.start}. */
export interface LdkNodeOptions {
  /** 32-byte seed of LDK's KeysManager (fixes the node id). Random when absent. */
  readonly seed?: Uint8Array;
  /** Chain the node runs on: sets the chain hash LDK sends and requires in `init`'s `networks`. */
  readonly network: LdkNetworkName;
  /** Label for log echo and test messages. Default `ldk`. */
  readonly alias?: string;
  /** Interval of `PeerManager.timer_tick_occurred`, ms. Default {@link DEFAULT_TICK_INTERVAL_MS}. */
  readonly tickIntervalMs?: number;
  /** Inbound channel handling. Default `{ kind: 'ldkDefault' }`. */
  readonly inboundChannels?: InboundChannelPolicy;
  /** Also print every LDK log line to stderr (debugging aid). Default false. */
  readonly echoLogs?: boolean;
  /**
   * The chain the node follows (start tip, broadcast, funding, sweep destination); see `regtest.ts`.
   * Without it the node starts at genesis and can neither fund nor sweep.
   */
  readonly chain?: LdkChainHooks;
  /** Confirmations the node asks of channels it accepts (`minimum_depth`). Default LDK's (6). */
  readonly minimumDepth?: number;
  /**
   * Offer and accept anchor channels (`option_anchors_zero_fee_htlc_tx`). LDK accepts an inbound
   * anchor channel only under a manual `inboundChannels` policy. Default false.
   */
  readonly anchors?: boolean;
  /** Starting answer of the fee estimator, sat per 1000 weight (see `channels.setFeeRate`). Default 253. */
  readonly feeRatePerKw?: number;
}

/** Result of {@link LdkNode.openChannel}: LDK's `create_channel` outcome. */
export type OpenChannelResult =
  | { readonly ok: true; readonly temporaryChannelId: string }
  | { readonly ok: false; readonly error: string };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '::1', 'localhost']);

/** LDK's optional remote address for a socket (sent back in LDK's `init` as `remote_addr`). */
function remoteAddress(socket: net.Socket): ldk.Option_SocketAddressZ {
  const ip = socket.remoteAddress;
  const port = socket.remotePort;
  if (ip === undefined || port === undefined || !net.isIPv4(ip)) return ldk.Option_SocketAddressZ.constructor_none();
  const octets = new Uint8Array(ip.split('.').map(Number));
  return ldk.Option_SocketAddressZ.constructor_some(ldk.SocketAddress.constructor_tcp_ip_v4(octets, port));
}

/** A real LDK peer for tests. Create with {@link LdkNode.start}; always `await stop()` at the end. */
export class LdkNode {
  /** Our node id, 33-byte compressed public key in hex. */
  readonly nodeId: string;
  /** Label given at start. */
  readonly alias: string;
  /** Chain the node runs on. */
  readonly network: LdkNetworkName;
  /** Whether the node offers and accepts anchor channels. */
  readonly anchors: boolean;
  /** The LDK objects, for tests that need more than this class offers. */
  readonly ldk: LdkComponents;
  /** Channel operations (funding, list, close, force close, sweeps). */
  readonly channels: LdkChannels;
  private readonly logLines: string[] = [];
  private readonly eventRecords: LdkEventRecord[] = [];
  private readonly broadcastTxs: Uint8Array[] = [];
  private readonly bridges = new Set<SocketBridge>();
  private readonly pendingSockets = new Set<net.Socket>();
  private readonly policy: InboundChannelPolicy;
  private readonly ticker: NodeJS.Timeout;
  private server: net.Server | undefined;
  private nextDescriptorId = 1n;
  private nextUserChannelId = 1n;
  private tickCount = 0;
  private stopped = false;

  private constructor(opts: LdkNodeOptions) {
    this.alias = opts.alias ?? 'ldk';
    this.network = opts.network;
    this.anchors = opts.anchors ?? false;
    this.policy = opts.inboundChannels ?? { kind: 'ldkDefault' };
    const echo = opts.echoLogs ?? false;
    // Every transaction this node sends (LDK's broadcaster, sweeps, bumped commitments) is recorded.
    const send = (tx: Uint8Array): void => {
      if (this.broadcastTxs.push(tx) > MAX_EVENTS) this.broadcastTxs.shift();
      opts.chain?.broadcast(tx);
    };
    const chain = opts.chain === undefined ? undefined : { ...opts.chain, broadcast: send };
    const fees = new LdkFeeRates(opts.feeRatePerKw);
    this.ldk = buildLdkComponents({
      seed: opts.seed,
      network: opts.network,
      manuallyAcceptInboundChannels: this.policy.kind !== 'ldkDefault',
      onLog: (_level, line) => this.note(line, echo),
      onBroadcast: send,
      feeRate: (target) => fees.forTarget(target),
      bestBlock: chain === undefined ? undefined : { hash: fromDisplayHex(chain.bestBlock.hashHex), height: chain.bestBlock.height },
      minimumDepth: opts.minimumDepth,
      anchors: opts.anchors,
    });
    this.channels = new LdkChannels({
      components: this.ldk, hooks: chain, fees, note: (line) => this.note(line, echo),
      flush: () => { this.ldk.peerManager.process_events(); this.drainEvents(); }, isStopped: () => this.stopped,
    });
    this.nodeId = hex(this.ldk.channelManager.get_our_node_id());
    // Only PeerManager ticks here. ChannelManager.timer_tick_occurred is left out on purpose: it counts
    // ~1-minute ticks to age unfunded channels out, which a fast test tick would make fire in seconds.
    this.ticker = setInterval(() => this.tick(), opts.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS);
    this.ticker.unref();
  }

  private note(line: string, echo: boolean): void {
    if (this.logLines.push(line) > MAX_LOG_LINES) this.logLines.shift();
    if (echo) process.stderr.write(`[${this.alias}] ${line}\n`);
  }

  /** Loads LDK (once per process) and starts a node. It listens nowhere until {@link listen}. */
  static async start(opts: LdkNodeOptions): Promise<LdkNode> {
    if (opts.seed !== undefined && opts.seed.length !== 32) {
      throw new RangeError(`LdkNode seed must be 32 bytes, got ${opts.seed.length}`);
    }
    await ensureLdkLoaded();
    return new LdkNode(opts);
  }

  /** LDK log lines so far, oldest first (bounded by MAX_LOG_LINES). */
  get logs(): readonly string[] { return this.logLines; }

  /** Recorded `ChannelManager` events so far, oldest first (bounded by MAX_EVENTS). */
  get events(): readonly LdkEventRecord[] { return this.eventRecords; }

  /** Transactions the node broadcast (LDK's own, sweeps, bumped commitments), oldest first. */
  get broadcasts(): readonly Uint8Array[] { return this.broadcastTxs; }

  /** Number of timer ticks run so far (interval or {@link tick}). */
  get ticks(): number { return this.tickCount; }

  /** Chain hash (wire byte order, hex) LDK puts in `init`'s `networks` TLV and requires from peers. */
  get chainHashHex(): string {
    return hex(ldk.BestBlock.constructor_from_network(this.ldk.network).get_block_hash());
  }

  /**
   * Feature bits LDK sets in its own `init` (union of the channel and gossip handlers' init features;
   * the onion and custom handlers are IgnoringMessageHandler and add none). Even bits are the ones a
   * peer must offer, see `init-requirements.ts`.
   */
  initFeatureBits(): number[] {
    const me = this.ldk.channelManager.get_our_node_id();
    const bits = new Set([
      ...featureBitsFromLeFlags(this.ldk.channelManager.as_ChannelMessageHandler().provided_init_features(me).le_flags()),
      ...featureBitsFromLeFlags(this.ldk.gossipSync.as_RoutingMessageHandler().provided_init_features(me).le_flags()),
    ]);
    return [...bits].sort((a, b) => a - b);
  }

  /** Accepts inbound connections on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
  listen(port = 0): Promise<number> {
    if (this.stopped) return Promise.reject(new LdkHarnessError('stopped', `${this.alias} is stopped`));
    if (this.server !== undefined) return Promise.reject(new Error(`${this.alias} is already listening`));
    const server = net.createServer((socket) => this.acceptInbound(socket));
    this.server = server;
    return new Promise<number>((resolve, reject) => {
      server.once('error', (err) => { this.server = undefined; reject(err); });
      server.listen(port, '127.0.0.1', () => {
        server.removeAllListeners('error');
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private acceptInbound(socket: net.Socket): void {
    if (this.stopped) { socket.destroy(); return; }
    const bridge = this.bridge(socket);
    if (!this.ldk.peerManager.new_inbound_connection(bridge.descriptor, remoteAddress(socket)).is_ok()) {
      socket.destroy();
    }
  }

  /**
   * Opens a TCP connection to a loopback `host:port` and starts the BOLT 8 handshake towards
   * `nodeIdHex` (writes act one). Resolves once act one is sent; use {@link waitForPeer} for `init`.
   */
  async connect(nodeIdHex: string, host: string, port: number): Promise<void> {
    if (this.stopped) throw new LdkHarnessError('stopped', `${this.alias} is stopped`);
    if (!LOOPBACK_HOSTS.has(host)) throw new LdkHarnessError('notLoopback', `refusing non-loopback host ${host}`);
    const theirId = parseNodeId(nodeIdHex);
    const socket = net.connect({ host, port });
    this.pendingSockets.add(socket);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new LdkHarnessError('timeout',
          `connect to ${host}:${port} took over ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
        socket.once('connect', () => { clearTimeout(timer); resolve(); });
        socket.once('error', (err) => { clearTimeout(timer);
          reject(new LdkHarnessError('connectFailed', `connect to ${host}:${port} failed`, { cause: err })); });
        socket.once('close', () => { clearTimeout(timer); reject(new LdkHarnessError('stopped', 'socket closed')); });
      });
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      this.pendingSockets.delete(socket);
    }
    if (this.stopped) { socket.destroy(); throw new LdkHarnessError('stopped', `${this.alias} is stopped`); }
    const bridge = this.bridge(socket);
    const res = this.ldk.peerManager.new_outbound_connection(theirId, bridge.descriptor, remoteAddress(socket));
    if (!(res instanceof ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
      socket.destroy();
      throw new LdkHarnessError('ldkRefused', `LDK refused an outbound connection to ${nodeIdHex}`);
    }
    bridge.descriptor.send_data(res.res, true);
  }

  private bridge(socket: net.Socket): SocketBridge {
    const bridge = new SocketBridge(socket, this.ldk.peerManager, this.nextDescriptorId++, {
      afterRead: () => this.drainEvents(),
      onClosed: (b) => { this.bridges.delete(b); },
    });
    this.bridges.add(bridge);
    return bridge;
  }

  /** Node ids (hex) of peers that completed the handshake and `init`, per `PeerManager.list_peers`. */
  listPeers(): string[] {
    if (this.stopped) return [];
    return this.ldk.peerManager.list_peers().map((p) => hex(p.get_counterparty_node_id()));
  }

  /** Sizes of LDK's `NetworkGraph` (what its `P2PGossipSync` accepted): channels and nodes. */
  graphCounts(): { channels: number; nodes: number } {
    // The read-only view holds the graph's lock until freed: free it at once, or LDK's next gossip
    // write panics (`already borrowed`) inside the WASM.
    const g = this.ldk.networkGraph.read_only();
    try {
      return { channels: g.list_channels().length, nodes: g.list_nodes().length };
    } finally {
      g.free();
    }
  }

  /** Asks LDK to drop the connection to `nodeIdHex` (no-op if not connected). */
  disconnect(nodeIdHex: string): void {
    this.ldk.peerManager.disconnect_by_node_id(parseNodeId(nodeIdHex));
  }

  /** Waits until `nodeIdHex` is a connected peer (handshake and `init` done). */
  waitForPeer(nodeIdHex: string, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> {
    return waitUntil(`${this.alias} to see peer ${nodeIdHex.slice(0, 16)}…`,
      () => (this.listPeers().includes(nodeIdHex) ? true : undefined), timeoutMs).then(() => {});
  }

  /** Waits until `nodeIdHex` is no longer a connected peer. */
  waitForDisconnect(nodeIdHex: string, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> {
    return waitUntil(`${this.alias} to lose peer ${nodeIdHex.slice(0, 16)}…`,
      () => (this.listPeers().includes(nodeIdHex) ? undefined : true), timeoutMs).then(() => {});
  }

  /** Waits until `count` more timer ticks have run. */
  waitForTicks(count: number, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<void> {
    const target = this.tickCount + count;
    return waitUntil(`${this.alias} to run ${count} ticks`, () => (this.tickCount >= target ? true : undefined),
      timeoutMs).then(() => {});
  }

  /** Waits for the first recorded event (past or future) that `match` accepts, and returns it. */
  waitForEvent<E extends LdkEventRecord>(what: string, match: (e: LdkEventRecord) => e is E,
    timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<E> {
    return waitUntil(`${this.alias} event: ${what}`, () => {
      this.drainEvents();
      return this.eventRecords.find(match);
    }, timeoutMs);
  }

  /** Waits for the first log line (past or future) that contains `needle` or matches it. */
  waitForLog(needle: string | RegExp, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS): Promise<string> {
    const hit = (l: string): boolean => (typeof needle === 'string' ? l.includes(needle) : needle.test(l));
    return waitUntil(`${this.alias} log ${String(needle)}`, () => this.logLines.find(hit), timeoutMs);
  }

  /**
   * Asks LDK to open a channel of `sats` to a connected peer (`ChannelManager.create_channel`) and
   * flushes the resulting `open_channel`. Returns LDK's answer; the peer's reply shows up in
   * {@link events} (e.g. `channelClosed` with `counterpartyMessage` when it answers with `error`).
   */
  openChannel(theirNodeIdHex: string, sats: bigint, pushMsat = 0n): OpenChannelResult {
    if (this.stopped) throw new LdkHarnessError('stopped', `${this.alias} is stopped`);
    const res = this.ldk.channelManager.create_channel(parseNodeId(theirNodeIdHex), sats, pushMsat,
      this.nextUserChannelId++, null, null);
    this.ldk.peerManager.process_events();
    this.drainEvents();
    if (res instanceof ldk.Result_ChannelIdAPIErrorZ_OK) return { ok: true, temporaryChannelId: hex(res.res.get_a()) };
    if (res instanceof ldk.Result_ChannelIdAPIErrorZ_Err) return { ok: false, error: apiErrorText(res.err) };
    return { ok: false, error: 'unexpected create_channel result' };
  }

  /** True once {@link stop} ran. */
  get isStopped(): boolean { return this.stopped; }

  /**
   * Runs one timer tick now: pings (and drops peers that sent nothing since the last tick while a
   * ping was due), then flushes. For deterministic ping rounds give the node a long `tickIntervalMs`
   * and call this: a manual tick landing just after an automatic one can drop a healthy peer.
   */
  tick(): void {
    if (this.stopped) return;
    this.tickCount++;
    this.ldk.peerManager.timer_tick_occurred();
    this.ldk.peerManager.process_events();
    this.drainEvents();
  }

  /**
   * Takes pending `ChannelManager` events, records them, then applies the inbound-channel policy.
   * Acting happens after `process_pending_events` returns, never inside LDK's callback.
   */
  private drainEvents(): void {
    if (this.stopped) return;
    const got: ldk.Event[] = [];
    const handler = ldk.EventHandler.new_impl({
      handle_event(event: ldk.Event): ldk.Result_NoneReplayEventZ {
        got.push(event);
        return ldk.Result_NoneReplayEventZ.constructor_ok();
      },
    });
    // ChannelManager raises the channel events; ChainMonitor raises SpendableOutputs (and BumpTransaction).
    this.ldk.channelManager.as_EventsProvider().process_pending_events(handler);
    this.ldk.chainMonitor.as_EventsProvider().process_pending_events(handler);
    if (got.length === 0) return;
    for (const event of got) {
      if (this.eventRecords.push(recordEvent(event)) > MAX_EVENTS) this.eventRecords.shift();
      if (event instanceof ldk.Event_OpenChannelRequest) this.answerOpenChannel(event);
      else this.channels.handle(event);
    }
    this.ldk.peerManager.process_events();
  }

  private answerOpenChannel(req: ldk.Event_OpenChannelRequest): void {
    const cm = this.ldk.channelManager;
    const p = this.policy;
    switch (p.kind) {
      case 'ldkDefault':
        return; // LDK raised no request for this policy; nothing to answer.
      case 'accept': {
        const r = cm.accept_inbound_channel(req.temporary_channel_id, req.counterparty_node_id, this.nextUserChannelId++);
        if (r instanceof ldk.Result_NoneAPIErrorZ_Err) this.logLines.push(`HARNESS accept failed: ${apiErrorText(r.err)}`);
        return;
      }
      case 'reject': {
        const r = cm.force_close_without_broadcasting_txn(req.temporary_channel_id, req.counterparty_node_id, p.message);
        if (r instanceof ldk.Result_NoneAPIErrorZ_Err) this.logLines.push(`HARNESS reject failed: ${apiErrorText(r.err)}`);
        return;
      }
    }
  }

  /**
   * Disconnects every peer, closes the listener and every socket, and stops the timer. Bounded by
   * STOP_TIMEOUT_MS; idempotent. After it the node holds no handle that keeps the process alive.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    this.ldk.peerManager.disconnect_all_peers();
    const closing: Promise<void>[] = [];
    for (const socket of this.pendingSockets) socket.destroy();
    for (const bridge of this.bridges) { bridge.socket.destroy(); closing.push(bridge.closed); }
    const server = this.server;
    if (server !== undefined) closing.push(new Promise((resolve) => server.close(() => resolve())));
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, STOP_TIMEOUT_MS); });
    await Promise.race([Promise.all(closing).then(() => {}), bound]);
    clearTimeout(timer);
  }
}
