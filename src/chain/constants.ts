/**
 * @module chain/constants
 * Every limit of `src/chain`, with its unit and reason (STYLE rule 7).
 *
 * Does not: hold configuration defaults that `src/config` owns (`bitcoind.rpc-timeout-ms`).
 */

/**
 * Largest JSON-RPC response body we accept, in bytes. The biggest answer we ask for is
 * `getblock <hash> 0`: a 4 MWU block is at most 4 MB raw, 8 MB as hex, plus JSON framing. 32 MiB
 * leaves room and still bounds memory on a small backend host.
 */
export const MAX_RPC_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Default timeout of one RPC call in ms when the caller gives none (matches `bitcoind.rpc-timeout-ms`). */
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;

/**
 * Parsed blocks kept by the bitcoind source, by hash. Announcements for channels funded in the same
 * block (common: batched opens) then cost one `getblock`. A mainnet block parses to a few MB of
 * objects, so keep this small on boards.
 */
export const BLOCK_CACHE_SIZE = 4;

/** Default interval between block polls in ms (bitcoind has ZMQ, bcoin does not; polling works for both). */
export const DEFAULT_POLL_INTERVAL_MS = 5_000;

/**
 * How many recent block hashes the watcher remembers to find the fork point of a reorg. Deeper
 * reorgs than this are reported as such and the watcher restarts from the new tip.
 */
export const REORG_MEMORY_BLOCKS = 100;

/** Blocks the watcher fetches in one `poll()` at most, so one call stays bounded after a long outage. */
export const MAX_BLOCKS_PER_POLL = 144;
