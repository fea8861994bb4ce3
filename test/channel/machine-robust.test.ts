// Bad input in every state: each snapshot of a full channel life (both roles) is fed every kind of
// message, well-formed but wrong (bad signatures, unknown HTLC ids, messages of another phase, another
// channel_id) plus random ones from fast-check. The machine never throws, every state it returns is plain
// data, a committed channel is never silently changed by garbage, and in `normal` each bad message is
// answered (warning / error) or ignored with an event, never acted upon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChannelPeerMessage, ChannelState } from '../../src/channel/machine/index.js';
import { step } from '../../src/channel/machine/index.js';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';
import { ALL_FEATURES, Side, addHtlc, assertPlain, pump } from './machine-harness.js';
import { sha256 } from '../../src/crypto/hash.js';

const P = Uint8Array.from(Buffer.from('02' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 'hex'));
const sig = new Uint8Array(64).fill(3);

/** Snapshots of both sides through a whole channel life. */
function lifeSnapshots(): { side: Side; state: ChannelState }[] {
  const a = new Side('A', 1, ALL_FEATURES);
  const b = new Side('B', 2, ALL_FEATURES);
  const snaps: { side: Side; state: ChannelState }[] = [];
  const snap = () => snaps.push({ side: a, state: a.state }, { side: b, state: b.state });
  snap();
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 1_000_000n, pushMsat: 100_000_000n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(1) } } });
  snap();
  pump(a, b);
  snap();
  a.fund();
  snap();
  pump(a, b);
  snap();
  a.apply({ kind: 'fundingDepth', depth: 3 });
  snap();
  b.apply({ kind: 'fundingDepth', depth: 3 });
  pump(a, b);
  snap();
  addHtlc(a, sha256(Uint8Array.of(1)), 5_000_000n);
  pump(a, b);
  snap();
  b.apply({ kind: 'command', command: { kind: 'close' } });
  pump(a, b);
  snap();
  b.apply({ kind: 'command', command: { kind: 'fulfill', id: 0n, paymentPreimage: sha256(Uint8Array.of(1)) } });
  b.apply({ kind: 'command', command: { kind: 'sign' } });
  // One message each way at a time, to catch the short-lived negotiating state.
  for (let i = 0; i < 20 && (a.outbox.length > 0 || b.outbox.length > 0); i++) {
    pump(a, b, { max: 1 });
    snap();
  }
  return snaps;
}

/** Well-formed messages that are wrong for the channel (or for its phase). */
function badMessages(channelId: Uint8Array): ChannelPeerMessage[] {
  const tmp = new Uint8Array(32).fill(1);
  return [
    { name: 'open_channel', chainHash: new Uint8Array(32), temporaryChannelId: tmp, fundingSatoshis: 1n, pushMsat: 5n, dustLimitSatoshis: 1n, maxHtlcValueInFlightMsat: 1n, channelReserveSatoshis: 0n, htlcMinimumMsat: 0n, feeratePerKw: 1, toSelfDelay: 1, maxAcceptedHtlcs: 1, fundingPubkey: P, revocationBasepoint: P, paymentBasepoint: P, delayedPaymentBasepoint: P, htlcBasepoint: P, firstPerCommitmentPoint: P, channelFlags: 0xff, tlvs: {} },
    { name: 'accept_channel', temporaryChannelId: tmp, dustLimitSatoshis: 1n, maxHtlcValueInFlightMsat: 1n, channelReserveSatoshis: 0n, htlcMinimumMsat: 0n, minimumDepth: 0, toSelfDelay: 1, maxAcceptedHtlcs: 1, fundingPubkey: P, revocationBasepoint: P, paymentBasepoint: P, delayedPaymentBasepoint: P, htlcBasepoint: P, firstPerCommitmentPoint: P, tlvs: {} },
    { name: 'funding_created', temporaryChannelId: tmp, fundingTxid: new Uint8Array(32), fundingOutputIndex: 9, signature: sig, tlvs: {} },
    { name: 'funding_signed', channelId, signature: sig, tlvs: {} },
    { name: 'channel_ready', channelId, secondPerCommitmentPoint: P, tlvs: {} },
    { name: 'shutdown', channelId, scriptpubkey: Uint8Array.of(0x6a), tlvs: {} },
    { name: 'closing_signed', channelId, feeSatoshis: 10n, signature: sig, tlvs: {} },
    { name: 'closing_complete', channelId, closerScriptpubkey: new Uint8Array(22), closeeScriptpubkey: new Uint8Array(22), feeSatoshis: 10n, locktime: 0, tlvs: { closerAndCloseeOutputs: sig } },
    { name: 'closing_sig', channelId, closerScriptpubkey: new Uint8Array(22), closeeScriptpubkey: new Uint8Array(22), feeSatoshis: 10n, locktime: 0, tlvs: { closerOutputOnly: sig } },
    { name: 'update_add_htlc', channelId, id: 77n, amountMsat: 1n, paymentHash: new Uint8Array(32), cltvExpiry: 600_000_000, onionRoutingPacket: new Uint8Array(1366), tlvs: {} },
    { name: 'update_fulfill_htlc', channelId, id: 99n, paymentPreimage: new Uint8Array(32), tlvs: {} },
    { name: 'update_fail_htlc', channelId, id: 99n, reason: new Uint8Array(10), tlvs: {} },
    { name: 'update_fail_malformed_htlc', channelId, id: 0n, sha256OfOnion: new Uint8Array(32), failureCode: 1, tlvs: {} },
    { name: 'commitment_signed', channelId, signature: sig, htlcSignature: [sig, sig], tlvs: {} },
    { name: 'revoke_and_ack', channelId, perCommitmentSecret: new Uint8Array(32).fill(1), nextPerCommitmentPoint: P, tlvs: {} },
    { name: 'update_fee', channelId, feeratePerKw: 1, tlvs: {} },
    { name: 'channel_reestablish', channelId, nextCommitmentNumber: 1000n, nextRevocationNumber: 999n, yourLastPerCommitmentSecret: new Uint8Array(32), myCurrentPerCommitmentPoint: P, tlvs: {} },
    { name: 'announcement_signatures', channelId, shortChannelId: 1n, nodeSignature: sig, bitcoinSignature: sig, tlvs: {} },
    { name: 'warning', channelId, data: new Uint8Array(3), tlvs: {} },
    { name: 'update_fee', channelId: new Uint8Array(32).fill(0xee), feeratePerKw: 3000, tlvs: {} },
  ];
}

function idOf(s: ChannelState): Uint8Array {
  if ('commitments' in s) return s.commitments.channelId;
  if ('temporaryChannelId' in s) return s.temporaryChannelId;
  return new Uint8Array(32);
}

const SNAPS = lifeSnapshots();

test('the life snapshots cover every state but closed/errored', () => {
  const kinds = new Set(SNAPS.map((x) => x.state.kind));
  for (const k of ['unopened', 'waitAccept', 'waitFundingTx', 'waitFundingCreated', 'waitFundingSigned', 'waitConfirmed', 'waitChannelReady', 'normal', 'shutdown', 'negotiating', 'closing']) {
    assert.ok(kinds.has(k as ChannelState['kind']), `snapshot of ${k}`);
  }
});

test('every wrong message in every state: no throw, plain data, and in normal always answered or reported', () => {
  for (const { side, state } of SNAPS) {
    for (const m of badMessages(idOf(state))) {
      const r = step(state, { kind: 'peerMessage', message: m }, side.ctx);
      assertPlain(r.state);
      if (state.kind === 'normal' && m.name !== 'warning' && m.name !== 'announcement_signatures' && m.name !== 'channel_ready') {
        const answered = r.actions.some((x) => (x.kind === 'send' && (x.message.name === 'warning' || x.message.name === 'error')) || (x.kind === 'event' && x.event.kind === 'protocolViolation'));
        assert.ok(answered, `${m.name} in normal is answered`);
        assert.ok(!r.actions.some((x) => x.kind === 'send' && x.message.name === 'revoke_and_ack'), `${m.name} never makes us revoke`);
      }
      if ('commitments' in state && r.state.kind === state.kind && 'commitments' in r.state && m.name !== 'channel_ready') {
        assert.deepEqual(r.state.commitments, state.commitments, `${m.name} in ${state.kind} leaves the ledger as it was`);
      }
    }
  }
});

test('random decodable messages in every state never throw (fast-check, 3000 runs)', () => {
  const types = [32, 33, 34, 35, 36, 38, 39, 40, 41, 128, 130, 131, 132, 133, 134, 135, 136, 259, 1, 17];
  fc.assert(
    fc.property(fc.nat({ max: SNAPS.length - 1 }), fc.constantFrom(...types), fc.uint8Array({ minLength: 0, maxLength: 1500 }), fc.boolean(), (i, type, payload, ownId) => {
      const { side, state } = SNAPS[i]!;
      const raw = Uint8Array.of(type >> 8, type & 0xff, ...(ownId ? idOf(state) : []), ...payload);
      let m: ChannelPeerMessage;
      try {
        m = decodeMessage(raw) as ChannelPeerMessage;
      } catch {
        return;
      }
      const r = step(state, { kind: 'peerMessage', message: m }, side.ctx);
      assertPlain(r.state);
      for (const a of r.actions) if (a.kind === 'send') encodeMessage(a.message);
    }),
    { numRuns: 3000 },
  );
});

test('inputs out of place (wallet answers, depths, commands) in every state never throw', () => {
  for (const { side, state } of SNAPS) {
    const inputs = [
      { kind: 'fundingTx' as const, raw: Uint8Array.of(1, 2, 3), txid: new Uint8Array(32), vout: 0 },
      { kind: 'fundingTxFailed' as const, reason: 'x' },
      { kind: 'fundingDepth' as const, depth: 100 },
      { kind: 'blockHeight' as const, height: 900_000 },
      { kind: 'peerReconnected' as const },
      { kind: 'peerDisconnected' as const },
      { kind: 'command' as const, command: { kind: 'sign' as const } },
      { kind: 'command' as const, command: { kind: 'fulfill' as const, id: 5n, paymentPreimage: new Uint8Array(32) } },
      { kind: 'command' as const, command: { kind: 'close' as const, scriptpubkey: Uint8Array.of(0x51) } },
      { kind: 'command' as const, command: { kind: 'updateFee' as const, feeratePerKw: 1 } },
    ];
    for (const input of inputs) assertPlain(step(state, input, side.ctx).state);
  }
});
