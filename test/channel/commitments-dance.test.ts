/**
 * The commitment dance between two in-memory ledgers (A funder, B fundee) in both formats: add, sign,
 * revoke both directions, fulfill and fail, update_fee, many HTLCs including trimmed ones (HTLC
 * signature counts follow the untrimmed outputs), what becomes irrevocable when, a wrong commitment or
 * HTLC signature and a wrong revocation secret rejected, and the signed local commitment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/crypto/hash.js';
import { buildHtlcTxs, p2wsh, parseTx, txid } from '../../src/channel/index.js';
import {
  balances, buildLocalCommitment, hasHtlcs, hasPendingChanges, htlcs, localCommitmentTx, localPerCommitmentPoint, receiveCommit, receiveFail, receiveFee,
  receiveFulfill, receiveRevoke, remoteChainInfo, remotePerCommitmentSecret, sendCommit, sendFail, sendFee, sendFulfill,
} from '../../src/channel/commitments/index.js';
import { add, assertConsistent, commitOnce, engine, ok, openPair, preimage, settle } from './commitments-fixture.js';
import { scriptError } from './onchain-script.js';

const FUNDING_MSAT = 1_000_000_000n;
const total = (b: { ourMsat: bigint; theirMsat: bigint }) => b.ourMsat + b.theirMsat;

for (const format of ['staticRemoteKey', 'anchors'] as const) {
  test(`${format}: A offers, both sign, B fulfills, both sign: balances move and both views agree`, () => {
    const p = openPair({ format });
    const h = add(p, 'a', 50_000_000n, 1);
    assert.equal(h.id, 0n);
    assert.equal(hasPendingChanges(p.a), true);
    const s1 = settle(p, 'a');
    assertConsistent(p);
    // A's HTLC became irrevocable for B when A revoked in the second half: B may relay it now.
    assert.deepEqual(s1.b.flatMap((s) => s.forwardAdds).map((x) => x.id), [0n]);
    assert.deepEqual(s1.a.flatMap((s) => s.forwardAdds), [], 'our own HTLC is never reported to us for relay');
    assert.equal(p.a.localCommit.index, 1);
    assert.equal(p.b.localCommit.index, 1);
    assert.equal(hasPendingChanges(p.a), false);
    assert.equal(htlcs(p.a).length, 1);
    assert.equal(htlcs(p.a)[0]!.direction, 'outgoing');
    const f = ok(sendFulfill(p.b, h.id, preimage(1).preimage));
    p.b = f.commitments;
    const rf = ok(receiveFulfill(p.a, h.id, f.update.paymentPreimage));
    p.a = rf.commitments;
    assert.equal(htlcs(p.a)[0]!.removal, 'fulfill');
    assert.equal(htlcs(p.b)[0]!.removal, 'fulfill');
    assert.equal(htlcs(p.b)[0]!.direction, 'incoming');
    assert.deepEqual(rf.htlc.paymentHash, preimage(1).hash);
    settle(p, 'b');
    assertConsistent(p);
    assert.equal(hasHtlcs(p.a), false);
    const ba = balances(p.a).localCommit;
    assert.equal(ba.ourMsat, FUNDING_MSAT - 200_000_000n - 50_000_000n);
    assert.equal(ba.theirMsat, 250_000_000n);
    assert.equal(total(ba), FUNDING_MSAT);
    assert.deepEqual(balances(p.b).localCommit, { ourMsat: ba.theirMsat, theirMsat: ba.ourMsat });
  });

  test(`${format}: B offers to A, A fails it; irrevocability reported to the right side at the right time`, () => {
    const p = openPair({ format });
    const h = add(p, 'b', 20_000_000n, 2);
    // B signs first: A gets B's HTLC in its commitment, revokes; then A signs, B revokes: now irrevocable for A.
    const first = commitOnce(p, 'b');
    assert.deepEqual(first.forwardAdds, []);
    const second = commitOnce(p, 'a');
    assert.deepEqual(second.forwardAdds.map((x) => x.id), [h.id], "A learns B's HTLC is irrevocably committed");
    assertConsistent(p);
    const f = ok(sendFail(p.a, h.id, new Uint8Array([1, 2, 3])));
    p.a = f.commitments;
    p.b = ok(receiveFail(p.b, h.id, f.update.reason)).commitments;
    const s = settle(p, 'a');
    assert.deepEqual(s.b.flatMap((x) => x.removals).map((u) => u.kind), ['fail'], 'B learns its HTLC failed for good');
    assert.deepEqual(s.a.flatMap((x) => x.removals).map((u) => u.kind), [], 'our own fail is not reported back to us');
    assertConsistent(p);
    assert.deepEqual(balances(p.a).localCommit, { ourMsat: 800_000_000n, theirMsat: 200_000_000n }, 'the failed HTLC went back to B');
  });

  test(`${format}: update_fee from the funder moves the commitment feerate on both sides`, () => {
    const p = openPair({ format });
    const f = ok(sendFee(p.a, 5000));
    p.a = f.commitments;
    p.b = ok(receiveFee(p.b, f.feeratePerKw)).commitments;
    settle(p, 'a');
    assertConsistent(p);
    assert.equal(p.a.localCommit.spec.feeratePerKw, 5000);
    assert.equal(p.b.localCommit.spec.feeratePerKw, 5000);
    const bf = sendFee(p.b, 6000);
    assert.equal(bf.ok ? 'ok' : bf.error.kind, 'notFunder');
    const rf = receiveFee(p.a, 6000);
    assert.equal(rf.ok ? 'ok' : `${rf.error.kind}/${rf.error.action}`, 'notFunder/warning');
  });

  test(`${format}: many HTLCs both ways incl. trimmed: one HTLC signature per untrimmed output, all verified`, () => {
    const p = openPair({ format, a: { maxAcceptedHtlcs: 30 }, b: { maxAcceptedHtlcs: 30 } });
    const amounts = [300_000n, 500_000n, 600_000n, 1_000_000n, 2_000_000n, 3_000_000n, 5_000_000n, 7_000_000n, 11_000_000n, 13_000_000n];
    let n = 10;
    for (const amt of amounts) { add(p, 'a', amt, n++); add(p, 'b', amt + 1n, n++); }
    settle(p, 'a');
    assertConsistent(p);
    for (const side of ['a', 'b'] as const) {
      const c = p[side];
      const secrets = side === 'a' ? p.sa : p.sb;
      const tx = buildLocalCommitment(c, c.localCommit.index, c.localCommit.spec, localPerCommitmentPoint(secrets, c.localCommit.index, engine), engine);
      const untrimmed = buildHtlcTxs(tx).length;
      assert.equal(c.localCommit.htlcRemoteSigs.length, untrimmed);
      assert.ok(tx.trimmed.length > 0, 'some HTLCs are trimmed');
      assert.ok(untrimmed > 0, 'some are not');
      assert.equal(untrimmed + tx.trimmed.length, 2 * amounts.length);
      // The signed commitment parses back, spends the funding outpoint and has the txid we stored.
      const signed = localCommitmentTx(c, secrets, [], engine);
      assert.deepEqual(signed.txid, c.localCommit.txid);
      assert.deepEqual(txid(parseTx(signed.raw)), c.localCommit.txid);
      assert.equal(parseTx(signed.raw).inputs[0]!.witness.length, 4);
      const timeouts = signed.htlcTxs.filter((h) => h.kind === 'timeout');
      assert.ok(timeouts.every((h) => h.raw !== undefined), 'HTLC-timeouts are fully signed');
      const successes = signed.htlcTxs.filter((h) => h.kind === 'success');
      assert.ok(successes.length > 0 && successes.every((h) => h.raw === undefined), 'HTLC-success waits for the preimage');
      const pre = Array.from({ length: 30 }, (_, i) => preimage(i).preimage);
      const all = localCommitmentTx(c, secrets, pre, engine);
      assert.ok(all.htlcTxs.every((h) => h.raw !== undefined));
      // Bitcoin's script rules (bcoin's interpreter): the commitment spends the funding output with both
      // signatures, and every HTLC transaction spends its output with the peer's and our signature.
      const fundingOut = { value: c.params.fundingSat, script: p2wsh(signed.commitment.fundingScript) };
      assert.equal(scriptError(all.raw, [fundingOut]), null, 'commitment');
      for (const h of all.htlcTxs) assert.equal(scriptError(h.raw!, [signed.commitment.tx.outputs[h.commitmentOutputIndex]!]), null, `${h.kind} ${h.htlcId}`);
      const forged = Uint8Array.from(all.raw);
      forged[forged.length - 80]! ^= 1; // inside a signature of the witness
      assert.notEqual(scriptError(forged, [fundingOut]), null, 'a damaged signature fails');
    }
    // Fulfill everything both ways.
    for (const h of htlcs(p.a)) {
      const [from, to] = h.direction === 'incoming' ? (['a', 'b'] as const) : (['b', 'a'] as const);
      const n2 = [...Array(40).keys()].find((i) => Buffer.from(preimage(i).hash).equals(Buffer.from(h.add.paymentHash)))!;
      const f = ok(sendFulfill(p[from], h.add.id, preimage(n2).preimage));
      p[from] = f.commitments;
      p[to] = ok(receiveFulfill(p[to], h.add.id, preimage(n2).preimage)).commitments;
    }
    settle(p, 'b');
    assertConsistent(p);
    assert.equal(hasHtlcs(p.a), false);
    assert.equal(total(balances(p.a).localCommit), FUNDING_MSAT);
    assert.equal(balances(p.a).localCommit.ourMsat, 800_000_000n + BigInt(amounts.length), 'A received 1 msat more per HTLC than it sent');
  });
}

test('a wrong commitment signature, a wrong HTLC signature or count, and a wrong revocation secret are rejected', () => {
  const p = openPair();
  add(p, 'a', 30_000_000n, 3);
  const s = ok(sendCommit(p.a, p.sa, engine));
  const bad = Uint8Array.from(s.commitmentSigned.signature);
  bad[40]! ^= 1;
  const r1 = receiveCommit(p.b, { ...s.commitmentSigned, signature: bad }, p.sb, engine);
  assert.equal(r1.ok ? 'ok' : r1.error.kind, 'invalidCommitmentSig');
  const htlcBad = s.commitmentSigned.htlcSignatures.map((x) => Uint8Array.from(x));
  htlcBad[0]![50]! ^= 1;
  const r2 = receiveCommit(p.b, { ...s.commitmentSigned, htlcSignatures: htlcBad }, p.sb, engine);
  assert.equal(r2.ok ? 'ok' : r2.error.kind, 'invalidHtlcSig');
  const r3 = receiveCommit(p.b, { ...s.commitmentSigned, htlcSignatures: [] }, p.sb, engine);
  assert.equal(r3.ok ? 'ok' : r3.error.kind, 'invalidHtlcSigCount');
  const good = ok(receiveCommit(p.b, s.commitmentSigned, p.sb, engine));
  // A secret that is not B's secret for commitment 0.
  const wrongSecret = sha256(new Uint8Array([9]));
  const r4 = receiveRevoke(s.commitments, { ...good.revokeAndAck, perCommitmentSecret: wrongSecret }, engine);
  assert.equal(r4.ok ? 'ok' : `${r4.error.kind}/${r4.error.action}`, 'invalidRevocation/forceClose');
  const r5 = receiveRevoke(s.commitments, { ...good.revokeAndAck, perCommitmentSecret: new Uint8Array(32) }, engine);
  assert.equal(r5.ok ? 'ok' : r5.error.kind, 'invalidRevocation', 'zero is not a valid secret key');
  const a = ok(receiveRevoke(s.commitments, good.revokeAndAck, engine)).commitments;
  assert.deepEqual(remotePerCommitmentSecret(a, 0), good.revokeAndAck.perCommitmentSecret);
  assert.equal(remoteChainInfo(a).revokedBelow, 1);
  const r6 = receiveRevoke(a, good.revokeAndAck, engine);
  assert.equal(r6.ok ? 'ok' : r6.error.kind, 'unexpectedMessage', 'no commitment_signed outstanding');
});

test('commitment_signed needs changes on both ends, and one at a time', () => {
  const p = openPair();
  const r = sendCommit(p.a, p.sa, engine);
  assert.equal(r.ok ? 'ok' : `${r.error.kind}/${r.error.action}`, 'noChangesToSign/refuse');
  add(p, 'a', 30_000_000n, 4);
  const s = ok(sendCommit(p.a, p.sa, engine));
  add({ ...p, a: s.commitments } as typeof p, 'a', 30_000_000n, 5);
  const again = sendCommit(s.commitments, p.sa, engine);
  assert.equal(again.ok ? 'ok' : `${again.error.kind}/${again.error.action}`, 'cannotSignYet/refuse', 'waiting for revoke_and_ack');
  const b = ok(receiveCommit(p.b, s.commitmentSigned, p.sb, engine)).commitments;
  const dup = receiveCommit(b, s.commitmentSigned, p.sb, engine);
  assert.equal(dup.ok ? 'ok' : dup.error.kind, 'noChangesToSign');
});

test('a revocation secret that matches its point but not the shachain of the earlier ones is rejected', () => {
  const p = openPair();
  add(p, 'a', 10_000_000n, 1);
  settle(p); // A now holds B's secret for commitment 0 (shachain index 2^48-1)
  assert.equal(p.a.remotePerCommitmentSecrets.length, 1);
  add(p, 'a', 10_000_000n, 2);
  const s = ok(sendCommit(p.a, p.sa, engine));
  // A peer whose secret for commitment 1 is not from its seed, though it announced the matching point.
  const rogue = sha256(new TextEncoder().encode('not from the seed'));
  const a = { ...s.commitments, remoteCommit: { ...s.commitments.remoteCommit, remotePerCommitmentPoint: engine.publicKey(rogue) } };
  const r = receiveRevoke(a, { perCommitmentSecret: rogue, nextPerCommitmentPoint: a.params.remote.firstPerCommitmentPoint }, engine);
  assert.equal(r.ok ? 'ok' : `${r.error.kind}/${r.error.action}`, 'revocationSecretMismatch/forceClose');
});
