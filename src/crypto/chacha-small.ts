/**
 * @module crypto/chacha-small
 * RFC 8439 ChaCha20-Poly1305 in plain TypeScript, for the small messages that make up most Lightning
 * traffic (BOLT 8's 2-byte length header, pings, HTLC updates, gossip). Through `node:crypto` every
 * seal or open builds and frees an OpenSSL cipher context (≈ 6–8 µs each, and BOLT 8 does two per
 * message on each side); this code keeps no context at all and does a 2-byte header in ≈ 1 µs. OpenSSL's
 * SIMD code wins for long messages, so `crypto/aead` uses this one only up to a size it measured.
 *
 * - ChaCha20 (RFC 8439 §2.3): the block function on 16 `int32` locals, written out; output words are
 *   stored byte by byte (little-endian on any host).
 * - Poly1305 (§2.5) in radix 2^13: the 130-bit accumulator and the clamped `r` are ten 13-bit limbs each,
 *   so every limb product fits a double exactly (< 2^30) and a row of ten (< 2^33) does too; carries are
 *   taken with exact power-of-two division, never with 32-bit shifts of a sum that may exceed 2^32.
 * - Scratch state (key words, key stream, r, s, accumulator, padded text) is module-level, reused call to
 *   call, and zeroed at the end of every call.
 * - AEAD (§2.8): the one-time key is block 0 of the key stream, the text is XORed with blocks 1…,
 *   and the MAC covers `ad || pad16 || ciphertext || pad16 || le64(ad.length) || le64(ct.length)`. Every
 *   block of that input is a full 16-byte block (padding is zeros), so each gets the 2^128 bit.
 * - `open` computes and compares the tag (constant time: OR of byte differences) before it decrypts, so a
 *   forged message never yields plaintext.
 *
 * No branch or index depends on key or message bytes (ARX and limb arithmetic only; the final reduction
 * selects with a mask). Cross-checked in tests against OpenSSL on random and extreme inputs, on the
 * RFC 8439 AEAD and Poly1305 vectors (including its edge cases for the final reduction) and on BOLT 8's.
 *
 * Does not: check key or nonce sizes (the `crypto/aead` engine does), or handle a counter past 2^32 blocks
 * (256 GiB; Lightning messages are ≤ 65,535 bytes).
 */

const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;

/**
 * All scratch state lives in one buffer, so {@link wipe} is a single fill: the Poly1305 limbs (doubles,
 * first for alignment), the block function's input and output, s, the padded block and the tag.
 */
const SCRATCH = new ArrayBuffer(2 * 10 * 8 + 2 * 16 * 4 + 4 * 4 + 16 + 16);
const scratchBytes = new Uint8Array(SCRATCH);
/** The block function's input (constants, key, counter, nonce) and output, reused call to call. */
const state = new Int32Array(SCRATCH, 160, 16);
const stream = new Int32Array(SCRATCH, 224, 16);
/** A zero-padded partial block, or the lengths block, for Poly1305. */
const padBlock = new Uint8Array(SCRATCH, 304, 16);

function le32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Loads key and nonce into {@link state}; the counter word (12) is set per block. */
function setKey(key: Uint8Array, nonce: Uint8Array): void {
  state[0] = SIGMA0;
  state[1] = SIGMA1;
  state[2] = SIGMA2;
  state[3] = SIGMA3;
  for (let i = 0; i < 8; i++) state[4 + i] = le32(key, 4 * i);
  state[13] = le32(nonce, 0);
  state[14] = le32(nonce, 4);
  state[15] = le32(nonce, 8);
}

/** One ChaCha20 block for `counter` into {@link stream} (RFC 8439 §2.3: 10 column + diagonal double rounds). */
function block(counter: number): void {
  const s = state;
  s[12] = counter;
  let x0 = s[0]!, x1 = s[1]!, x2 = s[2]!, x3 = s[3]!, x4 = s[4]!, x5 = s[5]!, x6 = s[6]!, x7 = s[7]!;
  let x8 = s[8]!, x9 = s[9]!, x10 = s[10]!, x11 = s[11]!, x12 = s[12]!, x13 = s[13]!, x14 = s[14]!, x15 = s[15]!;
  for (let i = 0; i < 10; i++) {
    // columns
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    // diagonals
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  const o = stream;
  o[0] = x0 + s[0]!; o[1] = x1 + s[1]!; o[2] = x2 + s[2]!; o[3] = x3 + s[3]!;
  o[4] = x4 + s[4]!; o[5] = x5 + s[5]!; o[6] = x6 + s[6]!; o[7] = x7 + s[7]!;
  o[8] = x8 + s[8]!; o[9] = x9 + s[9]!; o[10] = x10 + s[10]!; o[11] = x11 + s[11]!;
  o[12] = x12 + s[12]!; o[13] = x13 + s[13]!; o[14] = x14 + s[14]!; o[15] = x15 + s[15]!;
}

/** `dst[dOff..] = src[sOff..sOff+len] XOR keystream` from block `counter` on (RFC 8439 §2.4). */
function xorStream(src: Uint8Array, sOff: number, dst: Uint8Array, dOff: number, len: number, counter: number): void {
  const o = stream;
  let done = 0;
  for (; len - done >= 64; done += 64) {
    block(counter++);
    for (let w = 0, j = done; w < 16; w++, j += 4) {
      const k = o[w]!;
      dst[dOff + j] = src[sOff + j]! ^ (k & 0xff);
      dst[dOff + j + 1] = src[sOff + j + 1]! ^ ((k >>> 8) & 0xff);
      dst[dOff + j + 2] = src[sOff + j + 2]! ^ ((k >>> 16) & 0xff);
      dst[dOff + j + 3] = src[sOff + j + 3]! ^ (k >>> 24);
    }
  }
  if (done < len) {
    block(counter);
    for (let i = 0; done + i < len; i++) {
      dst[dOff + done + i] = src[sOff + done + i]! ^ ((o[i >> 2]! >>> ((i & 3) << 3)) & 0xff);
    }
  }
}

const P13 = 8192; // 2^13
const INV13 = 1 / 8192;

/**
 * Poly1305 state: accumulator h and clamped r as ten 13-bit limbs each, s as four 32-bit words. h and r are
 * doubles on purpose: their products are summed past 2^31, and with integer-typed inputs V8 first compiles
 * the rows as int32 arithmetic and then deoptimises on overflow (seen five times in a front's run).
 */
const H = new Float64Array(SCRATCH, 0, 10);
const R = new Float64Array(SCRATCH, 80, 10);
const S = new Int32Array(SCRATCH, 288, 4);

/** Starts a Poly1305 MAC with `r` = words w0–w3 (clamped here) and `s` = words s0–s3, little-endian. */
function polyInit(w0: number, w1: number, w2: number, w3: number, s0: number, s1: number, s2: number, s3: number): void {
  // RFC 8439 §2.5: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff
  w0 &= 0x0fffffff; w1 &= 0x0ffffffc; w2 &= 0x0ffffffc; w3 &= 0x0ffffffc;
  const t0 = w0 & 0xffff, t1 = w0 >>> 16, t2 = w1 & 0xffff, t3 = w1 >>> 16;
  const t4 = w2 & 0xffff, t5 = w2 >>> 16, t6 = w3 & 0xffff, t7 = w3 >>> 16;
  R[0] = t0 & 0x1fff;
  R[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  R[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1fff;
  R[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  R[4] = ((t3 >>> 4) | (t4 << 12)) & 0x1fff;
  R[5] = (t4 >>> 1) & 0x1fff;
  R[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  R[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1fff;
  R[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  R[9] = t7 >>> 5;
  H.fill(0);
  S[0] = s0; S[1] = s1; S[2] = s2; S[3] = s3;
}

/** h = (h + block + hibit·2^128) · r mod 2^130 − 5, for the 16 bytes at `src[off]`; `hibit` is 0x800 or 0. */
function polyBlock(src: Uint8Array, off: number, hibit: number): void {
  const t0 = src[off]! | (src[off + 1]! << 8), t1 = src[off + 2]! | (src[off + 3]! << 8);
  const t2 = src[off + 4]! | (src[off + 5]! << 8), t3 = src[off + 6]! | (src[off + 7]! << 8);
  const t4 = src[off + 8]! | (src[off + 9]! << 8), t5 = src[off + 10]! | (src[off + 11]! << 8);
  const t6 = src[off + 12]! | (src[off + 13]! << 8), t7 = src[off + 14]! | (src[off + 15]! << 8);
  // h += block (+ 2^128: bit 11 of limb 9, which starts at bit 117); limbs stay < 2^14
  const h0 = H[0]! + (t0 & 0x1fff);
  const h1 = H[1]! + (((t0 >>> 13) | (t1 << 3)) & 0x1fff);
  const h2 = H[2]! + (((t1 >>> 10) | (t2 << 6)) & 0x1fff);
  const h3 = H[3]! + (((t2 >>> 7) | (t3 << 9)) & 0x1fff);
  const h4 = H[4]! + (((t3 >>> 4) | (t4 << 12)) & 0x1fff);
  const h5 = H[5]! + ((t4 >>> 1) & 0x1fff);
  const h6 = H[6]! + (((t4 >>> 14) | (t5 << 2)) & 0x1fff);
  const h7 = H[7]! + (((t5 >>> 11) | (t6 << 5)) & 0x1fff);
  const h8 = H[8]! + (((t6 >>> 8) | (t7 << 8)) & 0x1fff);
  const h9 = H[9]! + ((t7 >>> 5) | hibit);
  const r0 = R[0]!, r1 = R[1]!, r2 = R[2]!, r3 = R[3]!, r4 = R[4]!, r5 = R[5]!, r6 = R[6]!, r7 = R[7]!, r8 = R[8]!, r9 = R[9]!;
  // 2^130 ≡ 5 (mod p): a product that lands at limb 10 + k folds back into limb k times 5.
  const f1 = 5 * r1, f2 = 5 * r2, f3 = 5 * r3, f4 = 5 * r4, f5 = 5 * r5, f6 = 5 * r6, f7 = 5 * r7, f8 = 5 * r8, f9 = 5 * r9;
  // Each row: ten products < 2^14 · 5·2^13, sum < 2^33, exact in a double.
  let d0 = h0 * r0 + h1 * f9 + h2 * f8 + h3 * f7 + h4 * f6 + h5 * f5 + h6 * f4 + h7 * f3 + h8 * f2 + h9 * f1;
  let d1 = h0 * r1 + h1 * r0 + h2 * f9 + h3 * f8 + h4 * f7 + h5 * f6 + h6 * f5 + h7 * f4 + h8 * f3 + h9 * f2;
  let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * f9 + h4 * f8 + h5 * f7 + h6 * f6 + h7 * f5 + h8 * f4 + h9 * f3;
  let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * f9 + h5 * f8 + h6 * f7 + h7 * f6 + h8 * f5 + h9 * f4;
  let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * f9 + h6 * f8 + h7 * f7 + h8 * f6 + h9 * f5;
  let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * f9 + h7 * f8 + h8 * f7 + h9 * f6;
  let d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * f9 + h8 * f8 + h9 * f7;
  let d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * f9 + h9 * f8;
  let d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * f9;
  let d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
  // Carry through the row (exact: power-of-two division of integers < 2^53), then fold limb 10 into limb 0.
  let c = Math.floor(d0 * INV13); d0 -= c * P13;
  d1 += c; c = Math.floor(d1 * INV13); d1 -= c * P13;
  d2 += c; c = Math.floor(d2 * INV13); d2 -= c * P13;
  d3 += c; c = Math.floor(d3 * INV13); d3 -= c * P13;
  d4 += c; c = Math.floor(d4 * INV13); d4 -= c * P13;
  d5 += c; c = Math.floor(d5 * INV13); d5 -= c * P13;
  d6 += c; c = Math.floor(d6 * INV13); d6 -= c * P13;
  d7 += c; c = Math.floor(d7 * INV13); d7 -= c * P13;
  d8 += c; c = Math.floor(d8 * INV13); d8 -= c * P13;
  d9 += c; c = Math.floor(d9 * INV13); d9 -= c * P13;
  d0 += c * 5; c = Math.floor(d0 * INV13); d0 -= c * P13;
  H[0] = d0; H[1] = d1 + c; H[2] = d2; H[3] = d3; H[4] = d4; H[5] = d5; H[6] = d6; H[7] = d7; H[8] = d8; H[9] = d9;
}

/** Writes the tag (h mod p + s) mod 2^128 to `out[outOff..+16]`. */
function polyFinish(out: Uint8Array, outOff: number): void {
  let h0 = H[0]!, h1 = H[1]!, h2 = H[2]!, h3 = H[3]!, h4 = H[4]!, h5 = H[5]!, h6 = H[6]!, h7 = H[7]!, h8 = H[8]!, h9 = H[9]!;
  // Full carry: every limb < 2^13, so h < 2^130 (and h < 2p).
  let c = h0 >>> 13; h0 &= 0x1fff;
  h1 += c; c = h1 >>> 13; h1 &= 0x1fff;
  h2 += c; c = h2 >>> 13; h2 &= 0x1fff;
  h3 += c; c = h3 >>> 13; h3 &= 0x1fff;
  h4 += c; c = h4 >>> 13; h4 &= 0x1fff;
  h5 += c; c = h5 >>> 13; h5 &= 0x1fff;
  h6 += c; c = h6 >>> 13; h6 &= 0x1fff;
  h7 += c; c = h7 >>> 13; h7 &= 0x1fff;
  h8 += c; c = h8 >>> 13; h8 &= 0x1fff;
  h9 += c; c = h9 >>> 13; h9 &= 0x1fff;
  h0 += c * 5; c = h0 >>> 13; h0 &= 0x1fff;
  h1 += c; c = h1 >>> 13; h1 &= 0x1fff;
  h2 += c;
  // g = h + 5 − 2^130; g ≥ 0 exactly when h ≥ p, and then the result is g (chosen by mask, no branch).
  let g0 = h0 + 5; c = g0 >>> 13; g0 &= 0x1fff;
  let g1 = h1 + c; c = g1 >>> 13; g1 &= 0x1fff;
  let g2 = h2 + c; c = g2 >>> 13; g2 &= 0x1fff;
  let g3 = h3 + c; c = g3 >>> 13; g3 &= 0x1fff;
  let g4 = h4 + c; c = g4 >>> 13; g4 &= 0x1fff;
  let g5 = h5 + c; c = g5 >>> 13; g5 &= 0x1fff;
  let g6 = h6 + c; c = g6 >>> 13; g6 &= 0x1fff;
  let g7 = h7 + c; c = g7 >>> 13; g7 &= 0x1fff;
  let g8 = h8 + c; c = g8 >>> 13; g8 &= 0x1fff;
  let g9 = h9 + c - (1 << 13);
  const useG = ((g9 >>> 31) ^ 1) * -1; // all ones when g9 ≥ 0, else 0
  const useH = ~useG;
  g9 &= 0x1fff;
  h0 = (h0 & useH) | (g0 & useG); h1 = (h1 & useH) | (g1 & useG); h2 = (h2 & useH) | (g2 & useG);
  h3 = (h3 & useH) | (g3 & useG); h4 = (h4 & useH) | (g4 & useG); h5 = (h5 & useH) | (g5 & useG);
  h6 = (h6 & useH) | (g6 & useG); h7 = (h7 & useH) | (g7 & useG); h8 = (h8 & useH) | (g8 & useG);
  h9 = (h9 & useH) | (g9 & useG);
  // h as 16-bit words (limb k starts at bit 13k), plus s, mod 2^128.
  const s0 = S[0]!, s1 = S[1]!, s2 = S[2]!, s3 = S[3]!;
  let acc = ((h0 | (h1 << 13)) & 0xffff) + (s0 & 0xffff);
  out[outOff] = acc & 0xff; out[outOff + 1] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h1 >>> 3) | (h2 << 10)) & 0xffff) + (s0 >>> 16);
  out[outOff + 2] = acc & 0xff; out[outOff + 3] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h2 >>> 6) | (h3 << 7)) & 0xffff) + (s1 & 0xffff);
  out[outOff + 4] = acc & 0xff; out[outOff + 5] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h3 >>> 9) | (h4 << 4)) & 0xffff) + (s1 >>> 16);
  out[outOff + 6] = acc & 0xff; out[outOff + 7] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff) + (s2 & 0xffff);
  out[outOff + 8] = acc & 0xff; out[outOff + 9] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h6 >>> 2) | (h7 << 11)) & 0xffff) + (s2 >>> 16);
  out[outOff + 10] = acc & 0xff; out[outOff + 11] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h7 >>> 5) | (h8 << 8)) & 0xffff) + (s3 & 0xffff);
  out[outOff + 12] = acc & 0xff; out[outOff + 13] = (acc >>> 8) & 0xff; acc >>>= 16;
  acc += (((h8 >>> 8) | (h9 << 5)) & 0xffff) + (s3 >>> 16);
  out[outOff + 14] = acc & 0xff; out[outOff + 15] = (acc >>> 8) & 0xff;
}

/** Absorbs `src[off..off+len]` as AEAD MAC input: 16-byte blocks, the last one zero-padded (RFC 8439 §2.8 pad16). */
function polyPadded(src: Uint8Array, off: number, len: number): void {
  let at = 0;
  for (; len - at >= 16; at += 16) polyBlock(src, off + at, 0x800);
  if (at < len) {
    padBlock.fill(0);
    padBlock.set(src.subarray(off + at, off + len));
    polyBlock(padBlock, 0, 0x800);
  }
}

/**
 * The AEAD tag for `ad` and `ct[ctOff..ctOff+ctLen]`, keyed by words 0–7 of {@link stream} (block 0 of the
 * key stream: r = words 0–3, s = words 4–7), written to `out[outOff..+16]`.
 */
function macInto(ad: Uint8Array, ct: Uint8Array, ctOff: number, ctLen: number, out: Uint8Array, outOff: number): void {
  const o = stream;
  polyInit(o[0]!, o[1]!, o[2]!, o[3]!, o[4]!, o[5]!, o[6]!, o[7]!);
  polyPadded(ad, 0, ad.length);
  polyPadded(ct, ctOff, ctLen);
  padBlock.fill(0);
  // le64(ad.length) || le64(ct.length); both are < 2^32 here
  padBlock[0] = ad.length & 0xff; padBlock[1] = (ad.length >>> 8) & 0xff;
  padBlock[2] = (ad.length >>> 16) & 0xff; padBlock[3] = ad.length >>> 24;
  padBlock[8] = ctLen & 0xff; padBlock[9] = (ctLen >>> 8) & 0xff;
  padBlock[10] = (ctLen >>> 16) & 0xff; padBlock[11] = ctLen >>> 24;
  polyBlock(padBlock, 0, 0x800);
  polyFinish(out, outOff);
}

/**
 * Plain Poly1305 (RFC 8439 §2.5) of `msg` under the 32-byte one-time `key`: a partial last block gets the
 * 0x01 byte after it and no 2^128 bit. Not used by the AEAD (whose blocks are all full); it lets the tests
 * drive the same arithmetic with the RFC's chosen keys, including the edge cases of the final reduction.
 */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  polyInit(le32(key, 0), le32(key, 4), le32(key, 8), le32(key, 12), le32(key, 16), le32(key, 20), le32(key, 24), le32(key, 28));
  let at = 0;
  for (; msg.length - at >= 16; at += 16) polyBlock(msg, at, 0x800);
  if (at < msg.length) {
    padBlock.fill(0);
    padBlock.set(msg.subarray(at));
    padBlock[msg.length - at] = 1;
    polyBlock(padBlock, 0, 0);
  }
  const tag = new Uint8Array(16);
  polyFinish(tag, 0);
  return tag;
}

const tagScratch = new Uint8Array(SCRATCH, 320, 16);

/** Encrypts `pt` and writes `ciphertext || tag` to `out` at `offset` (pt.length + 16 bytes). */
export function sealSmall(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array, out: Uint8Array, offset: number): void {
  setKey(key, nonce);
  xorStream(pt, 0, out, offset, pt.length, 1);
  block(0);
  macInto(ad, out, offset, pt.length, out, offset + pt.length);
  wipe();
}

/** Checks the tag of `sealed = ciphertext || tag`, then decrypts; `null` (nothing decrypted) on a bad tag. */
export function openSmall(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const ctLen = sealed.length - 16;
  if (ctLen < 0) return null;
  setKey(key, nonce);
  block(0);
  macInto(ad, sealed, 0, ctLen, tagScratch, 0);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= tagScratch[i]! ^ sealed[ctLen + i]!;
  if (diff !== 0) {
    wipe();
    return null;
  }
  const pt = new Uint8Array(ctLen);
  xorStream(sealed, 0, pt, 0, ctLen, 1);
  wipe();
  return pt;
}

/**
 * Zeroes the module's scratch state after every call: key words, the last key-stream block (block 0 is
 * the one-time Poly1305 key), r, s, the accumulator and the padded block (which may hold text). Callers zero
 * their own keys (`noise/cipher`); nothing of a key should outlive the call here either.
 */
function wipe(): void {
  scratchBytes.fill(0);
}

/** True when every scratch buffer is zero (for the tests of {@link wipe}). */
export function scratchIsZero(): boolean {
  return scratchBytes.every((x) => x === 0) && [state, stream, H, R, S, padBlock, tagScratch].every((b) => b.buffer === SCRATCH);
}
