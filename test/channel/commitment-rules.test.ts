/**
 * Commitment rules beyond the vectors: the obscured commitment number round trip (Appendix C's 42),
 * the fee paid by whichever side is the funder, anchors only for outputs that exist, a funder that
 * cannot pay, the CLTV tie-break, and typed errors when building HTLC transactions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANCHOR_OUTPUT_SAT,
  ChannelTxError,
  buildCommitment,
  buildHtlcTxs,
  commitmentNumberFromTx,
  obscuredLocktimeSequence,
  parseTx,
  signedHtlcTx,
} from '../../src/channel/index.js';
import { hex } from '../helpers/vectors.js';
import { htlcs, legacy, specFor } from './bolt3-fixture.js';

const isKind = (kind: string) => (e: unknown) => e instanceof ChannelTxError && e.kind === kind;
const base = (over: Partial<{ to_local_msat: number; to_remote_msat: number; feerate: number; dust: number; htlcIds: number[] }> = {}) => ({
  to_local_msat: 6_988_000_000,
  to_remote_msat: 3_000_000_000,
  feerate: 253,
  dust: 546,
  htlcIds: [0, 1, 2, 3, 4],
  ...over,
});

test('obscured commitment number: Appendix C locktime/sequence give back 42', () => {
  const spec = specFor('staticRemoteKey', base());
  const tx = parseTx(hex(legacy.tests[0].commit_tx));
  assert.equal(commitmentNumberFromTx(tx.locktime, tx.inputs[0]!.sequence, spec.obscuringFactor), 42);
  assert.equal(spec.obscuringFactor, 0x2bb038521914n);
  const { locktime, sequence } = obscuredLocktimeSequence(2 ** 48 - 1, spec.obscuringFactor);
  assert.equal(locktime >>> 24, 0x20);
  assert.equal(sequence >>> 24, 0x80);
  assert.equal(commitmentNumberFromTx(locktime, sequence, spec.obscuringFactor), 2 ** 48 - 1);
  assert.throws(() => obscuredLocktimeSequence(2 ** 48, 0n), isKind('invalidIndex'));
});

test('the funder pays the fee and the anchors, whichever side it is', () => {
  for (const format of ['staticRemoteKey', 'anchors'] as const) {
    const spec = specFor(format, base({ htlcIds: [] }));
    const asFunder = buildCommitment(spec);
    const asFundee = buildCommitment({ ...spec, localIsFunder: false });
    const value = (c: typeof asFunder, kind: string) => c.tx.outputs[c.outputs.findIndex((o) => o.kind === kind)]!.value;
    const cost = asFunder.baseFeeSat + (format === 'anchors' ? 2n * ANCHOR_OUTPUT_SAT : 0n);
    assert.equal(value(asFunder, 'toLocal'), 6_988_000n - cost);
    assert.equal(value(asFunder, 'toRemote'), 3_000_000n);
    assert.equal(value(asFundee, 'toLocal'), 6_988_000n);
    assert.equal(value(asFundee, 'toRemote'), 3_000_000n - cost);
  }
});

test('anchors: one anchor per existing balance output, both as soon as an HTLC is untrimmed', () => {
  const kinds = (c: ReturnType<typeof buildCommitment>) => c.outputs.map((o) => o.kind).sort();
  const noRemote = buildCommitment(specFor('anchors', base({ to_remote_msat: 0, htlcIds: [] })));
  assert.deepEqual(kinds(noRemote), ['localAnchor', 'toLocal']);
  const withHtlc = buildCommitment(specFor('anchors', base({ to_remote_msat: 0, htlcIds: [4] })));
  assert.deepEqual(kinds(withHtlc), ['htlc', 'localAnchor', 'remoteAnchor', 'toLocal']);
  const allTrimmed = buildCommitment(specFor('anchors', base({ to_remote_msat: 0, htlcIds: [4], dust: 5000 })));
  assert.deepEqual(kinds(allTrimmed), ['localAnchor', 'toLocal']);
  assert.equal(allTrimmed.trimmed.length, 1);
});

test('a funder that cannot pay the fee loses its output; the rest goes to fees', () => {
  const c = buildCommitment(specFor('staticRemoteKey', base({ feerate: 10_000_000, htlcIds: [] })));
  assert.deepEqual(c.outputs.map((o) => o.kind), ['toRemote']);
  assert.equal(c.actualFeeSat, 10_000_000n - 3_000_000n);
});

test('HTLC outputs with equal amount and script are ordered by cltv_expiry', () => {
  const c = buildCommitment(specFor('staticRemoteKey', base({ to_local_msat: 6_987_999_999, htlcIds: [5, 6, 1] })));
  const ids = c.outputs.flatMap((o) => (o.kind === 'htlc' ? [o.htlc.id] : []));
  assert.deepEqual(ids, [1n, 6n, 5n]);
  assert.equal(htlcs[6]!.cltvExpiry < htlcs[5]!.cltvExpiry, true);
});

test('HTLC transactions: a success tx needs the preimage; outputs cannot exceed the funding', () => {
  const c = buildCommitment(specFor('staticRemoteKey', base()));
  const success = buildHtlcTxs(c).find((h) => h.kind === 'success')!;
  const sig = new Uint8Array(64).fill(1);
  assert.throws(() => signedHtlcTx(success, sig, sig), isKind('invalidInput'));
  assert.throws(() => signedHtlcTx(success, sig, sig, new Uint8Array(31)), isKind('invalidInput'));
  assert.throws(() => buildCommitment({ ...specFor('staticRemoteKey', base()), fundingSat: 1000n }), isKind('invalidInput'));
});
