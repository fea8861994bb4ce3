/**
 * @module wire/messages/setup
 * BOLT 1 setup, control and peer-storage messages: init, error, warning, ping, pong, peer_storage,
 * peer_storage_retrieval, each declared once with its TLV extension.
 *
 * Spec: BOLT #1 (https://github.com/lightning/bolts/blob/master/01-messaging.md#setup-messages).
 * The spec defines a TLV stream only for `init`; the others get an empty declared stream because
 * BOLT 1 lets any message carry an `extension` TLV stream: unknown odd records are kept, unknown
 * even ones fail the decode (as eclair does).
 * Does not: check features (see `features.ts`), answer pings, or apply the 65531-byte blob limit.
 */
import { channelId, chainHash, fixedArrayOf, remainingBytes, u16, varBytes16 } from '../codec.js';
import { tlvStream } from '../tlv.js';
import type { MessageOf } from './define.js';
import { msg } from './define.js';

// BOLT #1: 1. `tlv_stream`: `init_tlvs`
// 2. types:
//     1. type: 1 (`networks`)
//     2. data:
//         * [`...*chain_hash`:`chains`]
//     1. type: 3 (`remote_addr`)
//     2. data:
//         * [`...*byte`:`data`]
/** `init_tlvs`: `networks` (chain hashes) and `remote_addr` (one raw address descriptor, see `decodeAddresses`). */
export const initTlvs = tlvStream('init_tlvs', [
  [1, 'networks', fixedArrayOf(chainHash, 32, 'networks')],
  [3, 'remoteAddr', remainingBytes],
]);

/** An extension with no declared records: only unknown odd records are accepted (and kept). */
function noTlvs(name: string) {
  return tlvStream(name, []);
}

// BOLT #1: 1. type: 16 (`init`)
// 2. data:
//    * [`u16`:`gflen`]
//    * [`gflen*byte`:`globalfeatures`]
//    * [`u16`:`flen`]
//    * [`flen*byte`:`features`]
//    * [`init_tlvs`:`tlvs`]
/** `init` (16): feature bitmaps as raw bytes (parse with `FeatureVector.fromBytes`). */
export const init = msg(16, 'init', [['globalfeatures', varBytes16], ['features', varBytes16]], initTlvs);

// BOLT #1: 1. type: 17 (`error`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u16`:`len`]
//    * [`len*byte`:`data`]
/** `error` (17). */
export const error = msg(17, 'error', [['channelId', channelId], ['data', varBytes16]], noTlvs('error_tlvs'));

// BOLT #1: 1. type: 1 (`warning`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u16`:`len`]
//    * [`len*byte`:`data`]
/** `warning` (1). */
export const warning = msg(1, 'warning', [['channelId', channelId], ['data', varBytes16]], noTlvs('warning_tlvs'));

// BOLT #1: 1. type: 18 (`ping`)
// 2. data:
//     * [`u16`:`num_pong_bytes`]
//     * [`u16`:`byteslen`]
//     * [`byteslen*byte`:`ignored`]
/** `ping` (18). */
export const ping = msg(18, 'ping', [['numPongBytes', u16], ['ignored', varBytes16]], noTlvs('ping_tlvs'));

// BOLT #1: 1. type: 19 (`pong`)
// 2. data:
//     * [`u16`:`byteslen`]
//     * [`byteslen*byte`:`ignored`]
/** `pong` (19). */
export const pong = msg(19, 'pong', [['ignored', varBytes16]], noTlvs('pong_tlvs'));

// BOLT #1: 1. type: 7 (`peer_storage`)
// 2. data:
//     * [`u16`:`length`]
//     * [`length*byte`:`blob`]
/** `peer_storage` (7). */
export const peerStorage = msg(7, 'peer_storage', [['blob', varBytes16]], noTlvs('peer_storage_tlvs'));

// BOLT #1: 1. type: 9 (`peer_storage_retrieval`)
// 2. data:
//     * [`u16`:`length`]
//     * [`length*byte`:`blob`]
/** `peer_storage_retrieval` (9). */
export const peerStorageRetrieval = msg(9, 'peer_storage_retrieval', [['blob', varBytes16]], noTlvs('peer_storage_retrieval_tlvs'));

/** Decoded `init`. */
export type Init = MessageOf<typeof init>;
/** Decoded `error`. */
export type ErrorMessage = MessageOf<typeof error>;
/** Decoded `warning`. */
export type Warning = MessageOf<typeof warning>;
/** Decoded `ping`. */
export type Ping = MessageOf<typeof ping>;
/** Decoded `pong`. */
export type Pong = MessageOf<typeof pong>;
/** Decoded `peer_storage`. */
export type PeerStorage = MessageOf<typeof peerStorage>;
/** Decoded `peer_storage_retrieval`. */
export type PeerStorageRetrieval = MessageOf<typeof peerStorageRetrieval>;
