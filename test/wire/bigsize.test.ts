// BOLT 1 Appendix A (BigSize) and Appendix D (signed integers), plus truncated integers, table-driven.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bigSize, decodeAll, encodeWith, s16, s32, s64, s8, tu16, tu32, tu64, WireDecodeError } from '../../src/wire/index.js';
import type { Codec } from '../../src/wire/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

const bigsizeVectors = loadBoltVector('bolt01-bigsize.json');
const KIND_OF_BIGSIZE_ERROR: Record<string, string> = { non_canonical: 'nonCanonical', truncated: 'shortRead', empty_input: 'shortRead' };

for (const v of bigsizeVectors.decode) {
  test(`bigsize decode: ${v.name}`, () => {
    if (v.exp_error) {
      assert.throws(() => decodeAll(bigSize, hex(v.bytes)), (e: unknown) => {
        assert.ok(e instanceof WireDecodeError);
        assert.equal(e.code, 'WIRE_DECODE');
        assert.equal(e.kind, KIND_OF_BIGSIZE_ERROR[v.error_kind]);
        return true;
      });
    } else {
      assert.equal(decodeAll(bigSize, hex(v.bytes)), BigInt(v.value));
    }
  });
}

for (const v of bigsizeVectors.encode) {
  test(`bigsize encode: ${v.name}`, () => {
    assert.equal(toHex(encodeWith(bigSize, BigInt(v.value))), v.bytes);
  });
}

const signedVectors = loadBoltVector('bolt01-signed-integers.json').vectors as { value: string; bytes: string; type: string }[];
const SIGNED: Record<string, Codec<number> | Codec<bigint>> = { s8, s16, s32, s64 };

test('signed integers: every Appendix D vector encodes and decodes', () => {
  assert.equal(signedVectors.length, 23);
  for (const v of signedVectors) {
    const codec = SIGNED[v.type]!;
    const value = v.type === 's64' ? BigInt(v.value) : Number(v.value);
    assert.equal(toHex(encodeWith(codec as Codec<typeof value>, value)), v.bytes, `${v.type} ${v.value}`);
    assert.equal(decodeAll(codec as Codec<typeof value>, hex(v.bytes)), value, `${v.type} ${v.bytes}`);
  }
});

test('signed integers: values outside the type are rejected by the encoder', () => {
  assert.throws(() => encodeWith(s8, 128), { code: 'WIRE_ENCODE' });
  assert.throws(() => encodeWith(s16, -32769), { code: 'WIRE_ENCODE' });
  assert.throws(() => encodeWith(s64, 2n ** 63n), { code: 'WIRE_ENCODE' });
});

const TRUNCATED = [
  { codec: tu16 as Codec<number | bigint>, value: 0, hex: '' },
  { codec: tu16 as Codec<number | bigint>, value: 0x1ff, hex: '01ff' },
  { codec: tu32 as Codec<number | bigint>, value: 0x10000, hex: '010000' },
  { codec: tu32 as Codec<number | bigint>, value: 0xffffffff, hex: 'ffffffff' },
  { codec: tu64 as Codec<number | bigint>, value: 2n ** 64n - 1n, hex: 'ffffffffffffffff' },
];

test('tu16/tu32/tu64 encode minimally and decode back', () => {
  for (const t of TRUNCATED) {
    assert.equal(toHex(encodeWith(t.codec, t.value)), t.hex);
    assert.equal(decodeAll(t.codec, hex(t.hex)), t.value);
  }
});

test('tu16/tu32 reject leading zeros and over-long values', () => {
  assert.throws(() => decodeAll(tu16, hex('0001')), { kind: 'nonCanonical' });
  assert.throws(() => decodeAll(tu16, hex('010203')), { kind: 'badLength' });
  assert.throws(() => decodeAll(tu32, hex('0100000000')), { kind: 'badLength' });
  assert.throws(() => decodeAll(tu32, hex('00')), { kind: 'nonCanonical' });
});
