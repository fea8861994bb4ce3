/**
 * @module bytes
 * Small byte-string helpers shared by the pure modules (which use `Uint8Array`, not `Buffer`).
 * Does not: encode or decode any protocol (see `src/wire`).
 */

/** Concatenation of byte strings, as a new buffer. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The big-endian u32 at `at` in `b` (in place: for hot paths that read a field or two without a `Reader`). */
export function readU32BE(b: Uint8Array, at: number): number {
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/** Writes `v` (0 ≤ v < 2^32) as a big-endian u32 at `at` in `b`. */
export function writeU32BE(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/**
 * `n` bytes of uninitialised memory as a plain `Uint8Array`: a view of Node's shared allocation pool
 * (`Buffer.allocUnsafe`) for sizes under 4 KiB. That costs a few hundred nanoseconds, where
 * `new Uint8Array(n)` above 64 bytes allocates, zero-fills and registers a backing store of its own
 * (≈ 1.5 µs here, plus the garbage collection it causes). For short-lived buffers the caller fills
 * completely or hands out only the part it wrote (the rest holds old data): frames on their way to a
 * socket. A view keeps its 8 KiB pool block alive, so do not store these for long.
 */
export function pooledBytes(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}
