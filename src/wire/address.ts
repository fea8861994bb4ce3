/**
 * @module wire/address
 * node_announcement `address descriptor`s (also the init `remote_addr` TLV): IPv4 (1), IPv6 (2),
 * deprecated Tor v2 (3), Tor v3 (4) and DNS hostname (5), decoded losslessly.
 *
 * Spec: BOLT #7 "The node_announcement Message" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#the-node_announcement-message).
 * An unknown descriptor type has no known length, so parsing stops there and the rest of `addresses`
 * is kept as one `unknown` entry; re-encoding gives back the exact bytes (the signature covers them).
 * Does not: judge routability, port 0, ordering or duplicate DNS entries (gossip policy), or resolve names.
 */
import type { Codec } from './codec.js';
import { WireDecodeError, WireEncodeError } from './errors.js';
import { Reader, Writer } from './reader.js';

/** A decoded address descriptor. Hostnames are kept byte-for-byte (latin1) so odd bytes round-trip. */
export type Address =
  | { readonly type: 'ipv4'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'ipv6'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'torv2'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'torv3'; readonly addr: Uint8Array; readonly port: number }
  | { readonly type: 'dns'; readonly hostname: string; readonly port: number }
  | { readonly type: 'unknown'; readonly descriptorType: number; readonly data: Uint8Array };

// BOLT #7: * `1`: ipv4; data = `[4:ipv4_addr][2:port]` (length 6)
//    * `2`: ipv6; data = `[16:ipv6_addr][2:port]` (length 18)
//    * `3`: Deprecated (length 12). Used to contain Tor v2 onion services.
//    * `4`: Tor v3 onion service; data = `[35:onion_addr][2:port]` (length 37)
/** Descriptor type byte → fixed address length (without the 2-byte port). */
const FIXED = { ipv4: [1, 4], ipv6: [2, 16], torv2: [3, 10], torv3: [4, 35] } as const;
/** Descriptor type byte of a DNS hostname. */
const DNS_TYPE = 5;

function decodeOne(r: Reader): Address | undefined {
  const t = r.u8();
  for (const [name, [code, len]] of Object.entries(FIXED) as [keyof typeof FIXED, readonly [number, number]][]) {
    if (t === code) return { type: name, addr: r.bytes(len, `${name} address`), port: r.u16() };
  }
  if (t === DNS_TYPE) {
    // BOLT #7: * `5`: DNS hostname; data = `[1:hostname_len][hostname_len:hostname][2:port]` (length up to 258)
    const host = r.bytes(r.u8(), 'hostname');
    return { type: 'dns', hostname: String.fromCharCode(...host), port: r.u16() };
  }
  return undefined;
}

/**
 * Decodes a whole `addresses` field. A descriptor cut short by `addrlen` is `badLength`
 * (BOLT 7: "if `addrlen` is insufficient to hold the address descriptors of the known types").
 */
export function decodeAddresses(bytes: Uint8Array): Address[] {
  const r = new Reader(bytes);
  const out: Address[] = [];
  while (r.remaining() > 0) {
    const start = r.offset;
    let a: Address | undefined;
    try {
      a = decodeOne(r);
    } catch (e) {
      if (e instanceof WireDecodeError && e.kind === 'shortRead') {
        throw new WireDecodeError('badLength', 'addrlen is too short for the last address descriptor', start, { cause: e });
      }
      throw e;
    }
    if (a === undefined) {
      // BOLT #7: - SHOULD ignore the first `address descriptor` that does NOT match the types
      //   defined above.
      //
      // We cannot know its length, so everything from here on is kept as one opaque entry.
      out.push({ type: 'unknown', descriptorType: bytes[start]!, data: bytes.slice(start + 1) });
      break;
    }
    out.push(a);
  }
  return out;
}

/** Encodes descriptors back to the `addresses` bytes. An `unknown` entry must be last. */
export function encodeAddresses(addrs: readonly Address[]): Uint8Array {
  const w = new Writer();
  addrs.forEach((a, i) => {
    if (a.type === 'unknown') {
      if (i !== addrs.length - 1) throw new WireEncodeError('an unknown address descriptor must be last');
      w.u8(a.descriptorType);
      w.bytes(a.data);
      return;
    }
    if (a.type === 'dns') {
      const host = Uint8Array.from(a.hostname, (c) => c.charCodeAt(0));
      if (host.some((b, j) => b !== a.hostname.charCodeAt(j))) throw new WireEncodeError('hostname must be single-byte characters');
      w.u8(DNS_TYPE);
      w.u8(host.length);
      w.bytes(host);
    } else {
      const [code, len] = FIXED[a.type];
      if (a.addr.length !== len) throw new WireEncodeError(`${a.type} address must be ${len} bytes`);
      w.u8(code);
      w.bytes(a.addr);
    }
    w.u16(a.port);
  });
  return w.finish();
}

/** Codec for a run of descriptors filling the rest of the reader (e.g. inside a u16-prefixed field). */
export const addressList: Codec<Address[]> = {
  encode: (w, v) => w.bytes(encodeAddresses(v)),
  decode: (r) => decodeAddresses(r.rest()),
};

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(b: Uint8Array): string {
  let bits = 0;
  let acc = 0;
  let s = '';
  for (const x of b) {
    acc = (acc << 8) | x;
    bits += 8;
    while (bits >= 5) {
      s += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? s + B32[(acc << (5 - bits)) & 31] : s;
}

/** Human form: `1.2.3.4:9735`, `[2001:db8:0:0:0:0:0:1]:9735`, `<base32>.onion:9735`, `host:port`. */
export function formatAddress(a: Address): string {
  switch (a.type) {
    case 'ipv4':
      return `${a.addr.join('.')}:${a.port}`;
    case 'ipv6': {
      const groups: string[] = [];
      for (let i = 0; i < 16; i += 2) groups.push(((a.addr[i]! << 8) | a.addr[i + 1]!).toString(16));
      return `[${groups.join(':')}]:${a.port}`;
    }
    case 'torv2':
    case 'torv3':
      return `${base32(a.addr)}.onion:${a.port}`;
    case 'dns':
      return `${a.hostname}:${a.port}`;
    case 'unknown':
      return `unknown(${a.descriptorType})`;
  }
}
