/**
 * BOLT 3 Appendix D (bolt03-per-commitment-secrets.json): the 5 generate_from_seed vectors and the 9
 * insert_secret sequences (56 steps, each OK or ERROR exactly), plus derivation of old secrets, ordering
 * and persistence, and a fast-check property: secrets from a random seed always insert and derive.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChannelTxError, MAX_COMMITMENT_INDEX, PerCommitmentSecretStore, commitmentIndex, generateFromSeed, whereToPutSecret } from '../../src/channel/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

interface Step {
  I: number;
  secret: string;
  expect: 'OK' | 'ERROR';
}
const v = loadBoltVector<{ generation: { name: string; seed: string; I: number; output: string }[]; storage: { name: string; steps: Step[] }[] }>(
  'bolt03-per-commitment-secrets.json',
);
const isKind = (kind: string) => (e: unknown) => e instanceof ChannelTxError && e.kind === kind;

test('Appendix D generation: 5 vectors', () => {
  assert.equal(v.generation.length, 5);
  for (const g of v.generation) assert.equal(toHex(generateFromSeed(hex(g.seed), g.I)), g.output, g.name);
});

test('Appendix D storage: 9 sequences, 56 steps, OK/ERROR exactly', () => {
  let steps = 0;
  assert.equal(v.storage.length, 9);
  for (const seq of v.storage) {
    const store = new PerCommitmentSecretStore();
    for (const s of seq.steps) {
      steps++;
      if (s.expect === 'OK') {
        store.insert(s.I, hex(s.secret));
        assert.equal(toHex(store.derive(s.I)), s.secret, `${seq.name}: derive ${s.I}`);
      } else {
        const before = store.entries();
        assert.throws(() => store.insert(s.I, hex(s.secret)), isKind('secretMismatch'), `${seq.name}: step ${s.I} must fail`);
        assert.deepEqual(store.entries(), before, 'a failed insert changes nothing');
      }
    }
  }
  assert.equal(steps, 56);
});

test('where_to_put_secret counts trailing zeros; commitment n uses index 2^48-1-n', () => {
  assert.equal(whereToPutSecret(0), 48);
  assert.equal(whereToPutSecret(2 ** 47), 47);
  assert.equal(whereToPutSecret(0xfffffffffff0), 4);
  assert.equal(commitmentIndex(0), 281474976710655);
  assert.equal(commitmentIndex(42), MAX_COMMITMENT_INDEX - 42);
  assert.throws(() => generateFromSeed(new Uint8Array(32), 2 ** 48), isKind('invalidIndex'));
  assert.throws(() => generateFromSeed(new Uint8Array(32), -1), isKind('invalidIndex'));
  assert.throws(() => generateFromSeed(new Uint8Array(31), 1), isKind('invalidInput'));
});

test('old secrets derive, unreceived ones are secretUnknown, gaps are secretOutOfOrder, entries restore', () => {
  const seed = hex('ff'.repeat(32));
  const store = new PerCommitmentSecretStore();
  for (let n = 0; n < 20; n++) store.insert(commitmentIndex(n), generateFromSeed(seed, commitmentIndex(n)));
  assert.ok(store.entries().length <= 6, 'compact: at most one secret per bucket used');
  for (let n = 0; n < 20; n++) assert.equal(toHex(store.derive(commitmentIndex(n))), toHex(generateFromSeed(seed, commitmentIndex(n))));
  assert.throws(() => store.derive(commitmentIndex(20)), isKind('secretUnknown'));
  assert.throws(() => store.insert(commitmentIndex(21), generateFromSeed(seed, commitmentIndex(21))), isKind('secretOutOfOrder'));
  assert.throws(() => store.insert(commitmentIndex(19), generateFromSeed(seed, commitmentIndex(19))), isKind('secretOutOfOrder'));
  assert.equal(store.nextIndex, commitmentIndex(20));
  const restored = PerCommitmentSecretStore.fromEntries(store.entries());
  assert.equal(restored.nextIndex, store.nextIndex);
  restored.insert(commitmentIndex(20), generateFromSeed(seed, commitmentIndex(20)));
  assert.equal(toHex(restored.derive(commitmentIndex(3))), toHex(generateFromSeed(seed, commitmentIndex(3))));
  const corrupt = store.entries();
  corrupt[0]!.secret[0]! ^= 1;
  assert.throws(() => PerCommitmentSecretStore.fromEntries(corrupt), isKind('secretMismatch'));
  store.clear();
  assert.equal(store.entries().length, 0);
});

test('property: secrets of a random seed, inserted in order from a random start, always insert and all derive', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: MAX_COMMITMENT_INDEX - 200 }), fc.integer({ min: 1, max: 70 }), (seed, offset, count) => {
      const store = new PerCommitmentSecretStore();
      // Start anywhere (a restored store); count down like a channel does.
      const start = MAX_COMMITMENT_INDEX - (offset % 2 === 0 ? 0 : offset);
      for (let k = 0; k < count; k++) store.insert(start - k, generateFromSeed(seed, start - k));
      assert.ok(store.entries().length <= 49);
      for (let k = 0; k < count; k++) assert.equal(toHex(store.derive(start - k)), toHex(generateFromSeed(seed, start - k)));
      assert.throws(() => store.derive(start - count), isKind('secretUnknown'));
    }),
    { numRuns: 60 },
  );
});

test('property: a secret from another seed is rejected once it must derive a stored one', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 40 }), (seed, other, n) => {
      fc.pre(toHex(seed) !== toHex(other));
      const store = new PerCommitmentSecretStore();
      for (let k = 0; k < n; k++) store.insert(commitmentIndex(k), generateFromSeed(seed, commitmentIndex(k)));
      const idx = commitmentIndex(n);
      const bad = generateFromSeed(other, idx);
      // A secret in bucket 0 derives nothing; in higher buckets it must derive the stored lower ones.
      if (whereToPutSecret(idx) === 0) store.insert(idx, bad);
      else assert.throws(() => store.insert(idx, bad), isKind('secretMismatch'));
    }),
    { numRuns: 60 },
  );
});
