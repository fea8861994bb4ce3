/**
 * @module back/constants
 * The backend's limits and defaults, each with its unit and reason (STYLE rule 7), plus the chain
 * hashes and the init features the whole fleet presents as our node.
 *
 * Does not: hold per-deployment settings (those are `src/config` keys), or link framing limits
 * (`src/cluster/constants.ts`).
 */
import { FEATURE_BY_NAME, FeatureVector } from '../wire/index.js';

/**
 * Genesis block hash per `chain` value, in wire byte order (the `chain_hash` of every BOLT message and
 * the `networks` TLV of init): the serialised hash, the reverse of what block explorers print.
 */
export const CHAIN_HASH_HEX = {
  bitcoin: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
} as const;

/**
 * Our init features, as (name, support). The four assumed ones are what LDK 0.1 requires of a peer
 * (DESIGN §12; LDK disconnects without them) and what every current implementation expects;
 * gossip_queries is offered because the fronts answer queries. Nothing channel-related yet: the
 * backend has no channel state machine, and advertising e.g. option_anchors would invite opens we
 * can only refuse.
 */
export const OUR_INIT_FEATURES: readonly (readonly [string, 'required' | 'optional'])[] = [
  ['option_data_loss_protect', 'optional'],
  ['gossip_queries', 'optional'],
  ['var_onion_optin', 'required'],
  ['option_static_remotekey', 'required'],
  ['payment_secret', 'required'],
];

/** `OUR_INIT_FEATURES` as the bitmap sent in `hello_ack.initFeatures`. */
export function ourInitFeatures(): Uint8Array {
  const v = new FeatureVector();
  for (const [name, support] of OUR_INIT_FEATURES) {
    const even = FEATURE_BY_NAME.get(name)!.evenBit;
    v.set(support === 'required' ? even : even + 1);
  }
  return v.toBytes();
}

// ── peer settings sent to fronts in hello_ack (eclair's RouterPeerConf) ──

/** Ping every 30 s on an idle connection: eclair's `ping-interval`; keeps NAT mappings alive. */
export const PING_INTERVAL_MS = 30_000;
/** A pong later than 10 s drops the connection: eclair's `ping-timeout`. */
export const PONG_TIMEOUT_MS = 10_000;
/** BOLT 8 handshake must finish in 15 s: eclair's `auth-timeout`; a half-open handshake holds a slot. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;
/** init must arrive 15 s after the handshake: eclair's `init-timeout`. */
export const INIT_TIMEOUT_MS = 15_000;
/**
 * Peer connections per front when the front does not set a lower `front.max-connections`. 1000 at
 * ~0.5 MiB each fits a 1 GiB board with room for the gossip copy.
 */
export const MAX_CONNECTIONS_PER_FRONT = 1000;
/** Largest Lightning message, bytes: BOLT 1/8's 65535 (2-byte length). */
export const MAX_MESSAGE_BYTES = 65_535;
/**
 * Messages of credit per connection at attach, in each direction (docs/cluster.md "Flow control"): the
 * backend grants it to the front in `peer_attach_ack`, and starts each attached connection with the
 * same amount for its own sends (implicit, no frame; announced as `hello_ack.initialCredit`).
 * 64 × 64 KiB bounds what one peer can have in flight on the link to 4 MiB, while a busy channel peer
 * (commitment_signed/revoke_and_ack bursts of a few dozen messages) never waits on credit.
 */
export const INITIAL_CREDIT = 64;
/**
 * The backend re-grants credit once it has processed this many messages of a connection, so a front
 * never starves while we avoid one `credit` frame per message.
 */
export const CREDIT_REGRANT_BATCH = INITIAL_CREDIT / 2;
/**
 * Peer messages the backend holds for a connection while the front has given it no credit. Past this
 * the connection is disconnected: a peer that does not read must not grow our memory.
 */
export const MAX_PENDING_TO_FRONT = 256;

// ── link ──

/** A front must send `hello` within 10 s of the TLS handshake, or the link is closed. */
export const HELLO_TIMEOUT_MS = 10_000;
/**
 * Outbound bytes queued on one link above which we stop reading from it (STYLE rule 8): 4 MiB is
 * the credit window of ~64 busy connections; reading resumes when the queue drains below half.
 */
export const LINK_PAUSE_READ_BYTES = 4 << 20;
/** Hard cap of outbound bytes queued on one link: a front this far behind is dropped (it redials). */
export const LINK_MAX_QUEUED_BYTES = 64 << 20;

// ── ECDH service ──

/**
 * Per-front token bucket for `ecdh_request` (DESIGN §5: a stolen front must not turn the backend into
 * an ECDH oracle at full speed). One inbound handshake costs one ECDH. Burst 500 lets a front take
 * over half of another front's peers at once after a failover; 100/s sustained is far above what a
 * healthy node sees (peers reconnect every few minutes at most) and still costs < 1% CPU (native
 * ECDH ~50 µs).
 */
export const ECDH_BURST = 500;
/** Tokens per second added to each front's ECDH bucket (see `ECDH_BURST`). */
export const ECDH_REFILL_PER_SEC = 100;

// ── outgoing connections ──

/**
 * How long `connect` waits for `connect_result` and the following `peer_attached`: the front's TCP
 * connect (or Tor circuit, which takes seconds) + handshake + init timeouts, with margin.
 */
export const CONNECT_TIMEOUT_MS = 60_000;
/** First redial delay of a persistent peer that dropped; doubles per failure. */
export const RECONNECT_MIN_MS = 1_000;
/** Cap of the persistent-peer redial delay: eclair's `max-reconnect-interval` is 1 h; we stay nearer. */
export const RECONNECT_MAX_MS = 5 * 60_000;

// ── API ──

/** Largest HTTP request body the API reads, bytes: its requests are a few hundred bytes of JSON. */
export const API_MAX_BODY_BYTES = 16 * 1024;
