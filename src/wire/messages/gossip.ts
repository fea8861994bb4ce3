/**
 * @module wire/messages/gossip
 * BOLT 7 announcements: channel_announcement, node_announcement, channel_update (signed, broadcast
 * gossip) and announcement_signatures (sent to the channel peer only), plus channel_update flag helpers.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * The three signed messages keep trailing bytes raw in `extra`: the signatures cover them and we relay
 * them byte-identically. Features stay raw bytes for the same reason (a non-minimal `len` must survive).
 * Does not: verify signatures or check the chain (see `signed.ts` for the byte ranges, and `src/gossip`).
 */
import type { Field } from '../codec.js';
import { bytes, chainHash, channelId, point, signature, u16, u16Prefixed, u32, u64, u8, varBytes16 } from '../codec.js';
import { addressList } from '../address.js';
import { shortChannelId } from '../scid.js';
import { tlvStream } from '../tlv.js';
import type { MessageOf } from './define.js';
import { msg } from './define.js';

// BOLT #7: 1. type: 256 (`channel_announcement`)
// 2. data:
//     * [`signature`:`node_signature_1`]
//     * [`signature`:`node_signature_2`]
//     * [`signature`:`bitcoin_signature_1`]
//     * [`signature`:`bitcoin_signature_2`]
//     * [`u16`:`len`]
//     * [`len*byte`:`features`]
//     * [`chain_hash`:`chain_hash`]
//     * [`short_channel_id`:`short_channel_id`]
//     * [`point`:`node_id_1`]
//     * [`point`:`node_id_2`]
//     * [`point`:`bitcoin_key_1`]
//     * [`point`:`bitcoin_key_2`]
/** `channel_announcement` (256). */
export const channelAnnouncement = msg(
  256,
  'channel_announcement',
  [
    ['nodeSignature1', signature],
    ['nodeSignature2', signature],
    ['bitcoinSignature1', signature],
    ['bitcoinSignature2', signature],
    ['features', varBytes16],
    ['chainHash', chainHash],
    ['shortChannelId', shortChannelId],
    ['nodeId1', point],
    ['nodeId2', point],
    ['bitcoinKey1', point],
    ['bitcoinKey2', point],
  ],
  'extra',
);

// BOLT #7: 1. type: 257 (`node_announcement`)
// 2. data:
//    * [`signature`:`signature`]
//    * [`u16`:`flen`]
//    * [`flen*byte`:`features`]
//    * [`u32`:`timestamp`]
//    * [`point`:`node_id`]
//    * [`3*byte`:`rgb_color`]
//    * [`32*byte`:`alias`]
//    * [`u16`:`addrlen`]
//    * [`addrlen*byte`:`addresses`]
/** `node_announcement` (257); `addresses` decoded to descriptors (lossless, see `address.ts`). */
export const nodeAnnouncement = msg(
  257,
  'node_announcement',
  [
    ['signature', signature],
    ['features', varBytes16],
    ['timestamp', u32],
    ['nodeId', point],
    ['rgbColor', bytes(3, 'rgb_color')],
    ['alias', bytes(32, 'alias')],
    ['addresses', u16Prefixed(addressList)],
  ],
  'extra',
);

/** `message_flags` bits of channel_update. */
export const MESSAGE_FLAGS = {
  /** Bit 0: formerly "htlc_maximum_msat present"; now always 1. */
  mustBeOne: 1,
  /** Bit 1: private update for the channel peer only; must not be relayed. */
  dontForward: 2,
} as const;

/** `channel_flags` bits of channel_update. */
export const CHANNEL_FLAGS = {
  /** Bit 0: 0 = sent by node_id_1, 1 = by node_id_2. */
  direction: 1,
  /** Bit 1: the channel is disabled in this direction. */
  disable: 2,
} as const;

// BOLT #7: The `must_be_one` field in `message_flags` was previously used to indicate
// the presence of the `htlc_maximum_msat` field.
//
// So an old update with bit 0 clear has no htlc_maximum_msat: this field is conditional, the one place
// history forces our hand; new updates always carry it (we only encode it when bit 0 is set).
const htlcMaximumPresent = (o: Record<string, unknown>) => ((o.messageFlags as number) & MESSAGE_FLAGS.mustBeOne) !== 0;

// BOLT #7: 1. type: 258 (`channel_update`)
// 2. data:
//     * [`signature`:`signature`]
//     * [`chain_hash`:`chain_hash`]
//     * [`short_channel_id`:`short_channel_id`]
//     * [`u32`:`timestamp`]
//     * [`byte`:`message_flags`]
//     * [`byte`:`channel_flags`]
//     * [`u16`:`cltv_expiry_delta`]
//     * [`u64`:`htlc_minimum_msat`]
//     * [`u32`:`fee_base_msat`]
//     * [`u32`:`fee_proportional_millionths`]
//     * [`u64`:`htlc_maximum_msat`]
/** `channel_update` (258); `htlcMaximumMsat` is absent only on legacy updates with `must_be_one` clear. */
export const channelUpdate = msg(
  258,
  'channel_update',
  [
    ['signature', signature],
    ['chainHash', chainHash],
    ['shortChannelId', shortChannelId],
    ['timestamp', u32],
    ['messageFlags', u8],
    ['channelFlags', u8],
    ['cltvExpiryDelta', u16],
    ['htlcMinimumMsat', u64],
    ['feeBaseMsat', u32],
    ['feeProportionalMillionths', u32],
    ['htlcMaximumMsat', u64, htlcMaximumPresent],
  ] as const satisfies readonly Field[],
  'extra',
);

// BOLT #7: 1. type: 259 (`announcement_signatures`)
// 2. data:
//     * [`channel_id`:`channel_id`]
//     * [`short_channel_id`:`short_channel_id`]
//     * [`signature`:`node_signature`]
//     * [`signature`:`bitcoin_signature`]
/** `announcement_signatures` (259): not broadcast, so its extension is an ordinary (empty) TLV stream. */
export const announcementSignatures = msg(
  259,
  'announcement_signatures',
  [
    ['channelId', channelId],
    ['shortChannelId', shortChannelId],
    ['nodeSignature', signature],
    ['bitcoinSignature', signature],
  ],
  tlvStream('announcement_signatures_tlvs', []),
);

/** Decoded `channel_announcement`. */
export type ChannelAnnouncement = MessageOf<typeof channelAnnouncement>;
/** Decoded `node_announcement`. */
export type NodeAnnouncement = MessageOf<typeof nodeAnnouncement>;
/** Decoded `channel_update`. */
export type ChannelUpdate = MessageOf<typeof channelUpdate>;
/** Decoded `announcement_signatures`. */
export type AnnouncementSignatures = MessageOf<typeof announcementSignatures>;

/** True if the update must not be relayed (`dont_forward`). */
export function isDontForward(u: Pick<ChannelUpdate, 'messageFlags'>): boolean {
  return (u.messageFlags & MESSAGE_FLAGS.dontForward) !== 0;
}

/** 0 if the update was sent by node_id_1, 1 if by node_id_2. */
export function updateDirection(u: Pick<ChannelUpdate, 'channelFlags'>): 0 | 1 {
  return (u.channelFlags & CHANNEL_FLAGS.direction) as 0 | 1;
}

/** True if the `disable` bit is set. */
export function isDisabled(u: Pick<ChannelUpdate, 'channelFlags'>): boolean {
  return (u.channelFlags & CHANNEL_FLAGS.disable) !== 0;
}
