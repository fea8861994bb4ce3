/**
 * @module back/channels-stub
 * The backend's BOLT 2 placeholder until the channel state machine exists: an incoming
 * `open_channel` (32) or `open_channel2` (64) is answered with a BOLT 1 `error` for its
 * `temporary_channel_id`, "channels not supported yet", so the opener fails fast instead of timing out.
 *
 * Offsets (test/vectors/bolt/bolt-wire-formats.json at the pinned commit): both messages start with
 * `chain_hash` (32 bytes at payload offset 0) followed by `temporary_channel_id` (32 bytes at offset
 * 32); after the 2-byte type that is bytes 34..66 of the message.
 *
 * Pure. Does not: decode the rest of the messages, or keep any channel state.
 */
import { encodeMessage } from '../wire/index.js';

/** `open_channel`, `open_channel2` message types (BOLT 2). */
export const OPEN_CHANNEL_TYPES = { open_channel: 32, open_channel2: 64 } as const;
/** The `error` data we send. */
export const CHANNELS_UNSUPPORTED = 'channels not supported yet';

const TYPE_BYTES = 2;
const TEMP_ID_START = TYPE_BYTES + 32;
const TEMP_ID_END = TEMP_ID_START + 32;

/** What the stub makes of one peer message. */
export type StubAnswer =
  | { readonly kind: 'reply'; readonly message: Uint8Array; readonly temporaryChannelId: Uint8Array }
  | { readonly kind: 'ignore'; readonly type: number | undefined };

/** The stub's answer to a raw Lightning message (type included). */
export function answerPeerMessage(message: Uint8Array): StubAnswer {
  const type = message.length >= TYPE_BYTES ? (message[0]! << 8) | message[1]! : undefined;
  if ((type !== OPEN_CHANNEL_TYPES.open_channel && type !== OPEN_CHANNEL_TYPES.open_channel2) || message.length < TEMP_ID_END) {
    return { kind: 'ignore', type };
  }
  const temporaryChannelId = message.slice(TEMP_ID_START, TEMP_ID_END);
  const reply = encodeMessage({ name: 'error', channelId: temporaryChannelId, data: new TextEncoder().encode(CHANNELS_UNSUPPORTED), tlvs: {} });
  return { kind: 'reply', message: reply, temporaryChannelId };
}
