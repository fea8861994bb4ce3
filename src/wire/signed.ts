/**
 * @module wire/signed
 * Which bytes each gossip signature covers, and the double-SHA256 digest that is signed.
 *
 * Spec: BOLT #7 channel_announcement, node_announcement and channel_update requirements.
 * All offsets here count from the start of the full message, i.e. the 2-byte type included.
 * Does not: verify signatures (secp256k1 engines live in `src/crypto`), or pick the signer key.
 */
import { sha256d } from '../crypto/hash.js';
import { WireDecodeError } from './errors.js';
import { channelAnnouncement, channelUpdate, nodeAnnouncement } from './messages/gossip.js';

// BOLT #7: - MUST compute the double-SHA256 hash `h` of the message, beginning at offset
//   256, up to the end of the message.
//     - Note: the hash skips the 4 signatures but hashes the rest of the message,
//     including any future fields appended to the end.
//
// "Offset 256" counts in the payload; in the full message (type included) that is 258.
/** channel_announcement: signed bytes start after the type and 4 signatures. */
export const CHANNEL_ANNOUNCEMENT_SIGNED_FROM = 2 + 4 * 64;

// BOLT #7: - MUST set `signature` to the signature of the double-SHA256 of the entire
//   remaining packet after `signature` (using the key given by `node_id`).
/** node_announcement: signed bytes start after the type and the signature. */
export const NODE_ANNOUNCEMENT_SIGNED_FROM = 2 + 64;

// BOLT #7: - MUST set `signature` to the signature of the double-SHA256 of the entire
//   remaining packet after `signature`, using its own `node_id`.
/** channel_update: signed bytes start after the type and the signature. */
export const CHANNEL_UPDATE_SIGNED_FROM = 2 + 64;

const SIGNED_FROM = new Map<number, number>([
  [channelAnnouncement.type, CHANNEL_ANNOUNCEMENT_SIGNED_FROM],
  [nodeAnnouncement.type, NODE_ANNOUNCEMENT_SIGNED_FROM],
  [channelUpdate.type, CHANNEL_UPDATE_SIGNED_FROM],
]);

/**
 * The bytes a gossip message's signature(s) cover (a view into `message`, no copy). `message` is the
 * full encoded message, type included. Throws `WireDecodeError` for other types or too-short input.
 */
export function gossipSignedBytes(message: Uint8Array): Uint8Array {
  if (message.length < 2) throw new WireDecodeError('shortRead', 'message has no type');
  const type = (message[0]! << 8) | message[1]!;
  const from = SIGNED_FROM.get(type);
  if (from === undefined) throw new WireDecodeError('invalidValue', `type ${type} is not signed gossip`);
  if (message.length < from) throw new WireDecodeError('shortRead', `message of ${message.length} bytes has no signed part`);
  return message.subarray(from);
}

/** `SHA256(SHA256(signed bytes))`: the 32-byte digest every signature of this gossip message signs. */
export function gossipSigningHash(message: Uint8Array): Uint8Array {
  return sha256d(gossipSignedBytes(message));
}
