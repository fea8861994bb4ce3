// BOLT 2 open_channel / accept_channel rejections: each check the machine implements has a case. A valid
// message (the other machine's own) is mutated in one field; the receiver must answer `error` for the
// temporary channel id, report `closed` (abandoned) and end in `aborted`, with a reason naming the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AcceptChannel, OpenChannel } from '../../src/wire/index.js';
import { ALL_FEATURES, Side, pump } from './machine-harness.js';

function openFrom(a: Side, fundingSat = 1_000_000n): OpenChannel {
  a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(0x11) } } });
  const m = a.peek()[0]!;
  assert.equal(m.name, 'open_channel');
  return m as OpenChannel;
}

/** A 02-prefixed 33-byte value that is no point: its x (2^256 − 1) is above the field prime. */
const OFF_CURVE = Uint8Array.from(Buffer.from('02' + 'ff'.repeat(32), 'hex'));

function expectRejected(side: Side, temporaryChannelId: Uint8Array, why: RegExp): void {
  assert.equal(side.kind(), 'aborted');
  const err = side.peek().find((m) => m.name === 'error');
  assert.ok(err && err.name === 'error', 'an error is sent');
  assert.deepEqual(err.channelId, temporaryChannelId);
  assert.match(Buffer.from(err.data).toString(), why);
  assert.equal(side.closedReason, 'abandoned');
}

type OpenCase = [string, (m: OpenChannel) => OpenChannel, RegExp, Partial<Side['ctx']['policy']>?, Partial<typeof ALL_FEATURES>?];
const OPEN_CASES: OpenCase[] = [
  ['chain_hash of another chain', (m) => ({ ...m, chainHash: new Uint8Array(32).fill(1) }), /chain_hash/],
  ['funding ≥ 2^24 without option_support_large_channel', (m) => ({ ...m, fundingSatoshis: 1n << 24n }), /option_support_large_channel/],
  ['funding too small', (m) => ({ ...m, fundingSatoshis: 10_000n, channelReserveSatoshis: 1000n }), /below our minimum/],
  ['funding above our maximum', (m) => m, /above our maximum/, { maxFundingSat: 500_000n }],
  ['push_msat > funding_satoshis * 1000', (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n + 1n }), /push_msat/],
  ['feerate_per_kw too small', (m) => ({ ...m, feeratePerKw: 252 }), /feerate_per_kw 252/],
  ['feerate_per_kw unreasonably large', (m) => ({ ...m, feeratePerKw: 1_000_000 }), /feerate_per_kw 1000000/],
  ['channel_reserve_satoshis too large', (m) => ({ ...m, channelReserveSatoshis: m.fundingSatoshis / 4n }), /more than 20%/],
  ['dust_limit_satoshis > channel_reserve_satoshis', (m) => ({ ...m, dustLimitSatoshis: 5000n, channelReserveSatoshis: 4000n }), /greater than channel_reserve_satoshis/],
  ['to_self_delay unreasonably large', (m) => ({ ...m, toSelfDelay: 5000 }), /to_self_delay 5000/],
  ['max_accepted_htlcs > 483', (m) => ({ ...m, maxAcceptedHtlcs: 484 }), /greater than 483/],
  ['funding_pubkey not a valid point', (m) => ({ ...m, fundingPubkey: OFF_CURVE }), /not a valid secp256k1 point/],
  ['htlc_basepoint not a valid point', (m) => ({ ...m, htlcBasepoint: OFF_CURVE }), /not a valid secp256k1 point/],
  ['dust_limit_satoshis < 354', (m) => ({ ...m, dustLimitSatoshis: 353n }), /smaller than 354/],
  ['dust_limit_satoshis too large for us', (m) => ({ ...m, dustLimitSatoshis: 20_000n, channelReserveSatoshis: 30_000n }), /too large/],
  ['channel_reserve_satoshis below our dust_limit_satoshis', (m) => ({ ...m, dustLimitSatoshis: 354n, channelReserveSatoshis: 400n }), /below our dust_limit_satoshis/],
  ['no channel_type', (m) => ({ ...m, tlvs: { upfrontShutdownScript: new Uint8Array(0) } }), /channel_type is required/],
  ['channel_type we do not support (scid_alias variant)', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Uint8Array.of(0x40, 0, 0, 0, 0x10, 0) } }), /not supported/],
  ['channel_type not minimally encoded', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Uint8Array.of(0, 0x10, 0) } }), /minimally/],
  ['anchors without option_anchors', (m) => m, /option_anchors/, {}, { anchors: false }],
  ['invalid upfront_shutdown_script', (m) => ({ ...m, tlvs: { ...m.tlvs, upfrontShutdownScript: Uint8Array.of(0x76, 0xa9) } }), /upfront_shutdown_script/],
  ['the funder cannot pay the first commitment fee', (m) => ({ ...m, pushMsat: m.fundingSatoshis * 1000n - 1_000n }), /cannot pay the fee/],
  ['both sides at or below the reserve', (m) => ({ ...m, pushMsat: 150_000_000n, channelReserveSatoshis: 200_000n }), /at or below the channel reserve/, { reserveRatioPpm: 900_000 }],
  ['we accept no incoming channels', (m) => m, /do not accept/, { acceptIncoming: false }],
];

for (const [name, mutate, why, policy, features] of OPEN_CASES) {
  test(`open_channel rejected: ${name}`, () => {
    const a = new Side('A', 1, ALL_FEATURES);
    const b = new Side('B', 2, { ...ALL_FEATURES, ...features }, policy);
    const m = mutate(openFrom(a));
    b.apply({ kind: 'peerMessage', message: m });
    expectRejected(b, m.temporaryChannelId, why);
  });
}

test('open_channel: the unmutated message is accepted (the cases above fail for their one field)', () => {
  const a = new Side('A', 1, ALL_FEATURES);
  const b = new Side('B', 2, ALL_FEATURES);
  b.apply({ kind: 'peerMessage', message: openFrom(a) });
  assert.equal(b.kind(), 'waitFundingCreated');
  assert.equal(b.peek()[0]!.name, 'accept_channel');
});

type AcceptCase = [string, (m: AcceptChannel) => AcceptChannel, RegExp];
const ACCEPT_CASES: AcceptCase[] = [
  ['minimum_depth unreasonably large', (m) => ({ ...m, minimumDepth: 1000 }), /minimum_depth 1000/],
  ['channel_reserve_satoshis < our dust_limit_satoshis', (m) => ({ ...m, channelReserveSatoshis: 500n }), /less than our dust_limit_satoshis/],
  ['our channel_reserve_satoshis < their dust_limit_satoshis', (m) => ({ ...m, dustLimitSatoshis: 10_001n }), /our channel_reserve_satoshis/],
  ['channel_reserve_satoshis too large', (m) => ({ ...m, channelReserveSatoshis: 300_000n }), /more than 20%/],
  ['to_self_delay unreasonably large', (m) => ({ ...m, toSelfDelay: 3000 }), /to_self_delay 3000/],
  ['max_accepted_htlcs > 483', (m) => ({ ...m, maxAcceptedHtlcs: 500 }), /greater than 483/],
  ['dust_limit_satoshis < 354', (m) => ({ ...m, dustLimitSatoshis: 300n }), /smaller than 354/],
  ['a basepoint not on the curve', (m) => ({ ...m, revocationBasepoint: OFF_CURVE }), /not a valid secp256k1 point/],
  ['no channel_type', (m) => ({ ...m, tlvs: {} }), /channel_type is required/],
  ['channel_type differs from ours', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Uint8Array.of(0x10, 0x00) } }), /does not match/],
  ['channel_type we do not support', (m) => ({ ...m, tlvs: { ...m.tlvs, channelType: Uint8Array.of(0x04, 0x10, 0x00) } }), /not supported/],
  ['invalid upfront_shutdown_script', (m) => ({ ...m, tlvs: { ...m.tlvs, upfrontShutdownScript: Uint8Array.of(0x00, 0x14, 0x01) } }), /upfront_shutdown_script/],
];

for (const [name, mutate, why] of ACCEPT_CASES) {
  test(`accept_channel rejected: ${name}`, () => {
    const a = new Side('A', 1, ALL_FEATURES);
    const b = new Side('B', 2, ALL_FEATURES);
    b.apply({ kind: 'peerMessage', message: openFrom(a) });
    a.outbox.length = 0;
    const accept = b.peek()[0] as AcceptChannel;
    a.apply({ kind: 'peerMessage', message: mutate(accept) });
    expectRejected(a, accept.temporaryChannelId, why);
    assert.equal(a.fundRequests, 0, 'no funding asked for');
  });
}

test('accept_channel for another temporary_channel_id: warning and disconnect, the open stays', () => {
  const a = new Side('A', 1, ALL_FEATURES);
  const b = new Side('B', 2, ALL_FEATURES);
  b.apply({ kind: 'peerMessage', message: openFrom(a) });
  const accept = b.peek()[0] as AcceptChannel;
  const r = a.apply({ kind: 'peerMessage', message: { ...accept, temporaryChannelId: new Uint8Array(32) } });
  assert.ok(r.some((x) => x.kind === 'disconnect'));
  assert.equal(a.kind(), 'waitAccept');
});

test('our own open: refused as an event when the parameters break the rules (nothing is sent)', () => {
  const bad: [string, object][] = [
    ['too small', { fundingSat: 1000n }],
    ['push above funding', { pushMsat: 2_000_000_000n }],
    ['bad upfront script', { upfrontShutdownScript: Uint8Array.of(1, 2, 3) }],
  ];
  for (const [what, p] of bad) {
    const a = new Side('A', 1, ALL_FEATURES);
    a.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 1_000_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(1), ...p } } });
    assert.equal(a.kind(), 'unopened', what);
    assert.equal(a.outbox.length, 0, what);
    assert.ok(a.has('commandFailed'), what);
  }
  const noAnchors = new Side('A', 1, { ...ALL_FEATURES, anchors: false });
  noAnchors.apply({ kind: 'command', command: { kind: 'open', params: { fundingSat: 1_000_000n, pushMsat: 0n, commitmentFeeratePerKw: 2500, fundingFeeratePerKw: 2000, announce: false, format: 'anchors', temporaryChannelId: new Uint8Array(32).fill(1) } } });
  assert.equal(noAnchors.kind(), 'unopened');
});

test('the wallet funding the wrong amount or failing aborts the open with an error to the peer', () => {
  for (const failing of [false, true]) {
    const a = new Side('A', 1, ALL_FEATURES);
    const b = new Side('B', 2, ALL_FEATURES);
    openFrom(a);
    pump(a, b);
    if (failing) a.apply({ kind: 'fundingTxFailed', reason: 'no coins' });
    else {
      a.pendingFund = { ...a.pendingFund!, amountSat: a.pendingFund!.amountSat - 1n };
      a.fund();
    }
    assert.equal(a.kind(), 'aborted');
    assert.ok(a.peek().some((m) => m.name === 'error'));
    pump(a, b);
    assert.equal(b.kind(), 'aborted');
  }
});
