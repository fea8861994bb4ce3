/**
 * @module wire/bigsize
 * BigSize: Bitcoin's CompactSize, big-endian, with minimal encoding enforced on decode.
 *
 * Spec: BOLT #1 Appendix A (https://github.com/lightning/bolts/blob/master/01-messaging.md#appendix-a-bigsize-test-vectors).
 * Does not: accept non-minimal encodings (ever: TLV types, lengths, query flags all require minimal).
 */
import type { Codec } from './codec.js';
import { WireDecodeError, WireEncodeError } from './errors.js';

// BOLT #1: Values encoded with BigSize will produce an encoding of either 1, 3, 5, or 9
// bytes depending on the size of the integer.
/** Encoded size in bytes (1, 3, 5 or 9) of a BigSize value. */
export function bigSizeLength(v: bigint): 1 | 3 | 5 | 9 {
  return v < 0xfdn ? 1 : v < 0x10000n ? 3 : v < 0x100000000n ? 5 : 9;
}

/** `bigsize` as bigint (full u64 range). */
export const bigSize: Codec<bigint> = {
  encode(w, v) {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new WireEncodeError(`bigsize out of range: ${v}`);
    switch (bigSizeLength(v)) {
      case 1:
        return w.u8(Number(v));
      case 3:
        w.u8(0xfd);
        return w.u16(Number(v));
      case 5:
        w.u8(0xfe);
        return w.u32(Number(v));
      case 9:
        w.u8(0xff);
        return w.u64(v);
    }
  },
  decode(r) {
    const at = r.offset;
    const head = r.u8();
    // BOLT #1: All values
    // decoded with BigSize should be checked to ensure they are minimally encoded.
    let v: bigint;
    let min: bigint;
    if (head < 0xfd) return BigInt(head);
    if (head === 0xfd) [v, min] = [BigInt(r.u16()), 0xfdn];
    else if (head === 0xfe) [v, min] = [BigInt(r.u32()), 0x10000n];
    else [v, min] = [r.u64(), 0x100000000n];
    if (v < min) throw new WireDecodeError('nonCanonical', `bigsize ${v} is not minimally encoded`, at);
    return v;
  },
};
