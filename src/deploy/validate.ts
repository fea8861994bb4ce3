/**
 * @module deploy/validate
 * Input checks shared by the generators: ports, IP addresses, CIDR prefixes and subnet membership,
 * and the "safe token" rule that keeps user text from breaking out of the syntax of a generated file
 * (a quote or newline in a name could inject a rule into nftables or a keepalived block).
 *
 * Addresses are checked with `node:net`'s `isIP` and compared as bigints (no I/O). Every failure is a
 * `DeployError` naming the field. Does not: resolve host names (deploy files take literal addresses,
 * so a DNS outage can never change a firewall).
 */
import { isIP } from 'node:net';
import { invalid } from './errors.js';

/** Address family as nftables spells it. */
export type Family = 'ip' | 'ip6';

/** A parsed address or prefix; `prefix` is 32/128 for a single address. */
export interface Cidr {
  readonly text: string;
  readonly family: Family;
  readonly value: bigint;
  readonly prefix: number;
}

/** Checks a TCP/UDP port: integer 1–65535. */
export function checkPort(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    invalid(field, `port must be an integer 1-65535, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Checks an integer within [min, max]. */
export function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    invalid(field, `must be an integer ${min}-${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Letters, digits and `._-`; starts with a letter or digit. Used for names that land in config text. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Absolute path without whitespace, quotes, `;`, `$` or backslashes. */
const SAFE_PATH = /^\/[A-Za-z0-9._\/+-]*$/;

/** Checks a name (board name, user, table, interface) against `SAFE_NAME`, optionally length-capped. */
export function checkName(field: string, v: unknown, maxLen = 63): string {
  if (typeof v !== 'string' || !SAFE_NAME.test(v) || v.length > maxLen) {
    invalid(field, `must be 1-${maxLen} characters of [A-Za-z0-9._-] starting with a letter or digit, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Checks an absolute path against `SAFE_PATH`. */
export function checkPath(field: string, v: unknown): string {
  if (typeof v !== 'string' || !SAFE_PATH.test(v) || v.includes('..')) {
    invalid(field, `must be an absolute path of [A-Za-z0-9._/+-] without "..", got ${JSON.stringify(v)}`);
  }
  return v;
}

function ipv4ToBigint(s: string): bigint {
  return s.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigint(s: string): bigint {
  let text = s.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // Embedded IPv4 (e.g. ::ffff:192.0.2.1): rewrite the tail as two hex groups.
    const v4 = ipv4ToBigint(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Parses one IP address (no prefix). */
export function parseIp(field: string, v: unknown): Cidr {
  if (typeof v !== 'string') return invalid(field, `must be an IP address string, got ${JSON.stringify(v)}`);
  const kind = isIP(v);
  if (kind === 4) return { text: v, family: 'ip', value: ipv4ToBigint(v), prefix: 32 };
  if (kind === 6 && !v.includes('%')) return { text: v.toLowerCase(), family: 'ip6', value: ipv6ToBigint(v), prefix: 128 };
  return invalid(field, `is not an IPv4 or IPv6 address: ${JSON.stringify(v)}`);
}

/**
 * Parses `addr/len` (or a bare address as /32, /128). The address must be the network address: host
 * bits set usually means a typo (10.0.0.5/24 meant 10.0.0.0/24 or 10.0.0.5/32), so we refuse it.
 */
export function parseCidr(field: string, v: unknown): Cidr {
  if (typeof v !== 'string') return invalid(field, `must be an address or CIDR string, got ${JSON.stringify(v)}`);
  const slash = v.indexOf('/');
  if (slash === -1) return parseIp(field, v);
  const ip = parseIp(field, v.slice(0, slash));
  const lenText = v.slice(slash + 1);
  const bits = ip.family === 'ip' ? 32 : 128;
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) {
    invalid(field, `prefix length must be 0-${bits}, got ${JSON.stringify(lenText)}`);
  }
  const prefix = Number(lenText);
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((ip.value & hostMask) !== 0n) {
    invalid(field, `${v} has host bits set; write the network address or a /${bits}`);
  }
  return { text: `${ip.text}/${prefix}`, family: ip.family, value: ip.value, prefix };
}

/** True when `inner` (address or prefix) lies entirely inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const bits = outer.family === 'ip' ? 32 : 128;
  const shift = BigInt(bits - outer.prefix);
  return inner.value >> shift === outer.value >> shift;
}

/** Checks that `list` is a non-empty array (the generators have no meaningful output for zero items). */
export function checkNonEmpty<T>(field: string, list: unknown): readonly T[] {
  if (!Array.isArray(list) || list.length === 0) invalid(field, 'must be a non-empty list');
  return list as readonly T[];
}

/** Checks that `values` has no duplicates; names the first duplicate's index. */
export function checkUnique(field: string, values: readonly (string | number)[]): void {
  const seen = new Set<string | number>();
  values.forEach((v, i) => {
    if (seen.has(v)) invalid(`${field}[${i}]`, `duplicates ${JSON.stringify(v)}`);
    seen.add(v);
  });
}

/** Splits parsed prefixes by family, keeping order (nftables wants one set per family). */
export function byFamily(list: readonly Cidr[]): { readonly ip: readonly string[]; readonly ip6: readonly string[] } {
  return {
    ip: list.filter((c) => c.family === 'ip').map((c) => c.text),
    ip6: list.filter((c) => c.family === 'ip6').map((c) => c.text),
  };
}
