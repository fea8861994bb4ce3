/**
 * @module discovery/constants
 * Timings and limits of the backend's mDNS advertiser and the fronts' browser, each with its unit and
 * reason (STYLE rule 7). RFC 6762 is the spec: https://www.rfc-editor.org/rfc/rfc6762
 * Does not: hold the service type or TXT layout (those are in `deploy/mdns`, shared with the docs).
 */

/** mDNS IPv4 group and UDP port (RFC 6762 §3); re-exported from the deploy constants for one import. */
export { MDNS_IPV4_GROUP, MDNS_PORT } from '../deploy/constants.js';

/**
 * TTL of records that carry a host name (SRV, A), in seconds. RFC 6762 §10: "120 seconds" for those,
 * so a vanished host drops out of caches within two minutes even if its goodbye was lost.
 */
export const MDNS_HOST_RECORD_TTL_S = 120;
/** TTL of the other records (PTR, TXT), in seconds. RFC 6762 §10 recommends 75 minutes. */
export const MDNS_OTHER_RECORD_TTL_S = 4500;
/**
 * TTL cap for answers to legacy unicast queries (source port ≠ 5353), in seconds. RFC 6762 §6.7: such
 * a resolver does not see our goodbyes, so "the TTL given ... SHOULD NOT be greater than ten seconds".
 */
export const MDNS_LEGACY_UNICAST_TTL_S = 10;

/**
 * Announcements sent when the advertiser starts. RFC 6762 §8.3: "MUST send at least two unsolicited
 * responses, one second apart". Two keeps the start bounded (≤ 1 s of timers).
 */
export const MDNS_ANNOUNCE_COUNT = 2;
/** Gap between announcements, in ms (RFC 6762 §8.3: "one second apart"). */
export const MDNS_ANNOUNCE_INTERVAL_MS = 1000;

/**
 * First re-query gap of a browser, in ms. RFC 6762 §5.2: "the interval between the first two queries
 * MUST be at least one second", and each later interval at least doubles.
 */
export const MDNS_QUERY_FIRST_INTERVAL_MS = 1000;
/** Cap of the browser's re-query gap, in ms (RFC 6762 §5.2 allows the interval to stop growing at 60 min;
 * a front that lost its backend wants it back sooner, and one query a minute costs nothing). */
export const MDNS_QUERY_MAX_INTERVAL_MS = 60_000;

/** Instances a browser tracks at once. A LAN normally has one backend; this bounds what a hostile host
 * spraying fake instances can make a front remember. */
export const MDNS_MAX_TRACKED_INSTANCES = 64;
/** Addresses kept per host name (same reason as above). */
export const MDNS_MAX_ADDRESSES_PER_HOST = 8;

/** Default browse time of one `resolveBackend` attempt, in ms: a responder on the LAN answers well inside
 * one second, and the browser re-queries after `MDNS_QUERY_FIRST_INTERVAL_MS`. */
export const RESOLVE_ATTEMPT_MS = 3000;
/** First pause between `resolveBackend` attempts, in ms; doubles up to `cluster.reconnect-max-ms`. */
export const RESOLVE_RETRY_FIRST_MS = 500;
