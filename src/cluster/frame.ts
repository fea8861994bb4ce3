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

/** Encodes one frame. Throws `FrameError` if the payload would exceed `MAX_LINK_FRAME_BYTES`. */
export function encodeFrame(type: number, payload: Uint8Array): Uint8Array {
  const length = TYPE + payload.length;
  if (length > MAX_LINK_FRAME_BYTES) {
    throw new FrameError('tooLarge', `link frame of ${length} bytes exceeds ${MAX_LINK_FRAME_BYTES}`);
  }
  const out = new Uint8Array(HEADER + length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, length);
  dv.setUint16(HEADER, type);
  out.set(payload, HEADER + TYPE);
  return out;
}

/**
 * Incremental frame decoder. `push(chunk)` returns every frame completed by that chunk; partial
 * frames are kept. A declared length above `maxFrame` throws before any payload is buffered, so a
 * hostile or broken peer cannot make us allocate more than one maximum frame.
 */
export class FrameDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly maxFrame: number;

  constructor(maxFrame = MAX_LINK_FRAME_BYTES) {
    this.maxFrame = maxFrame;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): Frame[] {
    let data: Uint8Array;
    if (this.buf.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.buf.length + chunk.length);
      data.set(this.buf);
      data.set(chunk, this.buf.length);
    }
    const frames: Frame[] = [];
    let off = 0;
    while (data.length - off >= HEADER) {
      const dv = new DataView(data.buffer, data.byteOffset + off);
      const length = dv.getUint32(0);
      if (length > this.maxFrame) {
        throw new FrameError('tooLarge', `peer declared a link frame of ${length} bytes (max ${this.maxFrame})`);
      }
      if (length < TYPE) throw new FrameError('tooSmall', `link frame length ${length} is shorter than its type`);
      if (data.length - off < HEADER + length) break;
      const type = dv.getUint16(HEADER);
      // Copy the payload out so the caller may keep it after the next push reuses `data`.
      frames.push({ type, payload: data.slice(off + HEADER + TYPE, off + HEADER + length) });
      off += HEADER + length;
    }
    this.buf = off === data.length ? new Uint8Array(0) : data.slice(off);
    return frames;
  }
}
