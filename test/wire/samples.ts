/**
 * Hand-built sample values for every BOLT 7 message, with distinct non-zero bytes per field so a
 * misplaced field shows up in the layout tests. Helper module (not `.test.ts`).
 */
import type { Message } from '../../src/wire/index.js';

/** `n` bytes counting up from `seed` (never all zero). */
export function filled(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seed + i) % 251 + 1);
}
/** A 33-byte point-shaped value (valid 02/03 prefix, not necessarily on the curve). */
export function pt(seed: number): Uint8Array {
  const p = filled(33, seed);
  p[0] = 2 + (seed % 2);
  return p;
}

const CHAIN = filled(32, 200);

/** One sample per BOLT 7 message name. */
export const gossipSamples: Record<string, Message> = {
  channel_announcement: {
    name: 'channel_announcement',
    nodeSignature1: filled(64, 1),
    nodeSignature2: filled(64, 2),
    bitcoinSignature1: filled(64, 3),
    bitcoinSignature2: filled(64, 4),
    features: Uint8Array.of(0x01, 0x02),
    chainHash: CHAIN,
    shortChannelId: 0x083a8400034d0001n,
    nodeId1: pt(10),
    nodeId2: pt(11),
    bitcoinKey1: pt(12),
    bitcoinKey2: pt(13),
    extra: new Uint8Array(0),
  },
  node_announcement: {
    name: 'node_announcement',
    signature: filled(64, 20),
    features: Uint8Array.of(0x08),
    timestamp: 0x61626364,
    nodeId: pt(21),
    rgbColor: Uint8Array.of(0xff, 0x80, 0x01),
    alias: filled(32, 22),
    addresses: [
      { type: 'ipv4', addr: Uint8Array.of(1, 2, 3, 4), port: 9735 },
      { type: 'torv3', addr: filled(35, 23), port: 9736 },
      { type: 'dns', hostname: 'ln.example.com', port: 9735 },
    ],
    extra: new Uint8Array(0),
  },
  channel_update: {
    name: 'channel_update',
    signature: filled(64, 30),
    chainHash: CHAIN,
    shortChannelId: 0x0000010000020003n,
    timestamp: 0x71727374,
    messageFlags: 1,
    channelFlags: 0,
    cltvExpiryDelta: 144,
    htlcMinimumMsat: 1000n,
    feeBaseMsat: 1001,
    feeProportionalMillionths: 250,
    htlcMaximumMsat: 0x0102030405060708n,
    extra: new Uint8Array(0),
  },
  announcement_signatures: {
    name: 'announcement_signatures',
    channelId: filled(32, 40),
    shortChannelId: 0x000000000045a6c4n,
    nodeSignature: filled(64, 41),
    bitcoinSignature: filled(64, 42),
    tlvs: {},
  },
  query_short_channel_ids: {
    name: 'query_short_channel_ids',
    chainHash: CHAIN,
    encodedShortIds: [0x8en, 0x3c69n, 0x45a6c4n],
    tlvs: { queryFlags: [1n, 3n, 31n] },
  },
  reply_short_channel_ids_end: { name: 'reply_short_channel_ids_end', chainHash: CHAIN, fullInformation: 1, tlvs: {} },
  query_channel_range: { name: 'query_channel_range', chainHash: CHAIN, firstBlocknum: 600000, numberOfBlocks: 2016, tlvs: { queryOption: 3n } },
  reply_channel_range: {
    name: 'reply_channel_range',
    chainHash: CHAIN,
    firstBlocknum: 600000,
    numberOfBlocks: 2016,
    syncComplete: 1,
    encodedShortIds: [0x8en, 0x3c69n],
    tlvs: {
      timestamps: [{ timestampNodeId1: 1, timestampNodeId2: 2 }, { timestampNodeId1: 3, timestampNodeId2: 0 }],
      checksums: [{ checksumNodeId1: 0xdeadbeef, checksumNodeId2: 0 }, { checksumNodeId1: 5, checksumNodeId2: 6 }],
    },
  },
  gossip_timestamp_filter: { name: 'gossip_timestamp_filter', chainHash: CHAIN, firstTimestamp: 1600000000, timestampRange: 0xffffffff, tlvs: {} },
};
