/**
 * @module test/helpers/vectors
 * Locates repo files from compiled tests (dist/test/helpers → repo root) and loads the BOLT vectors
 * in test/vectors/bolt. Not a test file (no `.test.ts`), so the runner does not execute it.
 */
import { readFileSync } from 'node:fs';

/** Repo root, from this module's compiled location `dist/test/helpers/vectors.js`. */
export const REPO_ROOT = new URL('../../../', import.meta.url);

/** Reads a file relative to the repo root as UTF-8. */
export function readRepoText(rel: string): string {
  return readFileSync(new URL(rel, REPO_ROOT), 'utf8');
}

/** Parses `test/vectors/bolt/<name>` (JSON). */
export function loadBoltVector<T = any>(name: string): T {
  return JSON.parse(readRepoText(`test/vectors/bolt/${name}`)) as T;
}

/** Hex (no 0x) → bytes. Throws on odd length or non-hex input, so a typo in a test cannot pass silently. */
export function hex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new Error(`bad hex: ${s.slice(0, 20)}`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/** Bytes → lowercase hex. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
