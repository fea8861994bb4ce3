/**
 * @module test/helpers/ldk/components
 * Builds the in-process LDK object graph of one test peer: the simplest correct setup of each part
 * LDK needs to run a `ChannelManager` behind a `PeerManager`.
 *
 *   KeysManager(seed) ──► node id, signer, entropy
 *   FeeEstimator (asks the owner, default 253 sat/kW) · Broadcaster (hands txs to the owner) · Logger
 *   ChainMonitor(in-memory Persist: serialised monitors kept in a Map) ──► ChannelManager(best block
 *   given by the owner, genesis by default)
 *   NetworkGraph ──► P2PGossipSync (RoutingMessageHandler) · ProbabilisticScorer ──► DefaultRouter
 *   PeerManager(ChannelManager, P2PGossipSync, IgnoringMessageHandler for onion + custom messages)
 *
 * Does not: touch sockets (see `socket-bridge.ts`), write anything to disk (monitors live in memory
 * for the life of the peer), feed blocks (see `regtest.ts`), or process events (see `ldk-node.ts`).
 */
import { randomBytes } from 'node:crypto';
import * as ldk from 'lightningdevkit';
import { FEE_RATE_SAT_PER_KW } from './constants.js';
import type { LdkNetworkName } from './init-requirements.js';

/** LDK's `Network` value for each harness network name. */
const NETWORK: Readonly<Record<LdkNetworkName, ldk.Network>> = {
  bitcoin: ldk.Network.LDKNetwork_Bitcoin,
  testnet: ldk.Network.LDKNetwork_Testnet,
  regtest: ldk.Network.LDKNetwork_Regtest,
  signet: ldk.Network.LDKNetwork_Signet,
};

/** What `buildLdkComponents` needs: all plain values and callbacks, no LDK types. */
export interface LdkComponentOptions {
  /** 32-byte KeysManager seed; the node id derives from it. Random when absent. */
  readonly seed?: Uint8Array | undefined;
  /** Chain the node runs on (chain hash in `init`, genesis best block). */
  readonly network: LdkNetworkName;
  /** When true, inbound `open_channel` raises `Event_OpenChannelRequest` instead of auto-accepting. */
  readonly manuallyAcceptInboundChannels: boolean;
  /** Receives every LDK log record (level and formatted line). */
  readonly onLog: (level: ldk.Level, line: string) => void;
  /** Receives every transaction LDK asks to broadcast. */
  readonly onBroadcast: (tx: Uint8Array) => void;
  /** Fee rate answered for a confirmation target, sat per 1000 weight. Default FEE_RATE_SAT_PER_KW. */
  readonly feeRate?: ((target: ldk.ConfirmationTarget) => number) | undefined;
  /** Chain tip the ChannelManager starts at (hash in internal byte order). Default: genesis. */
  readonly bestBlock?: { readonly hash: Uint8Array; readonly height: number } | undefined;
  /** Confirmations this peer asks of a channel it accepts (`minimum_depth`). Default LDK's (6). */
  readonly minimumDepth?: number | undefined;
  /** Offer and accept `option_anchors_zero_fee_htlc_tx` channels. Default false (static_remotekey only). */
  readonly anchors?: boolean | undefined;
}

/** The LDK objects of one peer. Every object stays referenced here so the GC keeps it alive. */
export interface LdkComponents {
  readonly network: ldk.Network;
  readonly logger: ldk.Logger;
  readonly feeEstimator: ldk.FeeEstimator;
  readonly broadcaster: ldk.BroadcasterInterface;
  readonly keysManager: ldk.KeysManager;
  readonly chainMonitor: ldk.ChainMonitor;
  /** Latest serialised `ChannelMonitor` per funding outpoint (`txid:vout`, txid in internal order hex). */
  readonly monitors: ReadonlyMap<string, Uint8Array>;
  readonly networkGraph: ldk.NetworkGraph;
  readonly gossipSync: ldk.P2PGossipSync;
  readonly router: ldk.DefaultRouter;
  readonly messageRouter: ldk.DefaultMessageRouter;
  readonly channelManager: ldk.ChannelManager;
  readonly ignorer: ldk.IgnoringMessageHandler;
  readonly peerManager: ldk.PeerManager;
}

const LEVEL_NAME: Readonly<Record<ldk.Level, string>> = {
  [ldk.Level.LDKLevel_Gossip]: 'GOSSIP',
  [ldk.Level.LDKLevel_Trace]: 'TRACE',
  [ldk.Level.LDKLevel_Debug]: 'DEBUG',
  [ldk.Level.LDKLevel_Info]: 'INFO',
  [ldk.Level.LDKLevel_Warn]: 'WARN',
  [ldk.Level.LDKLevel_Error]: 'ERROR',
};

function makeLogger(onLog: LdkComponentOptions['onLog']): ldk.Logger {
  return ldk.Logger.new_impl({
    log(record: ldk.Record): void {
      const level = record.get_level();
      onLog(level, `${LEVEL_NAME[level]} ${record.get_module_path()}:${record.get_line()} ${record.get_args()}`);
    },
  });
}

/**
 * A `Persist` that keeps each channel's latest serialised `ChannelMonitor` in `store` and reports every
 * write complete at once (synchronous persistence, as LDK's docs describe for `Completed`).
 */
function makeMemoryPersister(store: Map<string, Uint8Array>): ldk.Persist {
  const done = ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed;
  const key = (o: ldk.OutPoint): string => `${Buffer.from(o.get_txid()).toString('hex')}:${o.get_index()}`;
  return ldk.Persist.new_impl({
    persist_new_channel: (outpoint, monitor) => { store.set(key(outpoint), monitor.write()); return done; },
    update_persisted_channel: (outpoint, _update, monitor) => { store.set(key(outpoint), monitor.write()); return done; },
    archive_persisted_channel: (outpoint) => { store.delete(key(outpoint)); },
  });
}

/** Router and message router over the node's graph, with LDK's default probabilistic scoring. */
function makeRouters(graph: ldk.NetworkGraph, logger: ldk.Logger, keys: ldk.KeysManager) {
  const scorer = ldk.ProbabilisticScorer.constructor_new(
    ldk.ProbabilisticScoringDecayParameters.constructor_default(), graph, logger);
  const lockable = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
  const router = ldk.DefaultRouter.constructor_new(graph, logger, keys.as_EntropySource(),
    lockable.as_LockableScore(), ldk.ProbabilisticScoringFeeParameters.constructor_default());
  const messageRouter = ldk.DefaultMessageRouter.constructor_new(graph, keys.as_EntropySource());
  return { router, messageRouter };
}

/** Builds one peer's LDK object graph. The WASM module must be loaded first (`ensureLdkLoaded`). */
export function buildLdkComponents(opts: LdkComponentOptions): LdkComponents {
  const network = NETWORK[opts.network];
  const logger = makeLogger(opts.onLog);
  const feeRate = opts.feeRate ?? (() => FEE_RATE_SAT_PER_KW);
  const feeEstimator = ldk.FeeEstimator.new_impl({ get_est_sat_per_1000_weight: (target) => feeRate(target) });
  const broadcaster = ldk.BroadcasterInterface.new_impl({
    broadcast_transactions(txs: Uint8Array[]): void { for (const tx of txs) opts.onBroadcast(tx); },
  });
  const monitors = new Map<string, Uint8Array>();
  // No Filter: the owner feeds whole blocks (Listen), so LDK needs no list of outputs to watch.
  const chainMonitor = ldk.ChainMonitor.constructor_new(ldk.Option_FilterZ.constructor_none(), broadcaster,
    logger, feeEstimator, makeMemoryPersister(monitors));
  const nowMs = Date.now();
  const keysManager = ldk.KeysManager.constructor_new(opts.seed ?? new Uint8Array(randomBytes(32)),
    BigInt(Math.floor(nowMs / 1000)), (nowMs % 1000) * 1_000_000);
  const networkGraph = ldk.NetworkGraph.constructor_new(network, logger);
  const gossipSync = ldk.P2PGossipSync.constructor_new(networkGraph, ldk.Option_UtxoLookupZ.constructor_none(), logger);
  const { router, messageRouter } = makeRouters(networkGraph, logger, keysManager);
  const config = ldk.UserConfig.constructor_default();
  config.set_manually_accept_inbound_channels(opts.manuallyAcceptInboundChannels);
  // The getter returns a copy: change it, then set it back.
  const handshake = config.get_channel_handshake_config();
  if (opts.minimumDepth !== undefined) handshake.set_minimum_depth(opts.minimumDepth);
  handshake.set_negotiate_anchors_zero_fee_htlc_tx(opts.anchors ?? false);
  config.set_channel_handshake_config(handshake);
  // Take a channel whether or not the opener wants it announced (LDK refuses a mismatch by default):
  // our node opens announced channels, and the harness announces none of its own.
  const limits = config.get_channel_handshake_limits();
  limits.set_force_announced_channel_preference(false);
  config.set_channel_handshake_limits(limits);
  // Without a chain, genesis: LDK only needs a starting point. With one, its tip, so blocks follow on.
  const best = opts.bestBlock === undefined ? ldk.BestBlock.constructor_from_network(network)
    : ldk.BestBlock.constructor_new(opts.bestBlock.hash, opts.bestBlock.height);
  const params = ldk.ChainParameters.constructor_new(network, best);
  const channelManager = ldk.ChannelManager.constructor_new(feeEstimator, chainMonitor.as_Watch(), broadcaster,
    router.as_Router(), messageRouter.as_MessageRouter(), logger, keysManager.as_EntropySource(),
    keysManager.as_NodeSigner(), keysManager.as_SignerProvider(), config, params, Math.floor(nowMs / 1000));
  const ignorer = ldk.IgnoringMessageHandler.constructor_new();
  const peerManager = ldk.PeerManager.constructor_new(channelManager.as_ChannelMessageHandler(),
    gossipSync.as_RoutingMessageHandler(), ignorer.as_OnionMessageHandler(), ignorer.as_CustomMessageHandler(),
    Math.floor(nowMs / 1000), keysManager.as_EntropySource().get_secure_random_bytes(), logger,
    keysManager.as_NodeSigner());
  return { network, logger, feeEstimator, broadcaster, keysManager, chainMonitor, monitors, networkGraph, gossipSync, router,
    messageRouter, channelManager, ignorer, peerManager };
}
