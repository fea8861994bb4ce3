// Mutual close through two machines: shutdown initiated by either side (the funder or not), HTLCs
// draining before negotiation, closing_signed with fee_range converging, the legacy "strictly between"
// rule when the peer sends no fee_range, option_simple_close (closing_complete / closing_sig), and the
// upfront shutdown script rule. Every broadcast closing transaction is checked with bcoin's interpreter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fundingOutput, parseTx } from '../../src/channel/index.js';
import type { ChannelState } from '../../src/channel/machine/index.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ALL_FEATURES, Side, addHtlc, openChannel, pump } from './machine-harness.js';
import { scriptError } from './onchain-script.js';

function fundingOf(s: ChannelState) {
  assert.ok('commitments' in s);
  const p = s.commitments.params;
  return fundingOutput(p.local.fundingPubkey, p.remote.fundingPubkey, p.fundingSat);
}

function closingTxs(side: Side): Uint8Array[] {
  return side.broadcasts.filter((x) => x.what === 'closing').map((x) => x.raw);
}

function pair(o: { simpleClose?: boolean; feeA?: number; feeB?: number } = {}): [Side, Side] {
  const f = { ...ALL_FEATURES, simpleClose: o.simpleClose ?? false };
  return [new Side('A', 1, f, {}, o.feeA ?? 1000), new Side('B', 2, f, {}, o.feeB ?? 1000)];
}

for (const initiator of ['A', 'B'] as const) {
  test(`legacy mutual close started by ${initiator === 'A' ? 'the funder' : 'the fundee'}: shutdowns, fee_range negotiation converges, one valid closing tx`, () => {
    const [a, b] = pair({ feeA: 1000, feeB: 3000 });
    openChannel(a, b);
    const closer = initiator === 'A' ? a : b;
    closer.apply({ kind: 'command', command: { kind: 'close' } });
    const flow = pump(a, b);
    assert.ok(flow.includes('A:shutdown') && flow.includes('B:shutdown'));
    assert.ok(flow.includes('A:closing_signed'), 'the funder opens negotiation');
    assert.equal(a.kind(), 'closing');
    assert.equal(b.kind(), 'closing');
    const [ta] = closingTxs(a);
    const [tb] = closingTxs(b);
    assert.ok(ta && tb);
    assert.deepEqual(ta, tb, 'both broadcast the same transaction');
    assert.equal(scriptError(ta, [fundingOf(a.state)]), null);
    const tx = parseTx(ta);
    assert.equal(tx.outputs.length, 2);
    assert.equal(tx.inputs[0]!.sequence, 0xffffffff);
    // Outputs in BOLT 3 order and the fee (funding − outputs) taken from the funder only.
    assert.ok(tx.outputs[0]!.value <= tx.outputs[1]!.value);
    const fee = 1_000_000n - tx.outputs.reduce((x, o) => x + o.value, 0n);
    const toB = tx.outputs.find((o) => Buffer.compare(Buffer.from(o.script), Buffer.from(b.ctx.defaultShutdownScript)) === 0)!;
    assert.equal(toB.value, 100_000n, 'the fundee gets its whole balance');
    assert.ok(fee > 0n);
    assert.ok(a.closedReason === undefined, 'closing is not closed: the chain decides');
    a.apply({ kind: 'onchainResolved' });
    assert.equal(a.kind(), 'closed');
    assert.equal(a.closedReason, 'mutual');
  });
}

test('close waits for HTLCs to drain: no add after shutdown, negotiation only once the HTLC is fulfilled', () => {
  const [a, b] = pair();
  openChannel(a, b);
  const preimage = sha256(Uint8Array.of(9));
  addHtlc(a, preimage, 10_000_000n);
  pump(a, b);
  b.apply({ kind: 'command', command: { kind: 'close' } });
  const flow = pump(a, b);
  assert.ok(!flow.some((x) => x.endsWith('closing_signed')), 'no negotiation with an HTLC in flight');
  assert.equal(a.kind(), 'shutdown');
  a.apply({ kind: 'command', command: { kind: 'addHtlc', amountMsat: 1_000_000n, paymentHash: sha256(Uint8Array.of(1)), cltvExpiry: 800_000, onionRoutingPacket: new Uint8Array(1366) } });
  assert.ok(a.events.some((e) => e.kind === 'commandFailed' && e.command === 'addHtlc'));
  b.apply({ kind: 'command', command: { kind: 'fulfill', id: 0n, paymentPreimage: preimage } });
  b.apply({ kind: 'command', command: { kind: 'sign' } });
  pump(a, b);
  assert.equal(a.kind(), 'closing');
  assert.equal(b.kind(), 'closing');
  assert.deepEqual(closingTxs(a), closingTxs(b));
  const tx = parseTx(closingTxs(a)[0]!);
  const toB = tx.outputs.find((o) => Buffer.compare(Buffer.from(o.script), Buffer.from(b.ctx.defaultShutdownScript)) === 0)!;
  assert.equal(toB.value, 110_000n, 'the fulfilled HTLC is in the fundee output');
});

test('legacy peer without fee_range: proposals move strictly between the last two fees until they meet', () => {
  const [a, b] = pair({ feeA: 5000, feeB: 253 });
  openChannel(a, b);
  a.apply({ kind: 'command', command: { kind: 'close' } });
  const fees: bigint[] = [];
  const flow = pump(a, b, {
    filter: (_from, m) => {
      if (m.name !== 'closing_signed') return m;
      fees.push(m.feeSatoshis);
      return { ...m, tlvs: {} };
    },
  });
  assert.ok(flow.filter((x) => x.endsWith('closing_signed')).length >= 2);
  for (let i = 2; i < fees.length; i++) {
    const [lo, hi] = fees[i - 2]! < fees[i - 1]! ? [fees[i - 2]!, fees[i - 1]!] : [fees[i - 1]!, fees[i - 2]!];
    assert.ok(fees[i]! === fees[i - 1] || (fees[i]! > lo && fees[i]! < hi), `fee ${fees[i]} strictly between ${lo} and ${hi}`);
  }
  assert.equal(a.kind(), 'closing');
  assert.equal(b.kind(), 'closing');
  assert.deepEqual(closingTxs(a), closingTxs(b));
  assert.equal(scriptError(closingTxs(a)[0]!, [fundingOf(a.state)]), null);
});

test('option_simple_close: each side sends closing_complete, the other signs; two valid RBF-able closing txs', () => {
  const [a, b] = pair({ simpleClose: true, feeA: 1000, feeB: 2000 });
  openChannel(a, b);
  b.apply({ kind: 'command', command: { kind: 'close' } });
  const flow = pump(a, b);
  assert.ok(flow.includes('A:closing_complete') && flow.includes('B:closing_complete'));
  assert.ok(flow.includes('A:closing_sig') && flow.includes('B:closing_sig'));
  assert.equal(a.kind(), 'negotiating');
  const all = [...closingTxs(a), ...closingTxs(b)];
  assert.equal(all.length, 4, 'each side broadcasts both transactions it holds signatures for');
  for (const raw of all) {
    assert.equal(scriptError(raw, [fundingOf(a.state)]), null);
    assert.equal(parseTx(raw).inputs[0]!.sequence, 0xfffffffd);
  }
  // A's transaction: A pays its fee; B's output is B's whole balance.
  const aTx = parseTx(closingTxs(b)[0]!);
  const toB = aTx.outputs.find((o) => Buffer.compare(Buffer.from(o.script), Buffer.from(b.ctx.defaultShutdownScript)) === 0)!;
  assert.equal(toB.value, 100_000n);
});

test('upfront_shutdown_script: a shutdown paying elsewhere is refused; the close command must pay to our own', () => {
  const f = { ...ALL_FEATURES };
  const a = new Side('A', 1, f);
  const b = new Side('B', 2, f);
  const upfront = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(5));
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 400_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(6), upfrontShutdownScript: upfront } } });
  pump(a, b);
  a.fund();
  pump(a, b);
  a.apply({ kind: 'fundingDepth', depth: 3 });
  b.apply({ kind: 'fundingDepth', depth: 3 });
  pump(a, b);
  a.apply({ kind: 'command', command: { kind: 'close', scriptpubkey: a.ctx.defaultShutdownScript } });
  assert.ok(a.events.some((e) => e.kind === 'commandFailed' && e.command === 'close'));
  // A peer that ignores its own commitment: B receives a shutdown to another script and drops the connection.
  const cid = 'commitments' in b.state ? b.state.commitments.channelId : new Uint8Array(32);
  const r = b.apply({ kind: 'peerMessage', message: { name: 'shutdown', channelId: cid, scriptpubkey: a.ctx.defaultShutdownScript, tlvs: {} } });
  assert.ok(r.some((x) => x.kind === 'disconnect'));
  assert.equal(b.kind(), 'normal');
  for (const s of [a, b]) s.apply({ kind: 'peerDisconnected' });
  for (const s of [a, b]) s.apply({ kind: 'peerReconnected' });
  pump(a, b);
  a.apply({ kind: 'command', command: { kind: 'close' } });
  pump(a, b);
  assert.equal(a.kind(), 'closing');
  const tx = parseTx(closingTxs(a)[0]!);
  assert.ok(tx.outputs.some((o) => Buffer.compare(Buffer.from(o.script), Buffer.from(upfront)) === 0), 'the close pays the upfront script');
});

test('reconnection during legacy negotiation: shutdown is retransmitted and negotiation restarts to the same end', () => {
  const [a, b] = pair();
  openChannel(a, b);
  a.apply({ kind: 'command', command: { kind: 'close' } });
  // Deliver the shutdowns only, then cut the connection before closing_signed arrives.
  pump(a, b, { max: 1 });
  a.outbox.length = 0;
  b.outbox.length = 0;
  assert.equal(a.kind(), 'negotiating');
  for (const s of [a, b]) s.apply({ kind: 'peerDisconnected' });
  for (const s of [a, b]) s.apply({ kind: 'peerReconnected' });
  const flow = pump(a, b);
  assert.ok(flow.includes('A:shutdown') && flow.includes('B:shutdown'));
  assert.equal(a.kind(), 'closing');
  assert.equal(b.kind(), 'closing');
  assert.deepEqual(closingTxs(a), closingTxs(b));
});

test('close before channel_ready (funding not yet deep): shutdowns, then negotiation to one closing tx', () => {
  const [a, b] = pair();
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 600_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'staticRemoteKey', temporaryChannelId: new Uint8Array(32).fill(8) } } });
  pump(a, b);
  a.fund();
  pump(a, b);
  assert.equal(b.kind(), 'waitConfirmed');
  b.apply({ kind: 'command', command: { kind: 'close' } });
  const flow = pump(a, b);
  assert.deepEqual(flow.slice(0, 2), ['B:shutdown', 'A:shutdown']);
  assert.equal(a.kind(), 'closing');
  assert.equal(b.kind(), 'closing');
  assert.deepEqual(closingTxs(a), closingTxs(b));
  assert.equal(scriptError(closingTxs(a)[0]!, [fundingOf(a.state)]), null);
  assert.equal(parseTx(closingTxs(a)[0]!).outputs.length, 1, 'the fundee had nothing: only the funder output');
});

test('close with one of our updates unsigned: we sign it first, then send shutdown (BOLT 2: no shutdown with updates pending)', () => {
  const [a, b] = pair();
  openChannel(a, b);
  a.apply({ kind: 'command', command: { kind: 'addHtlc', amountMsat: 2_000_000n, paymentHash: sha256(Uint8Array.of(5)), cltvExpiry: 800_100, onionRoutingPacket: new Uint8Array(1366) } });
  a.apply({ kind: 'command', command: { kind: 'close' } });
  assert.deepEqual(a.peek().map((m) => m.name), ['update_add_htlc', 'commitment_signed', 'shutdown']);
  pump(a, b);
  assert.equal(a.kind(), 'shutdown', 'the HTLC must resolve before negotiation');
  b.apply({ kind: 'command', command: { kind: 'fail', id: 0n, reason: new Uint8Array(32) } });
  b.apply({ kind: 'command', command: { kind: 'sign' } });
  pump(a, b);
  assert.equal(a.kind(), 'closing');
  assert.deepEqual(closingTxs(a), closingTxs(b));
});

test('an error after a simple-close transaction was signed keeps the closing tx: no commitment broadcast', () => {
  const [a, b] = pair({ simpleClose: true });
  openChannel(a, b);
  a.apply({ kind: 'command', command: { kind: 'close' } });
  pump(a, b);
  assert.equal(a.kind(), 'negotiating');
  const cid = 'commitments' in a.state ? a.state.commitments.channelId : new Uint8Array(32);
  a.apply({ kind: 'peerMessage', message: { name: 'error', channelId: cid, data: new TextEncoder().encode('bye'), tlvs: {} } });
  assert.equal(a.kind(), 'closing');
  assert.ok(!a.broadcasts.some((x) => x.what === 'commitment'));
  assert.ok(a.has('peerError'));
});

test('a shutdown held back by an update we could not sign goes out after reconnection drops that update', () => {
  const [a, b] = pair();
  openChannel(a, b);
  addHtlc(a, sha256(Uint8Array.of(11)), 3_000_000n);
  a.apply({ kind: 'command', command: { kind: 'addHtlc', amountMsat: 1_000_000n, paymentHash: sha256(Uint8Array.of(12)), cltvExpiry: 800_200, onionRoutingPacket: new Uint8Array(1366) } });
  pump(a, b, { max: 3, filter: (from, m) => (from === a ? m : undefined) });
  b.apply({ kind: 'command', command: { kind: 'close' } });
  pump(a, b, { max: 1, filter: (from, m) => (from === b && m.name === 'shutdown' ? m : undefined) });
  assert.equal(a.kind(), 'shutdown');
  assert.ok('shutdown' in a.state && !a.state.shutdown.localSent, 'A holds its shutdown: its second add is unsigned and it waits for a revocation');
  for (const s of [a, b]) s.apply({ kind: 'peerDisconnected' });
  for (const s of [a, b]) { s.outbox.length = 0; s.apply({ kind: 'peerReconnected' }); }
  const flow = pump(a, b);
  assert.ok(flow.includes('A:shutdown'));
  assert.ok(a.events.some((e) => e.kind === 'updatesDropped'));
  assert.ok('shutdown' in a.state && a.state.shutdown.localSent);
});
