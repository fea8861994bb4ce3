/**
 * Gossip signature checks against real mainnet data: the 98 channel_announcements in
 * test/data/channel_announcements.mainnet.hex (392 signatures) verify on every secp256k1 engine, and
 * changing any byte of a message — in the signed range or in a signature — makes the check fail.
 * node_announcement and channel_update checks are exercised with keys made here. `verifyRawGossip` (what
 * the verification threads run, from the bytes alone) agrees with the decoded checks on every message
 * that decodes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine, type EngineName } from '../../src/crypto/index.js';
import { verifyChannelAnnouncement, verifyChannelUpdate, verifyNodeAnnouncement, verifyRawGossip } from '../../src/gossip/verify.js';
import { decodeMessage, encodeMessage, gossipSigningHash, type Message } from '../../src/wire/index.js';
import { hex, readRepoText } from '../helpers/vectors.js';

const MAINNET = readRepoText('test/data/channel_announcements.mainnet.hex').split('\n').filter((l) => l.length > 0).map(hex);
const ENGINES: EngineName[] = ['native', 'wasm', 'noble'];

/** Decode + verify, as a front does: a message that no longer parses is rejected too. */
function accepted(raw: Uint8Array, engine: ReturnType<typeof loadEngine>): boolean {
  let m: Message;
  try {
    m = decodeMessage(raw);
  } catch {
    return false;
  }
  return m.name === 'channel_announcement' && verifyChannelAnnouncement(raw, m, engine).ok;
}

test('the mainnet file holds 98 distinct channel_announcements', () => {
  assert.equal(MAINNET.length, 98);
  assert.equal(new Set(MAINNET.map((m) => Buffer.from(m).toString('hex'))).size, 98);
});

for (const name of ENGINES) {
  test(`all 392 mainnet signatures verify on the ${name} engine`, () => {
    const engine = loadEngine(name);
    for (const raw of MAINNET) {
      const m = decodeMessage(raw);
      assert.equal(m.name, 'channel_announcement');
      assert.deepEqual(verifyChannelAnnouncement(raw, m as Extract<Message, { name: 'channel_announcement' }>, engine), { ok: true });
    }
  });
}

test('flipping any byte of any mainnet announcement fails verification (native engine: every message)', () => {
  const engine = loadEngine('native');
  let flips = 0;
  for (const raw of MAINNET) {
    for (let i = 2; i < raw.length; i++) {
      const bad = Uint8Array.from(raw);
      bad[i]! ^= 0x01;
      assert.equal(accepted(bad, engine), false, `byte ${i} flipped was accepted`);
      flips++;
    }
  }
  assert.equal(flips, 98 * 430);
});

for (const name of ['wasm', 'noble'] as const) {
  test(`flipping any byte fails verification on the ${name} engine too (first messages)`, () => {
    const engine = loadEngine(name);
    // noble is ~50× slower than libsecp256k1: one message covers every position; wasm takes three.
    for (const raw of MAINNET.slice(0, name === 'noble' ? 1 : 3)) {
      for (let i = 2; i < raw.length; i++) {
        const bad = Uint8Array.from(raw);
        bad[i]! ^= 0x80;
        assert.equal(accepted(bad, engine), false, `byte ${i} flipped was accepted`);
      }
    }
  });
}

test('node_announcement and channel_update checks use the right key and the whole signed range', () => {
  const engine = loadEngine('native');
  const priv = new Uint8Array(32).fill(7);
  const other = new Uint8Array(32).fill(9);
  const nodeId = engine.publicKey(priv);
  const na = {
    name: 'node_announcement' as const, signature: new Uint8Array(64), features: new Uint8Array(0), timestamp: 1_700_000_000,
    nodeId, rgbColor: Uint8Array.from([1, 2, 3]), alias: new Uint8Array(32), addresses: [], extra: Uint8Array.from([0xaa]),
  };
  const unsigned = encodeMessage(na);
  const signedNa = { ...na, signature: engine.sign(gossipSigningHash(unsigned), priv) };
  const rawNa = encodeMessage(signedNa);
  assert.deepEqual(verifyNodeAnnouncement(rawNa, signedNa, engine), { ok: true });
  const tampered = Uint8Array.from(rawNa);
  tampered[tampered.length - 1] = 0xab; // the unknown trailing field is covered by the signature
  assert.deepEqual(verifyNodeAnnouncement(tampered, signedNa, engine), { ok: false, failed: 'signature' });

  const cu = decodeMessage(hex(
    '0102' + '00'.repeat(64) + '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f' +
    '0000010000020003' + '6553f100' + '01' + '00' + '0090' + '0000000000000001' + '00000000' + '00000000' + '0000000005f5e100',
  ));
  assert.equal(cu.name, 'channel_update');
  if (cu.name !== 'channel_update') return;
  const rawCu = encodeMessage({ ...cu, signature: engine.sign(gossipSigningHash(encodeMessage(cu)), priv) });
  const signedCu = decodeMessage(rawCu) as typeof cu;
  assert.deepEqual(verifyChannelUpdate(rawCu, signedCu, nodeId, engine), { ok: true });
  assert.deepEqual(verifyChannelUpdate(rawCu, signedCu, engine.publicKey(other), engine), { ok: false, failed: 'signature' });
});

test('verifyRawGossip agrees with the decoded checks on every message that decodes (mainnet, flipped bytes, nodes, updates)', () => {
  const engine = loadEngine('native');
  let compared = 0;
  const agree = (raw: Uint8Array, signer?: Uint8Array): void => {
    let m: Message;
    try {
      m = decodeMessage(raw);
    } catch {
      return; // the router drops what does not decode and never uses a verdict for it
    }
    const decoded = m.name === 'channel_announcement' ? verifyChannelAnnouncement(raw, m, engine).ok
      : m.name === 'node_announcement' ? verifyNodeAnnouncement(raw, m, engine).ok
        : m.name === 'channel_update' ? verifyChannelUpdate(raw, m, signer!, engine).ok : false;
    assert.equal(verifyRawGossip(raw, signer, engine), decoded, `${m.name} ${Buffer.from(raw).toString('hex').slice(0, 40)}…`);
    compared++;
  };
  const flips = (raw: Uint8Array, signer?: Uint8Array): void => {
    agree(raw, signer);
    for (let i = 2; i < raw.length; i++) {
      const bad = Uint8Array.from(raw);
      bad[i]! ^= 0x01;
      agree(bad, signer);
    }
  };
  for (const raw of MAINNET.slice(0, 10)) flips(raw);
  const priv = new Uint8Array(32).fill(5);
  const nodeId = engine.publicKey(priv);
  const na = { name: 'node_announcement' as const, signature: new Uint8Array(64), features: Uint8Array.from([0x02]), timestamp: 1_700_000_000,
    nodeId, rgbColor: Uint8Array.from([1, 2, 3]), alias: new Uint8Array(32), addresses: [], extra: new Uint8Array(0) };
  flips(encodeMessage({ ...na, signature: engine.sign(gossipSigningHash(encodeMessage(na)), priv) }));
  const cu = decodeMessage(hex(
    '0102' + '00'.repeat(64) + '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f' +
    '0000010000020003' + '6553f100' + '01' + '00' + '0090' + '0000000000000001' + '00000000' + '00000000' + '0000000005f5e100',
  ));
  if (cu.name !== 'channel_update') throw new Error('not an update');
  const rawCu = encodeMessage({ ...cu, signature: engine.sign(gossipSigningHash(encodeMessage(cu)), priv) });
  flips(rawCu, nodeId);
  agree(rawCu, engine.publicKey(new Uint8Array(32).fill(6)));
  assert.equal(verifyRawGossip(rawCu, undefined, engine), false, 'an update without a signer');
  assert.equal(verifyRawGossip(MAINNET[0]!.subarray(0, 300), undefined, engine), false, 'too short');
  assert.ok(compared > 4000, `${compared} compared`);
});
