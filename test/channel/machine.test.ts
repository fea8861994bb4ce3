// The channel state machine end to end: two machines talk through encode → decode of real messages.
// Opening in both roles and both formats, HTLCs through the commitments ledger, update_fee, disconnect
// and reestablish in the middle of a signature dance, force close (the commitment verifies with bcoin's
// script interpreter), and the plain-data rule on every state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balances, fundingOutput, parseTx } from '../../src/channel/index.js';
import type { Commitments } from '../../src/channel/commitments/index.js';
import type { ChannelState } from '../../src/channel/machine/index.js';
import { sha256 } from '../../src/crypto/hash.js';
import { ALL_FEATURES, Side, addHtlc, openChannel, pump } from './machine-harness.js';
import { scriptError } from './onchain-script.js';

function ledger(s: ChannelState): Commitments {
  assert.ok('commitments' in s, `${s.kind} has no commitments`);
  return s.commitments;
}

function pair(opts: { simpleClose?: boolean } = {}): [Side, Side] {
  const f = { ...ALL_FEATURES, simpleClose: opts.simpleClose ?? false };
  return [new Side('A', 1, f), new Side('B', 2, f, {}, 1000)];
}

for (const format of ['anchors', 'staticRemoteKey'] as const) {
  test(`open (${format}): funder and fundee reach normal with the same channel id; funding broadcast once, after funding_signed`, () => {
    const [a, b] = pair();
    a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 500_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: true, format, temporaryChannelId: new Uint8Array(32).fill(3) } } });
    assert.equal(a.kind(), 'waitAccept');
    assert.deepEqual(pump(a, b), ['A:open_channel', 'B:accept_channel']);
    assert.equal(a.kind(), 'waitFundingTx');
    assert.equal(b.kind(), 'waitFundingCreated');
    assert.equal(a.fundRequests, 1);
    assert.equal(a.pendingFund!.amountSat, 500_000n);
    a.fund();
    assert.equal(a.broadcasts.length, 0, 'funding not broadcast before funding_signed');
    // funding_signed comes under the final channel_id: the funder re-keys when it sends funding_created.
    assert.equal(a.actions.filter((x) => x.kind === 'channelIdAssigned').length, 1, 'funder knows the final id before funding_signed');
    assert.deepEqual(pump(a, b), ['A:funding_created', 'B:funding_signed']);
    assert.equal(a.actions.filter((x) => x.kind === 'channelIdAssigned').length, 1, 'announced once');
    assert.deepEqual(a.broadcasts.map((x) => x.what), ['funding']);
    assert.equal(a.kind(), 'waitConfirmed');
    assert.equal(b.kind(), 'waitConfirmed');
    const idA = a.actions.find((x) => x.kind === 'channelIdAssigned');
    const idB = b.actions.find((x) => x.kind === 'channelIdAssigned');
    assert.ok(idA && idB && idA.kind === 'channelIdAssigned' && idB.kind === 'channelIdAssigned');
    assert.deepEqual(idA.channelId, idB.channelId);
    assert.deepEqual(ledger(a.state).params.format, format);
    assert.equal(ledger(b.state).params.announce, true);
    // B's channel_ready arrives before A sees depth: A keeps it and goes straight to normal later.
    b.apply({ kind: 'fundingDepth', depth: 3 });
    assert.equal(b.kind(), 'waitChannelReady');
    pump(a, b);
    assert.equal(a.kind(), 'waitConfirmed');
    a.apply({ kind: 'fundingDepth', depth: 1 });
    assert.equal(a.kind(), 'waitConfirmed', 'minimum_depth 3 not reached');
    a.apply({ kind: 'fundingDepth', depth: 3, shortChannelId: 42n });
    pump(a, b);
    assert.equal(a.kind(), 'normal');
    assert.equal(b.kind(), 'normal');
    assert.ok(a.has('ready') && b.has('ready'));
  });
}

test('HTLCs both ways through the ledger: add, sign, revoke, settle, fulfill; balances move', () => {
  const [a, b] = pair();
  openChannel(a, b);
  const before = balances(ledger(a.state)).localCommit;
  const preimage = sha256(Uint8Array.of(1));
  addHtlc(a, preimage, 20_000_000n);
  const flow = pump(a, b);
  assert.deepEqual(flow, ['A:update_add_htlc', 'A:commitment_signed', 'B:revoke_and_ack', 'B:commitment_signed', 'A:revoke_and_ack']);
  const settled = b.events.find((e) => e.kind === 'htlcsSettled');
  assert.ok(settled && settled.kind === 'htlcsSettled' && settled.forwardAdds.length === 1, 'B may forward the HTLC once irrevocable');
  assert.equal(settled.forwardAdds[0]!.amountMsat, 20_000_000n);
  b.apply({ kind: 'command', command: { kind: 'fulfill', id: 0n, paymentPreimage: preimage } });
  b.apply({ kind: 'command', command: { kind: 'sign' } });
  pump(a, b);
  const ful = a.events.find((e) => e.kind === 'htlcFulfilledByPeer');
  assert.ok(ful && ful.kind === 'htlcFulfilledByPeer');
  assert.deepEqual(ful.paymentPreimage, preimage);
  const after = balances(ledger(a.state)).localCommit;
  assert.equal(after.ourMsat, before.ourMsat - 20_000_000n);
  assert.equal(after.theirMsat, before.theirMsat + 20_000_000n);
  assert.deepEqual(balances(ledger(b.state)).localCommit, { ourMsat: after.theirMsat, theirMsat: after.ourMsat });
  // The other way, failed this time.
  addHtlc(b, sha256(Uint8Array.of(2)), 5_000_000n);
  pump(a, b);
  a.apply({ kind: 'command', command: { kind: 'fail', id: 0n, reason: new Uint8Array(292) } });
  a.apply({ kind: 'command', command: { kind: 'sign' } });
  pump(a, b);
  assert.deepEqual(balances(ledger(b.state)).localCommit, { ourMsat: after.theirMsat, theirMsat: after.ourMsat });
  assert.equal(ledger(a.state).localCommit.spec.htlcs.length, 0);
});

test('update_fee from the funder; the fundee cannot send one; a refused command is an event, not a message', () => {
  const [a, b] = pair();
  openChannel(a, b);
  a.apply({ kind: 'command', command: { kind: 'updateFee', feeratePerKw: 5000 } });
  a.apply({ kind: 'command', command: { kind: 'sign' } });
  pump(a, b);
  assert.equal(ledger(a.state).localCommit.spec.feeratePerKw, 5000);
  assert.equal(ledger(b.state).localCommit.spec.feeratePerKw, 5000);
  const n = b.outbox.length;
  b.apply({ kind: 'command', command: { kind: 'updateFee', feeratePerKw: 6000 } });
  assert.equal(b.outbox.length, n);
  assert.ok(b.events.some((e) => e.kind === 'commandFailed' && e.command === 'updateFee'));
  a.apply({ kind: 'command', command: { kind: 'sign' } });
  assert.ok(a.events.some((e) => e.kind === 'commandFailed' && e.command === 'sign'), 'nothing to sign');
});

test('disconnect in the middle of a signature dance: channel_reestablish retransmits and both converge', () => {
  const [a, b] = pair();
  openChannel(a, b);
  addHtlc(a, sha256(Uint8Array.of(3)), 10_000_000n);
  // Only the add and the signature reach B; B's revoke_and_ack and commitment_signed are lost.
  pump(a, b, { max: 1 });
  b.outbox.length = 0;
  a.apply({ kind: 'peerDisconnected' });
  b.apply({ kind: 'peerDisconnected' });
  assert.equal(a.state.connected, false);
  a.apply({ kind: 'peerReconnected' });
  b.apply({ kind: 'peerReconnected' });
  const flow = pump(a, b);
  assert.ok(flow.includes('A:channel_reestablish') && flow.includes('B:channel_reestablish'));
  assert.ok(flow.includes('B:revoke_and_ack'), 'B re-sends its revocation');
  const la = ledger(a.state);
  const lb = ledger(b.state);
  assert.equal(la.localCommit.spec.htlcs.length, 1);
  assert.equal(lb.localCommit.spec.htlcs.length, 1);
  assert.deepEqual(la.localCommit.txid, ledger(b.state).remoteCommit.txid);
  assert.deepEqual(lb.localCommit.txid, la.remoteCommit.txid);
  assert.equal(a.kind(), 'normal');
});

test('disconnect before funding_signed forgets the channel on both sides (nothing was broadcast)', () => {
  const [a, b] = pair();
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 500_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(4) } } });
  pump(a, b);
  a.apply({ kind: 'peerDisconnected' });
  b.apply({ kind: 'peerDisconnected' });
  assert.equal(a.kind(), 'aborted');
  assert.equal(b.kind(), 'aborted');
  assert.equal(a.broadcasts.length, 0);
  assert.equal(a.closedReason, 'abandoned');
});

test('force close broadcasts our signed commitment (valid for bcoin), and the peer answers our error by broadcasting its own', () => {
  const [a, b] = pair();
  openChannel(a, b);
  addHtlc(a, sha256(Uint8Array.of(4)), 30_000_000n);
  pump(a, b);
  a.apply({ kind: 'command', command: { kind: 'forceClose', reason: 'operator' } });
  assert.equal(a.kind(), 'closing');
  const [c] = a.broadcasts.filter((x) => x.what === 'commitment');
  assert.ok(c);
  const p = ledger(a.state).params;
  const funding = fundingOutput(p.local.fundingPubkey, p.remote.fundingPubkey, p.fundingSat);
  assert.equal(scriptError(c.raw, [funding]), null);
  assert.equal(parseTx(c.raw).inputs[0]!.vout, ledger(a.state).fundingVout);
  assert.deepEqual(pump(a, b), ['A:error']);
  assert.equal(b.kind(), 'closing');
  const [cb] = b.broadcasts.filter((x) => x.what === 'commitment');
  assert.ok(cb);
  assert.equal(scriptError(cb.raw, [funding]), null);
  assert.ok(b.has('peerError'));
});

test('public channel: at 6 confirmations both send announcement_signatures and emit the same fully signed channel_announcement', async () => {
  const { encodeMessage, gossipSigningHash } = await import('../../src/wire/index.js');
  const { activeEngine } = await import('../../src/crypto/engines.js');
  const [a, b] = pair();
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 500_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: true, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(5) } } });
  pump(a, b);
  a.fund();
  pump(a, b);
  for (const s of [a, b]) s.apply({ kind: 'fundingDepth', depth: 3, shortChannelId: 0x0000640000010001n });
  pump(a, b);
  assert.equal(a.kind(), 'normal');
  assert.ok(!a.peek().some((m) => m.name === 'announcement_signatures'), 'not before 6 confirmations');
  a.apply({ kind: 'fundingDepth', depth: 6, shortChannelId: 0x0000640000010001n });
  // B is not 6 deep yet: it ignores A's signatures. At depth 6 B sends its own, which completes A's side.
  pump(a, b);
  assert.ok(!a.has('channelAnnouncement'));
  b.apply({ kind: 'fundingDepth', depth: 6, shortChannelId: 0x0000640000010001n });
  pump(a, b);
  const annA = a.events.find((e) => e.kind === 'channelAnnouncement');
  assert.ok(annA && annA.kind === 'channelAnnouncement');
  assert.ok(!b.has('channelAnnouncement'), 'B dropped the early signatures');
  // BOLT 7: on reconnection B, which has not received A's, sends its own again; A must answer with its own.
  for (const s of [a, b]) s.apply({ kind: 'peerDisconnected' });
  for (const s of [a, b]) s.apply({ kind: 'peerReconnected' });
  const flow = pump(a, b);
  assert.ok(flow.includes('B:announcement_signatures') && flow.includes('A:announcement_signatures'));
  const annB = b.events.find((e) => e.kind === 'channelAnnouncement');
  assert.ok(annB && annB.kind === 'channelAnnouncement');
  const bytes = encodeMessage(annA.message);
  assert.deepEqual(bytes, encodeMessage(annB.message));
  const h = gossipSigningHash(bytes);
  const e = activeEngine();
  const m = annA.message;
  assert.ok(e.verify(m.nodeSignature1, h, m.nodeId1) && e.verify(m.nodeSignature2, h, m.nodeId2));
  assert.ok(e.verify(m.bitcoinSignature1, h, m.bitcoinKey1) && e.verify(m.bitcoinSignature2, h, m.bitcoinKey2));
  assert.ok(Buffer.compare(Buffer.from(m.nodeId1), Buffer.from(m.nodeId2)) < 0);
});

test('lost data: restored from an old backup, the node learns it is behind at reestablish, asks for a close and never broadcasts', () => {
  const [a, b] = pair();
  openChannel(a, b);
  const backup = a.state;
  addHtlc(a, sha256(Uint8Array.of(6)), 10_000_000n);
  pump(a, b);
  addHtlc(b, sha256(Uint8Array.of(7)), 1_000_000n);
  pump(a, b);
  a.state = backup;
  for (const s of [a, b]) s.apply({ kind: 'peerDisconnected' });
  for (const s of [a, b]) s.apply({ kind: 'peerReconnected' });
  pump(a, b);
  assert.equal(a.kind(), 'errored');
  assert.equal(a.broadcasts.length, 1, 'only the funding, never a revoked commitment');
  assert.equal(b.kind(), 'closing', 'the up-to-date side closes with its commitment');
  assert.ok(b.broadcasts.some((x) => x.what === 'commitment'));
  // On the next connection the errored side repeats its request and does nothing else.
  a.apply({ kind: 'peerDisconnected' });
  const r = a.apply({ kind: 'peerReconnected' });
  assert.deepEqual(r.filter((x) => x.kind === 'send').map((x) => x.kind === 'send' && x.message.name), ['error']);
});

test('HTLC deadlines: an offered HTLC 2 blocks past its expiry, or one we fulfilled 18 blocks before it, fails the channel', () => {
  const [a, b] = pair();
  openChannel(a, b);
  addHtlc(a, sha256(Uint8Array.of(8)), 10_000_000n);
  pump(a, b);
  a.apply({ kind: 'blockHeight', height: 800_145 });
  assert.equal(a.kind(), 'normal', 'one block past expiry is within the grace');
  // B fulfilled, but A never signs the removal: B must claim on chain before the expiry.
  b.apply({ kind: 'command', command: { kind: 'fulfill', id: 0n, paymentPreimage: sha256(Uint8Array.of(8)) } });
  b.outbox.length = 0;
  b.apply({ kind: 'blockHeight', height: 800_144 - 19 });
  assert.equal(b.kind(), 'normal');
  b.apply({ kind: 'blockHeight', height: 800_144 - 18 });
  assert.equal(b.kind(), 'closing');
  assert.ok(b.broadcasts.some((x) => x.what === 'commitment'));
  assert.ok(b.peek().some((m) => m.name === 'error'));
  a.apply({ kind: 'blockHeight', height: 800_146 });
  assert.equal(a.kind(), 'closing');
  assert.ok(a.broadcasts.some((x) => x.what === 'commitment'));
});
