/**
 * @module wire/messages/channel-updates
 * BOLT 2 normal-operation messages, each declared once with its TLV extension (STYLE rule 3):
 * update_add_htlc 128, update_fulfill_htlc 130, update_fail_htlc 131, commitment_signed 132,
 * revoke_and_ack 133, update_fee 134, update_fail_malformed_htlc 135, channel_reestablish 136.
 * The establishment and close messages are in `./channel.ts`, which re-exports these.
 *
 * Spec: BOLT #2 (https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation).
 * Does not: validate values (the commitments ledger does) or parse the onion (BOLT 4).
 */
import type { Codec } from '../codec.js';
import { bytes, channelId, point, sha256Hash, signature, struct, u16, u32, u64, u8, varBytes16 } from '../codec.js';
import { WireEncodeError } from '../errors.js';
import { tlvStream } from '../tlv.js';
import { msg } from './define.js';

/** A `32*byte` field that is not a channel_id or a hash: temporary_channel_id, preimages and secrets. */
export const bytes32: Codec<Uint8Array> = bytes(32, '32-byte field');

/** An extension with no declared records: only unknown odd records are accepted (and kept). */
export const noTlvs = (name: string) => tlvStream(name, []);

// BOLT #2: * [`u32`:`cltv_expiry`]
//    * [`1366*byte`:`onion_routing_packet`]
/** Size of `onion_routing_packet` in update_add_htlc, in bytes (BOLT 4: 1 + 33 + 1300 + 32). */
export const ONION_ROUTING_PACKET_SIZE = 1366;
/** `1366*byte`: the HTLC's onion, opaque here (BOLT 4 parses it). */
export const onionRoutingPacket: Codec<Uint8Array> = bytes(ONION_ROUTING_PACKET_SIZE, 'onion_routing_packet');

/** `[u16:num_htlcs][num_htlcs*signature:htlc_signature]`: one signature per HTLC output, count first. */
export const htlcSignatures: Codec<Uint8Array[]> = {
  encode(w, sigs) {
    if (!Array.isArray(sigs) || sigs.length > 0xffff) throw new WireEncodeError('htlc_signature: expected at most 65535 signatures');
    w.u16(sigs.length);
    for (const s of sigs) signature.encode(w, s);
  },
  decode(r) {
    const n = r.u16();
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) out.push(signature.decode(r));
    return out;
  },
};

// BOLT #2: * [`20*u32`:`htlc_hold_times`]
//         * [`210*sha256[..4]`:`truncated_hmacs`]
/** `attribution_data` (attributable failures, BOLT 4): hold times (80 bytes) and truncated HMACs (840 bytes), kept raw. */
const attributionData = struct([
  ['htlcHoldTimes', bytes(20 * 4, 'htlc_hold_times')],
  ['truncatedHmacs', bytes(210 * 4, 'truncated_hmacs')],
]);

// BOLT #2: 1. `tlv_stream`: `update_add_htlc_tlvs`
// 2. types:
//     1. type: 0 (`blinded_path`)
//     2. data:
//         * [`point`:`path_key`]
/** `update_add_htlc_tlvs`: the path key of a blinded route. */
export const updateAddHtlcTlvs = tlvStream('update_add_htlc_tlvs', [[0, 'blindedPath', struct([['pathKey', point]])]]);

// BOLT #2: 1. type: 128 (`update_add_htlc`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u64`:`id`]
//    * [`u64`:`amount_msat`]
//    * [`sha256`:`payment_hash`]
//    * [`u32`:`cltv_expiry`]
//    * [`1366*byte`:`onion_routing_packet`]
/** `update_add_htlc` (128): offer an HTLC. */
export const updateAddHtlc = msg(
  128,
  'update_add_htlc',
  [
    ['channelId', channelId],
    ['id', u64],
    ['amountMsat', u64],
    ['paymentHash', sha256Hash],
    ['cltvExpiry', u32],
    ['onionRoutingPacket', onionRoutingPacket],
  ],
  updateAddHtlcTlvs,
);

/** `update_fulfill_htlc_tlvs` / `update_fail_htlc_tlvs`: attribution data for attributable failures. */
export const updateFulfillHtlcTlvs = tlvStream('update_fulfill_htlc_tlvs', [[1, 'attributionData', attributionData]]);
/** `update_fail_htlc_tlvs`: the same record as `update_fulfill_htlc_tlvs`. */
export const updateFailHtlcTlvs = tlvStream('update_fail_htlc_tlvs', updateFulfillHtlcTlvs.records);

// BOLT #2: 1. type: 130 (`update_fulfill_htlc`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u64`:`id`]
//    * [`32*byte`:`payment_preimage`]
/** `update_fulfill_htlc` (130): settle an HTLC with its preimage. */
export const updateFulfillHtlc = msg(
  130,
  'update_fulfill_htlc',
  [['channelId', channelId], ['id', u64], ['paymentPreimage', bytes32]],
  updateFulfillHtlcTlvs,
);

// BOLT #2: 1. type: 131 (`update_fail_htlc`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u64`:`id`]
//    * [`u16`:`len`]
//    * [`len*byte`:`reason`]
/** `update_fail_htlc` (131): fail an HTLC with an onion-encrypted reason. */
export const updateFailHtlc = msg(131, 'update_fail_htlc', [['channelId', channelId], ['id', u64], ['reason', varBytes16]], updateFailHtlcTlvs);

// BOLT #2: 1. `tlv_stream`: `commitment_signed_tlvs`
// 2. types:
//    1. type: 1 (`funding_txid`)
//    2. data:
//      * [`sha256`:`funding_txid`]
/** `commitment_signed_tlvs`: which funding a signature is for (splicing). */
export const commitmentSignedTlvs = tlvStream('commitment_signed_tlvs', [[1, 'fundingTxid', sha256Hash]]);

// BOLT #2: 1. type: 132 (`commitment_signed`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`signature`:`signature`]
//    * [`u16`:`num_htlcs`]
//    * [`num_htlcs*signature`:`htlc_signature`]
//    * [`commitment_signed_tlvs`:`tlvs`]
/** `commitment_signed` (132): signatures of the receiver's next commitment and of its HTLC transactions. */
export const commitmentSigned = msg(
  132,
  'commitment_signed',
  [['channelId', channelId], ['signature', signature], ['htlcSignature', htlcSignatures]],
  commitmentSignedTlvs,
);

// BOLT #2: 1. type: 133 (`revoke_and_ack`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`32*byte`:`per_commitment_secret`]
//    * [`point`:`next_per_commitment_point`]
/** `revoke_and_ack` (133): revoke the previous commitment and give the next per-commitment point. */
export const revokeAndAck = msg(
  133,
  'revoke_and_ack',
  [['channelId', channelId], ['perCommitmentSecret', bytes32], ['nextPerCommitmentPoint', point]],
  noTlvs('revoke_and_ack_tlvs'),
);

// BOLT #2: 1. type: 134 (`update_fee`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u32`:`feerate_per_kw`]
/** `update_fee` (134): the funder changes the commitment feerate. */
export const updateFee = msg(134, 'update_fee', [['channelId', channelId], ['feeratePerKw', u32]], noTlvs('update_fee_tlvs'));

// BOLT #2: 1. type: 135 (`update_fail_malformed_htlc`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u64`:`id`]
//    * [`sha256`:`sha256_of_onion`]
//    * [`u16`:`failure_code`]
/** `update_fail_malformed_htlc` (135): fail an HTLC whose onion we could not parse. */
export const updateFailMalformedHtlc = msg(
  135,
  'update_fail_malformed_htlc',
  [['channelId', channelId], ['id', u64], ['sha256OfOnion', sha256Hash], ['failureCode', u16]],
  noTlvs('update_fail_malformed_htlc_tlvs'),
);

// BOLT #2: 1. `tlv_stream`: `channel_reestablish_tlvs`
// 2. types:
//     1. type: 1 (`next_funding`)
//     2. data:
//         * [`sha256`:`next_funding_txid`]
//         * [`byte`:`retransmit_flags`]
//     1. type: 5 (`my_current_funding_locked`)
//     2. data:
//         * [`sha256`:`my_current_funding_locked_txid`]
//         * [`byte`:`retransmit_flags`]
/** `channel_reestablish_tlvs` (dual funding / splicing; kept so that a peer using them is understood). */
export const channelReestablishTlvs = tlvStream('channel_reestablish_tlvs', [
  [1, 'nextFunding', struct([['nextFundingTxid', sha256Hash], ['retransmitFlags', u8]])],
  [5, 'myCurrentFundingLocked', struct([['myCurrentFundingLockedTxid', sha256Hash], ['retransmitFlags', u8]])],
]);

// BOLT #2: 1. type: 136 (`channel_reestablish`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u64`:`next_commitment_number`]
//    * [`u64`:`next_revocation_number`]
//    * [`32*byte`:`your_last_per_commitment_secret`]
//    * [`point`:`my_current_per_commitment_point`]
/** `channel_reestablish` (136): after a reconnection, where each side's commitment chain stands. */
export const channelReestablish = msg(
  136,
  'channel_reestablish',
  [
    ['channelId', channelId],
    ['nextCommitmentNumber', u64],
    ['nextRevocationNumber', u64],
    ['yourLastPerCommitmentSecret', bytes32],
    ['myCurrentPerCommitmentPoint', point],
  ],
  channelReestablishTlvs,
);

