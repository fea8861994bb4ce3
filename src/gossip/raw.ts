/**
 * @module gossip/raw
 * Reads the few fields the front needs straight from encoded gossip (type, short_channel_id, node ids,
 * timestamps, flags) without decoding whole messages: the graph copy keeps raw bytes only, and the hot
 * paths (dedup, query answers, filters) touch a handful of bytes each.
 *
 * Spec: BOLT #7 message layouts (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Offsets count from the start of the full message (2-byte type included), as in `wire/signed.ts`.
 * Does not: validate signatures or the rest of the message (decode with `src/wire` for that).
 */
import { WireDecodeError } from '../wire/errors.js';

/** Gossip message types kept in the graph copy. */
export const GOSSIP_TYPE = { channelAnnouncement: 256, nodeAnnouncement: 257, channelUpdate: 258 } as const;

/** channel_update: offset of short_channel_id (type 2 + signature 64 + chain_hash 32). */
const UPD_SCID = 98;
/** channel_update: offset of timestamp. */
const UPD_TIMESTAMP = 106;
/** channel_update: offset of message_flags, then channel_flags. */
const UPD_MESSAGE_FLAGS = 110;
const UPD_CHANNEL_FLAGS = 111;
/** channel_announcement: offset of the features length (type 2 + 4 signatures). */
const ANN_FEATURES_LEN = 258;
/** node_announcement: offset of the features length (type 2 + signature 64). */
const NODE_FEATURES_LEN = 66;

function need(b: Uint8Array, n: number, what: string): void {
  if (b.length < n) throw new WireDecodeError('shortRead', `${what}: ${b.length} bytes, need ${n}`);
}
function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
function u64(b: Uint8Array, o: number): bigint {
  return (BigInt(u32(b, o)) << 32n) | BigInt(u32(b, o + 4));
}

/** The 2-byte type of an encoded message. */
export function rawType(b: Uint8Array): number {
  need(b, 2, 'message');
  return u16(b, 0);
}

/** Offset of chain_hash in a channel_announcement (after the variable-length features). */
function annChainOffset(b: Uint8Array): number {
  need(b, ANN_FEATURES_LEN + 2, 'channel_announcement');
  const off = ANN_FEATURES_LEN + 2 + u16(b, ANN_FEATURES_LEN);
  need(b, off + 32 + 8 + 4 * 33, 'channel_announcement');
  return off;
}

/** short_channel_id of a channel_announcement. */
export function annScid(b: Uint8Array): bigint {
  return u64(b, annChainOffset(b) + 32);
}

/** chain_hash of a channel_announcement (a view, no copy). */
export function annChainHash(b: Uint8Array): Uint8Array {
  const o = annChainOffset(b);
  return b.subarray(o, o + 32);
}

/** `node_id_1` (which = 1) or `node_id_2` (which = 2) of a channel_announcement (a view, no copy). */
export function annNodeId(b: Uint8Array, which: 1 | 2): Uint8Array {
  const o = annChainOffset(b) + 40 + (which - 1) * 33;
  return b.subarray(o, o + 33);
}

/**
 * The node that signs a channel_update of this channel_announcement's channel in `direction` (the
 * update's `channel_flags` bit 0): BOLT 7, direction 0 is `node_id_1`, 1 is `node_id_2`. A view.
 */
export function annUpdateSigner(b: Uint8Array, direction: 0 | 1): Uint8Array {
  return annNodeId(b, direction === 0 ? 1 : 2);
}

/**
 * The four (signature, key) pairs of a channel_announcement, in the order BOLT 7 lists them: node 1,
 * node 2, bitcoin 1, bitcoin 2 (views, no copies). Signatures follow the type; keys follow the scid.
 */
export function annSignatureKeys(b: Uint8Array): [Uint8Array, Uint8Array][] {
  const keys = annChainOffset(b) + 40;
  const pair = (i: number): [Uint8Array, Uint8Array] => [b.subarray(2 + 64 * i, 66 + 64 * i), b.subarray(keys + 33 * i, keys + 33 * (i + 1))];
  return [pair(0), pair(1), pair(2), pair(3)];
}

/** The one `signature` of a node_announcement or channel_update: the 64 bytes after the type (a view). */
export function leadingSignature(b: Uint8Array): Uint8Array {
  need(b, 66, 'gossip message');
  return b.subarray(2, 66);
}

/** short_channel_id of a channel_update. */
export function updScid(b: Uint8Array): bigint {
  need(b, UPD_CHANNEL_FLAGS + 1, 'channel_update');
  return u64(b, UPD_SCID);
}

/** chain_hash of a channel_update (a view). */
export function updChainHash(b: Uint8Array): Uint8Array {
  need(b, UPD_SCID, 'channel_update');
  return b.subarray(66, 98);
}

/** timestamp of a channel_update. */
export function updTimestamp(b: Uint8Array): number {
  need(b, UPD_CHANNEL_FLAGS + 1, 'channel_update');
  return u32(b, UPD_TIMESTAMP);
}

/** Direction bit of a channel_update: 0 = from node_id_1, 1 = from node_id_2. */
export function updDirection(b: Uint8Array): 0 | 1 {
  need(b, UPD_CHANNEL_FLAGS + 1, 'channel_update');
  return (b[UPD_CHANNEL_FLAGS]! & 1) as 0 | 1;
}

/** `dont_forward` bit of a channel_update's message_flags. */
export function updDontForward(b: Uint8Array): boolean {
  need(b, UPD_CHANNEL_FLAGS + 1, 'channel_update');
  return (b[UPD_MESSAGE_FLAGS]! & 2) !== 0;
}

/** Offset of the timestamp in a node_announcement (after the variable-length features). */
function nodeTimestampOffset(b: Uint8Array): number {
  need(b, NODE_FEATURES_LEN + 2, 'node_announcement');
  const off = NODE_FEATURES_LEN + 2 + u16(b, NODE_FEATURES_LEN);
  need(b, off + 4 + 33, 'node_announcement');
  return off;
}

/** timestamp of a node_announcement. */
export function nodeAnnTimestamp(b: Uint8Array): number {
  return u32(b, nodeTimestampOffset(b));
}

/** node_id of a node_announcement (a view). */
export function nodeAnnNodeId(b: Uint8Array): Uint8Array {
  const o = nodeTimestampOffset(b) + 4;
  return b.subarray(o, o + 33);
}

/** A node id as the string key the graph uses (lowercase hex). */
export function nodeKey(id: Uint8Array): string {
  // One native call and one flat string (a per-byte concatenation built 32 cons strings per key, and
  // keys are made several times per gossip message).
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

/** Hex key → 33 bytes. */
export function nodeKeyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Byte-wise equality (not constant time: for public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
