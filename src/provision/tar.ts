/**
 * @module provision/tar
 * A minimal POSIX ustar (IEEE Std 1003.1-2001 "pax" format's ustar header) writer and reader for the
 * board bundle: flat names, regular files only, deterministic headers. GNU tar, bsdtar and Python's
 * tarfile read what we write (`tar -tvf lnfleet-bundle.tar`), and we read what `tar --format=ustar`
 * writes for the same shape of archive.
 *
 * Header layout (512 bytes, numeric fields octal ASCII, NUL-terminated):
 * ```
 *   0 name[100]  100 mode[8]  108 uid[8]  116 gid[8]  124 size[12]  136 mtime[12]  148 chksum[8]
 * 156 typeflag  157 linkname[100]  257 magic "ustar\0"  263 version "00"  265 uname[32]  297 gname[32]
 * 329 devmajor[8]  337 devminor[8]  345 prefix[155]
 * ```
 * The archive ends with two zero blocks. The checksum is the byte sum of the header with the checksum
 * field taken as eight spaces.
 *
 * Pure: bytes in, bytes out. Does not: support directories, links, long names (pax headers) or
 * compression; the reader refuses them (a bundle never needs them), so a crafted archive cannot write
 * outside its target.
 */
import { ProvisionError } from './errors.js';

/** Tar block size in bytes (POSIX). */
const BLOCK = 512;
/** Longest member name we write or accept: the ustar `name` field without `prefix`. */
export const MAX_TAR_NAME = 100;

/** One regular file of an archive. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
  /** Permission bits (default 0644). */
  readonly mode?: number;
  /** Modification time, seconds since the epoch (default 0: reproducible archives). */
  readonly mtime?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function bad(why: string): never {
  throw new ProvisionError('BUNDLE_INVALID', `not a valid bundle archive: ${why}`);
}

function putString(h: Uint8Array, off: number, len: number, s: string): void {
  const b = enc.encode(s);
  if (b.length > len) throw new ProvisionError('BUNDLE_INVALID', `tar field too long: ${s}`);
  h.set(b, off);
}

function putOctal(h: Uint8Array, off: number, len: number, n: number): void {
  putString(h, off, len, n.toString(8).padStart(len - 1, '0') + '\0');
}

function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}

function header(e: TarEntry): Uint8Array {
  if (!/^[A-Za-z0-9._-]+$/.test(e.name) || e.name.length > MAX_TAR_NAME) {
    throw new ProvisionError('BUNDLE_INVALID', `tar member name ${JSON.stringify(e.name)}: flat names of [A-Za-z0-9._-] only`);
  }
  const h = new Uint8Array(BLOCK);
  putString(h, 0, 100, e.name);
  putOctal(h, 100, 8, e.mode ?? 0o644);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, e.data.length);
  putOctal(h, 136, 12, e.mtime ?? 0);
  h[156] = 0x30; // '0': regular file
  putString(h, 257, 6, 'ustar\0');
  putString(h, 263, 2, '00');
  putString(h, 265, 32, 'root');
  putString(h, 297, 32, 'root');
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  putString(h, 148, 8, checksum(h).toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** Writes `entries` as one ustar archive (deterministic for equal inputs). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(header(e), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function field(h: Uint8Array, off: number, len: number): string {
  const raw = h.subarray(off, off + len);
  const end = raw.indexOf(0);
  try {
    return dec.decode(end === -1 ? raw : raw.subarray(0, end));
  } catch {
    return bad(`header field at ${off} is not text`);
  }
}

function octal(h: Uint8Array, off: number, len: number, what: string): number {
  const t = field(h, off, len).trim();
  if (!/^[0-7]{1,12}$/.test(t)) return bad(`${what} is not an octal number`);
  return parseInt(t, 8);
}

/**
 * Reads a ustar archive of regular files. Refuses anything else (directories, links, pax/GNU
 * extension headers, names with `/` or `..`), bad checksums, truncation, members above `maxMember`
 * bytes and duplicate names.
 */
export function readTar(bytes: Uint8Array, maxMember: number): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  for (;;) {
    if (off + BLOCK > bytes.length) return bad('truncated (no end-of-archive blocks)');
    const h = bytes.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return out;
    if (field(h, 257, 6) !== 'ustar') return bad(`member ${out.length + 1} has no ustar magic`);
    if (octal(h, 148, 8, 'checksum') !== checksum(h)) return bad(`member ${out.length + 1} has a bad header checksum`);
    const type = h[156];
    if (type !== 0x30 && type !== 0) return bad(`member ${out.length + 1} is not a regular file (type ${String.fromCharCode(type ?? 0x3f)})`);
    const name = field(h, 0, 100);
    if (field(h, 345, 155) !== '' || !/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
      return bad(`member name ${JSON.stringify(name)} is not a flat file name`);
    }
    if (out.some((e) => e.name === name)) return bad(`member ${name} appears twice`);
    const size = octal(h, 124, 12, 'size');
    if (size > maxMember) return bad(`member ${name} is ${size} bytes (limit ${maxMember})`);
    const start = off + BLOCK;
    if (start + size > bytes.length) return bad(`member ${name} is truncated`);
    out.push({ name, data: bytes.slice(start, start + size), mode: octal(h, 100, 8, 'mode'), mtime: octal(h, 136, 12, 'mtime') });
    off = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
