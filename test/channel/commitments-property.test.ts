/**
 * Property (fast-check, bounded runs): any interleaving of adds, fulfills, fails and fee changes from
 * both sides, signatures, partial deliveries and disconnections keeps the two ledgers consistent.
 * After every step each commitment's balances plus its HTLCs add up to the funding amount, everything a
 * side sends is accepted by the other (a compliant sender never trips the receiver's checks: the `ok`
 * inside the link asserts it), and at the end both sides agree byte for byte on both commitments, every
 * signed commitment pays out exactly the funding amount minus its fee, and balances match on both sides.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MSAT_PER_SAT, buildHtlcTxs, parseTx } from '../../src/channel/index.js';
import type { CommitSpec, Commitments } from '../../src/channel/commitments/index.js';
import { balances, hasPendingChanges, htlcs, localCommitmentTx, sendAdd, sendFail, sendFee, sendFulfill } from '../../src/channel/commitments/index.js';
import { addCmd, assertConsistent, engine, openPair, preimage, type Side } from './commitments-fixture.js';
import { deliver, disconnect, drain, newNet, reconnect, sendUpdate, trySign, type Net } from './commitments-sim.js';

const FUNDING_SAT = 1_000_000n;
/** Runs per format: each is up to 80 steps with real signatures (~0.1 s); 300 runs per format passed when written. */
const RUNS = 30;

type Cmd =
  | { op: 'add'; side: Side; amount: bigint }
  | { op: 'settle'; side: Side; pick: number; fulfill: boolean }
  | { op: 'fee'; rate: number }
  | { op: 'sign'; side: Side }
  | { op: 'deliver'; side: Side; count: number }
  | { op: 'reconnect' };

const side = fc.constantFrom<Side>('a', 'b');
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), side, amount: fc.oneof(fc.bigInt({ min: 1_000n, max: 3_000_000n }), fc.bigInt({ min: 3_000_000n, max: 120_000_000n })) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('settle' as const), side, pick: fc.nat(50), fulfill: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fee' as const), rate: fc.integer({ min: 253, max: 12_000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('sign' as const), side }) },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('deliver' as const), side, count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reconnect' as const }) },
);

const preimages = new Map<string, Uint8Array>();
let nextPreimage = 0;
const key = (b: Uint8Array) => Buffer.from(b).toString('hex');

function run(n: Net, c: Cmd): void {
  switch (c.op) {
    case 'add': {
      const i = nextPreimage++;
      preimages.set(key(preimage(i).hash), preimage(i).preimage);
      const r = sendAdd(n.p[c.side], addCmd(c.amount, i));
      if (r.ok) { n.p[c.side] = r.commitments; sendUpdate(n, c.side, { kind: 'add', htlc: r.add }); }
      return;
    }
    case 'settle': {
      const incoming = htlcs(n.p[c.side]).filter((h) => h.direction === 'incoming');
      if (incoming.length === 0) return;
      const h = incoming[c.pick % incoming.length]!;
      const r = c.fulfill ? sendFulfill(n.p[c.side], h.add.id, preimages.get(key(h.add.paymentHash))!) : sendFail(n.p[c.side], h.add.id, new Uint8Array([7]));
      if (r.ok) { n.p[c.side] = r.commitments; sendUpdate(n, c.side, r.update); }
      return;
    }
    case 'fee': {
      const r = sendFee(n.p.a, c.rate);
      if (r.ok) { n.p.a = r.commitments; sendUpdate(n, 'a', { kind: 'fee', feeratePerKw: r.feeratePerKw }); }
      return;
    }
    case 'sign': trySign(n, c.side); return;
    case 'deliver': for (let i = 0; i < c.count; i++) deliver(n, c.side); return;
    case 'reconnect': disconnect(n); reconnect(n); return;
  }
}

function conserved(spec: CommitSpec, what: string): void {
  const inHtlcs = spec.htlcs.reduce((s, h) => s + h.add.amountMsat, 0n);
  assert.equal(spec.toLocalMsat + spec.toRemoteMsat + inHtlcs, FUNDING_SAT * MSAT_PER_SAT, what);
  assert.ok(spec.toLocalMsat >= 0n && spec.toRemoteMsat >= 0n, `${what}: no negative balance`);
}

function checkLedger(c: Commitments, who: string): void {
  conserved(c.localCommit.spec, `${who} local`);
  conserved(c.remoteCommit.spec, `${who} remote`);
  if (c.nextRemote.kind === 'waitingForRevocation') conserved(c.nextRemote.commit.spec, `${who} next remote`);
}

function checkSignedTx(c: Commitments, n: Net, s: Side): void {
  const signed = localCommitmentTx(c, s === 'a' ? n.p.sa : n.p.sb, [], engine);
  const tx = parseTx(signed.raw);
  const out = tx.outputs.reduce((sum, o) => sum + o.value, 0n);
  assert.equal(out + signed.commitment.actualFeeSat, FUNDING_SAT);
  assert.equal(signed.htlcTxs.length, buildHtlcTxs(signed.commitment).length);
  assert.equal(c.localCommit.htlcRemoteSigs.length, signed.htlcTxs.length);
}

for (const format of ['staticRemoteKey', 'anchors'] as const) {
  test(`${format}: random interleavings keep both ledgers consistent and balances conserved`, () => {
    const stats = { commitments: 0, htlcs: 0 };
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 20, maxLength: 80, size: 'max' }), (cmds) => {
        // Asymmetric limits, so each side's view of the other's commitment really differs from its own.
        const n = newNet(openPair({ format, a: { maxAcceptedHtlcs: 12, dustLimitSat: 354n }, b: { maxAcceptedHtlcs: 10, dustLimitSat: 1_100n, channelReserveSat: 15_000n, htlcMinimumMsat: 1n } }), true);
        for (const c of cmds) {
          run(n, c);
          checkLedger(n.p.a, 'A');
          checkLedger(n.p.b, 'B');
        }
        disconnect(n);
        reconnect(n);
        drain(n);
        assertConsistent(n.p);
        for (const s of ['a', 'b'] as const) {
          assert.equal(hasPendingChanges(n.p[s]), false);
          checkSignedTx(n.p[s], n, s);
        }
        stats.commitments += n.p.a.localCommit.index;
        stats.htlcs += Number(n.p.a.localNextHtlcId + n.p.b.localNextHtlcId);
        const ba = balances(n.p.a).localCommit;
        const bb = balances(n.p.b).localCommit;
        assert.deepEqual({ ourMsat: bb.theirMsat, theirMsat: bb.ourMsat }, ba);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The runs must exercise the dance, not just open channels: several commitments and HTLCs per run.
    assert.ok(stats.commitments >= RUNS, `${stats.commitments} commitments over ${RUNS} runs`);
    assert.ok(stats.htlcs >= 2 * RUNS, `${stats.htlcs} HTLCs committed over ${RUNS} runs`);
  });
}
