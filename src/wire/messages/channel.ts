/**
 * @module wire/messages/channel
 * BOLT 2 channel messages, each declared once with its TLV extension (STYLE rule 3): establishment v1
 * (open_channel 32, accept_channel 33, funding_created 34, funding_signed 35, channel_ready 36) and
 * close (shutdown 38, closing_signed 39, closing_complete 40, closing_sig 41) here; normal operation
 * (128-136) in `./channel-updates.ts`, re-exported here with the list of all of them.
 * announcement_signatures (259) is declared with the gossip family (`gossip.ts`).
 *
 * Spec: BOLT #2 (https://github.com/lightning/bolts/blob/master/02-peer-protocol.md).
 * Every extension is a strict, lossless TLV stream: declared records are typed, unknown odd records are
 * kept and re-emitted (e.g. a future record on update_add_htlc survives a relay), unknown even ones fail.
 * `channel_type` and `upfront_shutdown_script` stay raw bytes (parse with `parseChannelType`; an empty
 * `upfront_shutdown_script` means "no script" and must round-trip as sent).
 * Does not: validate values (channel reserve vs dust, feerates, keys on the curve...: see
 * `src/channel/machine`), parse the onion (BOLT 4), or cover dual funding / splicing / quiescence.
 */
import { chainHash, channelId, point, remainingBytes, sha256Hash, signature, struct, u16, u32, u64, u8, varBytes16 } from '../codec.js';
import { shortChannelId } from '../scid.js';
import { tlvStream } from '../tlv.js';
import type { MessageOf } from './define.js';
import { msg } from './define.js';
import {
  bytes32, channelReestablish, commitmentSigned, noTlvs, revokeAndAck, updateAddHtlc, updateFailHtlc, updateFailMalformedHtlc, updateFee, updateFulfillHtlc,
} from './channel-updates.js';

export * from './channel-updates.js';

/** The first fields shared by open_channel and accept_channel after the amounts (the announced keys). */
const BASEPOINTS = [
  ['fundingPubkey', point],
  ['revocationBasepoint', point],
  ['paymentBasepoint', point],
  ['delayedPaymentBasepoint', point],
  ['htlcBasepoint', point],
  ['firstPerCommitmentPoint', point],
] as const;

// BOLT #2: 1. `tlv_stream`: `open_channel_tlvs`
// 2. types:
//     1. type: 0 (`upfront_shutdown_script`)
//     2. data:
//         * [`...*byte`:`shutdown_scriptpubkey`]
//     1. type: 1 (`channel_type`)
//     2. data:
//         * [`...*byte`:`type`]
/** `open_channel_tlvs` (and, with the same records, `accept_channel_tlvs`). */
export const openChannelTlvs = tlvStream('open_channel_tlvs', [
  [0, 'upfrontShutdownScript', remainingBytes],
  [1, 'channelType', remainingBytes],
]);
/** `accept_channel_tlvs`: the same records as `open_channel_tlvs`. */
export const acceptChannelTlvs = tlvStream('accept_channel_tlvs', openChannelTlvs.records);

// BOLT #2: 1. type: 32 (`open_channel`)
/** `open_channel` (32): the funder proposes a channel. */
export const openChannel = msg(
  32,
  'open_channel',
  [
    ['chainHash', chainHash],
    ['temporaryChannelId', bytes32],
    ['fundingSatoshis', u64],
    ['pushMsat', u64],
    ['dustLimitSatoshis', u64],
    ['maxHtlcValueInFlightMsat', u64],
    ['channelReserveSatoshis', u64],
    ['htlcMinimumMsat', u64],
    ['feeratePerKw', u32],
    ['toSelfDelay', u16],
    ['maxAcceptedHtlcs', u16],
    ...BASEPOINTS,
    ['channelFlags', u8],
  ],
  openChannelTlvs,
);

// BOLT #2: 1. type: 33 (`accept_channel`)
/** `accept_channel` (33): the fundee accepts, with its own limits and keys. */
export const acceptChannel = msg(
  33,
  'accept_channel',
  [
    ['temporaryChannelId', bytes32],
    ['dustLimitSatoshis', u64],
    ['maxHtlcValueInFlightMsat', u64],
    ['channelReserveSatoshis', u64],
    ['htlcMinimumMsat', u64],
    ['minimumDepth', u32],
    ['toSelfDelay', u16],
    ['maxAcceptedHtlcs', u16],
    ...BASEPOINTS,
  ],
  acceptChannelTlvs,
);

// BOLT #2: 1. type: 34 (`funding_created`)
// 2. data:
//     * [`32*byte`:`temporary_channel_id`]
//     * [`sha256`:`funding_txid`]
//     * [`u16`:`funding_output_index`]
//     * [`signature`:`signature`]
/** `funding_created` (34): the funding outpoint and the funder's signature of the fundee's first commitment. */
export const fundingCreated = msg(
  34,
  'funding_created',
  [
    ['temporaryChannelId', bytes32],
    ['fundingTxid', sha256Hash],
    ['fundingOutputIndex', u16],
    ['signature', signature],
  ],
  noTlvs('funding_created_tlvs'),
);

// BOLT #2: 1. type: 35 (`funding_signed`)
// 2. data:
//     * [`channel_id`:`channel_id`]
//     * [`signature`:`signature`]
/** `funding_signed` (35): the fundee's signature of the funder's first commitment. */
export const fundingSigned = msg(35, 'funding_signed', [['channelId', channelId], ['signature', signature]], noTlvs('funding_signed_tlvs'));

// BOLT #2: 1. `tlv_stream`: `channel_ready_tlvs`
// 2. types:
//     1. type: 1 (`short_channel_id`)
//     2. data:
//         * [`short_channel_id`:`alias`]
/** `channel_ready_tlvs`: the scid alias the sender will accept for routing. */
export const channelReadyTlvs = tlvStream('channel_ready_tlvs', [[1, 'shortChannelId', shortChannelId]]);

// BOLT #2: 1. type: 36 (`channel_ready`)
// 2. data:
//     * [`channel_id`:`channel_id`]
//     * [`point`:`second_per_commitment_point`]
//     * [`channel_ready_tlvs`:`tlvs`]
/** `channel_ready` (36): the funding is deep enough for the sender; carries its next per-commitment point. */
export const channelReady = msg(36, 'channel_ready', [['channelId', channelId], ['secondPerCommitmentPoint', point]], channelReadyTlvs);

// BOLT #2: 1. type: 38 (`shutdown`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u16`:`len`]
//    * [`len*byte`:`scriptpubkey`]
/** `shutdown` (38): start a mutual close, paying the sender to `scriptpubkey`. */
export const shutdown = msg(38, 'shutdown', [['channelId', channelId], ['scriptpubkey', varBytes16]], noTlvs('shutdown_tlvs'));

// BOLT #2: 1. `tlv_stream`: `closing_signed_tlvs`
// 2. types:
//     1. type: 1 (`fee_range`)
//     2. data:
//         * [`u64`:`min_fee_satoshis`]
//         * [`u64`:`max_fee_satoshis`]
/** `closing_signed_tlvs`: the fee range the sender accepts. */
export const closingSignedTlvs = tlvStream('closing_signed_tlvs', [
  [1, 'feeRange', struct([['minFeeSatoshis', u64], ['maxFeeSatoshis', u64]])],
]);

// BOLT #2: 1. type: 39 (`closing_signed`)
// 2. data:
//    * [`channel_id`:`channel_id`]
//    * [`u64`:`fee_satoshis`]
//    * [`signature`:`signature`]
//    * [`closing_signed_tlvs`:`tlvs`]
/** `closing_signed` (39): a proposed closing fee and the sender's signature of that closing transaction. */
export const closingSigned = msg(
  39,
  'closing_signed',
  [['channelId', channelId], ['feeSatoshis', u64], ['signature', signature]],
  closingSignedTlvs,
);

// BOLT #2: 1. `tlv_stream`: `closing_tlvs`
// 2. types:
//     1. type: 1 (`closer_output_only`)
//     2. data:
//         * [`signature`:`sig`]
//     1. type: 2 (`closee_output_only`)
//     2. data:
//         * [`signature`:`sig`]
//     1. type: 3 (`closer_and_closee_outputs`)
//     2. data:
//         * [`signature`:`sig`]
/** `closing_tlvs` (option_simple_close): one signature per closing-transaction variant. */
export const closingTlvs = tlvStream('closing_tlvs', [
  [1, 'closerOutputOnly', signature],
  [2, 'closeeOutputOnly', signature],
  [3, 'closerAndCloseeOutputs', signature],
]);

// BOLT #2: * [`u16`:`closer_scriptpubkey_len`]
//    * [`closer_scriptpubkey_len*byte`:`closer_scriptpubkey`]
//    * [`u16`:`closee_scriptpubkey_len`]
//    * [`closee_scriptpubkey_len*byte`:`closee_scriptpubkey`]
//    * [`u64`:`fee_satoshis`]
//    * [`u32`:`locktime`]
const SIMPLE_CLOSE_FIELDS = [
  ['channelId', channelId],
  ['closerScriptpubkey', varBytes16],
  ['closeeScriptpubkey', varBytes16],
  ['feeSatoshis', u64],
  ['locktime', u32],
] as const;

// BOLT #2: 1. type: 40 (`closing_complete`)
/** `closing_complete` (40, option_simple_close): the closer pays `fee_satoshis` and signs its variants. */
export const closingComplete = msg(40, 'closing_complete', SIMPLE_CLOSE_FIELDS, closingTlvs);

// BOLT #2: 1. type: 41 (`closing_sig`)
/** `closing_sig` (41, option_simple_close): the closee's signature of one variant of the closer's transaction. */
export const closingSig = msg(41, 'closing_sig', SIMPLE_CLOSE_FIELDS, closingTlvs);

/** Every BOLT 2 message declared here, in type order (the registry includes them). */
export const CHANNEL_MESSAGE_DEFS = [
  openChannel,
  acceptChannel,
  fundingCreated,
  fundingSigned,
  channelReady,
  shutdown,
  closingSigned,
  closingComplete,
  closingSig,
  updateAddHtlc,
  updateFulfillHtlc,
  updateFailHtlc,
  commitmentSigned,
  revokeAndAck,
  updateFee,
  updateFailMalformedHtlc,
  channelReestablish,
] as const;

/** Decoded `open_channel`. */
export type OpenChannel = MessageOf<typeof openChannel>;
/** Decoded `accept_channel`. */
export type AcceptChannel = MessageOf<typeof acceptChannel>;
/** Decoded `funding_created`. */
export type FundingCreated = MessageOf<typeof fundingCreated>;
/** Decoded `funding_signed`. */
export type FundingSigned = MessageOf<typeof fundingSigned>;
/** Decoded `channel_ready`. */
export type ChannelReady = MessageOf<typeof channelReady>;
/** Decoded `shutdown`. */
export type Shutdown = MessageOf<typeof shutdown>;
/** Decoded `closing_signed`. */
export type ClosingSigned = MessageOf<typeof closingSigned>;
/** Decoded `closing_complete`. */
export type ClosingComplete = MessageOf<typeof closingComplete>;
/** Decoded `closing_sig`. */
export type ClosingSig = MessageOf<typeof closingSig>;
/** Decoded `update_add_htlc`. */
export type UpdateAddHtlc = MessageOf<typeof updateAddHtlc>;
/** Decoded `update_fulfill_htlc`. */
export type UpdateFulfillHtlc = MessageOf<typeof updateFulfillHtlc>;
/** Decoded `update_fail_htlc`. */
export type UpdateFailHtlc = MessageOf<typeof updateFailHtlc>;
/** Decoded `commitment_signed`. */
export type CommitmentSigned = MessageOf<typeof commitmentSigned>;
/** Decoded `revoke_and_ack`. */
export type RevokeAndAck = MessageOf<typeof revokeAndAck>;
/** Decoded `update_fee`. */
export type UpdateFee = MessageOf<typeof updateFee>;
/** Decoded `update_fail_malformed_htlc`. */
export type UpdateFailMalformedHtlc = MessageOf<typeof updateFailMalformedHtlc>;
/** Decoded `channel_reestablish`. */
export type ChannelReestablish = MessageOf<typeof channelReestablish>;
/** Any decoded BOLT 2 message declared here. */
export type ChannelMessage = MessageOf<(typeof CHANNEL_MESSAGE_DEFS)[number]>;
