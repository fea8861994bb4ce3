// CRC32C (RFC 3720 B.4 vectors, and a bit-by-bit reference) and the channel_update checksum coverage
// rule from bolt07-gossip-layouts.json (everything but signature and timestamp, type excluded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channelUpdateChecksum, crc32c, encodeMessage } from '../../src/wire/index.js';
import type { ChannelUpdate } from '../../src/wire/index.js';
import { hex, loadBoltVector } from '../helpers/vectors.js';
import { gossipSamples } from './samples.js';

/** Bitwise CRC32C straight from the definition (no table), as an independent reference. */
function crc32cBitwise(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('crc32c: RFC 3720 B.4 and check-value vectors', () => {
  const inc = Uint8Array.from({ length: 32 }, (_, i) => i);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(inc), 0x46dd794e);
  assert.equal(crc32c(inc.slice().reverse()), 0x113fdb5c);
  assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c: matches the bitwise reference and continues across parts', () => {
  let seed = 7;
  for (let n = 0; n < 300; n += 7) {
    const data = Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    assert.equal(crc32c(data), crc32cBitwise(data));
    const cut = n >> 1;
    assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), crc32c(data));
  }
});

const L = loadBoltVector('bolt07-gossip-layouts.json');
const cuLayout = (L.messages as any[]).find((m) => m.name === 'channel_update');

test('channel_update checksum = CRC32C of every field but signature and timestamp (from the layout file)', () => {
  for (const extra of ['', 'abcdef']) {
    const u = { ...(gossipSamples.channel_update as ChannelUpdate), extra: hex(extra) };
    const bytes = encodeMessage(u);
    const payload = bytes.subarray(2);
    const kept = (cuLayout.fields as { name: string; offset: number; size: number }[])
      .filter((f) => f.name !== 'signature' && f.name !== 'timestamp')
      .map((f) => payload.subarray(f.offset, f.offset + f.size));
    const covered = Buffer.concat([...kept, payload.subarray(cuLayout.payload_len)]);
    assert.equal(channelUpdateChecksum(bytes), crc32cBitwise(covered));
  }
});

test('channel_update checksum ignores exactly the signature and timestamp bytes', () => {
  const bytes = encodeMessage(gossipSamples.channel_update!);
  const base = channelUpdateChecksum(bytes);
  for (let i = 2; i < bytes.length; i++) {
    const m = bytes.slice();
    m[i]! ^= 0x5a;
    const ignored = i < 66 || (i >= 106 && i < 110);
    assert.equal(channelUpdateChecksum(m) === base, ignored, `byte ${i}`);
  }
  assert.throws(() => channelUpdateChecksum(bytes.subarray(0, 100)), { kind: 'shortRead' });
  assert.throws(() => channelUpdateChecksum(encodeMessage(gossipSamples.channel_announcement!)), { kind: 'invalidValue' });
});
