/**
 * @module cluster/messages
 * Every message of the cluster link (front ↔ backend), declared once with the `src/wire` toolkit and
 * registered in one table (STYLE rules 3 and 15). `docs/cluster.md` explains each one.
 *
 * Types live in the private range 0x8000–0x80ff. Each payload ends in a TLV stream (strict and lossless
 * like Lightning's) so fields can be added later without a version break. Frames carry them as
 * `u32 length | u16 type | payload` (`./frame.ts`).
 *
 * Does not: decide anything (the daemons do), or carry secrets: no message has a field for a private
 * key, seed or channel secret; `ecdh_result.secret` is the per-handshake shared secret a front needs.
 */
import { Reader, Writer } from '../wire/reader.js';
import { WireDecodeError, WireEncodeError } from '../wire/errors.js';
import { bytes, chainHash, point, remainingBytes, u16, u32, u64, u8, varBytes16 } from '../wire/codec.js';
import { bool, str16 } from './codecs.js';
import { tlvStream } from '../wire/tlv.js';
import { msg, type MessageOf } from '../wire/messages/define.js';
import { beginFrame, endFrame, FRAME_PREFIX_BYTES, writeFramePrefix, type Frame } from './frame.js';
import { pooledBytes, readU32BE, writeU32BE } from '../bytes.js';

/** First buffer size when encoding a link message (a peer or gossip message fits; larger ones grow). */
const LINK_WRITER_CAPACITY = 1024;
import { GOSSIP_LINK_MESSAGE_DEFS } from './gossip-messages.js';

/** Version of this protocol, exchanged in `hello`/`hello_ack`. Bump on an incompatible change. */
export const LINK_PROTOCOL_VERSION = 1;

export { bool, str16 } from './codecs.js';

const noTlvs = tlvStream('link_tlvs', []);
/** `disconnect` may carry the Lightning `error`/`warning` message to send the peer before closing. */
const disconnectTlvs = tlvStream('disconnect_tlvs', [[1, 'sendFirst', remainingBytes]] as const);

/** Peer-connection settings every front must use (eclair's RouterPeerConf), sent in `hello_ack`. */
export const peerSettings = [
  ['pingIntervalMs', u32],
  ['pongTimeoutMs', u32],
  ['handshakeTimeoutMs', u32],
  ['initTimeoutMs', u32],
  ['maxConnections', u32],
  ['maxMessageBytes', u32],
  ['initialCredit', u32],
  ['heartbeatMs', u32],
  ['peerTimeoutMs', u32],
  ['sendRemoteAddr', bool],
] as const;

export const hello = msg(0x8001, 'hello', [['version', u16], ['frontId', str16], ['capabilities', varBytes16]], noTlvs);
export const helloAck = msg(
  0x8002,
  'hello_ack',
  [['version', u16], ['nodeId', point], ['chainHash', chainHash], ['initFeatures', varBytes16], ...peerSettings],
  noTlvs,
);
export const helloReject = msg(0x8003, 'hello_reject', [['reason', str16]], noTlvs);
export const heartbeat = msg(0x8004, 'heartbeat', [['seq', u64], ['echo', u64]], noTlvs);
export const ecdhRequest = msg(0x8010, 'ecdh_request', [['requestId', u32], ['point', bytes(33, 'point')]], noTlvs);
export const ecdhResult = msg(0x8011, 'ecdh_result', [['requestId', u32], ['status', u8], ['secret', bytes(32, 'secret')]], noTlvs);
export const peerAttached = msg(
  0x8020,
  'peer_attached',
  [['conn', u32], ['nodeId', point], ['remoteAddress', str16], ['outbound', bool], ['theirInit', varBytes16], ['ourInit', varBytes16]],
  noTlvs,
);
export const peerAttachAck = msg(0x8021, 'peer_attach_ack', [['conn', u32], ['accepted', bool], ['hasChannels', bool], ['credit', u32]], noTlvs);
export const peerDetached = msg(0x8022, 'peer_detached', [['conn', u32], ['reason', str16]], noTlvs);
export const peerMessage = msg(0x8023, 'peer_message', [['conn', u32], ['message', varBytes16]], noTlvs);
export const disconnect = msg(0x8024, 'disconnect', [['conn', u32], ['reason', str16]], disconnectTlvs);
export const credit = msg(0x8025, 'credit', [['conn', u32], ['messages', u32]], noTlvs);
export const connectRequest = msg(
  0x8030,
  'connect_request',
  [['requestId', u32], ['nodeId', point], ['host', str16], ['port', u16]],
  noTlvs,
);
export const connectResult = msg(0x8031, 'connect_result', [['requestId', u32], ['ok', bool], ['conn', u32], ['error', str16]], noTlvs);

/** `ecdh_result.status` values. */
export const ECDH_STATUS = { ok: 0, rateLimited: 1, invalidPoint: 2 } as const;

/** Every link message, in type order. */
export const LINK_MESSAGE_DEFS = [
  hello,
  helloAck,
  helloReject,
  heartbeat,
  ecdhRequest,
  ecdhResult,
  peerAttached,
  peerAttachAck,
  peerDetached,
  peerMessage,
  disconnect,
  credit,
  connectRequest,
  connectResult,
  // Gossip service, 0x8040–0x8044 (./gossip-messages.ts, docs/gossip.md).
  ...GOSSIP_LINK_MESSAGE_DEFS,
] as const;

/** Any link message; switch on `name`. */
export type LinkMessage = MessageOf<(typeof LINK_MESSAGE_DEFS)[number]>;
/** The link message called `N`. */
export type LinkMessageNamed<N extends LinkMessage['name']> = Extract<LinkMessage, { name: N }>;

const BY_TYPE = new Map<number, (typeof LINK_MESSAGE_DEFS)[number]>(LINK_MESSAGE_DEFS.map((d) => [d.type, d]));
const BY_NAME = new Map<string, (typeof LINK_MESSAGE_DEFS)[number]>(LINK_MESSAGE_DEFS.map((d) => [d.name, d]));

/**
 * Decodes one frame's payload. An unknown type is `invalidValue` (the link has no "odd is ok" rule:
 * both ends are ours, and `hello` negotiates the version), trailing garbage is `badLength`.
 */
export function decodeLinkMessage(frame: Frame): LinkMessage {
  return (frame.type === peerMessage.type ? decodePeerMessageFast(frame.payload) : undefined) ?? decodeLinkMessageDeclared(frame);
}

/** {@link decodeLinkMessage} with the declared codecs only: the reference the `peer_message` fast path is tested against. */
export function decodeLinkMessageDeclared(frame: Frame): LinkMessage {
  const def = BY_TYPE.get(frame.type);
  if (!def) throw new WireDecodeError('invalidValue', `unknown link message type 0x${frame.type.toString(16)}`, 0);
  const r = new Reader(frame.payload);
  const m = def.decode(r) as LinkMessage;
  if (r.remaining() !== 0) throw new WireDecodeError('badLength', `${def.name} has ${r.remaining()} trailing bytes`, r.offset);
  return m;
}

/**
 * Encodes a link message as a whole frame, ready to write to the TLS socket: a view of pooled memory
 * (`Writer.finishView`), meant to be written and dropped, not stored. While the link is congested its
 * queue (front: `LINK_SEND_PAUSE_BYTES`; backend: `LINK_MAX_QUEUED_BYTES`) holds mostly link frames,
 * which are then most of what the pool holds, so queued frames keep little else alive.
 */
export function encodeLinkMessage(m: LinkMessage): Uint8Array {
  return (m.name === 'peer_message' ? encodePeerMessageFast(m) : undefined) ?? encodeLinkMessageDeclared(m);
}

/** {@link encodeLinkMessage} with the declared codecs only: the reference the `peer_message` fast path is tested against. */
export function encodeLinkMessageDeclared(m: LinkMessage): Uint8Array {
  const def = BY_NAME.get(m.name);
  if (!def) throw new WireEncodeError(`unknown link message ${m.name}`);
  // One buffer for prefix and payload: most link frames carry one peer or gossip message (< 512 bytes).
  const w = new Writer(LINK_WRITER_CAPACITY);
  beginFrame(w, def.type);
  (def as { encode(w: Writer, v: LinkMessage): void }).encode(w, m);
  return endFrame(w.finishView());
}

// `peer_message` is the link's hot path: one per message a peer sends or receives, each encoded once and
// decoded once. Its fields are fixed (`conn` u32, `message` u16-prefixed), so it gets a hand-written codec,
// byte-identical to the declared one (test/cluster/messages.test.ts compares the two on random and edge
// values); anything outside the common case (TLV records, a malformed payload, out-of-range values)
// returns undefined and takes the declared codec, with its errors. Measured in interleaved rounds of the
// `link-forward` round trip (two encodes and two decodes per trip): 7–10 µs less per round trip.

/** `conn` (u32) + the message's length (u16). */
const PEER_MESSAGE_FIXED_BYTES = 6;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;

function encodePeerMessageFast(m: LinkMessageNamed<'peer_message'>): Uint8Array | undefined {
  const { conn, message } = m;
  if ((m.tlvs.unknown?.length ?? 0) > 0 || !(message instanceof Uint8Array) || message.length > U16_MAX) return undefined;
  if (!Number.isInteger(conn) || conn < 0 || conn > U32_MAX) return undefined;
  const n = message.length;
  const out = pooledBytes(FRAME_PREFIX_BYTES + PEER_MESSAGE_FIXED_BYTES + n);
  writeFramePrefix(out, peerMessage.type, PEER_MESSAGE_FIXED_BYTES + n);
  const o = FRAME_PREFIX_BYTES;
  writeU32BE(out, o, conn);
  out[o + 4] = n >>> 8;
  out[o + 5] = n & 0xff;
  out.set(message, o + PEER_MESSAGE_FIXED_BYTES);
  return out;
}

function decodePeerMessageFast(p: Uint8Array): LinkMessageNamed<'peer_message'> | undefined {
  if (p.length < PEER_MESSAGE_FIXED_BYTES || p.length !== PEER_MESSAGE_FIXED_BYTES + ((p[4]! << 8) | p[5]!)) return undefined;
  const conn = readU32BE(p, 0);
  // A copy, as the declared codec makes (`Reader.bytes`): the message never aliases the frame.
  return { name: 'peer_message', conn, message: Uint8Array.prototype.slice.call(p, PEER_MESSAGE_FIXED_BYTES), tlvs: {} };
}
