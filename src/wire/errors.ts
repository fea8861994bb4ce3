/**
 * @module wire/errors
 * The one error every `src/wire` decoder throws (`WireDecodeError`), and the error encoders throw when
 * handed a value the wire cannot carry (`WireEncodeError`).
 *
 * Spec: BOLT #1 "Lightning Message Format" and "Type-Length-Value Format" (receiver requirements).
 * `kind` is a closed set (STYLE rule 5) so peer code can map it to an action without parsing text:
 *
 * | kind                     | meaning                                                          |
 * |--------------------------|------------------------------------------------------------------|
 * | `shortRead`              | the bytes ended before a field did                               |
 * | `badLength`              | a length is wrong for its content (TLV value size, array stride) |
 * | `nonCanonical`           | a BigSize, tu16/32/64 or flag is not minimally encoded           |
 * | `invalidValue`           | bytes are complete but not allowed (bad point prefix, TLV order) |
 * | `unknownEvenType`        | an unknown even TLV record ("it's ok to be odd" violated)        |
 * | `unknownRequiredFeature` | an unknown even feature bit is set                               |
 * | `unsupportedEncoding`    | an `encoded_*` array uses an encoding we do not implement (zlib) |
 *
 * Does not: decide what to do with the peer (warning, disconnect): that is the caller's policy.
 */
import { LnfleetError } from '../errors.js';

/** The closed set of reasons a wire decode can fail. */
export const WIRE_DECODE_KINDS = [
  'shortRead',
  'badLength',
  'nonCanonical',
  'invalidValue',
  'unknownEvenType',
  'unknownRequiredFeature',
  'unsupportedEncoding',
] as const;

/** One of {@link WIRE_DECODE_KINDS}. */
export type WireDecodeKind = (typeof WIRE_DECODE_KINDS)[number];

/**
 * Thrown by every decoder in `src/wire` and by nothing else there. `kind` says what went wrong,
 * `offset` (when known) is the byte offset in the buffer being decoded. Tests assert on `code`/`kind`.
 */
export class WireDecodeError extends LnfleetError<'WIRE_DECODE'> {
  /** Why decoding failed (closed set). */
  readonly kind: WireDecodeKind;
  /** Byte offset in the decoded buffer where the problem was found, if known. */
  readonly offset: number | undefined;

  constructor(kind: WireDecodeKind, message: string, offset?: number, options?: { cause?: unknown }) {
    super('WIRE_DECODE', `${kind}: ${message}${offset === undefined ? '' : ` (at byte ${offset})`}`, options);
    this.kind = kind;
    this.offset = offset;
  }
}

/**
 * Thrown by encoders when a value cannot be represented (e.g. a u16 of 70000, a 32-byte "point").
 * This is a programming error in the caller, never a peer's fault: fix the value, do not retry.
 */
export class WireEncodeError extends LnfleetError<'WIRE_ENCODE'> {
  constructor(message: string) {
    super('WIRE_ENCODE', message);
  }
}
