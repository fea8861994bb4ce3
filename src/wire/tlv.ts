/**
 * @module wire/tlv
 * Strict, lossless TLV streams (STYLE rule 4): each stream is declared once as `record type → name +
 * codec`; decoding keeps unknown odd records so re-encoding is byte-identical, and rejects unknown
 * even records, duplicates, non-increasing types, wrong value lengths and non-minimal numbers.
 *
 * Spec: BOLT #1 "Type-Length-Value Format" (https://github.com/lightning/bolts/blob/master/01-messaging.md#type-length-value-format).
 * Does not: interpret record contents (each record's codec does), or merge streams.
 */
import { bigSize } from './bigsize.js';
import type { Codec, ValueOf } from './codec.js';
import { encodeWith } from './codec.js';
import { WireDecodeError, WireEncodeError } from './errors.js';
import type { Reader, Writer } from './reader.js';

/** A record the stream does not know: kept verbatim (only odd types survive decoding). */
export interface UnknownTlv {
  /** The record type (any u64). */
  readonly type: bigint;
  /** The raw value bytes. */
  readonly value: Uint8Array;
}

/** One declared record: `[type, camelCaseName, codec]`. The codec sees exactly the value bytes. */
export type TlvRecordSpec = readonly [number, string, Codec<any>];

/** Decoded stream: known records by name (absent when not sent) plus unknown odd ones, in type order. */
export type TlvValues<R extends readonly TlvRecordSpec[]> = {
  [E in R[number] as E[1]]?: ValueOf<E[2]>;
} & { unknown?: UnknownTlv[] };

/** A declared TLV stream: a codec over the rest of the reader. */
export interface TlvStream<R extends readonly TlvRecordSpec[]> extends Codec<TlvValues<R>> {
  /** The spec's stream name, e.g. `init_tlvs`. */
  readonly name: string;
  /** The declared records, in increasing type order. */
  readonly records: R;
}

/** Declares a TLV stream. Records must be listed in strictly increasing type order. */
export function tlvStream<const R extends readonly TlvRecordSpec[]>(name: string, records: R): TlvStream<R> {
  for (let i = 1; i < records.length; i++) {
    if (records[i]![0] <= records[i - 1]![0]) throw new Error(`${name}: record types must increase`);
  }
  const byType = new Map<bigint, TlvRecordSpec>(records.map((rec) => [BigInt(rec[0]), rec]));
  return {
    name,
    records,
    encode: (w, v) => encodeStream(w, records, v as Record<string, unknown>),
    decode: (r) => decodeStream(r, name, byType) as TlvValues<R>,
  };
}

function encodeStream(w: Writer, records: readonly TlvRecordSpec[], v: Record<string, unknown>): void {
  const out: { type: bigint; value: Uint8Array }[] = [];
  for (const [type, name, codec] of records) {
    if (v[name] !== undefined) out.push({ type: BigInt(type), value: encodeWith(codec, v[name]) });
  }
  for (const u of (v.unknown as UnknownTlv[] | undefined) ?? []) {
    if (records.some((rec) => BigInt(rec[0]) === u.type)) throw new WireEncodeError(`unknown TLV uses known type ${u.type}`);
    out.push(u);
  }
  out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  // BOLT #1: The sending node:
  //  - MUST order `tlv_record`s in a `tlv_stream` by strictly-increasing `type`,
  //    hence MUST not produce more than a single TLV record with the same `type`
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.type === out[i - 1]!.type) throw new WireEncodeError(`duplicate TLV type ${out[i]!.type}`);
  }
  for (const rec of out) {
    bigSize.encode(w, rec.type);
    bigSize.encode(w, BigInt(rec.value.length));
    w.bytes(rec.value);
  }
}

function decodeStream(r: Reader, name: string, byType: Map<bigint, TlvRecordSpec>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const unknown: UnknownTlv[] = [];
  let prev: bigint | undefined;
  // BOLT #1: - if zero bytes remain before parsing a `type`:
  //    - MUST stop parsing the `tlv_stream`.
  while (r.remaining() > 0) {
    const at = r.offset;
    const type = bigSize.decode(r);
    // BOLT #1: - if decoded `type`s are not strictly-increasing (including situations when
    //   two or more occurrences of the same `type` are met):
    //    - MUST fail to parse the `tlv_stream`.
    if (prev !== undefined && type <= prev) {
      const why = type === prev ? 'duplicate' : 'non-increasing';
      throw new WireDecodeError('invalidValue', `${name}: ${why} TLV type ${type} after ${prev}`, at);
    }
    prev = type;
    const length = bigSize.decode(r);
    // BOLT #1: - if `length` exceeds the number of bytes remaining in the message:
    //    - MUST fail to parse the `tlv_stream`.
    if (length > BigInt(r.remaining())) {
      throw new WireDecodeError('shortRead', `${name}: TLV ${type} length ${length} exceeds ${r.remaining()} remaining`, r.offset);
    }
    const value = r.sub(Number(length));
    const spec = byType.get(type);
    if (spec) {
      out[spec[1]] = decodeValue(spec, value, name);
    } else if (type % 2n === 0n) {
      // BOLT #1: - if `type` is even:
      //      - MUST fail to parse the `tlv_stream`.
      throw new WireDecodeError('unknownEvenType', `${name}: unknown even TLV type ${type}`, at);
    } else {
      // BOLT #1: - otherwise, if `type` is odd:
      //      - MUST discard the next `length` bytes.
      //
      // (We keep them rather than discard, so a relayed or re-signed stream stays byte-identical.)
      unknown.push({ type, value: value.rest() });
    }
  }
  if (unknown.length > 0) out.unknown = unknown;
  return out;
}

// BOLT #1: - if `length` is not exactly equal to that required for the known encoding for `type`:
//      - MUST fail to parse the `tlv_stream`.
function decodeValue(spec: TlvRecordSpec, value: Reader, stream: string): unknown {
  let v: unknown;
  try {
    v = spec[2].decode(value);
  } catch (e) {
    // A short read inside a value whose length was given means the length is too small.
    if (e instanceof WireDecodeError && e.kind === 'shortRead') {
      throw new WireDecodeError('badLength', `${stream}: TLV ${spec[1]} is shorter than its encoding`, e.offset, { cause: e });
    }
    throw e;
  }
  if (value.remaining() !== 0) {
    throw new WireDecodeError('badLength', `${stream}: TLV ${spec[1]} is longer than its encoding`, value.offset);
  }
  return v;
}
