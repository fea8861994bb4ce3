/**
 * The plain-data shachain functions the ledger stores the peer's secrets with (insertSecretEntry,
 * deriveSecretFromEntries) against BOLT 3 Appendix D: every insert sequence OK/ERROR exactly as the
 * spec says, and the same answers as PerCommitmentSecretStore on random runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChannelTxError, MAX_COMMITMENT_INDEX, PerCommitmentSecretStore, deriveSecretFromEntries, generateFromSeed, insertSecretEntry } from '../../src/channel/index.js';
import type { ShachainEntry } from '../../src/channel/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

interface Step { I: number; secret: string; expect: 'OK' | 'ERROR' }
const v = loadBoltVector<{ storage: { name: string; steps: Step[] }[] }>('bolt03-per-commitment-secrets.json');

test('Appendix D storage through the plain entry list: OK/ERROR exactly, input never changed', () => {
  let checked = 0;
  for (const seq of v.storage) {
    let entries: ShachainEntry[] = [];
    for (const s of seq.steps) {
      if (s.expect === 'OK') {
        entries = insertSecretEntry(entries, s.I, hex(s.secret));
        assert.equal(toHex(deriveSecretFromEntries(entries, s.I)), s.secret);
        assert.ok(entries.length <= 49);
      } else {
        const before = entries.map((e) => ({ ...e, secret: Uint8Array.from(e.secret) }));
        assert.throws(() => insertSecretEntry(entries, s.I, hex(s.secret)), (e) => e instanceof ChannelTxError && e.kind === 'secretMismatch', seq.name);
        assert.deepEqual(entries, before);
      }
      checked++;
    }
  }
  assert.equal(checked, 56);
});

test('plain entries agree with PerCommitmentSecretStore, and reject out-of-order secrets', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 1, max: 70 }), (seed, count) => {
    const store = new PerCommitmentSecretStore();
    let entries: ShachainEntry[] = [];
    for (let n = 0; n < count; n++) {
      const i = MAX_COMMITMENT_INDEX - n;
      store.insert(i, generateFromSeed(seed, i));
      entries = insertSecretEntry(entries, i, generateFromSeed(seed, i));
    }
    assert.deepEqual(entries.map((e) => e.index).sort(), store.entries().map((e) => e.index).sort());
    for (let n = 0; n < count; n += 7) assert.deepEqual(deriveSecretFromEntries(entries, MAX_COMMITMENT_INDEX - n), generateFromSeed(seed, MAX_COMMITMENT_INDEX - n));
    const skip = MAX_COMMITMENT_INDEX - count - 1;
    assert.throws(() => insertSecretEntry(entries, skip, generateFromSeed(seed, skip)), (e) => e instanceof ChannelTxError && e.kind === 'secretOutOfOrder');
    assert.throws(() => deriveSecretFromEntries(entries, MAX_COMMITMENT_INDEX - count), (e) => e instanceof ChannelTxError && e.kind === 'secretUnknown');
  }), { numRuns: 20 });
});
