// BOLT 9: the hand-written table against bolt09-features.json, bit encoding examples, channel types,
// unknown required bits, dependencies and contexts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bitmapHas,
  assertNoUnknownRequired,
  bitsOutOfContext,
  FEATURES,
  FeatureVector,
  missingDependencies,
  parseChannelType,
  unknownRequiredBits,
  WireDecodeError,
} from '../../src/wire/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

const V = loadBoltVector('bolt09-features.json');

test('FEATURES matches every row of bolt09-features.json', () => {
  assert.equal(FEATURES.length, V.features.length);
  for (const row of V.features) {
    const ours = FEATURES.find((x) => x.name === row.name);
    assert.ok(ours, row.name);
    assert.deepEqual([ours.evenBit, ours.evenBit + 1], [row.even_bit, row.odd_bit]);
    assert.deepEqual([...ours.context], row.context);
    assert.deepEqual([...ours.dependencies], row.dependencies);
    assert.equal(ours.assumed, row.assumed);
    const legacy = row.history?.context_before_assumed ?? row.history?.context_before_2024;
    assert.deepEqual(ours.legacyContext, legacy === undefined ? undefined : [...legacy]);
  }
});

test('removed features are no longer known: their even bits are unknown-required', () => {
  for (const r of V.removed_features) {
    for (const bit of r.bits as number[]) assert.equal(FEATURES.some((x) => x.evenBit === bit - (bit % 2)), false);
  }
  assert.deepEqual(unknownRequiredBits(FeatureVector.fromBits([3, 20, 21])), [20]);
});

for (const ex of V.encoding_examples as { bits: number[]; encoded_hex: string }[]) {
  test(`feature bits ${JSON.stringify(ex.bits)} <-> ${ex.encoded_hex || '(empty)'}`, () => {
    assert.equal(toHex(FeatureVector.fromBits(ex.bits).toBytes()), ex.encoded_hex);
    assert.deepEqual(FeatureVector.fromBytes(hex(ex.encoded_hex)).bits(), ex.bits);
  });
}

test('fromBytes tolerates leading zero bytes; toBytes is minimal', () => {
  const v = FeatureVector.fromBytes(hex('00000100'));
  assert.deepEqual(v.bits(), [8]);
  assert.equal(toHex(v.toBytes()), '0100');
});

test('set/clear/has/support: both bits set means required', () => {
  const v = new FeatureVector().set(16).set(17).set(47);
  assert.equal(v.has(16), true);
  assert.equal(v.support('basic_mpp'), 'required');
  assert.equal(v.support(46), 'optional');
  assert.equal(v.support('option_zeroconf'), undefined);
  v.clear(16);
  assert.equal(v.support(17), 'optional');
  assert.deepEqual(FeatureVector.union(FeatureVector.fromBits([1]), FeatureVector.fromBits([9])).bits(), [1, 9]);
});

for (const ct of V.channel_types.defined as { name: string; bits: number[]; encoded_hex: string }[]) {
  test(`channel_type ${ct.name}`, () => {
    assert.equal(toHex(FeatureVector.fromBits(ct.bits).toBytes()), ct.encoded_hex);
    assert.deepEqual(parseChannelType(hex(ct.encoded_hex)), ct.bits);
  });
}

test('channel_type rejects undefined combinations, odd bits and non-minimal encodings', () => {
  for (const [h, kind] of [['400000', 'invalidValue'], ['2000', 'invalidValue'], ['', 'invalidValue'], ['001000', 'nonCanonical'], ['04000000000000', 'invalidValue']] as const) {
    assert.throws(() => parseChannelType(hex(h)), (e: unknown) => e instanceof WireDecodeError && e.kind === kind, h);
  }
});

test('unknown required (even) bits are detected; unknown odd bits are not', () => {
  const v = FeatureVector.fromBits([0, 5, 7, 101, 200]);
  assert.deepEqual(unknownRequiredBits(v), [200]);
  assert.throws(() => assertNoUnknownRequired(v), (e: unknown) => e instanceof WireDecodeError && e.kind === 'unknownRequiredFeature');
  assert.doesNotThrow(() => assertNoUnknownRequired(FeatureVector.fromBits([0, 5, 101])));
  // a caller that understands fewer features gets a stricter answer
  assert.deepEqual(unknownRequiredBits(FeatureVector.fromBits([62]), FEATURES.filter((x) => x.name !== 'option_splice')), [62]);
});

test('dependencies: every declared dependency is enforced; ASSUMED ones only when strict', () => {
  for (const feat of FEATURES.filter((x) => x.dependencies.length > 0)) {
    const dep = FEATURES.find((x) => x.name === feat.dependencies[0])!;
    const alone = FeatureVector.fromBits([feat.evenBit + 1]);
    assert.deepEqual(missingDependencies(alone, { strictAssumed: true }), [{ feature: feat.name, missing: dep.name }]);
    assert.equal(missingDependencies(alone).length, dep.assumed ? 0 : 1);
    assert.deepEqual(missingDependencies(FeatureVector.fromBits([feat.evenBit + 1, dep.evenBit])), []);
  }
});

test('contexts: bits outside their context are reported', () => {
  const v = FeatureVector.fromBits([1, 17, 23, 49]);
  assert.deepEqual(bitsOutOfContext(v, 'I'), [49]);
  assert.deepEqual(bitsOutOfContext(v, 'I', { strict: true }), [1, 49]);
  assert.deepEqual(bitsOutOfContext(v, '9'), [1, 23]);
  assert.deepEqual(bitsOutOfContext(v, 'T'), [1, 17, 49]);
  assert.deepEqual(bitsOutOfContext(v, 'C'), [1, 17, 23, 49]);
  assert.deepEqual(bitsOutOfContext(FeatureVector.fromBits([201]), 'N'), []);
});

test('bitmapHas reads one bit in place exactly as FeatureVector.fromBytes(...).has does', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 400 }), (b, bit) => {
      assert.equal(bitmapHas(b, bit), FeatureVector.fromBytes(b).has(bit));
    }),
    { numRuns: 5_000 },
  );
  assert.equal(bitmapHas(Uint8Array.of(0x80, 0x00), 15), true);
  assert.equal(bitmapHas(Uint8Array.of(0x80, 0x00), 7), false);
  assert.equal(bitmapHas(new Uint8Array(0), 0), false);
});
