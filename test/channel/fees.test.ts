/**
 * BOLT 3 "Fee Calculation" worked example (bolt03-fee-example.json): HTLC-tx weights and fees, which
 * HTLCs are trimmed, the commitment weight, base fee and actual fee, computed by building the
 * commitment; plus the anchors variants (zero HTLC-tx fee, 1124 base weight).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/crypto/hash.js';
import {
  ChannelTxError,
  buildCommitment,
  commitmentFeeSat,
  commitmentWeight,
  htlcSuccessFeeSat,
  htlcSuccessWeight,
  htlcTimeoutFeeSat,
  htlcTimeoutWeight,
  isTrimmed,
  type Htlc,
} from '../../src/channel/index.js';
import { loadBoltVector } from '../helpers/vectors.js';
import { specFor } from './bolt3-fixture.js';

const v = loadBoltVector('bolt03-fee-example.json');
const x = v.expected;
const sat = (msat: bigint) => Number(msat / 1000n);

test('fee example: HTLC transaction weights and fees', () => {
  assert.equal(htlcTimeoutWeight('staticRemoteKey'), x.htlc_timeout_weight);
  assert.equal(htlcSuccessWeight('staticRemoteKey'), x.htlc_success_weight);
  assert.equal(htlcTimeoutFeeSat(v.feerate_per_kw, 'staticRemoteKey'), BigInt(x.htlc_timeout_fee_sat));
  assert.equal(htlcSuccessFeeSat(v.feerate_per_kw, 'staticRemoteKey'), BigInt(x.htlc_success_fee_sat));
});

test('fee example: trimming, commitment weight, base and actual fee (by building the commitment)', () => {
  const dust = BigInt(v.dust_limit_satoshis);
  const mk = (direction: Htlc['direction'], msat: number, i: number): Htlc => ({ direction, amountMsat: BigInt(msat), paymentHash: sha256(Uint8Array.of(i)), cltvExpiry: 500 + i });
  const htlcs = [...v.offered_htlcs_msat.map((m: number, i: number) => mk('offered', m, i)), ...v.received_htlcs_msat.map((m: number, i: number) => mk('received', m, 10 + i))];
  const split = (dir: Htlc['direction'], trimmed: boolean) =>
    htlcs.filter((h) => h.direction === dir && isTrimmed(h.direction, h.amountMsat, v.feerate_per_kw, dust, 'staticRemoteKey') === trimmed).map((h) => sat(h.amountMsat));
  assert.deepEqual(split('offered', false), x.untrimmed_offered_sat);
  assert.deepEqual(split('offered', true), x.trimmed_offered_sat);
  assert.deepEqual(split('received', false), x.untrimmed_received_sat);
  assert.deepEqual(split('received', true), x.trimmed_received_sat);
  assert.equal(commitmentWeight(2, 'staticRemoteKey'), x.commitment_weight);
  assert.equal(commitmentFeeSat(v.feerate_per_kw, 2, 'staticRemoteKey'), BigInt(x.base_commitment_fee_sat));

  // Build it on the Appendix C channel: funding 10_000_000 sat, the HTLCs taken out of the balances.
  const inHtlcs = htlcs.reduce((s, h) => s + h.amountMsat, 0n);
  const spec = { ...specFor('staticRemoteKey', { to_local_msat: 0, to_remote_msat: 0, feerate: v.feerate_per_kw, dust: v.dust_limit_satoshis, htlcIds: [] }) };
  const c = buildCommitment({ ...spec, toLocalMsat: 7_000_000_000n - inHtlcs, toRemoteMsat: 3_000_000_000n, htlcs });
  assert.equal(c.baseFeeSat, BigInt(x.base_commitment_fee_sat));
  assert.equal(c.actualFeeSat, BigInt(x.actual_fee_incl_trimmed_sat));
  assert.deepEqual(c.trimmed.map((h) => sat(h.amountMsat)).sort((a, b) => a - b), [800, 1000]);
});

test('anchors: HTLC transactions are free, so only the dust limit trims; base weight 1124', () => {
  assert.equal(htlcTimeoutFeeSat(1_000_000, 'anchors'), 0n);
  assert.equal(htlcSuccessFeeSat(1_000_000, 'anchors'), 0n);
  assert.equal(htlcTimeoutWeight('anchors'), 666);
  assert.equal(htlcSuccessWeight('anchors'), 706);
  assert.equal(commitmentWeight(0, 'anchors'), 1124);
  assert.equal(isTrimmed('offered', 546_000n, 1_000_000, 546n, 'anchors'), false);
  assert.equal(isTrimmed('received', 545_999n, 0, 546n, 'anchors'), true);
  assert.throws(() => commitmentFeeSat(-1, 0, 'anchors'), (e: unknown) => e instanceof ChannelTxError && e.kind === 'invalidInput');
  assert.throws(() => commitmentFeeSat(2 ** 32, 0, 'anchors'), (e: unknown) => e instanceof ChannelTxError && e.kind === 'invalidInput');
});
