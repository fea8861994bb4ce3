/**
 * @module back/channels/serialize
 * The channel store's plain-data serializer: any value built from `null`, booleans, strings, finite
 * numbers, `bigint`, `Uint8Array`, `undefined`, arrays, plain objects and `Map`s round-trips exactly
 * (a `bigint` comes back a `bigint`, a `Uint8Array` a `Uint8Array`, an `undefined` field stays a
 * present-but-undefined field). Channel states from `src/channel/machine` and `src/channel/commitments`
 * are plain data by design (see `src/channel/params.ts`), so no per-type codec is needed.
 *
 * Format (text, JSON): `{"format": 1, "data": <value>}`. Values JSON can carry go as themselves;
 * the others are single-key tagged objects: `{"$big": "<decimal>"}`, `{"$bytes": "<hex>"}`,
 * `{"$undef": 1}`, `{"$map": [[k, v], …]}`. A plain object with a key starting with `$` cannot be
 * told from a tag, so encoding refuses it rather than writing something ambiguous.
 *
 * Decoding is strict: unknown format version, a malformed tag, bad hex, a non-canonical bigint, a
 * non-finite number — each is a `SerializeError` with the JSON path of the fault. The caller (the
 * store) adds which channel it was; nothing ever decodes to a silent default.
 *
 * Does not: know channel types, compress, or encrypt (the database file is the operator's to protect).
 */
import { KindedError } from '../../errors.js';

/** Version of the encoding written by {@link encodeState}. */
export const SERIALIZE_FORMAT = 1;
/**
 * Nesting limit of a value, in levels: a channel state is a few levels deep (state → commitments →
 * HTLC list → HTLC → field); the bound keeps a corrupt or hostile blob from exhausting the stack.
 */
export const MAX_DEPTH = 64;

/** Why a value could not be encoded or decoded. */
export type SerializeErrorKind = 'unsupported' | 'corrupt' | 'version';

/** Error of the serializer; `path` is where in the value the fault is (e.g. `$.htlcs[3].amountMsat`). */
export class SerializeError extends KindedError<'CHANNEL_SERIALIZE', SerializeErrorKind> {
  readonly path: string;
  constructor(kind: SerializeErrorKind, path: string, message: string) {
    super('CHANNEL_SERIALIZE', kind, `${message} at ${path}`);
    this.path = path;
  }
}

const TAG_BIG = '$big';
const TAG_BYTES = '$bytes';
const TAG_UNDEF = '$undef';
const TAG_MAP = '$map';

function encodeValue(v: unknown, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new SerializeError('unsupported', path, `value nested deeper than ${MAX_DEPTH}`);
  switch (typeof v) {
    case 'undefined': return { [TAG_UNDEF]: 1 };
    case 'boolean': case 'string': return v;
    case 'number':
      if (!Number.isFinite(v)) throw new SerializeError('unsupported', path, `number ${v} is not finite`);
      return Object.is(v, -0) ? 0 : v;
    case 'bigint': return { [TAG_BIG]: v.toString(10) };
    case 'object': return encodeObject(v, path, depth);
    case 'function': case 'symbol':
      throw new SerializeError('unsupported', path, `a ${typeof v} is not plain data`);
  }
}

function encodeObject(v: object | null, path: string, depth: number): unknown {
  if (v === null) return null;
  if (v instanceof Uint8Array) return { [TAG_BYTES]: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map((x, i) => encodeValue(x, `${path}[${i}]`, depth + 1));
  if (v instanceof Map) {
    return { [TAG_MAP]: [...v.entries()].map(([k, x], i) => [encodeValue(k, `${path}<key ${i}>`, depth + 1), encodeValue(x, `${path}<${i}>`, depth + 1)]) };
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new SerializeError('unsupported', path, `a ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'class'} instance is not plain data`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) throw new SerializeError('unsupported', path, `key "${k}" starts with $ (reserved for tags)`);
    out[k] = encodeValue(x, `${path}.${k}`, depth + 1);
  }
  return out;
}

function decodeTag(tag: string, body: unknown, path: string, depth: number): unknown {
  switch (tag) {
    case TAG_BIG:
      if (typeof body !== 'string' || !/^(0|-?[1-9][0-9]*)$/.test(body)) throw new SerializeError('corrupt', path, 'bigint is not a canonical decimal');
      return BigInt(body);
    case TAG_BYTES:
      if (typeof body !== 'string' || body.length % 2 !== 0 || !/^[0-9a-f]*$/.test(body)) throw new SerializeError('corrupt', path, 'bytes are not lowercase hex');
      return Uint8Array.from(Buffer.from(body, 'hex'));
    case TAG_UNDEF:
      if (body !== 1) throw new SerializeError('corrupt', path, 'malformed undefined tag');
      return undefined;
    case TAG_MAP: {
      if (!Array.isArray(body)) throw new SerializeError('corrupt', path, 'map is not a list of entries');
      const m = new Map<unknown, unknown>();
      body.forEach((e: unknown, i) => {
        if (!Array.isArray(e) || e.length !== 2) throw new SerializeError('corrupt', `${path}<${i}>`, 'map entry is not a [key, value] pair');
        m.set(decodeValue(e[0], `${path}<key ${i}>`, depth + 1), decodeValue(e[1], `${path}<${i}>`, depth + 1));
      });
      return m;
    }
    default:
      throw new SerializeError('corrupt', path, `unknown tag ${tag}`);
  }
}

function decodeValue(v: unknown, path: string, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new SerializeError('corrupt', path, `value nested deeper than ${MAX_DEPTH}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SerializeError('corrupt', path, 'number is not finite');
    return v;
  }
  if (Array.isArray(v)) return v.map((x, i) => decodeValue(x, `${path}[${i}]`, depth + 1));
  if (typeof v !== 'object') throw new SerializeError('corrupt', path, `unexpected ${typeof v}`);
  const keys = Object.keys(v);
  const tagged = keys.filter((k) => k.startsWith('$'));
  if (tagged.length > 0) {
    if (keys.length !== 1) throw new SerializeError('corrupt', path, `tag ${tagged[0]} mixed with other keys`);
    return decodeTag(keys[0]!, (v as Record<string, unknown>)[keys[0]!], path, depth);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = decodeValue((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
  return out;
}

/** Encodes a plain-data value (see the module comment); throws `SerializeError` `unsupported` for anything else. */
export function encodeState(value: unknown): string {
  return JSON.stringify({ format: SERIALIZE_FORMAT, data: encodeValue(value, '$', 0) });
}

/**
 * Decodes what {@link encodeState} wrote. Throws `SerializeError`: `version` for a format this build
 * does not know, `corrupt` for anything malformed. The result is untyped: the caller knows its shape.
 */
export function decodeState(text: string): unknown {
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch {
    throw new SerializeError('corrupt', '$', 'state is not valid JSON');
  }
  if (typeof outer !== 'object' || outer === null || Array.isArray(outer) || !('format' in outer) || !('data' in outer) || Object.keys(outer).length !== 2) {
    throw new SerializeError('corrupt', '$', 'state is not {format, data}');
  }
  const o = outer as { format: unknown; data: unknown };
  if (o.format !== SERIALIZE_FORMAT) throw new SerializeError('version', '$', `state format ${String(o.format)} is not ${SERIALIZE_FORMAT} (written by another lnfleet version)`);
  return decodeValue(o.data, '$', 0);
}
