/**
 * @module wire/reader
 * `Reader` and `Writer`: bounds-checked big-endian cursors over `Uint8Array`, the only place in
 * `src/wire` that touches raw offsets.
 *
 * Spec: BOLT #1 "Lightning Message Format" (all integers big-endian).
 * Every short read becomes a `WireDecodeError('shortRead')` with the offset, never a RangeError.
 * Does not: know about any field type beyond fixed-size integers and byte runs (see `codec.ts`).
 */
import { WireDecodeError, WireEncodeError } from './errors.js';
import { pooledBytes } from '../bytes.js';

/** A forward-only cursor over a byte slice `[start, end)` of `buf`. */
export class Reader {
  private pos: number;
  private readonly buf: Uint8Array;
  private readonly end: number;
  private readonly view: DataView;

  /** Reads `buf[start, end)`; `end` defaults to the buffer's length. */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.end = end;
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Current offset in the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes left before `end`. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Throws `shortRead` unless `n` more bytes are available. */
  need(n: number, what = 'field'): void {
    if (n > this.end - this.pos) {
      throw new WireDecodeError('shortRead', `${what} needs ${n} bytes, ${this.end - this.pos} left`, this.pos);
    }
  }

  /** Reads one byte. */
  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  /** Reads a big-endian u16. */
  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  /** Reads a big-endian u32. */
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** Reads a big-endian u64 as a bigint. */
  u64(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * Reads `n` bytes into a fresh copy (decoded values never alias the input buffer). Through
   * `Uint8Array.prototype.slice`: on a `Buffer` input, `Buffer.prototype.slice` would return a view
   * (a field would then change with the input, and keep all of it alive, e.g. a pooled 8 KiB block).
   */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = Uint8Array.prototype.slice.call(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * Reads `n` bytes as a view of the input (no copy): only for callers that copy what they keep before
   * the input is dropped (e.g. the graph copy taking snapshot entries into its slabs).
   */
  bytesView(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

    /** Reads everything that is left. */
  rest(): Uint8Array {
    return this.bytes(this.remaining());
  }

  /** Returns a reader over the next `n` bytes and skips them here. */
  sub(n: number, what = 'sub-field'): Reader {
    this.need(n, what);
    const r = new Reader(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
}

/** A growable big-endian byte sink. `finish()` returns exactly the bytes written. */
export class Writer {
  private buf: Uint8Array;
  private dv: DataView | undefined;
  private len = 0;

  /** `capacity`: the first buffer's size; a caller that knows its usual size saves the regrowth copies. */
  constructor(capacity = 64) {
    this.buf = pooledBytes(capacity); // pooled: `finish` copies what was written, `finishView` hands out only that
  }

  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = pooledBytes(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = undefined;
  }

  private view(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }

  /** Writes one byte; `v` must be an integer in [0, 255]. */
  u8(v: number): void {
    checkUint(v, 0xff, 'u8');
    this.grow(1);
    this.buf[this.len++] = v;
  }

  /** Writes a big-endian u16. */
  u16(v: number): void {
    checkUint(v, 0xffff, 'u16');
    this.grow(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v & 0xff;
  }

  /** Writes a big-endian u32. */
  u32(v: number): void {
    checkUint(v, 0xffffffff, 'u32');
    this.grow(4);
    const b = this.buf;
    b[this.len++] = v >>> 24;
    b[this.len++] = (v >>> 16) & 0xff;
    b[this.len++] = (v >>> 8) & 0xff;
    b[this.len++] = v & 0xff;
  }

  /** Writes a big-endian u64. */
  u64(v: bigint): void {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new WireEncodeError(`u64 out of range: ${v}`);
    this.grow(8);
    this.view().setBigUint64(this.len, v);
    this.len += 8;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    if (!(b instanceof Uint8Array)) throw new WireEncodeError('expected a Uint8Array');
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** The bytes written, as a fresh array of their own (safe to keep for any time). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    out.set(this.buf.subarray(0, this.len));
    return out;
  }

  /**
   * The bytes written, without a copy: a view of this writer's working memory, which may share an
   * 8 KiB block of Node's allocation pool with other short-lived buffers. For output that is used and
   * dropped at once (a link frame written to its socket); keep `finish()` for anything stored.
   */
  finishView(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new WireEncodeError(`${what} out of range: ${v}`);
}
