/**
 * @module wire/checksum
 * CRC32C (Castagnoli), table-driven, and the channel_update checksum that reply_channel_range's
 * `checksums_tlv` carries.
 *
 * Spec: BOLT #7 "The query_channel_range and reply_channel_range Messages"; CRC32C per RFC 3720
 * Appendix B.4 (reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF).
 * Does not: use hardware CRC instructions (not reachable from JS); ~1 byte per table lookup is plenty
 * for 136-byte updates.
 */
import { WireDecodeError } from './errors.js';

/** Reflected Castagnoli polynomial (RFC 3720 B.4: 0x1EDC6F41 bit-reversed). */
const CASTAGNOLI_REFLECTED = 0x82f63b78;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC32C of `data`. Pass a previous result as `crc` to continue over several parts:
 * `crc32c(b, crc32c(a)) === crc32c(a ‖ b)`.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Full-message offsets (2-byte type included) of the channel_update fields the checksum skips. */
export const CHANNEL_UPDATE_LAYOUT = {
  /** Type (2) + signature (64): chain_hash starts here. */
  chainHashOffset: 66,
  /** chain_hash (32) + short_channel_id (8) later: the 4-byte timestamp starts here. */
  timestampOffset: 106,
  /** message_flags starts here, right after the timestamp. */
  afterTimestampOffset: 110,
  /** Shortest well-formed channel_update without htlc_maximum_msat (legacy). */
  minLength: 2 + 128,
} as const;

// BOLT #7: The checksum of a `channel_update` is the CRC32C checksum as specified in [RFC3720](https://tools.ietf.org/html/rfc3720#appendix-B.4) of this `channel_update` without its `signature` and `timestamp` fields.
/**
 * Checksum of an encoded channel_update (full message, type included): CRC32C over chain_hash and
 * short_channel_id, then everything after the timestamp (trailing extension bytes included); the
 * 2-byte type, the signature and the timestamp are left out (as Core Lightning's `crc32_of_update`).
 */
export function channelUpdateChecksum(message: Uint8Array): number {
  const L = CHANNEL_UPDATE_LAYOUT;
  if (message.length < L.minLength) throw new WireDecodeError('shortRead', `channel_update of ${message.length} bytes`);
  if (((message[0]! << 8) | message[1]!) !== 258) throw new WireDecodeError('invalidValue', 'not a channel_update');
  const head = crc32c(message.subarray(L.chainHashOffset, L.timestampOffset));
  return crc32c(message.subarray(L.afterTimestampOffset), head);
}
