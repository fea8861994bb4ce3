// BOLT 1 Appendix B: the n1/n2 namespaces as real TLV stream declarations, every vector, plus
// losslessness (unknown odd records re-emitted byte-identically) and the composition rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeAll,
  encodeWith,
  point,
  scidToString,
  shortChannelId,
  struct,
  tlvStream,
  tu32,
  tu64,
  u16,
  u64,
  WireDecodeError,
} from '../../src/wire/index.js';
import type { Codec, TlvRecordSpec, WireDecodeKind } from '../../src/wire/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

/** BOLT 1 Appendix B namespace n1. */
const n1 = tlvStream('n1', [
  [1, 'tlv1', struct([['amountMsat', tu64]])],
  [2, 'tlv2', struct([['scid', shortChannelId]])],
  [3, 'tlv3', struct([['nodeId', point], ['amountMsat1', u64], ['amountMsat2', u64]])],
  [254, 'tlv4', struct([['cltvDelta', u16]])],
]);
/** BOLT 1 Appendix B namespace n2. */
const n2 = tlvStream('n2', [
  [0, 'tlv1', struct([['amountMsat', tu64]])],
  [11, 'tlv2', struct([['cltvExpiry', tu32]])],
]);
type NsName = 'n1' | 'n2';
type AnyStream = Codec<Record<string, unknown>> & { records: readonly TlvRecordSpec[] };
const STREAMS = { n1, n2 } as unknown as Record<NsName, AnyStream>;

const V = loadBoltVector('bolt01-tlv.json');

const KIND_OF_CATEGORY: Record<string, WireDecodeKind> = {
  type_truncated: 'shortRead',
  length_truncated: 'shortRead',
  value_truncated: 'shortRead',
  type_not_minimal: 'nonCanonical',
  length_not_minimal: 'nonCanonical',
  value_not_minimal: 'nonCanonical',
  unknown_even_type: 'unknownEvenType',
  value_longer_than_known_encoding: 'badLength',
  value_shorter_than_known_encoding: 'badLength',
  invalid_point: 'invalidValue',
  duplicate_type: 'invalidValue',
  types_not_increasing: 'invalidValue',
};

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

test('n1/n2 declarations match the namespaces in the vector file', () => {
  for (const ns of ['n1', 'n2'] as const) {
    const spec = V.namespaces[ns] as { type: number; name: string; fields: { name: string }[] }[];
    assert.deepEqual(
      STREAMS[ns].records.map((r) => [r[0], r[1]]),
      spec.map((r) => [r.type, r.name]),
    );
  }
});

function expectKind(stream: string, ns: NsName, kind: WireDecodeKind) {
  assert.throws(
    () => decodeAll(STREAMS[ns], hex(stream)),
    (e: unknown) => e instanceof WireDecodeError && e.code === 'WIRE_DECODE' && e.kind === kind,
    `${ns} ${stream.slice(0, 24)} should fail with ${kind}`,
  );
}

const failures = [...V.decoding_failures, ...V.stream_decoding_failures] as { stream: string; namespaces: NsName[]; category: string; reason: string }[];
for (const v of failures) {
  test(`TLV failure (${v.category}): ${v.reason} [${v.stream.slice(0, 24)}]`, () => {
    const kind = KIND_OF_CATEGORY[v.category];
    assert.ok(kind, `unmapped category ${v.category}`);
    for (const ns of v.namespaces) expectKind(v.stream, ns, kind);
  });
}

/** Converts the vector's `decoded` (snake_case, strings) into our value shape using the field types. */
function expectedValue(ns: NsName, decoded: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [recName, fields] of Object.entries(decoded)) {
    const spec = (V.namespaces[ns] as { name: string; fields: { name: string; type: string }[] }[]).find((r) => r.name === recName)!;
    const rec: Record<string, unknown> = {};
    for (const f of spec.fields) {
      const raw = fields[f.name];
      if (f.type === 'u64' || f.type === 'tu64') rec[camel(f.name)] = BigInt(raw as string);
      else if (f.type === 'point') rec[camel(f.name)] = hex(raw as string);
      else if (f.type === 'short_channel_id') {
        const s = raw as { human: string; u64_hex: string };
        rec[camel(f.name)] = BigInt(`0x${s.u64_hex}`);
        assert.equal(scidToString(BigInt(`0x${s.u64_hex}`)), s.human);
      } else rec[camel(f.name)] = raw;
    }
    out[recName] = rec;
  }
  return out;
}

for (const v of V.decoding_successes as { stream: string; namespaces: NsName[]; decoded: Record<string, Record<string, unknown>> }[]) {
  test(`TLV success [${v.stream.slice(0, 24) || 'empty'}] in ${v.namespaces.join(',')}`, () => {
    for (const ns of v.namespaces) {
      const got = decodeAll(STREAMS[ns], hex(v.stream)) as Record<string, unknown>;
      const { unknown, ...known } = got;
      assert.deepEqual(known, expectedValue(ns, v.decoded));
      // Lossless: unknown odd records are kept, and the stream re-encodes byte-identically.
      assert.equal(unknown === undefined, Object.keys(v.decoded).length > 0 || v.stream === '');
      assert.equal(toHex(encodeWith(STREAMS[ns], got)), v.stream);
    }
  });
}

test('composition: any invalid stream appended to a valid one still fails', () => {
  const valid = (V.decoding_successes as { stream: string; namespaces: NsName[] }[]).filter((s) => s.namespaces.includes('n1'));
  let checked = 0;
  for (const ok of valid) {
    for (const bad of failures.filter((f) => f.namespaces.includes('n1'))) {
      assert.throws(() => decodeAll(n1, hex(ok.stream + bad.stream)), WireDecodeError);
      checked++;
    }
  }
  assert.ok(checked > 500);
});

test('composition: a valid stream with higher types appended to a valid stream decodes', () => {
  const low = '010101'; // n1 tlv1 = 1
  const high = 'fd00fe020226'; // n1 tlv4 = 550
  const got = decodeAll(n1, hex(low + '2100' + high));
  assert.deepEqual(got.tlv1, { amountMsat: 1n });
  assert.deepEqual(got.tlv4, { cltvDelta: 550 });
  assert.deepEqual(got.unknown, [{ type: 0x21n, value: new Uint8Array(0) }]);
  assert.equal(toHex(encodeWith(n1, got)), low + '2100' + high);
});

test('encoder sorts records, keeps unknown odd ones, and refuses duplicates', () => {
  const bytes = encodeWith(n1, { tlv4: { cltvDelta: 1 }, tlv1: { amountMsat: 0n }, unknown: [{ type: 5n, value: hex('aa') }] });
  assert.equal(toHex(bytes), '0100' + '0501aa' + 'fd00fe020001');
  assert.throws(() => encodeWith(n1, { unknown: [{ type: 1n, value: hex('01') }] }), { code: 'WIRE_ENCODE' });
  assert.throws(() => encodeWith(n1, { unknown: [{ type: 7n, value: hex('') }, { type: 7n, value: hex('') }] }), { code: 'WIRE_ENCODE' });
});

test('declaring a stream with non-increasing types is a programming error', () => {
  assert.throws(() => tlvStream('bad', [[3, 'a', u16], [1, 'b', u16]]));
});
