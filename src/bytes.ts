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
