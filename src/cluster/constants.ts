/**
 * @module cluster/constants
 * Limits and defaults of the cluster link, each with its unit and reason (STYLE rule 7).
 * Does not: hold per-deployment settings (those live in `src/config`).
 */

/**
 * Largest link frame, in bytes (type + payload). A peer message is at most 65535 bytes (BOLT 8) and
 * travels with a connection id and a small TLV tail; graph snapshot chunks are cut below this too.
 * 1 MiB keeps a hostile or broken link from making either side buffer more than one such frame.
 */
export const MAX_LINK_FRAME_BYTES = 1 << 20;

/** Default TCP port of the cluster link (DESIGN §3); eclair's cluster used 25520 for Akka too. */
export const DEFAULT_LINK_PORT = 25520;

/**
 * Period of the liveness check on both ends of the link, in ms: at most this long passes between the
 * peer timeout expiring and the link being declared lost. With the default 2.5 s timeout, a dead front
 * or backend is noticed within 3 s (issue #4, DESIGN §6).
 */
export const LINK_LIVENESS_TICK_MS = 250;

/**
 * Largest batch of coalesced writes held for the end of a loop turn, in bytes (`cluster/coalesce`):
 * a batch that reaches it is written at once. 64 KiB is four full TLS records and one maximal peer
 * message, so coalescing never holds more than the peer sockets' pause threshold
 * (`front/constants` SEND_BUFFER_PAUSE_READ_BYTES) and the caps keep meaning what they say.
 */
export const COALESCE_MAX_BYTES = 64 * 1024;
