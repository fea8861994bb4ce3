/**
 * @module gossip/limits
 * Every limit and default of the front's gossip service (graph copy, FrontRouter, queries, timestamp
 * filter, rebroadcast), each with its unit and reason (STYLE rule 7). Sizes are picked for a 1–2 GB ARM
 * board holding the mainnet graph (≈ 51 k channels, 17 k nodes) with room to spare.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Does not: hold backend limits (store/decide live elsewhere) or per-deployment config (`src/config`).
 */

/**
 * Bad gossip signatures a single connection may send before the front disconnects it (count, per
 * connection lifetime). Honest peers relay only gossip they verified, so even one bad signature is a bug
 * or an attack; a handful is tolerated because the spec only says "MAY close the connection" for
 * announcements, and a peer with one corrupt entry in its store should not be cut off for it.
 */
export const BAD_SIGNATURE_DISCONNECT_THRESHOLD = 5;

/**
 * Malformed gossip messages (undecodable) a connection may send before we disconnect it (count). Same
 * reasoning as signatures: BOLT 1 lets us warn; a stream of garbage is not worth our CPU.
 */
export const MALFORMED_DISCONNECT_THRESHOLD = 10;

/**
 * How long the FrontRouter remembers the senders of a message the backend accepted, waiting for the
 * backend's `graph_event` for it (ms). The event normally follows the decision within one link round
 * trip; entries still present after this are forgotten (a private update never gets an event).
 */
export const ACCEPTED_WINDOW_MS = 30_000;

/**
 * Messages held at the front while the channel they need is pending at the backend (count, per front).
 * Each holds one unreleased peer read, so the bound is also a bound on paused reads; past it the new
 * message is released at once as if no channel were pending (the peer can resend or query later).
 */
export const MAX_HELD_MESSAGES = 4_096;

/** Messages forwarded and awaiting a backend decision (count, per front): a full link backlog. */
export const MAX_PENDING_AT_BACKEND = 16_384;

/**
 * BOLT 7 staggered broadcast interval (ms): "SHOULD flush outgoing gossip messages once every 60 seconds".
 */
export const REBROADCAST_INTERVAL_MS = 60_000;

/**
 * Largest random delay added per peer to a flush (ms), so a front's peers do not all receive the batch
 * in the same tick (spreads the write burst on a small board; peers see the staggering BOLT 7 wants).
 */
export const REBROADCAST_MAX_PEER_DELAY_MS = 10_000;

/**
 * Channel announcements waiting for their first channel_update before they may be relayed (count).
 * BOLT 7: a channel_announcement without a channel_update is not sent; most arrive within seconds.
 */
export const MAX_ANNOUNCEMENTS_AWAITING_UPDATE = 2_048;

/**
 * Bytes of one `short_channel_id` plus its optional extras in a reply_channel_range: 8 (scid) +
 * 8 (`channel_update_timestamps`) + 8 (`channel_update_checksums`).
 */
export const REPLY_BYTES_PER_SCID = { scid: 8, timestamps: 8, checksums: 8 } as const;

/**
 * Fixed bytes of a reply_channel_range around its scids, worst case: type 2 + chain_hash 32 +
 * first_blocknum 4 + number_of_blocks 4 + sync_complete 1 + len 2 + encoding 1 = 46, plus per TLV
 * record type 1 + length 3 (BigSize 0xfd form) and the timestamps encoding byte 1 = 9.
 */
export const REPLY_FIXED_BYTES = 46 + 9;

/**
 * `query_channel_range` token bucket per connection: burst (queries) and refill (ms per query). A peer
 * needs one full-range query per sync; a few retries are fine, a stream of them is a CPU drain.
 */
export const CHANNEL_RANGE_BUCKET = { capacity: 4, refillMs: 10_000 } as const;

/**
 * `query_short_channel_ids` token bucket per connection, counted in requested scids: burst and refill
 * (ms per scid). A fresh peer syncing mainnet asks for ~51 k scids once (the burst covers it); after
 * that it needs tens per minute. Each scid costs up to ~1 KB of replies, so 1 scid / 5 ms caps one
 * peer at ~200 KB/s of query answers on a board's uplink.
 */
export const SHORT_IDS_BUCKET = { capacity: 60_000, refillMs: 5 } as const;

/**
 * Verification worker threads when `front.verify-threads` is unset: min(this, cores − 1). One core stays
 * with the main thread (peers' streams, the link, the router); a 4-core board gets 3 workers, a 2-core
 * host 1, a single core none (signatures are then checked inline, as with `front.verify-threads = 0`).
 */
export const AUTO_VERIFY_THREADS_MAX = 3;

/**
 * Message bytes handed to the verification workers and not answered yet (bytes, per front). What waits
 * in the pipeline is already bounded by the peers' read credit (each message counts against its peer's
 * `MAX_UNRELEASED_GOSSIP` until the router has it); this caps the copies made for the workers when many
 * peers send at once. Past it a message gets no worker check and the router verifies it inline.
 * 4 MiB ≈ 15,000 typical channel_updates, about a second of work for three workers on a board.
 */
export const MAX_VERIFY_BYTES_IN_FLIGHT = 4 * 1024 * 1024;

/**
 * A verification worker that dies before it is ready this many times in a row (count) is not restarted:
 * its engine does not load in a worker here. When no worker is left the pool says so in one log line
 * and the router verifies everything inline.
 */
export const VERIFY_WORKER_MAX_FAILED_STARTS = 3;

/** First restart delay of a dead verification worker (ms); doubles per failed start in a row. */
export const VERIFY_WORKER_RESTART_MS = 250;

/** Largest restart delay of a verification worker (ms). */
export const VERIFY_WORKER_RESTART_MAX_MS = 10_000;
/**
 * How long `VerifyPool.close()` waits for a thread to finish its queued batches and exit before terminating
 * it (ms). A batch takes milliseconds; the wait only matters for a thread that hangs.
 */
export const VERIFY_WORKER_STOP_GRACE_MS = 2_000;
