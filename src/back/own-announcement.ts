/**
 * @module back/own-announcement
 * Builds and signs our own `node_announcement` from config (alias, colour, announce addresses) and the
 * init features we give fronts, with `NodeKey.sign` over `gossipSigningHash`.
 *
 * Spec: BOLT #7 "The node_announcement Message"
 * (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#the-node_announcement-message).
 * Does not: decide when to publish (the backend's gossip service does: at start, daily, and when a
 * channel of ours is accepted), or announce Tor v2 (deprecated) addresses.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { HostPort } from '../config/types.js';
import type { NodeKey } from '../keys/index.js';
import type { Address } from '../wire/address.js';
import { encodeMessage } from '../wire/index.js';
import { gossipSigningHash } from '../wire/signed.js';

/** How often our node_announcement is re-signed with a fresh timestamp: daily, in ms (BOLT 7 prunes after two weeks). */
export const OWN_ANNOUNCEMENT_REFRESH_MS = 24 * 60 * 60 * 1000;

/** What goes into our node_announcement. */
export interface OwnAnnouncementParams {
  readonly alias: string;
  /** `#rrggbb`. */
  readonly color: string;
  readonly addresses: readonly HostPort[];
  /** Our node features (the init features we give fronts). */
  readonly features: Uint8Array;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Decodes a Tor v3 `.onion` host (56 base32 chars → 35 bytes), or undefined if it is not one. */
function onionV3(host: string): Uint8Array | undefined {
  const m = /^([a-z2-7]{56})\.onion$/i.exec(host);
  if (m === null) return undefined;
  const out = new Uint8Array(35);
  let bits = 0;
  let acc = 0;
  let i = 0;
  for (const c of m[1]!.toLowerCase()) {
    acc = (acc << 5) | BASE32.indexOf(c);
    bits += 5;
    if (bits >= 8) { bits -= 8; out[i++] = (acc >> bits) & 0xff; }
  }
  return out;
}

/** One configured `host:port` as an address descriptor (IPv4, IPv6, Tor v3, else DNS hostname). */
export function addressFor(hp: HostPort): Address {
  const host = hp.host.replace(/^\[(.*)\]$/, '$1');
  if (isIPv4(host)) return { type: 'ipv4', addr: Uint8Array.from(host.split('.').map(Number)), port: hp.port };
  if (isIPv6(host)) return { type: 'ipv6', addr: ipv6Bytes(host), port: hp.port };
  const onion = onionV3(host);
  if (onion !== undefined) return { type: 'torv3', addr: onion, port: hp.port };
  return { type: 'dns', hostname: host, port: hp.port };
}

function ipv6Bytes(host: string): Uint8Array {
  const [head, tail] = host.includes('::') ? host.split('::') as [string, string] : [host, undefined];
  const words = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const tl = words(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - tl.length).fill(0), ...tl];
  const out = new Uint8Array(16);
  all.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/**
 * Our signed node_announcement at `timestamp` (seconds). The caller keeps the timestamp strictly above
 * the previous one.
 */
export function signOwnAnnouncement(key: NodeKey, p: OwnAnnouncementParams, timestamp: number): Uint8Array {
  const alias = new Uint8Array(32);
  alias.set(Buffer.from(p.alias, 'utf8').subarray(0, 32));
  // BOLT #7: - MUST set `timestamp` to be greater than that of any previous `node_announcement` it has previously created.
  const m = {
    name: 'node_announcement' as const, signature: new Uint8Array(64), features: p.features, timestamp, nodeId: key.nodeId,
    rgbColor: Uint8Array.from(Buffer.from(p.color.slice(1), 'hex')), alias, addresses: p.addresses.map(addressFor), extra: new Uint8Array(0),
  };
  return encodeMessage({ ...m, signature: key.sign(gossipSigningHash(encodeMessage(m))) });
}
