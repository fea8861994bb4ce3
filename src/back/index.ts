/**
 * @module back
 * The backend daemon: `startBackend(config)` → a running backend (DESIGN §1–§3, docs/cluster.md).
 *
 * Tour — what starts, in order, and where each part lives:
 *  1. **Key** (`src/keys`): `node.key-provider` (seed file in data-dir by default, `NODE_PRIV_KEY`,
 *     AWS Secrets Manager) loads the node key into a use-only `NodeKey`, checked against
 *     `node.pub-key` / `NODE_PUB_KEY`. Nothing else ever sees the private bytes.
 *  2. **API safety**: an API beyond loopback without `api.password` stops the start here.
 *  3. **Link server** (`link-server.ts`, `link.ts`): mutual TLS 1.3 on `cluster.bind:cluster.port`;
 *     certificate verdicts, revocation watch, `hello` → `hello_ack` / `hello_reject`, heartbeats and
 *     loss detection per link. Accepted fronts live in the **front registry** (`fronts.ts`).
 *  4. **Dispatch** (`#onFrontMessage` below): every post-hello link message goes to one service —
 *     `ecdh_request` → **ECDH service** (`ecdh.ts`, per-front token bucket);
 *     `peer_attached` / `peer_detached` / `peer_message` / `credit` → **switchboard** (`switchboard.ts`:
 *     one connection per node id, ConnectionReplaced, credit); peer messages go on to the channels;
 *     `connect_result` → **connector** (`connector.ts`: outgoing dials through the least-loaded
 *     front, persistent peers). A front whose link drops has all its connections marked down at once.
 *  5. **HTTP API** (`api.ts`) on `api.listen` and **metrics** (`metrics.ts`) on `metrics.listen`.
 *  6. **mDNS** (`advertise.ts`): with `cluster.mdns` on, `_lnfleet._tcp` on `cluster.local-address`'s
 *     interface so fronts find the link without `BACKEND_IP`; goodbye on close.
 * `close()` undoes all of it in reverse and zeroes the key.
 *
 *  7. **Gossip** (`gossip.ts`): the graph store (`graph.sqlite` in data-dir, SQLite WAL) and the chain
 *     source (`chain.source`; `none` accepts announcements on signatures alone and status says so);
 *     `gossip_forward` → decision → `gossip_decision` + `graph_event` to every front; at link-up the
 *     graph streams to the front as `graph_snapshot_chunk`s. Our own node_announcement
 *     (`own-announcement.ts`) is signed at start and daily, and published once a channel of ours is known.
 *     `chain-timers.ts`: the chain watcher on an unref'd interval (funding spends, forgetting spent
 *     channels, reorgs) and daily stale pruning; removed channels go to every front as `graph_event`s.
 *     Our own sync: `gossip-sync.ts` picks up to `sync.peer-limit` connected peers and sends their fronts
 *     `sync_request`s.
 * Not yet here (later work): channels.
 * Does not: listen on 9735 (fronts hold every peer socket), or import `src/front`.
 */
import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { assertNever } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { LINK_PROTOCOL_VERSION, type LinkMessage, type LinkMessageNamed } from '../cluster/messages.js';
import { loadBackendTls, tlsPathsFromConfig } from '../cluster/tls.js';
import { keySourceFromConfig, loadNodeKey, type NodeKey } from '../keys/index.js';
import { advertPlan, startAdvertising } from './advertise.js';
import { assertApiSafe, startApi } from './api.js';
import { Connector, type ConnectOutcome } from './connector.js';
import {
  CHAIN_HASH_HEX, ECDH_BURST, ECDH_REFILL_PER_SEC, HANDSHAKE_TIMEOUT_MS, INIT_TIMEOUT_MS, INITIAL_CREDIT,
  MAX_CONNECTIONS_PER_FRONT, MAX_MESSAGE_BYTES, PING_INTERVAL_MS, PONG_TIMEOUT_MS, ourInitFeatures,
} from './constants.js';
import { answerEcdh } from './ecdh.js';
import { FrontRegistry, type Front, type FrontInfo } from './fronts.js';
import { LinkServer } from './link-server.js';
import { BackendMetrics, serveMetrics } from './metrics.js';
import { Switchboard, type PeerInfo } from './switchboard.js';
import { GossipService } from './gossip.js';
import { GossipSync } from './gossip-sync.js';
import { startChainTimers } from './chain-timers.js';
import { OWN_ANNOUNCEMENT_REFRESH_MS, signOwnAnnouncement } from './own-announcement.js';
import { GraphStore, type GraphCounts } from '../gossip/store.js';
import { createChainSource } from '../chain/bitcoind.js';
import type { ChainSource } from '../chain/source.js';
import type { PersistentPeerInfo } from './connector.js';
import { ChannelStore } from './channels/store.js';
import { ChannelManager, type ChannelInfo, type OpenResult } from './channels/manager.js';
import { FeeUpdater } from './channels/fee-updates.js';
import { createMachinePort, policyFromConfig } from './channels/machine-adapter.js';
import { OurGossip, publishAsOwn } from './channels/our-gossip.js';
import { OnchainDriver } from './channels/onchain.js';
import { deriveChannelSecrets } from '../channel/params.js';
import { walletFor } from '../chain/wallet.js';
import type { PortInput } from './channels/port.js';

export { BackendError } from './errors.js';
export type { BackendErrorCode } from './errors.js';
export type { ConnectOutcome, PersistentPeerInfo } from './connector.js';
export type { FrontInfo } from './fronts.js';
export type { PeerInfo } from './switchboard.js';
export { BENCH_ECHO_TYPE } from './switchboard.js';
export { CHAIN_HASH_HEX, OUR_INIT_FEATURES, ourInitFeatures } from './constants.js';
export { isLoopbackHost, parsePeerAddress } from './api.js';

/** Options of `startBackend` (all optional). */
export interface BackendOptions {
  /** Root logger (default: pino on stdout at `log.level`). Components log as its children. */
  readonly logger?: Logger;
  /** Clock in ms (default `Date.now`). */
  readonly now?: () => number;
  /** Environment for `NODE_PRIV_KEY` (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Bind the link, API and metrics on ephemeral ports at their configured hosts (tests, `lnfleet dev`). */
  readonly ephemeralPorts?: boolean;
  /** Per-front ECDH bucket instead of `ECDH_BURST` / `ECDH_REFILL_PER_SEC` (tests). */
  readonly ecdhBucket?: { readonly burst: number; readonly perSecond: number };
  /** `connect` timeout instead of `CONNECT_TIMEOUT_MS` (tests). */
  readonly connectTimeoutMs?: number;
  /** `hello_ack.maxConnections` instead of `MAX_CONNECTIONS_PER_FRONT` (bench/cluster.ts "idle-peers": 10,000 peers on one front). */
  readonly maxConnectionsPerFront?: number;
  /**
   * Benchmark only, never on by default and not reachable from any config key or CLI: peer messages of type
   * `BENCH_ECHO_TYPE` (32769) are sent back to the same connection (bench/cluster.ts "link-forward").
   */
  readonly benchEcho?: boolean;
  /** Chain source instead of the one `chain.source` builds (tests: the embedded regtest chain's source). */
  readonly chainSource?: ChainSource;
  /** Link port instead of `cluster.port` / the ephemeral one (tests: a restarted backend on the same port). */
  readonly linkPort?: number;
  /** Graph database path instead of `graph.sqlite` in data-dir (`:memory:` for benchmarks). */
  readonly graphPath?: string;
  /** Chain watcher poll interval instead of `DEFAULT_POLL_INTERVAL_MS` (tests). */
  readonly chainPollMs?: number;
  /** Channel database path instead of `channels.sqlite` in data-dir. */
  readonly channelsPath?: string;
}

/** What `GET /status` and `status()` report. */
export interface BackendStatus {
  readonly nodeId: string;
  readonly keyProvider: string;
  readonly chain: string;
  readonly chainHash: string;
  readonly chainSource: string;
  readonly chainSourceNote: string;
  readonly linkProtocolVersion: number;
  readonly fronts: FrontInfo[];
  readonly peerCount: number;
  /** Rows of the authoritative graph. */
  readonly graph: GraphCounts;
  readonly startedAt: string;
  readonly uptimeSec: number;
}

/** A running backend. */
export interface BackendHandle {
  /** Our node id, hex. */
  readonly nodeId: string;
  /** Bound port of the cluster link. */
  readonly linkPort: number;
  /** Bound port of the HTTP API. */
  readonly apiPort: number;
  /** Bound port of the metrics endpoint (undefined when `metrics.enabled` is false). */
  readonly metricsPort: number | undefined;
  status(): BackendStatus;
  /** Connected peers, then persistent peers being redialled. */
  peers(): (PeerInfo | PersistentPeerInfo)[];
  fronts(): FrontInfo[];
  /** Dials a peer through the least-loaded front (see `connector.ts`). */
  connect(nodeId: string, host: string, port: number, opts?: { persist?: boolean }): Promise<ConnectOutcome>;
  /** Disconnects a peer and stops redialling it. */
  disconnect(nodeId: string): { disconnected: boolean; wasPersistent: boolean };
  /** Every channel (what `GET /channels` shows). */
  channels(): ChannelInfo[];
  /** Opens a channel (what `POST /open` does). */
  open(req: { nodeId: string; sats: bigint; pushMsat: bigint; announce: boolean }): Promise<OpenResult>;
  /**
   * Sends an input to one channel's machine (HTLC commands for the relay layer and tests) and resolves
   * once it is processed and persisted.
   */
  channelCommand(id: number, input: PortInput): Promise<void>;
  /** Channel events (HTLCs added/settled, ready, failed), after they are persisted. */
  onChannelEvent(f: (channel: number, e: unknown) => void): void;
  /** Stops everything and zeroes the node key. Idempotent. */
  close(): Promise<void>;
}

/**
 * The chain source for `chain.source`. `embedded-regtest` needs an in-process chain the caller starts
 * (tests pass `opts.chainSource`); without one the backend runs as `none` and says so.
 */
function chainSourceFor(config: LoadedConfig, injected: ChainSource | undefined): { source: ChainSource; note: string } {
  const v = config.values;
  if (injected !== undefined) return { source: injected, note: injected.describe() };
  if (v['chain.source'] === 'embedded-regtest') {
    const none = createChainSource({ source: 'none' });
    return { source: none, note: `chain source embedded-regtest is not started by this daemon: running as ${none.describe()}` };
  }
  const source = createChainSource({
    source: v['chain.source'], rpcUrl: v['bitcoind.rpc-url'], rpcUser: v['bitcoind.rpc-user'], rpcPassword: v['bitcoind.rpc-password'],
    rpcCookieFile: v['bitcoind.rpc-cookie-file'], rpcTimeoutMs: v['bitcoind.rpc-timeout-ms'],
  });
  return { source, note: source.describe() };
}

async function closeHttp(s: Server | undefined): Promise<void> {
  if (s === undefined) return;
  await new Promise<void>((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

/** Starts the backend described by `config` (role `back` or `dev`). */
export async function startBackend(config: LoadedConfig, opts: BackendOptions = {}): Promise<BackendHandle> {
  const v = config.values;
  const now = opts.now ?? Date.now;
  const root = opts.logger ?? createLogger('back', v['log.level']);
  const log = { link: root.child({ component: 'link' }), switchboard: root.child({ component: 'switchboard' }), api: root.child({ component: 'api' }), keys: root.child({ component: 'keys' }), gossip: root.child({ component: 'gossip' }) };
  const startedAt = now();

  const source = keySourceFromConfig(config, opts.env ?? process.env)!;
  const key: NodeKey = await loadNodeKey(source, { expectedNodeId: v['node.pub-key'] });
  log.keys.info({ nodeId: key.nodeIdHex, provider: key.provider }, 'node key loaded');
  const cleanups: (() => Promise<void> | void)[] = [() => key.destroy()];
  const closeAll = async () => { for (const c of cleanups.splice(0).reverse()) await c(); };

  try {
    assertApiSafe(v['api.listen'].host, v['api.password']);
    const fronts = new FrontRegistry();
    let connector: Connector | undefined;
    let gossipSync: GossipSync | undefined;
    let channels: ChannelManager<unknown> | undefined;
    let onchain: OnchainDriver | undefined;
    let fees: FeeUpdater | undefined;
    const sb = new Switchboard(key.nodeIdHex, log.switchboard, now, {
      onPeerUp: (n, f, c) => { connector?.onPeerUp(n, f, c); channels?.onPeerUp(n); },
      onPeerDown: (n, r) => { connector?.onPeerDown(n, r); gossipSync?.peerDown(n); channels?.onPeerDown(n); },
      onPeerMessage: (n, m) => channels?.onPeerMessage(n, m),
      hasChannels: (n) => channels?.hasChannels(n) === true,
    }, opts.benchEcho === true);
    connector = new Connector(fronts, sb, log.switchboard, now, opts.connectTimeoutMs);
    const conn = connector;
    cleanups.push(() => conn.close());
    const metrics = new BackendMetrics({ fronts: () => fronts.size, peers: () => sb.size });

    const chain = chainSourceFor(config, opts.chainSource);
    // An injected source belongs to the caller (e.g. a test's embedded regtest chain): not ours to close.
    if (opts.chainSource === undefined) cleanups.push(() => chain.source.close());
    if (chain.source.kind === 'none') log.gossip.warn({ note: chain.note }, 'no chain source: channel announcements are accepted on signatures alone');
    else log.gossip.info({ source: chain.note }, 'chain source ready');
    let graphPath = opts.graphPath;
    if (graphPath === undefined) {
      mkdirSync(v['data-dir'], { recursive: true });
      graphPath = join(v['data-dir'], 'graph.sqlite');
    }
    const ownParams = { alias: v['node.alias'], color: v['node.color'], addresses: v['node.announce-addresses'], features: ourInitFeatures() };
    const store = GraphStore.open(graphPath, Math.floor(now() / 1000));
    cleanups.push(() => store.close());
    const gossip = new GossipService({
      store, chain: chain.source, chainHash: Buffer.from(CHAIN_HASH_HEX[v.chain], 'hex'), fronts: () => fronts.all(), log: log.gossip, now,
      count: (reason) => metrics.gossipDecision(reason),
      own: { nodeId: key.nodeId, sign: (ts) => signOwnAnnouncement(key, ownParams, ts) },
    });
    cleanups.push(() => gossip.close());
    gossipSync = new GossipSync({ limit: v['sync.peer-limit'], chainHash: Buffer.from(CHAIN_HASH_HEX[v.chain], 'hex'), now, log: log.gossip });
    // Our node_announcement: re-signed at every start (so a config change shows) and daily after.
    void gossip.publishOwn();
    const ownTimer = setInterval(() => { void gossip.publishOwn(); }, OWN_ANNOUNCEMENT_REFRESH_MS).unref();
    cleanups.push(() => clearInterval(ownTimer));
    // Chain watcher (spends, blocks, reorgs) and daily stale pruning; removals go to every front.
    store.onChannelRemoved = (scid) => gossip.channelRemoved(scid);
    const timers = startChainTimers({ store, chain: chain.source, log: log.gossip, now, pollMs: opts.chainPollMs, onBlock: (h) => { channels?.onBlock(h); void onchain?.onBlock(h); void fees?.onBlock(h); } });
    cleanups.push(() => timers.stop());
    log.gossip.info({ path: graphPath, ...store.counts() }, 'graph store open');

    // Channels: their own database (synchronous FULL), keys from the node key's channel seed.
    const channelStore = ChannelStore.open(opts.channelsPath ?? join(v['data-dir'], 'channels.sqlite'), now);
    cleanups.push(() => channelStore.close());
    const wallet = walletFor(chain.source, { feeFloorPerKw: v['channels.fee-floor'], confTarget: v['channels.fee-target-blocks'] });
    const policy = policyFromConfig(v);
    const log8 = root.child({ component: 'channels' });
    const ourGossip = new OurGossip({
      chainHash: Buffer.from(CHAIN_HASH_HEX[v.chain], 'hex'), localNodeId: key.nodeId, sign: (d) => key.sign(d), now, log: log8,
      policy: { feeBaseMsat: v['channels.fee-base-msat'], feeProportionalMillionths: v['channels.fee-ppm'], cltvExpiryDelta: v['channels.cltv-expiry-delta'] },
      publish: publishAsOwn(gossip, log8), sendToPeer: (n, m) => sb.sendTo(n, m),
    });
    cleanups.push(() => ourGossip.close());
    const manager = new ChannelManager<unknown>({
      store: channelStore,
      port: createMachinePort({ policy, chainHash: Buffer.from(CHAIN_HASH_HEX[v.chain], 'hex'), localNodeId: key.nodeId, signWithNodeKey: (d) => key.sign(d), ourGossip }) as never,
      seed: () => key.channelMasterSeed(),
      wallet, chain: chain.source, log: log8, now,
      peers: {
        sendTo: (n, m) => sb.sendTo(n, m), isConnected: (n) => sb.isConnected(n), markHasChannels: (n) => sb.markHasChannels(n),
        frontCount: () => fronts.size, disconnect: (n, r) => { sb.disconnect(n, r); }, features: (n) => sb.features(n),
      },
      policy: { acceptInbound: v['channels.accept-inbound'], maxPerPeer: v['channels.max-per-peer'], minFundingSat: BigInt(v['channels.min-funding-sat']), maxFundingSat: BigInt(v['channels.max-funding-sat']) },
      feerate: async () => (wallet === undefined ? v['channels.fee-floor'] : wallet.feeratePerKw().catch(() => v['channels.fee-floor'])),
    });
    manager.load();
    channels = manager;
    // BOLT 5: force closes (either side) and revoked commitments resolved on chain, swept to the wallet.
    const driver = new OnchainDriver({
      store: channelStore, chain: chain.source, wallet, channels: () => manager.machineStates(), log: log8.child({ component: 'onchain' }),
      onClosed: (id, reason) => manager.closedOnChain(id, reason),
      onResolved: (id) => { void manager.resolvedOnChain(id); },
      secrets: (k) => { const seed = key.channelMasterSeed(); try { return deriveChannelSecrets(seed, k); } finally { seed.fill(0); } },
      feerate: async () => (wallet === undefined ? v['channels.fee-floor'] : wallet.feeratePerKw().catch(() => v['channels.fee-floor'])),
    });
    driver.load();
    onchain = driver;
    cleanups.push(() => driver.stop());
    manager.onchainInfo = (id) => driver.info(id);
    cleanups.push(() => manager.stop());
    fees = new FeeUpdater({ channels: () => manager.list(), command: (id, input) => manager.command(id, input), bounds: { minPerKw: policy.minFeeratePerKw, maxPerKw: policy.maxFeeratePerKw }, log: log8.child({ component: 'fees' }),
      feerate: async () => (wallet === undefined ? v['channels.fee-floor'] : wallet.feeratePerKw()) });
    if (wallet !== undefined) void fees.onBlock(0);
    void manager.resume().catch((e: unknown) => log8.warn({ err: (e as Error).message }, 'resuming pending broadcasts failed'));
    if (wallet === undefined) log8.warn('no wallet (chain.source is none): channels can be accepted but not opened');

    const onFrontMessage = (f: Front, m: LinkMessage): void => {
      switch (m.name) {
        case 'ecdh_request': {
          const r = answerEcdh(key, f.ecdhBucket, m, now());
          metrics.ecdh(r.status);
          if (r.status !== 'ok') log.link.debug({ front: f.id, status: r.status }, 'ecdh request refused');
          f.link.send(r.reply);
          return;
        }
        case 'peer_attached': {
          sb.attached(f, m);
          const nodeId = Buffer.from(m.nodeId).toString('hex');
          const at = sb.where(nodeId);
          if (at?.front === f.id && at.conn === m.conn) gossipSync?.peerUp(nodeId, f, m.conn, m.theirInit);
          return;
        }
        case 'peer_detached': return sb.detached(f, m);
        case 'peer_message': return sb.message(f, m);
        case 'credit': return sb.credit(f, m);
        case 'connect_result': return conn.onConnectResult(f, m);
        case 'gossip_forward': return gossip.forward(f, m);
        case 'hello': case 'heartbeat':
        // Backend → front messages: a front sending one is broken or not a front.
        case 'hello_ack': case 'hello_reject': case 'ecdh_result': case 'peer_attach_ack': case 'disconnect': case 'connect_request':
        case 'gossip_decision': case 'graph_snapshot_chunk': case 'graph_event': case 'sync_request':
          f.link.close(`protocol error: front sent ${m.name}`);
          return;
      }
      assertNever(m, 'link message');
    };

    const helloAck: LinkMessageNamed<'hello_ack'> = {
      name: 'hello_ack',
      version: LINK_PROTOCOL_VERSION,
      nodeId: key.nodeId,
      chainHash: Buffer.from(CHAIN_HASH_HEX[v.chain], 'hex'),
      initFeatures: ourInitFeatures(),
      pingIntervalMs: PING_INTERVAL_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      initTimeoutMs: INIT_TIMEOUT_MS,
      maxConnections: opts.maxConnectionsPerFront ?? MAX_CONNECTIONS_PER_FRONT,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      initialCredit: INITIAL_CREDIT,
      heartbeatMs: v['cluster.heartbeat-ms'],
      peerTimeoutMs: v['cluster.peer-timeout-ms'],
      sendRemoteAddr: true,
      tlvs: {},
    };
    const linkServer = await LinkServer.start({
      tls: loadBackendTls(tlsPathsFromConfig(config)),
      bind: v['cluster.bind'],
      port: opts.linkPort ?? (opts.ephemeralPorts === true ? 0 : v['cluster.port']),
      timing: { heartbeatMs: v['cluster.heartbeat-ms'], peerTimeoutMs: v['cluster.peer-timeout-ms'] },
      now,
      log: log.link,
      fronts,
      helloAck,
      ecdhBucket: opts.ecdhBucket ?? { burst: ECDH_BURST, perSecond: ECDH_REFILL_PER_SEC },
      onFrontUp: (f) => {
        const t0 = now();
        gossip.sendSnapshot(f).then(
          (r) => log.gossip.info({ front: f.id, ...r, ms: now() - t0 }, f.link.closed ? 'graph snapshot cut short: link closed' : 'graph snapshot sent'),
          (e: Error) => { log.gossip.error({ front: f.id, err: e.message }, 'graph snapshot failed'); f.link.close('graph snapshot failed'); },
        );
      },
      onFrontMessage,
      onFrontDown: (f, reason) => {
        sb.frontDown(f, reason);
        conn.frontDown(f, reason);
      },
      count: (d, t) => metrics.linkMessage(d, t),
    });
    cleanups.push(() => linkServer.close());

    const peers = (): (PeerInfo | PersistentPeerInfo)[] => [...sb.list(), ...conn.reconnecting()];
    const status = (): BackendStatus => ({
      nodeId: key.nodeIdHex,
      keyProvider: key.provider,
      chain: v.chain,
      chainHash: CHAIN_HASH_HEX[v.chain],
      chainSource: chain.source.kind,
      chainSourceNote: chain.note,
      linkProtocolVersion: LINK_PROTOCOL_VERSION,
      fronts: fronts.info(),
      peerCount: sb.size,
      graph: store.counts(),
      startedAt: new Date(startedAt).toISOString(),
      uptimeSec: Math.floor((now() - startedAt) / 1000),
    });
    const connect = (nodeId: string, host: string, port: number, o: { persist?: boolean } = {}) => conn.connect(nodeId.toLowerCase(), host, port, o);
    const disconnect = (nodeId: string) => {
      const id = nodeId.toLowerCase();
      const wasPersistent = conn.forget(id);
      return { disconnected: sb.disconnect(id, 'disconnect requested by operator'), wasPersistent };
    };

    const api = await startApi({
      host: v['api.listen'].host,
      port: opts.ephemeralPorts === true ? 0 : v['api.listen'].port,
      password: v['api.password'],
      log: log.api,
      handlers: {
        status, peers, fronts: () => fronts.info(), connect: (n, h, p, persist) => connect(n, h, p, { persist }), disconnect,
        channels: () => manager.list(), open: (r) => manager.open(r), close: (c, force) => manager.close(c, force),
      },
    });
    cleanups.push(() => closeHttp(api.server));
    let metricsPort: number | undefined;
    if (v['metrics.enabled']) {
      const m = await serveMetrics(metrics.registry, v['metrics.listen'].host, opts.ephemeralPorts === true ? 0 : v['metrics.listen'].port);
      cleanups.push(() => closeHttp(m.server));
      metricsPort = m.port;
    }
    if (v['cluster.mdns']) {
      const adv = await startAdvertising(advertPlan(config, key.nodeIdHex, linkServer.port, LINK_PROTOCOL_VERSION), root.child({ component: 'mdns' }));
      cleanups.push(() => adv.close());
    }
    log.api.info({ nodeId: key.nodeIdHex, linkPort: linkServer.port, apiPort: api.port, metricsPort, chain: v.chain, mdns: v['cluster.mdns'] }, 'backend started');
    let closing: Promise<void> | undefined;
    return {
      nodeId: key.nodeIdHex,
      linkPort: linkServer.port,
      apiPort: api.port,
      metricsPort,
      status,
      peers,
      fronts: () => fronts.info(),
      connect,
      disconnect,
      channels: () => manager.list(),
      open: (r) => manager.open(r),
      channelCommand: (id, input) => manager.command(id, input),
      onChannelEvent: (f) => { manager.onEvent = f; },
      close: () => (closing ??= closeAll().then(() => log.api.info('backend stopped'))),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
