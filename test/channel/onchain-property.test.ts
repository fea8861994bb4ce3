/**
 * Property test of the resolution plans: for random HTLC sets (amounts around the dust limits, both
 * directions, random expiries), random claim feerates and each commitment kind, every claim passes
 * bcoin's interpreter, pays the sweep script at no less than the feerate (and not much more), every
 * HTLC output of the commitment is planned, and a claim is omitted only when the output is not worth
 * its fee.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256 } from '../../src/crypto/hash.js';
import { parseTx, txWeight, type Htlc } from '../../src/channel/index.js';
import { planResolution, rebuildLocal, rebuildRemote } from '../../src/channel/onchain/index.js';
import { bCommitment, broadcastLocal, ctxA, makePair, preimage } from './onchain-fixture.js';
import { scriptError } from './onchain-script.js';

/** Runs per property: each builds two channel views and checks a dozen transactions with bcoin. */
const RUNS = 16;
/** A claim transaction weighs well under 1000 WU, so its fee is below one feerate unit (sat). */
const CLAIM_WEIGHT_BOUND_KW = 1n;
/**
 * Our weight estimate uses a 73-byte signature (DER + sighash byte, the largest); a real one is
 * shorter by one byte per leading zero byte dropped from r or s (70 bytes seen about once in a few
 * hundred claims), so the allowed excess is the difference for the signature actually in the claim.
 */
const MAX_SIG_BYTES = 73;

const htlcArb = fc.record({
  offeredByA: fc.boolean(),
  amountMsat: fc.bigInt({ min: 300_000n, max: 40_000_000n }),
  cltvExpiry: fc.integer({ min: 600_000, max: 600_500 }),
});

test('random channels: every planned claim is valid, pays the feerate, and nothing claimable is missed', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('staticRemoteKey' as const, 'anchors' as const),
      fc.array(htlcArb, { maxLength: 5 }),
      fc.integer({ min: 253, max: 15_000 }),
      fc.constantFrom('local' as const, 'current' as const, 'revoked' as const),
      (format, hs, feeratePerKw, which) => {
        const latest: Htlc[] = hs.map((h, i) => ({
          id: BigInt(10 + i), direction: h.offeredByA ? 'offered' : 'received', amountMsat: h.amountMsat, paymentHash: sha256(preimage(10 + i)), cltvExpiry: h.cltvExpiry,
        }));
        const aBalMsat = 700_000_000n - latest.filter((h) => h.direction === 'offered').reduce((s, h) => s + h.amountMsat, 0n);
        const p = makePair(format, { latest, aBalMsat });
        const channel = { ...p.a, preimages: latest.map((_, i) => preimage(10 + i)) };
        const ctx = ctxA(p, { channel, feeratePerKw });
        const tx = which === 'local' ? broadcastLocal(p.a, p.sa) : bCommitment(p, which === 'current' ? 'current' : 'revoked').tx;
        const plan = planResolution(ctx, tx);
        const expectedHtlcs = which === 'local' ? rebuildLocal(p.a).outputs.filter((o) => o.kind === 'htlc').length
          : which === 'current' ? rebuildRemote(p.a, p.a.remote, p.a.remote.perCommitmentPoint).outputs.filter((o) => o.kind === 'htlc').length : 2;
        assert.equal(plan.outputs.filter((o) => 'htlc' in o.role).length, expectedHtlcs, 'every HTLC output is planned');
        assert.deepEqual(plan.unplacedOutputs, []);
        for (const o of plan.outputs) {
          if (o.claim === undefined) {
            assert.ok(o.role.kind !== 'localHtlc', 'our HTLC transactions are pre-signed, never dropped');
            assert.ok(o.valueSat < BigInt(feeratePerKw) * CLAIM_WEIGHT_BOUND_KW + 330n, `${o.role.kind} of ${o.valueSat} sat left unclaimed at ${feeratePerKw} sat/kw`);
            continue;
          }
          assert.equal(scriptError(o.claim.raw, [tx.outputs[o.outpoint.vout]!]), null, `${o.role.kind} ${o.claim.kind}`);
          if (o.claim.kind === 'htlcTimeout' || o.claim.kind === 'htlcSuccess') continue;
          const claim = parseTx(o.claim.raw);
          assert.deepEqual(claim.outputs.map((x) => x.script), [p.sweepScript]);
          const fee = o.valueSat - claim.outputs[0]!.value;
          const weight = txWeight(claim);
          assert.ok(fee * 1000n >= BigInt(feeratePerKw) * BigInt(weight), `fee ${fee} below ${feeratePerKw} sat/kw × ${weight} WU`);
          const slackWu = claim.inputs.reduce((n, i) => n + MAX_SIG_BYTES - i.witness[0]!.length, 0);
          assert.ok(fee * 1000n <= BigInt(feeratePerKw) * BigInt(weight + slackWu) + 999n, `fee ${fee} above the estimate (weight ${weight}, signature slack ${slackWu} WU)`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});
