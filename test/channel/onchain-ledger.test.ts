/**
 * The resolver's input filled from the real BOLT 2 ledger (`onchainChannelFromLedger`): two ledgers run
 * the commitment dance, and every commitment the ledgers would broadcast — ours, the peer's current,
 * its next (signed, not yet revoked), an old revoked one — is classified correctly, with claims that
 * pass bcoin's interpreter. Cross-checks that both modules build the same transactions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTx, txid, type Transaction } from '../../src/channel/index.js';
import { localCommitmentTx, receiveAdd, receiveCommit, sendAdd, sendCommit, sendFulfill, receiveFulfill } from '../../src/channel/commitments/index.js';
import { classifySpend, OnchainError, onchainChannelFromLedger, planResolution, type HtlcInfo } from '../../src/channel/onchain/index.js';
import { add, addCmd, engine, ok, openPair, preimage, settle, type Pair } from './commitments-fixture.js';
import { scriptError } from './onchain-script.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sweepScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(7));

/** Every claim of the plan for `tx` passes the interpreter against `tx`'s outputs. */
function assertClaimsSpend(p: Pair, tx: Transaction, history: HtlcInfo[]): number {
  const ch = onchainChannelFromLedger(p.a, p.sa, { remoteHtlcHistory: history }, engine);
  const plan = planResolution({ channel: ch, secrets: p.sa, feeratePerKw: 1000, sweepScript, engine }, tx);
  let n = 0;
  for (const o of plan.outputs) {
    if (!o.claim) continue;
    assert.equal(scriptError(o.claim.raw, [tx.outputs[o.outpoint.vout]!]), null, `${o.role.kind} claim`);
    n++;
  }
  return n;
}

for (const format of ['staticRemoteKey', 'anchors'] as const) {
  test(`${format}: commitments from the ledger are recognised and resolved`, () => {
    const p = openPair({ format });
    const history: HtlcInfo[] = [];
    const remember = (h: { paymentHash: Uint8Array; cltvExpiry: number }) => history.push({ paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry });
    remember(add(p, 'a', 20_000_000n, 1));
    remember(add(p, 'b', 30_000_000n, 2));
    settle(p);
    // B's commitment at this state: revoked once the next round completes.
    const old = parseTx(localCommitmentTx(p.b, p.sb, [], engine).raw);
    remember(add(p, 'a', 15_000_000n, 3));
    settle(p);
    // A fulfills B's HTLC 2 (id 0 on B's side) without signing yet: the HTLC is still in every
    // commitment and its preimage only in the ledger's pending updates.
    p.a = ok(sendFulfill(p.a, 0n, preimage(2).preimage)).commitments;
    p.b = ok(receiveFulfill(p.b, 0n, preimage(2).preimage)).commitments;
    const ours = localCommitmentTx(p.a, p.sa, [], engine);
    const theirs = parseTx(localCommitmentTx(p.b, p.sb, [], engine).raw);
    const ch = onchainChannelFromLedger(p.a, p.sa, { remoteHtlcHistory: history }, engine);
    assert.deepEqual(classifySpend(ch, parseTx(ours.raw)), { kind: 'localCommitment', commitmentNumber: p.a.localCommit.index });
    assert.equal(hex(txid(parseTx(ours.raw))), hex(p.a.localCommit.txid), 'the ledger and the resolver build the same commitment');
    assert.deepEqual(classifySpend(ch, theirs), { kind: 'remoteCommitment', which: 'current', commitmentNumber: p.a.remoteCommit.index });
    assert.equal(classifySpend(ch, old).kind, 'revokedCommitment');
    assert.equal(assertClaimsSpend(p, parseTx(ours.raw), history), 4, 'to_local, HTLC-timeout 1 and 3, HTLC-success 2 with the pending fulfill');
    assert.ok(assertClaimsSpend(p, theirs, history) >= 2, 'to_remote and HTLC timeout');
    assert.ok(assertClaimsSpend(p, old, history) >= 3, 'penalties on to_local and both HTLCs');

    // A signs a new commitment for B (an HTLC added) but has no revoke_and_ack yet: B's next one.
    const cmd = ok(sendAdd(p.a, addCmd(12_000_000n, 4)));
    p.a = cmd.commitments;
    p.b = ok(receiveAdd(p.b, cmd.add)).commitments;
    const signed = ok(sendCommit(p.a, p.sa, engine));
    p.a = signed.commitments;
    p.b = ok(receiveCommit(p.b, signed.commitmentSigned, p.sb, engine)).commitments;
    const next = parseTx(localCommitmentTx(p.b, p.sb, [], engine).raw);
    const chNext = onchainChannelFromLedger(p.a, p.sa, { remoteHtlcHistory: history }, engine);
    assert.deepEqual(classifySpend(chNext, next), { kind: 'remoteCommitment', which: 'next', commitmentNumber: p.a.remoteCommit.index + 1 });
    assert.deepEqual(classifySpend(chNext, theirs), { kind: 'remoteCommitment', which: 'current', commitmentNumber: p.a.remoteCommit.index });
  });
}

test('a ledger whose first commitment the peer never signed cannot be resolved', () => {
  const p = openPair();
  const unsigned = { ...p.a, localCommit: { index: 0, spec: p.a.localCommit.spec, txid: p.a.localCommit.txid, htlcRemoteSigs: [] } };
  assert.throws(() => onchainChannelFromLedger(unsigned, p.sa), (e) => e instanceof OnchainError && e.kind === 'invalidChannel');
});
