// BOLT 3 closing transactions (legacy and option_simple_close) and the closing fee rules: shutdown script
// forms, dust thresholds from BOLT 3 "Dust Limits", output amounts/order/omission, signatures that bcoin's
// interpreter accepts, the weight bound, and every branch of the legacy closing_signed fee decision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  closingFeeSat, closingWeight, decideClosingFee, closingDustThresholdSat, finalizeClosing, isValidShutdownScript, legacyClosingTx, signClosing, simpleClosingAmounts,
  simpleClosingTx, verifyClosing,
} from '../../src/channel/closing.js';
import type { ClosingFrame } from '../../src/channel/closing.js';
import { fundingOutput, parseTx, txWeight } from '../../src/channel/index.js';
import { activeEngine } from '../../src/crypto/engines.js';
import { sha256 } from '../../src/crypto/hash.js';
import { scriptError } from './onchain-script.js';

const hexb = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const P2WPKH = hexb('0014' + '11'.repeat(20));
const P2WSH = hexb('0020' + '22'.repeat(32));
const P2TR = hexb('5120' + '33'.repeat(32));

test('shutdown script forms: v0 always, v1-16 only with anysegwit, OP_RETURN only with simple close', () => {
  const none = { anySegwit: false, simpleClose: false };
  const all = { anySegwit: true, simpleClose: true };
  const cases: [string, Uint8Array, boolean, boolean][] = [
    ['p2wpkh', P2WPKH, true, true],
    ['p2wsh', P2WSH, true, true],
    ['p2tr (v1, 32 bytes)', P2TR, false, true],
    ['v16 with a 2-byte program', hexb('60020102'), false, true],
    ['v1 with a 41-byte program', hexb('5129' + '00'.repeat(41)), false, false],
    ['v1 with a 1-byte program', hexb('510101'), false, false],
    ['push length not matching', hexb('5120' + '33'.repeat(31)), false, false],
    ['p2pkh', hexb('76a914' + '00'.repeat(20) + '88ac'), false, false],
    ['p2wpkh one byte short', hexb('0014' + '11'.repeat(19)), false, false],
    ['OP_RETURN 6 bytes', hexb('6a06' + '00'.repeat(6)), false, true],
    ['OP_RETURN 5 bytes', hexb('6a05' + '00'.repeat(5)), false, false],
    ['OP_RETURN 75 bytes', hexb('6a4b' + '00'.repeat(75)), false, true],
    ['OP_RETURN PUSHDATA1 76', hexb('6a4c4c' + '00'.repeat(76)), false, true],
    ['OP_RETURN PUSHDATA1 80', hexb('6a4c50' + '00'.repeat(80)), false, true],
    ['OP_RETURN PUSHDATA1 81', hexb('6a4c51' + '00'.repeat(81)), false, false],
    ['OP_RETURN PUSHDATA1 of 75', hexb('6a4c4b' + '00'.repeat(75)), false, false],
    ['empty', new Uint8Array(0), false, false],
  ];
  for (const [name, script, withNone, withAll] of cases) {
    assert.equal(isValidShutdownScript(script, none), withNone, `${name} without features`);
    assert.equal(isValidShutdownScript(script, all), withAll, `${name} with anysegwit + simple close`);
  }
});

test('dust thresholds are BOLT 3\'s (Bitcoin Core\'s), OP_RETURN never dust', () => {
  assert.equal(closingDustThresholdSat(hexb('76a914' + '00'.repeat(20) + '88ac')), 546n);
  assert.equal(closingDustThresholdSat(hexb('a914' + '00'.repeat(20) + '87')), 540n);
  assert.equal(closingDustThresholdSat(P2WPKH), 294n);
  assert.equal(closingDustThresholdSat(P2WSH), 330n);
  assert.equal(closingDustThresholdSat(hexb('5128' + '00'.repeat(40))), 354n, 'the largest unknown segwit version program');
  assert.equal(closingDustThresholdSat(hexb('6a06' + '00'.repeat(6))), 0n);
});

const engine = activeEngine();
const localKey = sha256(Uint8Array.of(1));
const remoteKey = sha256(Uint8Array.of(2));
const FRAME: ClosingFrame = {
  fundingTxid: new Uint8Array(32).fill(0xab),
  fundingVout: 1,
  fundingSat: 1_000_000n,
  localFundingPubkey: engine.publicKey(localKey),
  remoteFundingPubkey: engine.publicKey(remoteKey),
};
const FUNDING = fundingOutput(FRAME.localFundingPubkey, FRAME.remoteFundingPubkey, FRAME.fundingSat);
const REMOTE_VIEW: ClosingFrame = { ...FRAME, localFundingPubkey: FRAME.remoteFundingPubkey, remoteFundingPubkey: FRAME.localFundingPubkey };

test('legacy closing tx: fee from the funder, msat rounded down, outputs in BOLT 3 order, dust removed, v2 locktime 0 final sequence', () => {
  const base = { localScript: P2WSH, remoteScript: P2WPKH, localMsat: 600_000_999n, remoteMsat: 399_999_001n, localIsFunder: true, feeSat: 1000n, dustLimitSat: 546n };
  const tx = legacyClosingTx(FRAME, base)!;
  assert.equal(tx.version, 2);
  assert.equal(tx.locktime, 0);
  assert.equal(tx.inputs[0]!.sequence, 0xffffffff);
  assert.deepEqual(tx.outputs.map((o) => o.value), [399_999n, 599_000n]);
  const theirs = legacyClosingTx(FRAME, { ...base, localIsFunder: false })!;
  assert.deepEqual(theirs.outputs.map((o) => o.value), [398_999n, 600_000n]);
  // Equal amounts: ordered by script bytes.
  const tie = legacyClosingTx(FRAME, { ...base, localMsat: 500_500_000n, remoteMsat: 499_500_000n })!;
  assert.deepEqual(tie.outputs.map((o) => o.script), [P2WPKH, P2WSH]);
  const dusty = legacyClosingTx(FRAME, { ...base, localMsat: 999_500_000n, remoteMsat: 500_000n })!;
  assert.equal(dusty.outputs.length, 1, 'a 500 sat output is below the 546 sat dust limit');
  assert.equal(legacyClosingTx(FRAME, { ...base, drop: 'local' })!.outputs.length, 1);
  assert.equal(legacyClosingTx(FRAME, { ...base, localMsat: 900_000n, remoteMsat: 999_100_000n }), undefined, 'the funder cannot pay');
});

test('closing tx signatures: both sides sign the same digest, the result spends the funding output (bcoin), and a weight bound holds', () => {
  const o = { localScript: P2WSH, remoteScript: P2WPKH, localMsat: 600_000_000n, remoteMsat: 400_000_000n, localIsFunder: true, feeSat: 700n, dustLimitSat: 546n };
  const ours = legacyClosingTx(FRAME, o)!;
  const theirs = legacyClosingTx(REMOTE_VIEW, { ...o, localScript: o.remoteScript, remoteScript: o.localScript, localMsat: o.remoteMsat, remoteMsat: o.localMsat, localIsFunder: false })!;
  assert.deepEqual(ours, theirs, 'both views build the same transaction');
  const sigL = signClosing(FRAME, ours, localKey, engine);
  const sigR = signClosing(REMOTE_VIEW, theirs, remoteKey, engine);
  assert.ok(verifyClosing(FRAME, ours, sigR, engine));
  assert.ok(!verifyClosing(FRAME, ours, sigL, engine), 'our own signature is not the remote one');
  const { raw } = finalizeClosing(FRAME, ours, sigL, sigR);
  assert.equal(scriptError(raw, [FUNDING]), null);
  const swapped = finalizeClosing(FRAME, ours, sigR, sigL).raw;
  assert.notEqual(scriptError(swapped, [FUNDING]), null, 'signatures in the wrong order fail');
  const w = txWeight(parseTx(raw));
  const bound = closingWeight([P2WSH, P2WPKH]);
  assert.ok(w <= bound && bound - w <= 8, `weight ${w} within the bound ${bound}`);
  assert.equal(closingFeeSat(1000, bound), BigInt(bound));
  assert.equal(closingFeeSat(253, 1000), 253n);
});

test('simple close: the closer pays, OP_RETURN outputs carry 0, three variants, RBF sequence and locktime', () => {
  const opReturn = hexb('6a06' + '01'.repeat(6));
  assert.deepEqual(simpleClosingAmounts({ closerScript: P2WPKH, closeeScript: P2WSH, closerMsat: 300_000_500n, closeeMsat: 700_000_000n, feeSat: 500n }), { closerSat: 299_500n, closeeSat: 700_000n });
  assert.deepEqual(simpleClosingAmounts({ closerScript: opReturn, closeeScript: P2WSH, closerMsat: 300_000_000n, closeeMsat: 700_000_000n, feeSat: 500n }), { closerSat: 0n, closeeSat: 700_000n });
  assert.equal(simpleClosingAmounts({ closerScript: P2WPKH, closeeScript: P2WSH, closerMsat: 400_999n, closeeMsat: 1n, feeSat: 401n }), undefined, 'fee above the closer balance');
  const base = { closerScript: P2WPKH, closeeScript: P2WSH, closerMsat: 300_000_000n, closeeMsat: 700_000_000n, feeSat: 500n, locktime: 850_000 };
  const both = simpleClosingTx(FRAME, { ...base, variant: 'closerAndCloseeOutputs' })!;
  assert.equal(both.inputs[0]!.sequence, 0xfffffffd);
  assert.equal(both.locktime, 850_000);
  assert.deepEqual(both.outputs.map((o) => o.value), [299_500n, 700_000n]);
  assert.deepEqual(simpleClosingTx(FRAME, { ...base, variant: 'closerOutputOnly' })!.outputs.map((o) => o.value), [299_500n]);
  assert.deepEqual(simpleClosingTx(FRAME, { ...base, variant: 'closeeOutputOnly' })!.outputs.map((o) => o.value), [700_000n]);
  const sigs = [signClosing(FRAME, both, localKey, engine), signClosing(REMOTE_VIEW, both, remoteKey, engine)] as const;
  assert.equal(scriptError(finalizeClosing(FRAME, both, sigs[0], sigs[1]).raw, [FUNDING]), null);
});

test('legacy fee decision: every branch of BOLT 2 "Legacy Closing Negotiation"', () => {
  const ours = { feeSat: 1000n, minFeeSat: 500n, maxFeeSat: 2000n };
  const range = (lo: bigint, hi: bigint) => ({ minFeeSatoshis: lo, maxFeeSatoshis: hi });
  // The same fee we sent: done, no reply.
  assert.deepEqual(decideClosingFee({ weAreFunder: true, ours, sent: true, received: { feeSat: 1000n, range: range(0n, 5000n) } }), { kind: 'agree', feeSat: 1000n, reply: false });
  // Funder: in the overlap → reply the same; outside → fail.
  assert.deepEqual(decideClosingFee({ weAreFunder: true, ours, sent: true, received: { feeSat: 1500n, range: range(1200n, 3000n) } }), { kind: 'agree', feeSat: 1500n, reply: true });
  assert.equal(decideClosingFee({ weAreFunder: true, ours, sent: true, received: { feeSat: 2500n, range: range(1200n, 3000n) } }).kind, 'fail');
  // No overlap.
  assert.deepEqual(decideClosingFee({ weAreFunder: true, ours, sent: true, received: { feeSat: 5000n, range: range(4000n, 6000n) } }), { kind: 'noOverlap' });
  // Non-funder, first answer: in overlap → agree; else counter inside the overlap.
  assert.deepEqual(decideClosingFee({ weAreFunder: false, ours, sent: false, received: { feeSat: 800n, range: range(400n, 1600n) } }), { kind: 'agree', feeSat: 800n, reply: true });
  assert.deepEqual(decideClosingFee({ weAreFunder: false, ours, sent: false, received: { feeSat: 450n, range: range(400n, 1600n) } }), { kind: 'counter', proposal: { feeSat: 500n, minFeeSat: 500n, maxFeeSat: 1600n } });
  // Non-funder after sending: anything but its own fee fails.
  assert.equal(decideClosingFee({ weAreFunder: false, ours, sent: true, received: { feeSat: 900n, range: range(400n, 1600n) } }).kind, 'fail');
  // Without fee_range: agree inside our range, otherwise strictly between.
  assert.deepEqual(decideClosingFee({ weAreFunder: true, ours, sent: true, received: { feeSat: 1800n } }), { kind: 'agree', feeSat: 1800n, reply: true });
  assert.deepEqual(decideClosingFee({ weAreFunder: true, ours, sent: true, received: { feeSat: 3000n } }), { kind: 'counter', proposal: { ...ours, feeSat: 2000n } });
  assert.deepEqual(decideClosingFee({ weAreFunder: true, ours: { ...ours, maxFeeSat: 900n, feeSat: 900n }, sent: true, received: { feeSat: 901n } }), { kind: 'agree', feeSat: 901n, reply: true }, 'adjacent fees: nothing strictly between');
});
