/**
 * @module wire/scid
 * `short_channel_id`: a u64 (bigint) packing block height, transaction index and output index, with
 * helpers for its parts and its `BLOCKxTXxOUT` text form.
 *
 * Spec: BOLT #7 "Definition of short_channel_id" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#definition-of-short_channel_id).
 * Does not: check that the output exists on chain (that is `src/gossip` + the chain source).
 */
import type { Codec } from './codec.js';
import { WireEncodeError } from './errors.js';

/** A short_channel_id as its u64 value. */
export type ShortChannelId = bigint;

/** The largest block height / tx index a short_channel_id can hold (3 bytes each). */
export const SCID_MAX_BLOCK = 0xffffff;
/** The largest output index a short_channel_id can hold (2 bytes). */
export const SCID_MAX_OUTPUT = 0xffff;

/** `short_channel_id` codec (8 bytes, big-endian u64). */
export const shortChannelId: Codec<ShortChannelId> = {
  encode: (w, v) => w.u64(v),
  decode: (r) => r.u64(),
};

// BOLT #7: 1. the most significant 3 bytes: indicating the block height
//   2. the next 3 bytes: indicating the transaction index within the block
//   3. the least significant 2 bytes: indicating the output index that pays to the channel.
/** Builds a short_channel_id from block height, transaction index and output index. */
export function scidFromParts(block: number, txIndex: number, outputIndex: number): ShortChannelId {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 0 && v <= max;
  if (!ok(block, SCID_MAX_BLOCK) || !ok(txIndex, SCID_MAX_BLOCK) || !ok(outputIndex, SCID_MAX_OUTPUT)) {
    throw new WireEncodeError(`short_channel_id part out of range: ${block}x${txIndex}x${outputIndex}`);
  }
  return (BigInt(block) << 40n) | (BigInt(txIndex) << 16n) | BigInt(outputIndex);
}

/** Block height (top 3 bytes). */
export function scidBlock(s: ShortChannelId): number {
  return Number((s >> 40n) & 0xffffffn);
}

/** Transaction index within the block (middle 3 bytes). */
export function scidTxIndex(s: ShortChannelId): number {
  return Number((s >> 16n) & 0xffffffn);
}

/** Output index (low 2 bytes). */
export function scidOutputIndex(s: ShortChannelId): number {
  return Number(s & 0xffffn);
}

// BOLT #7: Each component is printed as a decimal number,
// and separated from each other by the small letter `x`.
/** Text form `BLOCKxTXxOUT`, e.g. `539268x845x1`. */
export function scidToString(s: ShortChannelId): string {
  return `${scidBlock(s)}x${scidTxIndex(s)}x${scidOutputIndex(s)}`;
}

/** Parses `BLOCKxTXxOUT` (decimal, no signs or spaces); returns undefined if malformed or out of range. */
export function parseScid(text: string): ShortChannelId | undefined {
  const m = /^(0|[1-9][0-9]{0,7})x(0|[1-9][0-9]{0,7})x(0|[1-9][0-9]{0,4})$/.exec(text);
  if (!m) return undefined;
  const [b, t, o] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (b > SCID_MAX_BLOCK || t > SCID_MAX_BLOCK || o > SCID_MAX_OUTPUT) return undefined;
  return scidFromParts(b, t, o);
}
