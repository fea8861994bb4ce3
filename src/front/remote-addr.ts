/**
 * @module front/remote-addr
 * The BOLT 1 `remote_addr` we put in `init`: the peer's address as we see it, as one BOLT 7 address
 * descriptor, only for public IPs. Pure.
 *
 * Does not: decide whether to send it at all (`front.remote-addr` and `hello_ack.sendRemoteAddr` do).
 */
import { isIP } from 'node:net';
import { encodeAddresses } from '../wire/index.js';

// BOLT #1: - SHOULD NOT set private addresses as `remote_addr`.
const PRIVATE_V4: readonly (readonly [number, number, number])[] = [
  // [first octet, second octet min, second octet max]
  [0, 0, 255], [10, 0, 255], [127, 0, 255], [100, 64, 127], [169, 254, 254], [172, 16, 31], [192, 168, 168],
];

/** True for loopback, private, link-local, CGNAT and unspecified addresses (v4 and v6). */
export function isPrivateIp(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return PRIVATE_V4.some(([x, lo, hi]) => a === x && b >= lo && b <= hi);
  }
  const l = ip.toLowerCase();
  return l === '::' || l === '::1' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l);
}

/** The encoded descriptor of `ip:port`, or `undefined` for private or unparsable addresses. */
export function remoteAddrDescriptor(ip: string | undefined, port: number | undefined): Uint8Array | undefined {
  if (ip === undefined || port === undefined || isPrivateIp(ip)) return undefined;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) return encodeAddresses([{ type: 'ipv4', addr: Uint8Array.from(v4.split('.').map(Number)), port }]);
  if (isIP(ip) === 6) return encodeAddresses([{ type: 'ipv6', addr: ipv6Bytes(ip), port }]);
  return undefined;
}

function ipv6Bytes(ip: string): Uint8Array {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const parse = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}
