/**
 * @module wire/codec
 * The codec toolkit: a `Codec<T>` is a value `{ encode(w, v), decode(r) }`, and codecs compose
 * (`struct`, `arrayOf`, `u16Prefixed`) so that each message is declared once (STYLE rule 3).
 *
 * Spec: BOLT #1 "Fundamental Types" (https://github.com/lightning/bolts/blob/master/01-messaging.md#fundamental-types).
 * Provides u8/u16/u32/u64 (bigint), s8/s16/s32/s64, tu16/tu32/tu64, fixed and length-prefixed
 * bytes, point, signature, chain_hash, channel_id, sha256.
 * Does not: validate that a point is on the curve (only its SEC 1 prefix; signature checks in
 * `src/gossip` catch the rest), or know about messages, TLVs or BigSize (see sibling files).
 */
import { WireDecodeError, WireEncodeError } from './errors.js';
import { Reader, Writer } from './reader.js';

/** A composable encoder/decoder pair for values of type `T`. */
export interface Codec<T> {
  /** Appends the encoding of `v` to `w`; throws `WireEncodeError` if `v` cannot be encoded. */
  encode(w: Writer, v: T): void;
  /** Reads one `T` from `r`; throws only `WireDecodeError`. */
  decode(r: Reader): T;
}

/** The value type a codec produces. */
export type ValueOf<C> = C extends Codec<infer T> ? T : never;

/** Encodes one value to a fresh byte array. */
export function encodeWith<T>(codec: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  codec.encode(w, v);
  return w.finish();
}

/** Decodes `bytes` with `codec` and requires every byte to be consumed (else `badLength`). */
export function decodeAll<T>(codec: Codec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  const v = codec.decode(r);
  if (r.remaining() !== 0) throw new WireDecodeError('badLength', `${r.remaining()} unexpected trailing bytes`, r.offset);
  return v;
}

/** `byte`: an 8-bit byte. */
export const u8: Codec<number> = { encode: (w, v) => w.u8(v), decode: (r) => r.u8() };
/** `u16`: a 2 byte unsigned integer. */
export const u16: Codec<number> = { encode: (w, v) => w.u16(v), decode: (r) => r.u16() };
/** `u32`: a 4 byte unsigned integer. */
export const u32: Codec<number> = { encode: (w, v) => w.u32(v), decode: (r) => r.u32() };
/** `u64`: an 8 byte unsigned integer, as bigint. */
export const u64: Codec<bigint> = { encode: (w, v) => w.u64(v), decode: (r) => r.u64() };

// BOLT #1: Signed integers use standard big-endian two's complement representation
function signed(bytes: 1 | 2 | 4): Codec<number> {
  const bits = bytes * 8;
  const min = -(2 ** (bits - 1));
  const max = 2 ** (bits - 1) - 1;
  const unsigned = bytes === 1 ? u8 : bytes === 2 ? u16 : u32;
  return {
    encode(w, v) {
      if (!Number.isInteger(v) || v < min || v > max) throw new WireEncodeError(`s${bits} out of range: ${v}`);
      unsigned.encode(w, v < 0 ? v + 2 ** bits : v);
    },
    decode(r) {
      const u = unsigned.decode(r);
      return u > max ? u - 2 ** bits : u;
    },
  };
}
/** `s8`: an 8-bit signed integer. */
export const s8: Codec<number> = signed(1);
/** `s16`: a 2 byte signed integer. */
export const s16: Codec<number> = signed(2);
/** `s32`: a 4 byte signed integer. */
export const s32: Codec<number> = signed(4);
/** `s64`: an 8 byte signed integer, as bigint. */
export const s64: Codec<bigint> = {
  encode(w, v) {
    if (typeof v !== 'bigint' || v < -(2n ** 63n) || v >= 2n ** 63n) throw new WireEncodeError(`s64 out of range: ${v}`);
    w.u64(BigInt.asUintN(64, v));
  },
  decode: (r) => BigInt.asIntN(64, r.u64()),
};

// BOLT #1: For the final value in TLV records, truncated integers may be used. Leading zeros in
// truncated integers MUST be omitted:
function truncated(maxBytes: number, name: string): Codec<bigint> {
  return {
    encode(w, v) {
      if (typeof v !== 'bigint' || v < 0n || v >= 1n << BigInt(8 * maxBytes)) throw new WireEncodeError(`${name} out of range: ${v}`);
      const out: number[] = [];
      for (let x = v; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
      w.bytes(Uint8Array.from(out));
    },
    decode(r) {
      const n = r.remaining();
      if (n > maxBytes) throw new WireDecodeError('badLength', `${name} is ${n} bytes, at most ${maxBytes}`, r.offset);
      const start = r.offset;
      const b = r.bytes(n);
      if (n > 0 && b[0] === 0) throw new WireDecodeError('nonCanonical', `${name} has a leading zero byte`, start);
      let v = 0n;
      for (const x of b) v = (v << 8n) | BigInt(x);
      return v;
    },
  };
}
/** Maps a bigint codec to a number codec (for values known to fit in 32 bits). */
function asNumber(c: Codec<bigint>): Codec<number> {
  return {
    encode: (w, v) => {
      if (!Number.isInteger(v)) throw new WireEncodeError(`not an integer: ${v}`);
      c.encode(w, BigInt(v));
    },
    decode: (r) => Number(c.decode(r)),
  };
}
/** `tu16`: a 0 to 2 byte truncated unsigned integer; consumes the rest of the reader (final TLV value). */
export const tu16: Codec<number> = asNumber(truncated(2, 'tu16'));
/** `tu32`: a 0 to 4 byte truncated unsigned integer; consumes the rest of the reader. */
export const tu32: Codec<number> = asNumber(truncated(4, 'tu32'));
/** `tu64`: a 0 to 8 byte truncated unsigned integer, as bigint; consumes the rest of the reader. */
export const tu64: Codec<bigint> = truncated(8, 'tu64');

/** Exactly `n` raw bytes (`n*byte`). */
export function bytes(n: number, what = `${n}-byte field`): Codec<Uint8Array> {
  return {
    encode(w, v) {
      if (!(v instanceof Uint8Array) || v.length !== n) throw new WireEncodeError(`${what} must be ${n} bytes`);
      w.bytes(v);
    },
    decode: (r) => r.bytes(n, what),
  };
}

/** `[u16:len][len*byte:data]`: bytes prefixed by their u16 length. */
export const varBytes16: Codec<Uint8Array> = {
  encode(w, v) {
    if (!(v instanceof Uint8Array)) throw new WireEncodeError('expected a Uint8Array');
    w.u16(v.length);
    w.bytes(v);
  },
  decode: (r) => r.bytes(r.u16(), 'u16-prefixed bytes'),
};

/** `...*byte`: every remaining byte (only valid as the last field of a TLV value or message). */
export const remainingBytes: Codec<Uint8Array> = { encode: (w, v) => w.bytes(v), decode: (r) => r.rest() };

/** `[u16:len][len bytes]` decoded by `inner`, which must consume exactly `len` bytes. */
export function u16Prefixed<T>(inner: Codec<T>): Codec<T> {
  return {
    encode(w, v) {
      const body = encodeWith(inner, v);
      w.u16(body.length);
      w.bytes(body);
    },
    decode(r) {
      const sub = r.sub(r.u16(), 'u16-prefixed field');
      const v = inner.decode(sub);
      if (sub.remaining() !== 0) throw new WireDecodeError('badLength', 'u16-prefixed field has trailing bytes', sub.offset);
      return v;
    },
  };
}

/** `...*T`: repeats `item` until the reader is empty (the spec's `...*type` in a TLV value). */
export function arrayOf<T>(item: Codec<T>): Codec<T[]> {
  return {
    encode(w, vs) {
      for (const v of vs) item.encode(w, v);
    },
    decode(r) {
      const out: T[] = [];
      while (r.remaining() > 0) out.push(item.decode(r));
      return out;
    },
  };
}

/** `...*T` for a fixed-size `T`: the length must be a whole multiple of `size` (else `badLength`). */
export function fixedArrayOf<T>(item: Codec<T>, size: number, what: string): Codec<T[]> {
  const all = arrayOf(item);
  return {
    encode: all.encode,
    decode(r) {
      if (r.remaining() % size !== 0) throw new WireDecodeError('badLength', `${what}: ${r.remaining()} bytes is not a multiple of ${size}`, r.offset);
      return all.decode(r);
    },
  };
}

/** `chain_hash`: a 32-byte chain identifier. */
export const chainHash: Codec<Uint8Array> = bytes(32, 'chain_hash');
/** `channel_id`: a 32-byte channel_id. */
export const channelId: Codec<Uint8Array> = bytes(32, 'channel_id');
/** `sha256`: a 32-byte SHA2-256 hash. */
export const sha256Hash: Codec<Uint8Array> = bytes(32, 'sha256');
/** `signature`: a 64-byte bitcoin Elliptic Curve signature (compact r||s). */
export const signature: Codec<Uint8Array> = bytes(64, 'signature');

const point33 = bytes(33, 'point');
/**
 * `point`: a 33-byte Elliptic Curve point (compressed SEC 1). Decoding checks the 0x02/0x03 prefix
 * (`invalidValue` otherwise); curve membership is left to signature verification, which needs the key anyway.
 */
export const point: Codec<Uint8Array> = {
  encode: point33.encode,
  decode(r) {
    const at = r.offset;
    const p = point33.decode(r);
    if (p[0] !== 0x02 && p[0] !== 0x03) throw new WireDecodeError('invalidValue', `point prefix 0x${p[0]!.toString(16)} is not 02/03`, at);
    return p;
  },
};

/**
 * One field of a struct or message: `[camelCaseName, codec]`, or `[name, codec, present]` for a field
 * that history made conditional on earlier fields (it is then absent, not `undefined`, when not sent).
 */
export type Field =
  | readonly [string, Codec<any>]
  | readonly [string, Codec<any>, (earlier: Record<string, unknown>) => boolean];

type FieldValue<E> = E extends readonly [string, infer C, unknown] ? ValueOf<C> | undefined : E extends readonly [string, infer C] ? ValueOf<C> : never;

/** The object type described by a field list. */
export type StructOf<F extends readonly Field[]> = {
  [E in F[number] as E extends readonly [string, unknown, unknown] ? never : E[0]]: FieldValue<E>;
} & { [E in F[number] as E extends readonly [string, unknown, unknown] ? E[0] : never]?: FieldValue<E> };

/** An ordered field list as one codec for an object (the spec's `data:` block). */
export function struct<const F extends readonly Field[]>(fields: F): Codec<StructOf<F>> {
  return {
    encode(w, v) {
      const o = v as Record<string, unknown>;
      for (const [name, c, present] of fields) {
        const want = present === undefined || present(o);
        if (want && o[name] === undefined) throw new WireEncodeError(`missing field ${name}`);
        if (!want && o[name] !== undefined) throw new WireEncodeError(`field ${name} cannot be sent with these flags`);
        if (want) c.encode(w, o[name]);
      }
    },
    decode(r) {
      const o: Record<string, unknown> = {};
      for (const [name, c, present] of fields) {
        if (present === undefined || present(o)) o[name] = c.decode(r);
      }
      return o as StructOf<F>;
    },
  };
}
