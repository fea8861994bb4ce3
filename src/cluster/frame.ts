/**
 * @module cluster/frame
 * Framing of the cluster link (front ↔ backend over mutual TLS): `u32 length | u16 type | payload`.
 *
 * `length` counts the type and the payload (so the smallest frame is 6 bytes on the wire). The payload
 * of every message ends in a TLV stream (declared with `src/wire`), so fields can be added without a
 * version break; the protocol version itself is exchanged once, in `hello`, not repeated per frame.
 * `FrameDecoder` is sans-I/O: feed it TLS chunks split anywhere, take whole frames out.
 *
 * Does not: interpret payloads (see `cluster/messages`), or touch sockets.
 */
import { LnfleetError } from '../errors.js';
import { MAX_LINK_FRAME_BYTES } from './constants.js';
import { Writer } from '../wire/reader.js';
import { readU32BE, writeU32BE } from '../bytes.js';

/** One frame off the link: the message type and its payload bytes. */
export interface Frame {
  readonly type: number;
  readonly payload: Uint8Array;
}

/** A frame that breaks the framing rules. The link is closed: nothing after it can be trusted. */
export class FrameError extends LnfleetError<'LINK_FRAME'> {
  readonly kind: 'tooLarge' | 'tooSmall';
  constructor(kind: 'tooLarge' | 'tooSmall', message: string) {
    super('LINK_FRAME', message);
    this.kind = kind;
  }
}

const HEADER = 4;
const TYPE = 2;

/** Bytes before a frame's payload: u32 length, u16 type. */
export const FRAME_PREFIX_BYTES = HEADER + TYPE;

/**
 * Writes the prefix of a frame whose payload is `payloadBytes` long into `out` at 0 (for a caller that
 * fills the payload in itself). Within `MAX_LINK_FRAME_BYTES`: the caller's message bounds its size.
 */
export function writeFramePrefix(out: Uint8Array, type: number, payloadBytes: number): void {
  writeU32BE(out, 0, TYPE + payloadBytes);
  out[4] = type >>> 8;
  out[5] = type & 0xff;
}

/** Encodes one frame. Throws `FrameError` if the payload would exceed `MAX_LINK_FRAME_BYTES`. */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const w = new Writer(FRAME_PREFIX_BYTES + payload.length);
  beginFrame(w, type);
  w.bytes(payload);
  return endFrame(w.finish());
}

/**
 * Writes a frame's prefix (length to be filled in, `type`) into `w`, so the payload can be encoded
 * straight after it and `endFrame` can return the frame without another copy.
 */
export function beginFrame(w: Writer, type: number): void {
  w.u32(0);
  w.u16(type);
}

/** Fills in the length of a frame begun with `beginFrame` (`frame` = all bytes written). */
export function endFrame(frame: Uint8Array): Uint8Array {
  const length = frame.length - HEADER;
  if (length > MAX_LINK_FRAME_BYTES) {
    throw new FrameError('tooLarge', `link frame of ${length} bytes exceeds ${MAX_LINK_FRAME_BYTES}`);
  }
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(0, length);
  return frame;
}

/**
 * Incremental frame decoder. `push(chunk)` returns every frame completed by that chunk; partial
 * frames are kept. A declared length above `maxFrame` throws before any payload is buffered, so a
 * hostile or broken peer cannot make us allocate more than one maximum frame.
 */
export class FrameDecoder {
  /**
   * Received bytes not yet returned as frames, as the chunks they came in (the first may be a tail).
   * A large frame arriving in many TLS chunks is copied once when complete, not re-concatenated per
   * chunk: the per-chunk copies were quadratic in the frame size and left the native heap fragmented
   * (≈ 30 MB of RSS after a mainnet graph snapshot).
   */
  private chunks: Uint8Array[] = [];
  private held = 0;
  private readonly maxFrame: number;

  constructor(maxFrame = MAX_LINK_FRAME_BYTES) {
    this.maxFrame = maxFrame;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.held;
  }

  push(chunk: Uint8Array): Frame[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.held += chunk.length;
    }
    const frames: Frame[] = [];
    while (this.held >= HEADER) {
      // The usual case reads the prefix in place; one split across chunks is copied out first.
      const first = this.chunks[0]!;
      const head = first.length >= FRAME_PREFIX_BYTES ? first : this.peek(FRAME_PREFIX_BYTES);
      const length = readU32BE(head, 0);
      if (length > this.maxFrame) {
        throw new FrameError('tooLarge', `peer declared a link frame of ${length} bytes (max ${this.maxFrame})`);
      }
      if (length < TYPE) throw new FrameError('tooSmall', `link frame length ${length} is shorter than its type`);
      if (this.held < HEADER + length) break;
      const type = (head[HEADER]! << 8) | head[HEADER + 1]!;
      this.skip(FRAME_PREFIX_BYTES);
      // The payload is a fresh copy, so the caller may keep it while the chunks are reused.
      frames.push({ type, payload: this.take(length - TYPE) });
    }
    return frames;
  }

  /** The first `n` held bytes (fewer if fewer are held), copied. */
  private peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.held));
    let o = 0;
    for (const c of this.chunks) {
      if (o === out.length) break;
      const k = Math.min(out.length - o, c.length);
      out.set(c.subarray(0, k), o);
      o += k;
    }
    return out;
  }

  /** Removes the first `n` held bytes (n ≤ held). */
  private skip(n: number): void {
    this.held -= n;
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) {
        this.chunks.shift();
        n -= c.length;
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }

  /** Removes and returns the first `n` held bytes as a new array (n ≤ held). */
  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      // Within one chunk (most frames): one copy, through `Uint8Array.prototype.slice` (a `Buffer`'s own
      // `slice` would return a view of the chunk).
      const out = Uint8Array.prototype.slice.call(first, 0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.held -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0]!;
      const k = Math.min(n - o, c.length);
      out.set(c.subarray(0, k), o);
      o += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.held -= n;
    return out;
  }
}
