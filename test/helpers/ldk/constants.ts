/**
 * @module test/helpers/ldk/constants
 * Every limit and default of the LDK interop harness, each with its unit and reason (STYLE rule 7).
 *
 * Does not: configure LDK itself beyond these numbers (see `components.ts`), or apply to production
 * code: these are test-harness values, tuned for loopback peers on a busy CI box.
 */

/**
 * Default interval between `PeerManager.timer_tick_occurred()` calls, in milliseconds.
 * LDK sends a ping on each tick and drops a peer that has not answered by the next one, and it gives a
 * connecting peer one to two ticks to finish the BOLT 8 handshake and `init`. LDK suggests ~10 s in
 * production. Tests that count ping rounds should not shorten it but call `LdkNode.tick()` themselves:
 * on a starved CI box (2 vCPUs, V8 tiering up LDK's 10 MB of WASM in the background) a loopback
 * round trip can exceed a 150 ms interval, and LDK then drops the peer.
 * https://docs.rs/lightning/0.1.0/lightning/ln/peer_handler/struct.PeerManager.html#method.timer_tick_occurred
 */
export const DEFAULT_TICK_INTERVAL_MS = 10_000;

/**
 * Largest slice handed to one `PeerManager.read_event` call, in bytes. LDK: "`data` should be on the
 * order of 4KiB" so that one call does not process too many messages of one peer at once.
 * https://docs.rs/lightning/0.1.0/lightning/ln/peer_handler/struct.PeerManager.html#method.read_event
 */
export const READ_CHUNK_BYTES = 4096;

/**
 * Fee rate the harness's `FeeEstimator` answers for every confirmation target, in sat per 1000 weight.
 * 253 is the floor LDK accepts (`FEERATE_FLOOR_SATS_PER_KW`); both harness peers answer the same value,
 * so neither rejects the other's `open_channel` feerate.
 * https://docs.rs/lightning/0.1.0/lightning/chain/chaininterface/constant.FEERATE_FLOOR_SATS_PER_KW.html
 */
export const FEE_RATE_SAT_PER_KW = 253;

/** How often bounded waits (`waitForPeer`, `waitForEvent`...) re-check their condition, in ms. */
export const WAIT_POLL_MS = 10;

/** Default bound of every `waitFor*` helper when the caller gives none, in ms. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5_000;

/** Bound on `connect()` reaching TCP-connected on loopback, in ms. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Bound on `stop()` waiting for the server and every socket to close, in ms. */
export const STOP_TIMEOUT_MS = 2_000;

/**
 * Most LDK log lines kept per node; older lines are dropped first. LDK at Trace level logs a few lines
 * per message, so this holds a long test's worth while keeping memory bounded.
 */
export const MAX_LOG_LINES = 20_000;

/** Most events kept per node; older events are dropped first. */
export const MAX_EVENTS = 1_000;

/**
 * Fee rate of the harness's sweeps of spendable outputs, sat per 1000 weight. bcoin's (and Core's)
 * minimum relay fee is 1000 sat/kvB = 250 sat/kW; four times that leaves room for LDK's weight
 * estimate of the witness being a little short, so the sweep is never refused for its fee.
 */
export const SWEEP_FEE_RATE_SAT_PER_KW = 1_000;

/**
 * Most blocks one `LdkRegtest.sync()` feeds a node. A test mines at most a few hundred blocks at a
 * time (the 144-block CSV delay of a force close is the largest), so this only stops a runaway.
 */
export const MAX_BLOCKS_PER_SYNC = 5_000;

/** Bound of waiting for LDK's broadcasts to reach the chain's mempool before mining, in ms. */
export const BROADCAST_SETTLE_TIMEOUT_MS = 10_000;

/**
 * Confirmation target the harness's wallet asks `estimatesmartfee` for, in blocks. The embedded chain
 * has no estimate, so the wallet's floor (FEE_RATE_SAT_PER_KW) applies whatever this is.
 */
export const WALLET_CONF_TARGET = 6;

/**
 * Confirmations LDK asks of a funding transaction when it accepts a channel (its default
 * `ChannelHandshakeConfig::minimum_depth`).
 * https://docs.rs/lightning/0.1.0/lightning/util/config/struct.ChannelHandshakeConfig.html#structfield.minimum_depth
 */
export const LDK_MIN_DEPTH = 6;

/** Confirmations after which LDK reports an output spendable (its `ANTI_REORG_DELAY`). */
export const LDK_ANTI_REORG_DELAY = 6;

/**
 * The `to_self_delay` LDK imposes on its counterparty's outputs: its default
 * `ChannelHandshakeConfig::our_to_self_delay` (`BREAKDOWN_TIMEOUT`), in blocks.
 */
export const LDK_TO_SELF_DELAY = 144;
