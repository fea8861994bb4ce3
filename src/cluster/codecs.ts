/**
 * @module cluster/codecs
 * Field codecs the cluster link needs beyond Lightning's: a u16-prefixed UTF-8 string and a strict
 * boolean byte. Shared by `messages.ts` and `gossip-messages.ts` (a separate module so neither imports
 * the other at load time).
 *
 * Does not: declare messages.
 */
import { WireDecodeError } from '../wire/errors.js';
import { varBytes16, type Codec } from '../wire/codec.js';

/** A UTF-8 string with a u16 length (names, reasons, addresses). Invalid UTF-8 is `invalidValue`. */
export const str16: Codec<string> = {
  encode: (w, v) => varBytes16.encode(w, new TextEncoder().encode(v)),
  decode(r) {
    const at = r.offset;
    const b = varBytes16.decode(r);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      throw new WireDecodeError('invalidValue', 'string is not valid UTF-8', at);
    }
  },
};

/** A boolean as one byte, 0 or 1; anything else is `invalidValue`. */
export const bool: Codec<boolean> = {
  encode: (w, v) => w.u8(v ? 1 : 0),
  decode(r) {
    const at = r.offset;
    const b = r.u8();
    if (b > 1) throw new WireDecodeError('invalidValue', `boolean byte ${b} is not 0 or 1`, at);
    return b === 1;
  },
};
