/**
 * @module test/helpers/gossip-fixtures
 * Builds signed gossip for store and decision tests: a channel between two generated nodes with two
 * generated bitcoin keys (node ids and keys sorted as BOLT 7 requires), its channel_updates and
 * node_announcements, all signed with the native engine. Not a test file.
 */
import { loadEngine } from '../../src/crypto/index.js';
import { decodeMessage, encodeMessage, gossipSigningHash } from '../../src/wire/index.js';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../../src/wire/index.js';

export const engine = loadEngine('native');
/** bitcoin mainnet chain hash (wire order) and regtest's. */
export const MAINNET = Uint8Array.from(Buffer.from('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000', 'hex'));
export const REGTEST = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));

let seed = 1;
/** A fresh deterministic private key. */
export function newKey(): Uint8Array {
  const k = new Uint8Array(32);
  k[31] = seed & 0xff;
  k[30] = (seed >> 8) & 0xff;
  k[0] = 0x42;
  seed++;
  return k;
}

/** Two nodes and two funding keys, ordered so node 1 is the lexicographically lesser node id. */
export interface ChannelKeys {
  node1: Uint8Array; node2: Uint8Array; btc1: Uint8Array; btc2: Uint8Array;
}

export function newChannelKeys(nodes?: { node1: Uint8Array; node2: Uint8Array }): ChannelKeys {
  let [n1, n2] = nodes ? [nodes.node1, nodes.node2] : [newKey(), newKey()];
  if (Buffer.compare(engine.publicKey(n1), engine.publicKey(n2)) > 0) [n1, n2] = [n2, n1];
  return { node1: n1, node2: n2, btc1: newKey(), btc2: newKey() };
}

export type Signed<T> = { message: T; raw: Uint8Array };

export function channelAnnouncement(keys: ChannelKeys, scid: bigint, chainHash = REGTEST, features = new Uint8Array(0)): Signed<ChannelAnnouncement & { name: 'channel_announcement' }> {
  const z = new Uint8Array(64);
  const m = {
    name: 'channel_announcement' as const, nodeSignature1: z, nodeSignature2: z, bitcoinSignature1: z, bitcoinSignature2: z,
    features, chainHash, shortChannelId: scid,
    nodeId1: engine.publicKey(keys.node1), nodeId2: engine.publicKey(keys.node2),
    bitcoinKey1: engine.publicKey(keys.btc1), bitcoinKey2: engine.publicKey(keys.btc2), extra: new Uint8Array(0),
  };
  const h = gossipSigningHash(encodeMessage(m));
  const signed = { ...m, nodeSignature1: engine.sign(h, keys.node1), nodeSignature2: engine.sign(h, keys.node2), bitcoinSignature1: engine.sign(h, keys.btc1), bitcoinSignature2: engine.sign(h, keys.btc2) };
  const raw = encodeMessage(signed);
  return { message: decodeMessage(raw) as ChannelAnnouncement & { name: 'channel_announcement' }, raw };
}

export function channelUpdate(keys: ChannelKeys, scid: bigint, direction: 0 | 1, timestamp: number, opts: { fee?: number; chainHash?: Uint8Array } = {}): Signed<ChannelUpdate & { name: 'channel_update' }> {
  const m = {
    name: 'channel_update' as const, signature: new Uint8Array(64), chainHash: opts.chainHash ?? REGTEST, shortChannelId: scid, timestamp,
    messageFlags: 1, channelFlags: direction, cltvExpiryDelta: 144, htlcMinimumMsat: 1000n, feeBaseMsat: opts.fee ?? 1000,
    feeProportionalMillionths: 1, htlcMaximumMsat: 100_000_000n, extra: new Uint8Array(0),
  };
  const raw = encodeMessage({ ...m, signature: engine.sign(gossipSigningHash(encodeMessage(m)), direction === 0 ? keys.node1 : keys.node2) });
  return { message: decodeMessage(raw) as ChannelUpdate & { name: 'channel_update' }, raw };
}

export function nodeAnnouncement(priv: Uint8Array, timestamp: number, alias = 'lnfleet'): Signed<NodeAnnouncement & { name: 'node_announcement' }> {
  const a = new Uint8Array(32);
  a.set(Buffer.from(alias, 'utf8').subarray(0, 32));
  const m = {
    name: 'node_announcement' as const, signature: new Uint8Array(64), features: new Uint8Array(0), timestamp, nodeId: engine.publicKey(priv),
    rgbColor: Uint8Array.of(1, 2, 3), alias: a, addresses: [], extra: new Uint8Array(0),
  };
  const raw = encodeMessage({ ...m, signature: engine.sign(gossipSigningHash(encodeMessage(m)), priv) });
  return { message: decodeMessage(raw) as NodeAnnouncement & { name: 'node_announcement' }, raw };
}
