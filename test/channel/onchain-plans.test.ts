/**
 * BOLT 5 classification and resolution plans, for both commitment formats, proven with bcoin's script
 * interpreter: every claim, penalty and second-stage transaction spends the output it targets (CSV and
 * CLTV checked against its sequence / locktime), and wrong keys or too-early locks fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/crypto/hash.js';
import { derivePrivkey, p2wsh, parseTx, serializeTx, toLocalScript, toRemoteAnchorsScript, type Transaction } from '../../src/channel/index.js';
import {
  buildClaim,
  claimOurDelayed,
  classifySpend,
  claimRemoteHtlc,
  delayOf,
  OnchainError,
  ourCommitmentKeys,
  penaltyDelayed,
  planResolution,
  revokedToLocalScript,
  theirCommitmentKeys,
  type Claim,
  type ResolutionPlan,
  type WatchedOutput,
} from '../../src/channel/onchain/index.js';
import { bCommitment, bSecret, broadcastLocal, ctxA, engine, H, makePair, ownerHtlcTxs, perCommitmentPoint, REVOKED_N, txid, withLocal, type Pair } from './onchain-fixture.js';
import { scriptError } from './onchain-script.js';

const KNOWN = (i: number): Uint8Array => sha256(Uint8Array.of(0x50, i));
const serialize = (tx: Transaction): Uint8Array => serializeTx(tx);
const FORMATS = ['staticRemoteKey', 'anchors'] as const;
const pairs = new Map(FORMATS.map((f) => [f, makePair(f)]));
const pair = (f: (typeof FORMATS)[number]): Pair => pairs.get(f)!;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const byRole = (plan: ResolutionPlan, kind: string): WatchedOutput[] => plan.outputs.filter((o) => o.role.kind === kind);
const htlcOut = (plan: ResolutionPlan, kind: string, h: { paymentHash: Uint8Array }): WatchedOutput | undefined =>
  plan.outputs.find((o) => o.role.kind === kind && 'htlc' in o.role && hex(o.role.htlc.paymentHash) === hex(h.paymentHash));

/** Asserts a claim spends output `o` of `parent` under bcoin's interpreter, and has the expected timing. */
function assertSpends(claim: Claim | undefined, parent: Transaction, what: string): Transaction {
  assert.ok(claim, `${what}: no claim`);
  const tx = parseTx(claim.raw);
  assert.equal(hex(txid(tx)), hex(claim.txid));
  const prev = tx.inputs.map((i) => {
    assert.equal(hex(i.txid), hex(txid(parent)), `${what}: spends the wrong transaction`);
    return parent.outputs[i.vout]!;
  });
  assert.equal(scriptError(claim.raw, prev), null, `${what}: script check failed`);
  return tx;
}

for (const format of FORMATS) {
  const anchorsCsv = format === 'anchors' ? 1 : 0;

  test(`${format}: the signed commitments themselves spend the funding output`, () => {
    const p = pair(format);
    for (const tx of [broadcastLocal(p.a, p.sa), ...(['current', 'next', 'revoked', 'future'] as const).map((w) => bCommitment(p, w).tx)]) {
      assert.equal(scriptError(Buffer.from(serialize(tx)), [p.fundingPrevout]), null);
    }
  });

  test(`${format}: classifySpend names every kind of funding spend`, () => {
    const p = pair(format);
    assert.deepEqual(classifySpend(p.a, broadcastLocal(p.a, p.sa)), { kind: 'localCommitment', commitmentNumber: 5 });
    assert.deepEqual(classifySpend(p.a, bCommitment(p, 'current').tx), { kind: 'remoteCommitment', which: 'current', commitmentNumber: 5 });
    assert.deepEqual(classifySpend(p.a, bCommitment(p, 'next').tx), { kind: 'remoteCommitment', which: 'next', commitmentNumber: 6 });
    assert.deepEqual(classifySpend(p.a, bCommitment(p, 'revoked').tx), { kind: 'revokedCommitment', commitmentNumber: REVOKED_N });
    assert.deepEqual(classifySpend(p.a, bCommitment(p, 'future').tx), { kind: 'unknown', reason: 'remoteAhead', commitmentNumber: 7 });
    const fundingIn = { txid: p.a.fundingTxid, vout: p.a.fundingVout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] };
    const closing: Transaction = { version: 2, locktime: 0, inputs: [fundingIn], outputs: [{ value: 600_000n, script: p.a.shutdown!.local }, { value: 399_000n, script: p.a.shutdown!.remote }] };
    assert.deepEqual(classifySpend(p.a, closing), { kind: 'mutualClose' });
    // option_simple_close: a dust closer output may become an OP_RETURN; OP_RETURN alone is not ours.
    const opReturn = { value: 0n, script: Uint8Array.of(0x6a) };
    assert.deepEqual(classifySpend(p.a, { ...closing, outputs: [closing.outputs[0]!, opReturn] }), { kind: 'mutualClose' });
    assert.equal(classifySpend(p.a, { ...closing, outputs: [opReturn] }).kind, 'unknown');
    assert.equal(classifySpend({ ...p.a, shutdown: undefined }, closing).kind, 'unknown', 'without the shutdown scripts a close cannot be told from a theft');
    assert.deepEqual(classifySpend(p.a, { ...closing, outputs: [{ value: 999_000n, script: p.sweepScript }] }), { kind: 'unknown', reason: 'unrecognized' });
    // Revoked number but the secret store does not have it yet (the peer never revoked it): not a penalty case.
    assert.equal(classifySpend({ ...p.a, remoteSecrets: [] }, bCommitment(p, 'revoked').tx).kind, 'unknown');
    // Our own current commitment with a different HTLC set (state we do not know): unrecognized.
    const stale = { ...p.a, local: { ...p.a.local, htlcs: [] } };
    assert.deepEqual(classifySpend(stale, broadcastLocal(p.a, p.sa)), { kind: 'unknown', reason: 'unrecognized', commitmentNumber: 5 });
    assert.throws(() => classifySpend(p.a, { ...closing, inputs: [{ ...fundingIn, vout: 0 }] }), (e) => e instanceof OnchainError && e.kind === 'notFundingSpend');
  });

  test(`${format}: our commitment — to_local after to_self_delay, HTLC-timeout at cltv_expiry, HTLC-success with the preimage, then their outputs`, () => {
    const p = pair(format);
    const ctx = ctxA(p);
    const commit = broadcastLocal(p.a, p.sa);
    const plan = planResolution(ctx, commit);
    assert.deepEqual(plan.spend, { kind: 'localCommitment', commitmentNumber: 5 });
    const [toLocal] = byRole(plan, 'localToLocal');
    const sweep = assertSpends(toLocal?.claim, commit, 'to_local sweep');
    assert.equal(toLocal!.claim!.csvDelay, 20);
    assert.equal(sweep.inputs[0]!.sequence, 20);
    assert.equal(sweep.outputs[0]!.script.length, p.sweepScript.length);
    const timeout = htlcOut(plan, 'localHtlc', H.h0)!;
    const tTx = assertSpends(timeout.claim, commit, 'HTLC-timeout');
    assert.equal(timeout.claim!.kind, 'htlcTimeout');
    assert.equal(tTx.locktime, H.h0.cltvExpiry);
    assert.equal(timeout.claim!.csvDelay, anchorsCsv);
    assert.equal(timeout.claim!.needsFeeInputs, format === 'anchors');
    const success = htlcOut(plan, 'localHtlc', H.h1)!;
    const sTx = assertSpends(success.claim, commit, 'HTLC-success');
    assert.equal(success.claim!.kind, 'htlcSuccess');
    assert.ok(sTx.inputs[0]!.witness.some((w) => hex(w) === hex(KNOWN(1))), 'the preimage is in the witness');
    assert.equal(htlcOut(plan, 'localHtlc', H.h3)!.claim, undefined, 'no preimage: we wait for the peer to time it out');
    assert.equal(htlcOut(plan, 'localHtlc', H.h2), undefined, 'dust HTLC has no output');
    assert.deepEqual(plan.missingOfferedHtlcs.map((h) => h.id).sort(), [2n, 4n], 'trimmed 2 and next-only 4 are failed upstream');
    assert.equal(byRole(plan, 'toRemote').length, 0, 'their main output is theirs');
    // Second stage: the HTLC-timeout output, swept with the delayed key after to_self_delay.
    const out2 = { txid: txid(tTx), vout: 0 };
    const second = claimOurDelayed(ctx, 'htlcTxOutputSweep', out2, tTx.outputs[0]!.value);
    assertSpends(second, tTx, 'HTLC-timeout output sweep');
    assert.equal(parseTx(second!.raw).inputs[0]!.sequence, delayOf(p.a, true));
    // Negative: one block early, and the wrong key.
    const keys = ourCommitmentKeys(p.a, p.a.local.perCommitmentPoint, engine);
    const script = toLocalScript(keys.revocationPubkey, 20, keys.localDelayedPubkey);
    const mk = (csvDelay: number, privkey: Uint8Array) => buildClaim({
      kind: 'toLocalSweep', outpoint: toLocal!.outpoint, valueSat: toLocal!.valueSat, scriptCode: script, csvDelay, locktime: 0, privkey,
      witness: (sig) => [sig, new Uint8Array(0), script],
    }, ctx)!;
    const prev = [commit.outputs[toLocal!.outpoint.vout]!];
    assert.equal(scriptError(mk(20, derivePrivkey(p.sa.delayedPaymentBasepointSecret, p.a.local.perCommitmentPoint, engine)).raw, prev), null);
    assert.equal(scriptError(mk(19, derivePrivkey(p.sa.delayedPaymentBasepointSecret, p.a.local.perCommitmentPoint, engine)).raw, prev), 'UNSATISFIED_LOCKTIME');
    assert.notEqual(scriptError(mk(20, derivePrivkey(p.sa.htlcBasepointSecret, p.a.local.perCommitmentPoint, engine)).raw, prev), null);
  });

  test(`${format}: their current and next commitments — to_remote, preimage claims, timeout claims`, () => {
    const p = pair(format);
    const ctx = ctxA(p);
    for (const which of ['current', 'next'] as const) {
      const { tx: commit } = bCommitment(p, which);
      const plan = planResolution(ctx, commit);
      assert.equal(plan.spend.kind, 'remoteCommitment');
      const [toRemote] = byRole(plan, 'toRemote');
      assertSpends(toRemote?.claim, commit, `${which} to_remote`);
      assert.equal(toRemote!.claim!.csvDelay, anchorsCsv);
      if (format === 'anchors') {
        // Negative: the anchors to_remote is locked for one block; spending it with sequence 0 fails CSV.
        const script = toRemoteAnchorsScript(p.a.params.local.basepoints.paymentBasepoint);
        const now = buildClaim({
          kind: 'toRemoteSweep', outpoint: toRemote!.outpoint, valueSat: toRemote!.valueSat, scriptCode: script, csvDelay: 0, locktime: 0,
          privkey: Uint8Array.from(p.sa.paymentBasepointSecret), witness: (sig) => [sig, script],
        }, ctx)!;
        assert.equal(scriptError(now.raw, [commit.outputs[toRemote!.outpoint.vout]!]), 'UNSATISFIED_LOCKTIME');
      }
      const pre = htlcOut(plan, 'remoteHtlc', H.h1)!;
      const preTx = assertSpends(pre.claim, commit, `${which} preimage claim`);
      assert.equal(pre.claim!.kind, 'remoteHtlcPreimage');
      assert.equal(preTx.locktime, 0);
      const to = htlcOut(plan, 'remoteHtlc', H.h0)!;
      const toTx = assertSpends(to.claim, commit, `${which} timeout claim`);
      assert.equal(toTx.locktime, H.h0.cltvExpiry);
      assert.equal(htlcOut(plan, 'remoteHtlc', H.h3)!.claim, undefined);
      assert.equal(htlcOut(plan, 'remoteHtlc', H.h4) !== undefined, which === 'next');
      if (which === 'next') assertSpends(htlcOut(plan, 'remoteHtlc', H.h4)!.claim, commit, 'next-only HTLC timeout');
      assert.deepEqual(plan.missingOfferedHtlcs.map((h) => h.id).sort(), which === 'next' ? [2n] : [2n, 4n]);
      // Negative: a timeout claim locked one block before cltv_expiry fails CLTV.
      const r = pair(format).a[which === 'current' ? 'remote' : 'remoteNext']!;
      const keys = theirCommitmentKeys(p.a, r.perCommitmentPoint, engine);
      const early = claimRemoteHtlc(ctx, keys, r.perCommitmentPoint, { ...to.role.kind === 'remoteHtlc' ? to.role.htlc : assert.fail(), cltvExpiry: H.h0.cltvExpiry - 1 }, to.outpoint, to.valueSat);
      assert.notEqual(scriptError(early!.raw, [commit.outputs[to.outpoint.vout]!]), null, 'early timeout claim must fail');
    }
  });

  test(`${format}: revoked commitment — penalties on to_local and every HTLC, to_remote swept, then their HTLC-tx outputs`, () => {
    const p = pair(format);
    const ctx = ctxA(p);
    const { ch: bRevoked, tx: commit } = bCommitment(p, 'revoked');
    const plan = planResolution(ctx, commit);
    assert.deepEqual(plan.spend, { kind: 'revokedCommitment', commitmentNumber: REVOKED_N });
    assert.deepEqual(plan.unplacedOutputs, []);
    assertSpends(byRole(plan, 'revokedToLocal')[0]?.claim, commit, 'to_local penalty');
    assertSpends(byRole(plan, 'toRemote')[0]?.claim, commit, 'to_remote sweep');
    const h5 = htlcOut(plan, 'revokedHtlc', H.h5)!;
    const h6 = htlcOut(plan, 'revokedHtlc', H.h6)!;
    assertSpends(h5.claim, commit, 'penalty on the HTLC B offered');
    assertSpends(h6.claim, commit, 'penalty on the HTLC A offered');
    assert.equal(plan.outputs.length, 4);
    // B's own HTLC transactions on the revoked commitment are valid too; their output gets a penalty.
    for (const { h, tx } of ownerHtlcTxs(bRevoked, p.sb)) {
      assert.equal(scriptError(serialize(tx!), [commit.outputs[h.commitmentOutputIndex]!]), null, `B's HTLC-${h.kind}`);
      const secret = bSecret(p, REVOKED_N);
      const script = revokedToLocalScript(p.a, perCommitmentPoint(secret, engine), engine);
      assert.equal(hex(tx!.outputs[0]!.script), hex(p2wsh(script)));
      const penalty = penaltyDelayed(ctx, 'penaltyHtlcTxOutput', secret, script, { txid: txid(tx!), vout: 0 }, tx!.outputs[0]!.value);
      assertSpends(penalty, tx!, `penalty on B's HTLC-${h.kind} output`);
      // Negative: the secret of another commitment gives the wrong revocation key.
      const wrong = penaltyDelayed(ctx, 'penaltyHtlcTxOutput', bSecret(p, REVOKED_N - 1), script, { txid: txid(tx!), vout: 0 }, tx!.outputs[0]!.value);
      assert.notEqual(scriptError(wrong!.raw, [tx!.outputs[0]!]), null);
    }
    // A revoked commitment with no main outputs at all (B holds nothing, A cannot pay the fee): its HTLCs identify it.
    const htlcOnly = withLocal(p.b, p.sb, p.sa, {
      commitmentNumber: REVOKED_N, feeratePerKw: 2500, toLocalMsat: 0n, toRemoteMsat: 3_000_000n,
      htlcs: [{ ...H.h5, direction: 'offered', amountMsat: 500_000_000n }, { ...H.h6, direction: 'received', amountMsat: 497_000_000n }],
    });
    const bare = broadcastLocal(htlcOnly, p.sb);
    assert.ok(bare.outputs.every((o) => o.value >= 300_000n || o.value === 330n), 'only HTLC (and anchor) outputs');
    assert.deepEqual(classifySpend(p.a, bare), { kind: 'revokedCommitment', commitmentNumber: REVOKED_N });
    const barePlan = planResolution(ctx, bare);
    assert.deepEqual(barePlan.outputs.map((o) => o.role.kind), ['revokedHtlc', 'revokedHtlc']);
    for (const o of barePlan.outputs) assertSpends(o.claim, bare, 'penalty on an HTLC-only revoked commitment');
    // Without the history, the HTLC outputs cannot be placed (and are reported), to_local still is.
    const blind = planResolution({ ...ctx, channel: { ...p.a, remoteHtlcHistory: [] } }, commit);
    assert.equal(blind.unplacedOutputs.length, 2);
    assert.equal(byRole(blind, 'revokedToLocal').length, 1);
  });

  test(`${format}: lost state (their commitment from the future) — only our static to_remote is swept`, () => {
    const p = pair(format);
    const { tx: commit } = bCommitment(p, 'future');
    const plan = planResolution(ctxA(p), commit);
    assert.deepEqual(plan.spend, { kind: 'unknown', reason: 'remoteAhead', commitmentNumber: 7 });
    assert.equal(plan.outputs.length, 1);
    assertSpends(plan.outputs[0]!.claim, commit, 'to_remote after data loss');
    assert.ok(plan.unplacedOutputs.length >= 2);
    assert.deepEqual(plan.missingOfferedHtlcs, []);
  });

  test(`${format}: claims whose value after fees is dust are omitted, fees follow the feerate`, () => {
    const p = pair(format);
    const commit = bCommitment(p, 'current').tx;
    const cheap = planResolution(ctxA(p, { feeratePerKw: 253 }), commit);
    const dear = planResolution(ctxA(p, { feeratePerKw: 5000 }), commit);
    const fee = (pl: ResolutionPlan, c: Claim) => pl.outputs.find((o) => o.claim === c)!.valueSat - parseTx(c.raw).outputs[0]!.value;
    const c1 = htlcOut(cheap, 'remoteHtlc', H.h0)!.claim!;
    const c2 = htlcOut(dear, 'remoteHtlc', H.h0)!.claim!;
    assert.ok(fee(dear, c2) > fee(cheap, c1) * 19n, 'fee scales with the feerate');
    // At a feerate where the HTLC claim costs more than the HTLC is worth, no claim is made.
    const ruinous = planResolution(ctxA(p, { feeratePerKw: 50_000 }), commit);
    assert.equal(htlcOut(ruinous, 'remoteHtlc', H.h0)!.claim, undefined);
    assert.ok(byRole(ruinous, 'toRemote')[0]!.claim, 'the large to_remote is still worth claiming');
  });
}

