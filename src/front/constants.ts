/**
 * @module front/constants
 * Every limit of the front daemon in one place (STYLE rule 7), each with its unit and reason. The
 * peer-connection timings (ping interval, pong/handshake/init timeouts, max connections, initial
 * credit) are NOT here: the backend sends them in `hello_ack` so the whole fleet behaves as one node
 * (docs/cluster.md "Settings in hello_ack").
 *
 * Does not: hold per-deployment settings (see `src/config`).
 */

/**
 * Largest Lightning message, in bytes. BOLT 8's length prefix is a u16, so no peer can send more;
 * `src/noise` enforces it on both directions, this names it for the front's own checks.
 * <https://github.com/lightning/bolts/blob/master/08-transport.md#lightning-message-specification>
 */
export const MAX_PEER_MESSAGE_BYTES = 65535;

/**
 * Bytes queued for a peer's socket (`socket.writableLength`) above which we stop reading that peer.
 * A peer that does not read our replies (pongs, forwarded messages) must not be able to make us do
 * more work: 64 KiB is one maximal message plus headroom, like LDK's OUTBOUND_BUFFER_LIMIT_READ_PAUSE
 * (ln/peer_handler.rs), which counts ~12 messages. Reading resumes on `'drain'`.
 */
export const SEND_BUFFER_PAUSE_READ_BYTES = 64 * 1024;

/**
 * Above this many queued bytes, low-priority writes (gossip, later) to a peer are dropped rather than
 * queued (STYLE rule 8; LDK's OUTBOUND_BUFFER_LIMIT_DROP_GOSSIP). 128 KiB = two maximal messages.
 */
export const SEND_BUFFER_DROP_LOW_PRIORITY_BYTES = 128 * 1024;

/**
 * Hard cap of queued bytes for one peer: a write that would go past it closes the connection. One
 * read chunk of tiny pings each asking 65531 pong bytes could otherwise queue ~100 MB (amplification).
 * 1 MiB × `front.max-connections` (1000) bounds the worst case at 1 GiB; on a 1 GiB board lower
 * `front.max-connections` instead — most peers keep well under 64 KiB queued.
 */
export const SEND_BUFFER_HARD_CAP_BYTES = 1024 * 1024;

/**
 * Messages decrypted from a peer but not yet forwarded to the backend (no credit yet, or waiting for
 * `peer_attach_ack`). Reading is paused whenever anything is queued, so this only bounds what one
 * TCP read can hold: 64 KiB of minimal 2-byte messages framed in 34 bytes each is ~1930 messages.
 * Above it the connection is closed as a flood.
 */
export const MAX_QUEUED_FORWARDS = 2048;

/**
 * `num_pong_bytes` of the pings we send, in bytes. Zero keeps idle-keepalive traffic minimal; BOLT 1
 * lets a sender choose any value below 65532.
 */
export const OUR_PING_PONG_BYTES = 0;

/**
 * Fraction of the backend's send window (`hello_ack.initialCredit`, 64 messages today) after which the
 * front grants the written messages back in one `credit` frame: 1/2, like the backend's
 * `CREDIT_REGRANT_BATCH`. A frame per message cost ~110 µs of front CPU per forwarded message (bench
 * `link-forward` profile); half a window keeps the backend from ever waiting on a grant for a peer
 * that reads, and the batch never exceeds the window, so the grant always comes (docs/cluster.md).
 */
export const FRONT_CREDIT_REGRANT_FRACTION = 1 / 2;

/**
 * How long a static-key ECDH asked of the backend may take, in ms. The backend answers from memory in
 * microseconds; 5 s covers a loaded board and a slow link. On expiry the handshake fails (closed).
 */
export const ECDH_TIMEOUT_MS = 5_000;

/** First redial delay after the link is lost, in ms; doubles up to `cluster.reconnect-max-ms`. */
export const LINK_BACKOFF_INITIAL_MS = 100;

/**
 * How long one TLS dial to the backend may take, in ms, before it counts as failed and the backoff
 * continues. A LAN TLS 1.3 handshake takes milliseconds; 10 s covers a board still booting its network.
 */
export const LINK_CONNECT_TIMEOUT_MS = 10_000;

/** How long to wait for `hello_ack` after sending `hello`, in ms, before closing and redialling. */
export const HELLO_TIMEOUT_MS = 10_000;

/**
 * Queued bytes on the link socket above which every peer socket stops being read until the link
 * drains (STYLE rule 8: the link follows the same rules). 4 MiB ≈ 64 maximal peer messages in flight.
 */
export const LINK_SEND_PAUSE_BYTES = 4 * 1024 * 1024;

/**
 * TCP connect timeout of an outgoing dial (`connect_request`), in ms, including the SOCKS5 exchange.
 * Tor circuits can take 10–20 s to build; 30 s is what LND and CLN use for onion dials.
 */
export const DIAL_TIMEOUT_MS = 30_000;

/** How often the daemon feeds timer ticks to the link session and every peer FSM, in ms. */
export const TICK_INTERVAL_MS = 250;

/** Longest `warning`/`error` data we log from a peer, in characters (the rest is cut, not echoed). */
export const MAX_LOGGED_PEER_TEXT = 200;

/**
 * After a `close` action, how long a socket may take to flush its last writes (a `warning`, an
 * `error`) before it is destroyed, in ms. A peer that reads gets them in microseconds; one that does
 * not must not hold the socket open.
 */
export const CLOSE_LINGER_MS = 2_000;
