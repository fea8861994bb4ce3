/**
 * @module wire/messages/queries
 * BOLT 7 gossip queries: query_short_channel_ids, reply_short_channel_ids_end, query_channel_range,
 * reply_channel_range, gossip_timestamp_filter, with their TLV streams and `encoded_*` arrays.
 *
 * Spec: BOLT #7 "Query Messages" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#query-messages).
 * Only encoding type 0 (uncompressed) is implemented; encoding 1 (zlib) is forbidden by the spec and
 * decodes to `WireDecodeError('unsupportedEncoding')`, so a caller can send a warning.
 * Does not: check that flags/timestamps/checksums count matches the scids (a MAY-warn policy for
 * `src/gossip`), or that scids ascend.
 */
import type { Codec } from '../codec.js';
import { chainHash, fixedArrayOf, struct, u16Prefixed, u32, u8 } from '../codec.js';
import { bigSize } from '../bigsize.js';
import { WireDecodeError } from '../errors.js';
import { shortChannelId } from '../scid.js';
import type { ShortChannelId } from '../scid.js';
import { tlvStream } from '../tlv.js';
import type { MessageOf } from './define.js';
import { msg } from './define.js';

// BOLT #7: Encoding types:
// * `0`: uncompressed array of `short_channel_id` types, in ascending order.
// * `1`: Previously used for zlib compression, this encoding MUST NOT be used.
/** The only `encoded_*` encoding type we read or write. */
export const ENCODING_UNCOMPRESSED = 0;
/** The obsolete zlib encoding type: recognised only to report it. */
export const ENCODING_ZLIB_OBSOLETE = 1;

/** `[byte:encoding_type][...items]` over the rest of the reader, encoding type 0 only. */
export function encodedArray<T>(item: Codec<T>, size: number, what: string): Codec<T[]> {
  const items = fixedArrayOf(item, size, what);
  return {
    encode(w, vs) {
      w.u8(ENCODING_UNCOMPRESSED);
      items.encode(w, vs);
    },
    decode(r) {
      const at = r.offset;
      const enc = r.u8();
      if (enc !== ENCODING_UNCOMPRESSED) {
        const label = enc === ENCODING_ZLIB_OBSOLETE ? 'obsolete zlib encoding (1)' : `unknown encoding type ${enc}`;
        throw new WireDecodeError('unsupportedEncoding', `${what}: ${label}`, at);
      }
      return items.decode(r);
    },
  };
}

/** `[u16:len][len*byte:encoded_short_ids]`, decoded to short_channel_ids. */
export const encodedShortIds: Codec<ShortChannelId[]> = u16Prefixed(encodedArray(shortChannelId, 8, 'encoded_short_ids'));

// BOLT #7: Query flags must be minimally encoded, which means that one flag will be encoded with a single byte.
/** `query_flags` TLV value: encoding byte then one minimal bigsize per scid. */
const encodedQueryFlags: Codec<bigint[]> = {
  encode(w, vs) {
    w.u8(ENCODING_UNCOMPRESSED);
    for (const v of vs) bigSize.encode(w, v);
  },
  decode(r) {
    const at = r.offset;
    const enc = r.u8();
    if (enc !== ENCODING_UNCOMPRESSED) throw new WireDecodeError('unsupportedEncoding', `encoded_query_flags: encoding type ${enc}`, at);
    const out: bigint[] = [];
    while (r.remaining() > 0) out.push(bigSize.decode(r));
    return out;
  },
};

/** `query_short_channel_ids_tlvs`. */
export const queryShortChannelIdsTlvs = tlvStream('query_short_channel_ids_tlvs', [[1, 'queryFlags', encodedQueryFlags]]);

// BOLT #7: 1. type: 261 (`query_short_channel_ids`)
// 2. data:
//     * [`chain_hash`:`chain_hash`]
//     * [`u16`:`len`]
//     * [`len*byte`:`encoded_short_ids`]
//     * [`query_short_channel_ids_tlvs`:`tlvs`]
/** `query_short_channel_ids` (261). */
export const queryShortChannelIds = msg(
  261,
  'query_short_channel_ids',
  [['chainHash', chainHash], ['encodedShortIds', encodedShortIds]],
  queryShortChannelIdsTlvs,
);

// BOLT #7: 1. type: 262 (`reply_short_channel_ids_end`)
// 2. data:
//     * [`chain_hash`:`chain_hash`]
//     * [`byte`:`full_information`]
/** `reply_short_channel_ids_end` (262). */
export const replyShortChannelIdsEnd = msg(
  262,
  'reply_short_channel_ids_end',
  [['chainHash', chainHash], ['fullInformation', u8]],
  tlvStream('reply_short_channel_ids_end_tlvs', []),
);

/** `query_option_flags` bits. */
export const QUERY_OPTION = { wantsTimestamps: 1n, wantsChecksums: 2n } as const;

/** `query_channel_range_tlvs`: `query_option` is one minimal bigsize. */
export const queryChannelRangeTlvs = tlvStream('query_channel_range_tlvs', [[1, 'queryOption', bigSize]]);

// BOLT #7: 1. type: 263 (`query_channel_range`)
// 2. data:
//     * [`chain_hash`:`chain_hash`]
//     * [`u32`:`first_blocknum`]
//     * [`u32`:`number_of_blocks`]
//     * [`query_channel_range_tlvs`:`tlvs`]
/** `query_channel_range` (263). */
export const queryChannelRange = msg(
  263,
  'query_channel_range',
  [['chainHash', chainHash], ['firstBlocknum', u32], ['numberOfBlocks', u32]],
  queryChannelRangeTlvs,
);

// BOLT #7: 1. subtype: `channel_update_timestamps`
// 2. data:
//     * [`u32`:`timestamp_node_id_1`]
//     * [`u32`:`timestamp_node_id_2`]
/** `channel_update_timestamps` subtype. */
export const channelUpdateTimestamps = struct([['timestampNodeId1', u32], ['timestampNodeId2', u32]]);

// BOLT #7: 1. subtype: `channel_update_checksums`
// 2. data:
//     * [`u32`:`checksum_node_id_1`]
//     * [`u32`:`checksum_node_id_2`]
/** `channel_update_checksums` subtype. */
export const channelUpdateChecksums = struct([['checksumNodeId1', u32], ['checksumNodeId2', u32]]);

// BOLT #7: 1. `tlv_stream`: `reply_channel_range_tlvs`
// 2. types:
//     1. type: 1 (`timestamps_tlv`)
//     2. data:
//         * [`byte`:`encoding_type`]
//         * [`...*byte`:`encoded_timestamps`]
//     1. type: 3 (`checksums_tlv`)
//     2. data:
//         * [`...*channel_update_checksums`:`checksums`]
/** `reply_channel_range_tlvs`. */
export const replyChannelRangeTlvs = tlvStream('reply_channel_range_tlvs', [
  [1, 'timestamps', encodedArray(channelUpdateTimestamps, 8, 'encoded_timestamps')],
  [3, 'checksums', fixedArrayOf(channelUpdateChecksums, 8, 'checksums')],
]);

// BOLT #7: 1. type: 264 (`reply_channel_range`)
// 2. data:
//     * [`chain_hash`:`chain_hash`]
//     * [`u32`:`first_blocknum`]
//     * [`u32`:`number_of_blocks`]
//     * [`byte`:`sync_complete`]
//     * [`u16`:`len`]
//     * [`len*byte`:`encoded_short_ids`]
//     * [`reply_channel_range_tlvs`:`tlvs`]
/** `reply_channel_range` (264). */
export const replyChannelRange = msg(
  264,
  'reply_channel_range',
  [
    ['chainHash', chainHash],
    ['firstBlocknum', u32],
    ['numberOfBlocks', u32],
    ['syncComplete', u8],
    ['encodedShortIds', encodedShortIds],
  ],
  replyChannelRangeTlvs,
);

// BOLT #7: 1. type: 265 (`gossip_timestamp_filter`)
// 2. data:
//     * [`chain_hash`:`chain_hash`]
//     * [`u32`:`first_timestamp`]
//     * [`u32`:`timestamp_range`]
/** `gossip_timestamp_filter` (265): no TLVs defined; the extension is an empty declared stream. */
export const gossipTimestampFilter = msg(
  265,
  'gossip_timestamp_filter',
  [['chainHash', chainHash], ['firstTimestamp', u32], ['timestampRange', u32]],
  tlvStream('gossip_timestamp_filter_tlvs', []),
);

/** Decoded `query_short_channel_ids`. */
export type QueryShortChannelIds = MessageOf<typeof queryShortChannelIds>;
/** Decoded `reply_short_channel_ids_end`. */
export type ReplyShortChannelIdsEnd = MessageOf<typeof replyShortChannelIdsEnd>;
/** Decoded `query_channel_range`. */
export type QueryChannelRange = MessageOf<typeof queryChannelRange>;
/** Decoded `reply_channel_range`. */
export type ReplyChannelRange = MessageOf<typeof replyChannelRange>;
/** Decoded `gossip_timestamp_filter`. */
export type GossipTimestampFilter = MessageOf<typeof gossipTimestampFilter>;
