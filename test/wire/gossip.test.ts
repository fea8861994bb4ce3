// BOLT 7 announcements: field layouts from bolt07-gossip-layouts.json, scid examples, the bytes each
// signature covers (checked against real mainnet signatures), and the 98 mainnet channel_announcements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '@noble/secp256k1';
import {
  CHANNEL_ANNOUNCEMENT_SIGNED_FROM,
  CHANNEL_UPDATE_SIGNED_FROM,
  decodeMessage,
  encodeMessage,
  encodeWith,
  gossipSignedBytes,
  gossipSigningHash,
  isDisabled,
  isDontForward,
  messageDef,
  NODE_ANNOUNCEMENT_SIGNED_FROM,
  parseScid,
  scidBlock,
  scidFromParts,
  scidOutputIndex,
  scidToString,
  scidTxIndex,
  updateDirection,
} from '../../src/wire/index.js';
import type { Codec, ChannelUpdate, Message } from '../../src/wire/index.js';
import { sha256d } from '../../src/crypto/hash.js';
import { hex, loadBoltVector, readRepoText, toHex } from '../helpers/vectors.js';
import { gossipSamples } from './samples.js';

const L = loadBoltVector('bolt07-gossip-layouts.json');
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

test('short_channel_id examples: parts, text form and u64 agree', () => {
  for (const ex of L.short_channel_id.examples) {
    const s = BigInt(`0x${ex.u64_hex}`);
    assert.equal(s, BigInt(ex.u64_decimal));
    assert.equal(scidToString(s), ex.human);
    assert.equal(parseScid(ex.human), s);
    assert.deepEqual([scidBlock(s), scidTxIndex(s), scidOutputIndex(s)], [ex.block, ex.tx_index, ex.output_index]);
    assert.equal(scidFromParts(ex.block, ex.tx_index, ex.output_index), s);
  }
  for (const bad of ['1x2', '01x2x3', '16777216x0x0', '1x2x65536', '-1x2x3', '1x2x3 ']) assert.equal(parseScid(bad), undefined, bad);
});

type LayoutField = { name: string; type: string; size: number | null; kind: string; offset_expr: string; count?: string | number };

/** Evaluates `258 + len` style offsets against the length fields seen so far. */
function evalOffset(expr: string, lengths: Record<string, number>): number {
  const m = /^(\d+)(?: \+ (\w+))?$/.exec(expr);
  assert.ok(m, `unparsed offset ${expr}`);
  return Number(m[1]) + (m[2] ? lengths[m[2]]! : 0);
}

for (const layout of L.messages as { name: string; type: number; fields: LayoutField[] }[]) {
  test(`layout of ${layout.name}: every field sits at the spec offset with the spec size`, () => {
    const def = messageDef(layout.type);
    assert.ok(def, `${layout.name} is registered`);
    assert.equal(def.name, layout.name);
    const sample = gossipSamples[layout.name] as Record<string, unknown> & Message;
    const bytes = encodeMessage(sample);
    const payload = bytes.subarray(2);
    const lengthFields = new Set(layout.fields.map((f) => f.count).filter((c): c is string => typeof c === 'string'));
    const ours = def.fields.map((f) => f[0]);
    const theirs = layout.fields.filter((f) => !lengthFields.has(f.name) && f.kind !== 'tlv_stream').map((f) => camel(f.name));
    assert.deepEqual(ours, theirs);
    const lengths: Record<string, number> = {};
    for (const f of layout.fields) {
      const off = evalOffset(f.offset_expr, lengths);
      if (f.kind === 'tlv_stream') {
        assert.ok(def.tail !== 'extra');
        assert.equal(toHex(payload.subarray(off)), toHex(encodeWith(def.tail, sample.tlvs as never)));
        continue;
      }
      if (lengthFields.has(f.name)) {
        lengths[f.name] = (payload[off]! << 8) | payload[off + 1]!;
        continue;
      }
      const codec: Codec<unknown> = def.fields.find((x) => x[0] === camel(f.name))![1];
      let expected: Uint8Array = encodeWith(codec as Codec<unknown>, sample[camel(f.name)]);
      if (typeof f.count === 'string') {
        // a `len*byte` field: our codec writes the u16 length first, the layout lists it separately
        assert.equal(lengths[f.count], expected.length - 2, `${f.count} holds the length of ${f.name}`);
        expected = expected.subarray(2);
      } else {
        assert.equal(expected.length, f.size, `${f.name} size`);
      }
      assert.equal(toHex(payload.subarray(off, off + expected.length)), toHex(expected), `${f.name} at ${off}`);
    }
    assert.deepEqual(decodeMessage(bytes), sample);
  });
}

test('channel_update flags: dont_forward, direction, disable; htlc_maximum_msat follows must_be_one', () => {
  const u = gossipSamples.channel_update as ChannelUpdate;
  const v = { ...u, messageFlags: 3, channelFlags: 3 };
  assert.deepEqual([isDontForward(v), updateDirection(v), isDisabled(v)], [true, 1, true]);
  assert.deepEqual([isDontForward(u), updateDirection(u), isDisabled(u)], [false, 0, false]);
  const legacy: ChannelUpdate = { ...u, messageFlags: 0 };
  delete (legacy as { htlcMaximumMsat?: bigint }).htlcMaximumMsat;
  const bytes = encodeMessage(legacy);
  assert.equal(bytes.length, 2 + 128);
  assert.deepEqual(decodeMessage(bytes), legacy);
  assert.throws(() => encodeMessage({ ...legacy, htlcMaximumMsat: 5n }), { code: 'WIRE_ENCODE' });
  assert.throws(() => encodeMessage({ ...u, htlcMaximumMsat: undefined }), { code: 'WIRE_ENCODE' });
});

test('signed ranges: offsets match the layout file and include trailing bytes', () => {
  const sig: Record<string, number> = Object.fromEntries((L.messages as any[]).filter((m) => m.signature).map((m) => [m.name, m.signature.message_offset_including_type]));
  assert.deepEqual({ ...sig }, { channel_announcement: CHANNEL_ANNOUNCEMENT_SIGNED_FROM, node_announcement: NODE_ANNOUNCEMENT_SIGNED_FROM, channel_update: CHANNEL_UPDATE_SIGNED_FROM });
  for (const name of ['channel_announcement', 'node_announcement', 'channel_update']) {
    const m = { ...gossipSamples[name]!, extra: hex('c0ffee') } as Message;
    const bytes = encodeMessage(m);
    const signed = gossipSignedBytes(bytes);
    assert.equal(toHex(signed), toHex(bytes.subarray(sig[name])));
    assert.ok(toHex(signed).endsWith('c0ffee'));
    assert.deepEqual(gossipSigningHash(bytes), sha256d(bytes.subarray(sig[name])));
  }
  assert.throws(() => gossipSignedBytes(encodeMessage(gossipSamples.announcement_signatures!)), { kind: 'invalidValue' });
  assert.throws(() => gossipSignedBytes(hex('0100')), { kind: 'shortRead' });
});

const MAINNET = readRepoText('test/data/channel_announcements.mainnet.hex').split('\n').filter((l) => l.length > 0);

test('mainnet: 98 channel_announcements parse, re-encode identically, and have sane fields', () => {
  assert.equal(MAINNET.length, 98);
  let prev = -1n;
  for (const line of MAINNET) {
    const m = decodeMessage(hex(line));
    assert.ok(m.name === 'channel_announcement');
    assert.equal(toHex(encodeMessage(m)), line);
    assert.equal(toHex(m.chainHash), L.chain_hash_bitcoin_mainnet);
    assert.equal(m.features.length, 0);
    assert.equal(m.extra.length, 0);
    assert.ok(scidBlock(m.shortChannelId) >= 526929 && scidBlock(m.shortChannelId) <= 646832);
    assert.ok(m.shortChannelId > prev, 'file is sorted by scid');
    prev = m.shortChannelId;
    assert.ok(Buffer.compare(m.nodeId1, m.nodeId2) < 0, 'node_id_1 < node_id_2');
  }
});

test('mainnet: the signed range is right (node_signature_1 of all 98 and all 4 signatures of 3 verify)', () => {
  MAINNET.forEach((line, i) => {
    const bytes = hex(line);
    const m = decodeMessage(bytes);
    assert.ok(m.name === 'channel_announcement');
    const h = gossipSigningHash(bytes);
    assert.ok(verify(m.nodeSignature1, h, m.nodeId1, { prehash: false }), `message ${i}`);
    if (i < 3) {
      assert.ok(verify(m.nodeSignature2, h, m.nodeId2, { prehash: false }));
      assert.ok(verify(m.bitcoinSignature1, h, m.bitcoinKey1, { prehash: false }));
      assert.ok(verify(m.bitcoinSignature2, h, m.bitcoinKey2, { prehash: false }));
      // the hash is not over the signatures: one byte off the range breaks it
      assert.equal(verify(m.nodeSignature1, sha256d(bytes.subarray(CHANNEL_ANNOUNCEMENT_SIGNED_FROM - 1)), m.nodeId1, { prehash: false }), false);
    }
  });
});
