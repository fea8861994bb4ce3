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
