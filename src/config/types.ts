/**
 * @module config/types
 * The value types a configuration key can have, and the one parser per type that turns the text of a
 * value (from a file, `LNFLEET_CONF` or an env var) into a typed value or a problem description.
 *
 * Types are plain data (`TypeSpec`, a discriminated union on `kind`) so the schema table stays
 * declarative and `config describe` can print them. `ValueOfType<T>` maps a spec to its TS type, which
 * is how the loaded config object is strongly typed.
 *
 * Pure: `node:net`'s `isIP` is the only import (no I/O). Does not: know key names, sources or secrecy
 * (callers decide whether a value may be echoed in a message; see `config/resolve`).
 */
import { isIP } from 'node:net';

/** A `host:port` pair; IPv6 hosts are stored without brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The closed set of value types. */
export type TypeSpec =
  | { readonly kind: 'string'; readonly maxBytes?: number | undefined }
  | { readonly kind: 'name' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly unit?: string | undefined }
  | { readonly kind: 'decimal'; readonly min: number; readonly max: number }
  | { readonly kind: 'port' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'ip' }
  | { readonly kind: 'host' }
  | { readonly kind: 'hostport' }
  | { readonly kind: 'cidr' }
  | { readonly kind: 'url'; readonly protocols: readonly string[] }
  | { readonly kind: 'path' }
  | { readonly kind: 'duration-ms'; readonly min: number; readonly max: number }
  | { readonly kind: 'hex-pubkey' }
  | { readonly kind: 'color' }
  | { readonly kind: 'list'; readonly item: ItemSpec };

/** Types allowed inside a list (no nested lists). */
export type ItemSpec = Exclude<TypeSpec, { kind: 'list' }>;

/** The TypeScript type a value of spec `T` parses to. */
export type ValueOfType<T extends TypeSpec> = T extends { kind: 'enum'; values: readonly (infer V)[] }
  ? V
  : T extends { kind: 'int' | 'decimal' | 'port' | 'duration-ms' }
    ? number
    : T extends { kind: 'bool' }
      ? boolean
      : T extends { kind: 'hostport' }
        ? HostPort
        : T extends { kind: 'list'; item: infer I extends ItemSpec }
          ? readonly ValueOfType<I>[]
          : string;

/** Constructors for the schema table; each keeps literal types (enum values) for `ValueOfType`. */
export const t = {
  string: (maxBytes?: number) => ({ kind: 'string', maxBytes }) as const,
  name: () => ({ kind: 'name' }) as const,
  int: (min: number, max: number, unit?: string) => ({ kind: 'int', min, max, unit }) as const,
  decimal: (min: number, max: number) => ({ kind: 'decimal', min, max }) as const,
  port: () => ({ kind: 'port' }) as const,
  bool: () => ({ kind: 'bool' }) as const,
  enumOf: <const V extends readonly string[]>(values: V) => ({ kind: 'enum', values }) as const,
  ip: () => ({ kind: 'ip' }) as const,
  host: () => ({ kind: 'host' }) as const,
  hostport: () => ({ kind: 'hostport' }) as const,
  cidr: () => ({ kind: 'cidr' }) as const,
  url: (...protocols: string[]) => ({ kind: 'url', protocols }) as const,
  path: () => ({ kind: 'path' }) as const,
  durationMs: (min: number, max: number) => ({ kind: 'duration-ms', min, max }) as const,
  hexPubkey: () => ({ kind: 'hex-pubkey' }) as const,
  color: () => ({ kind: 'color' }) as const,
  list: <const I extends ItemSpec>(item: I) => ({ kind: 'list', item }) as const,
};

/** Outcome of parsing one value. `problem` never contains the value itself. */
export type ParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

const ok = (value: unknown): ParseResult => ({ ok: true, value });
const bad = (problem: string): ParseResult => ({ ok: false, problem });

/** A short human name of a type, for `config describe` and error messages. */
export function typeLabel(spec: TypeSpec): string {
  switch (spec.kind) {
    case 'string': return spec.maxBytes === undefined ? 'string' : `string (≤ ${spec.maxBytes} bytes)`;
    case 'name': return 'name ([a-z0-9-], ≤ 63)';
    case 'int': return `int ${spec.min}–${spec.max}${spec.unit === undefined ? '' : ` ${spec.unit}`}`;
    case 'decimal': return `number ${spec.min}–${spec.max}`;
    case 'port': return 'port';
    case 'bool': return 'bool';
    case 'enum': return spec.values.join(' \\| ');
    case 'ip': return 'ip';
    case 'host': return 'host (ip or dns name)';
    case 'hostport': return 'host:port';
    case 'cidr': return 'cidr';
    case 'url': return `url (${spec.protocols.join(', ')})`;
    case 'path': return 'path';
    case 'duration-ms': return `duration (ms; 500ms, 2s, 1m)`;
    case 'hex-pubkey': return 'hex pubkey (33 bytes)';
    case 'color': return 'color (#rrggbb)';
    case 'list': return `list of ${typeLabel(spec.item)} (comma-separated)`;
  }
}

const INT_RE = /^-?[0-9]+$/;
const DECIMAL_RE = /^-?[0-9]+(\.[0-9]+)?$/;
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const LABEL_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
/** Duration units accepted after a number, in milliseconds. */
const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** BOLT 7 `alias` and similar byte-limited strings are measured in UTF-8 bytes. */
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

function parseInt10(raw: string, min: number, max: number, unit = ''): ParseResult {
  if (!INT_RE.test(raw)) return bad('is not a whole number');
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) return bad(`must be between ${min} and ${max}${unit === '' ? '' : ` ${unit}`}`);
  return ok(n);
}

/** RFC 1123 host name (also accepts `.onion` and `.local` names, which follow the same label rules). */
function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  return s.replace(/\.$/, '').split('.').every((l) => LABEL_RE.test(l));
}

function parseHostPort(raw: string): ParseResult {
  const m = /^\[([^\]]+)\]:([0-9]+)$/.exec(raw) ?? /^([^:[\]]+):([0-9]+)$/.exec(raw);
  if (m === null) return bad('must be host:port (IPv6 in brackets: [::1]:9735)');
  const host = m[1]!;
  if (raw.startsWith('[') ? isIP(host) !== 6 : isIP(host) !== 4 && !isHostName(host)) return bad('has an invalid host part');
  const port = parseInt10(m[2]!, 1, 65535);
  return port.ok ? ok({ host, port: port.value }) : bad('has a port outside 1–65535');
}

function parseCidr(raw: string): ParseResult {
  const [addr, prefix, extra] = raw.split('/');
  const family = isIP(addr ?? '');
  if (extra !== undefined || family === 0) return bad('must be an address with an optional /prefix, e.g. 10.0.0.0/24');
  if (prefix === undefined) return ok(raw);
  const p = parseInt10(prefix, 0, family === 4 ? 32 : 128);
  return p.ok ? ok(raw) : bad(`has a prefix outside 0–${family === 4 ? 32 : 128}`);
}

function parseUrl(raw: string, protocols: readonly string[]): ParseResult {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return bad('is not a URL');
  }
  if (!protocols.includes(u.protocol.replace(/:$/, ''))) return bad(`must use ${protocols.join(' or ')}`);
  // Credentials inside a URL would be printed by every dump and log line that shows the URL.
  if (u.username !== '' || u.password !== '') return bad('must not contain credentials (use the separate user/password keys)');
  return ok(raw);
}

function parseDuration(raw: string, min: number, max: number): ParseResult {
  const m = /^([0-9]+)\s*(ms|s|m|h)?$/.exec(raw);
  if (m === null) return bad('must be a duration such as 1500, 1500ms, 2s, 5m or 1h');
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? '']!;
  if (!Number.isSafeInteger(ms) || ms < min || ms > max) return bad(`must be between ${min} ms and ${max} ms`);
  return ok(ms);
}

function parseItem(spec: ItemSpec, raw: string): ParseResult {
  switch (spec.kind) {
    case 'string':
      if (spec.maxBytes !== undefined && utf8Length(raw) > spec.maxBytes) return bad(`is longer than ${spec.maxBytes} bytes (UTF-8)`);
      return raw.includes('\0') ? bad('contains a NUL character') : ok(raw);
    case 'name': return NAME_RE.test(raw) ? ok(raw) : bad('must be 1–63 of [a-z0-9-], not starting or ending with -');
    case 'int': return parseInt10(raw, spec.min, spec.max, spec.unit);
    case 'decimal': {
      const n = Number(raw);
      if (!DECIMAL_RE.test(raw)) return bad('is not a number');
      return n < spec.min || n > spec.max ? bad(`must be between ${spec.min} and ${spec.max}`) : ok(n);
    }
    case 'port': return parseInt10(raw, 1, 65535);
    case 'bool': {
      const v = raw.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(v)) return ok(true);
      if (['false', 'no', 'off', '0'].includes(v)) return ok(false);
      return bad('must be true or false');
    }
    case 'enum': return spec.values.includes(raw) ? ok(raw) : bad(`must be one of ${spec.values.join(', ')}`);
    case 'ip': return isIP(raw) !== 0 ? ok(raw) : bad('is not an IPv4 or IPv6 address');
    case 'host': return isIP(raw) !== 0 || isHostName(raw) ? ok(raw) : bad('is not an IP address or host name');
    case 'hostport': return parseHostPort(raw);
    case 'cidr': return parseCidr(raw);
    case 'url': return parseUrl(raw, spec.protocols);
    case 'path': return raw.includes('\0') ? bad('contains a NUL character') : ok(raw);
    case 'duration-ms': return parseDuration(raw, spec.min, spec.max);
    case 'hex-pubkey':
      // BOLT 7: node ids are 33-byte compressed secp256k1 points (02/03 prefix). Only the format is
      // checked here; the daemon compares it with the loaded key and refuses to start on a mismatch.
      return /^0[23][0-9a-fA-F]{64}$/.test(raw) ? ok(raw.toLowerCase()) : bad('must be 66 hex characters of a compressed public key (02… or 03…)');
    case 'color': return /^#[0-9a-fA-F]{6}$/.test(raw) ? ok(raw.toLowerCase()) : bad('must be #rrggbb');
  }
}

/**
 * Parses the text `raw` (already unquoted and trimmed by the syntax layer) as a value of `spec`.
 * Lists are comma-separated; an empty text is an empty list.
 */
export function parseValue(spec: TypeSpec, raw: string): ParseResult {
  if (spec.kind !== 'list') return parseItem(spec, raw);
  if (raw.trim() === '') return ok([]);
  const out: unknown[] = [];
  const parts = raw.split(',').map((p) => p.trim());
  for (const [i, part] of parts.entries()) {
    if (part === '') return bad(`has an empty item at position ${i + 1}`);
    const r = parseItem(spec.item, part);
    if (!r.ok) return bad(`item ${i + 1} ${r.problem}`);
    out.push(r.value);
  }
  return ok(out);
}
