/**
 * @module wire/registry
 * The one message type table (STYLE rule 3): every BOLT 1, BOLT 2 and BOLT 7 message we decode, plus
 * `decodeMessage` / `encodeMessage` for whole messages (2-byte type + payload) and type-range helpers.
 *
 * Spec: BOLT #1 "Lightning Message Format" (https://github.com/lightning/bolts/blob/master/01-messaging.md#lightning-message-format).
 * Any other type (dual funding, splicing, quiescence, custom messages) decodes to `{ name: 'unknown', type, payload }`
 * and re-encodes byte-identically; whether to ignore it (odd) or disconnect (even) is the caller's call.
 * Does not: apply the "it's ok to be odd" policy, or frame/encrypt (BOLT 8, `src/noise`).
 */
import { WireDecodeError, WireEncodeError } from './errors.js';
import { Reader, Writer } from './reader.js';
import type { MessageDef, MessageOf } from './messages/define.js';
import { CHANNEL_MESSAGE_DEFS } from './messages/channel.js';
import { announcementSignatures, channelAnnouncement, channelUpdate, nodeAnnouncement } from './messages/gossip.js';
import {
  gossipTimestampFilter,
  queryChannelRange,
  queryShortChannelIds,
  replyChannelRange,
  replyShortChannelIdsEnd,
} from './messages/queries.js';
import { error, init, peerStorage, peerStorageRetrieval, ping, pong, warning } from './messages/setup.js';

// BOLT #1: The size of the message is required by the transport layer to fit into a 2-byte unsigned int; therefore, the maximum possible size is 65535 bytes.
/** Largest whole message (type included), in bytes: the BOLT 8 length prefix is a u16. */
export const MAX_MESSAGE_SIZE = 65535;

/** Every message we decode, in type order. */
export const MESSAGE_DEFS = [
  warning,
  peerStorage,
  peerStorageRetrieval,
  init,
  error,
  ping,
  pong,
  ...CHANNEL_MESSAGE_DEFS,
  channelAnnouncement,
  nodeAnnouncement,
  channelUpdate,
  announcementSignatures,
  queryShortChannelIds,
  replyShortChannelIdsEnd,
  queryChannelRange,
  replyChannelRange,
  gossipTimestampFilter,
] as const;

/** Any decoded known message; switch on `name`. */
export type KnownMessage = MessageOf<(typeof MESSAGE_DEFS)[number]>;

/** A message of a type we do not decode, kept verbatim. */
export interface UnknownMessage {
  readonly name: 'unknown';
  /** The 2-byte message type. */
  readonly type: number;
  /** Everything after the type. */
  readonly payload: Uint8Array;
}

/** What `decodeMessage` returns. */
export type Message = KnownMessage | UnknownMessage;

/** Spec name of every known message. */
export type MessageName = KnownMessage['name'];

type AnyDef = MessageDef<string, { name: string }>;
const byType = new Map<number, AnyDef>(MESSAGE_DEFS.map((d) => [d.type, d as unknown as AnyDef]));
const byName = new Map<string, AnyDef>(MESSAGE_DEFS.map((d) => [d.name, d as unknown as AnyDef]));

/** The declaration for a message type, if we decode it. */
export function messageDef(type: number): AnyDef | undefined {
  return byType.get(type);
}

/** The wire type of a known message name. */
export function messageType(name: MessageName): number {
  return byName.get(name)!.type;
}

/** Decodes a whole message (type + payload). Throws only `WireDecodeError`. */
export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length > MAX_MESSAGE_SIZE) throw new WireDecodeError('badLength', `message of ${bytes.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  const r = new Reader(bytes);
  const type = r.u16();
  const def = byType.get(type);
  if (!def) return { name: 'unknown', type, payload: r.rest() };
  return def.decode(r) as KnownMessage;
}

/** Encodes a whole message (type + payload). Throws `WireEncodeError` for unencodable values. */
export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer();
  if (m.name === 'unknown') {
    if (byType.has(m.type)) throw new WireEncodeError(`type ${m.type} is ${byType.get(m.type)!.name}; encode it as that message`);
    w.u16(m.type);
    w.bytes(m.payload);
  } else {
    const def = byName.get(m.name);
    if (!def) throw new WireEncodeError(`unknown message name ${String(m.name)}`);
    w.u16(def.type);
    def.encode(w, m);
  }
  if (w.length > MAX_MESSAGE_SIZE) throw new WireEncodeError(`message of ${w.length} bytes exceeds ${MAX_MESSAGE_SIZE}`);
  return w.finish();
}

/** Reads the 2-byte type of an encoded message without decoding it (`shortRead` if < 2 bytes). */
export function peekType(bytes: Uint8Array): number {
  // Several times per message on the front's hot path: read in place rather than through a `Reader`.
  return bytes.length >= 2 ? (bytes[0]! << 8) | bytes[1]! : new Reader(bytes).u16(); // the Reader throws shortRead
}

// BOLT #1: - Setup & Control (types `0`-`31`): messages related to connection setup, control, supported features, and error reporting (described below)
/** Types 0-31: setup and control (BOLT 1). */
export function isSetupControlType(type: number): boolean {
  return type >= 0 && type <= 31;
}

// BOLT #1: - Channel (types `32`-`127`): messages used to setup and tear down micropayment channels (described in [BOLT #2](02-peer-protocol.md))
//   - Commitment (types `128`-`255`): messages related to updating the current commitment transaction, which includes adding, revoking, and settling HTLCs as well as updating fees and exchanging signatures (described in [BOLT #2](02-peer-protocol.md))
/** Types 32-255: channel and commitment messages (BOLT 2), which the front passes through raw. */
export function isChannelType(type: number): boolean {
  return type >= 32 && type <= 255;
}

// BOLT #1: - Routing (types `256`-`511`): messages containing node and channel announcements, as well as any active route exploration (described in [BOLT #7](07-routing-gossip.md))
/** Types 256-511: routing (BOLT 7), gossip and queries. */
export function isRoutingType(type: number): boolean {
  return type >= 256 && type <= 511;
}

/** The signed, broadcast gossip messages: channel_announcement, node_announcement, channel_update. */
export function isGossipBroadcastType(type: number): boolean {
  return type === channelAnnouncement.type || type === nodeAnnouncement.type || type === channelUpdate.type;
}

/** The gossip query messages (261-265), answered from the local graph copy. */
export function isGossipQueryType(type: number): boolean {
  return type >= queryShortChannelIds.type && type <= gossipTimestampFilter.type;
}

/** Any gossip type we handle: broadcast gossip or queries (not announcement_signatures, which is peer-to-peer). */
export function isGossipType(type: number): boolean {
  return isGossipBroadcastType(type) || isGossipQueryType(type);
}
