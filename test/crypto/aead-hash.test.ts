/**
 * node:crypto against @noble/ciphers and @noble/hashes on random inputs (STYLE rule 10), plus the
 * RFC 8439 §2.8.2 AEAD vector, RFC 5869 HKDF test case 1, and AEAD failure behaviour. Our own
 * ChaCha20-Poly1305 (`crypto/chacha-small`) is checked against OpenSSL on random and on extreme inputs
 * (all-0xff keys and texts, which drive every Poly1305 limb to its maximum) at every size around its blocks
 * and around the small/large threshold of the `small+…` engines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import fc from 'fast-check';
import { nobleAead, nodeAead, selectAead, SMALL_AEAD_MAX, smallNobleAead, smallNodeAead } from '../../src/crypto/aead.js';
import { openSmall, scratchIsZero, sealSmall } from '../../src/crypto/chacha-small.js';
import { equalConstantTime, hkdf, hmacSha256, sha256, sha256d } from '../../src/crypto/hash.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const rnd = (n: number): Uint8Array => Uint8Array.from(randomBytes(n));
const ROUNDS = 200;

test('sha256, sha256d and hmacSha256 match @noble/hashes on random inputs', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const a = rnd(i);
    const b = rnd(i % 13);
    const key = rnd(1 + (i % 80));
    assert.equal(hex(sha256(a, b)), hex(nobleSha256(Uint8Array.from([...a, ...b]))));
    assert.equal(hex(sha256d(a)), hex(nobleSha256(nobleSha256(a))));
    assert.equal(hex(hmacSha256(key, a, b)), hex(hmac(nobleSha256, key, Uint8Array.from([...a, ...b]))));
  }
});

test('hkdf matches node hkdfSync and @noble/hashes hkdf (zero-length info, 64 bytes split in two)', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const salt = rnd(32);
    const ikm = rnd(i % 3 === 0 ? 0 : 32);
    const [a, b] = hkdf(salt, ikm);
    const viaNode = new Uint8Array(hkdfSync('sha256', ikm, salt, new Uint8Array(0), 64));
    const viaNoble = nobleHkdf(nobleSha256, ikm, salt, new Uint8Array(0), 64);
    assert.equal(hex(a) + hex(b), hex(viaNode));
    assert.equal(hex(a) + hex(b), hex(viaNoble));
  }
});

test('hkdf: RFC 5869 A.3 (empty salt and info) and the BOLT 8 act-one step', () => {
  const [t1, t2] = hkdf(new Uint8Array(0), new Uint8Array(22).fill(0x0b));
  assert.equal(hex(t1) + hex(t2.subarray(0, 10)), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  const [ck, k] = hkdf(bytes('2640f52eebcd9e882958951c794250eedb28002c05d7dc2ea0f195406042caf1'), bytes('1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3'));
  assert.equal(hex(ck), 'b61ec1191326fa240decc9564369dbb3ae2b34341d1e11ad64ed89f89180582f');
  assert.equal(hex(k), 'e68f69b7f096d7917245f5e5cf8ae1595febe4d4644333c99f9c4a1282031c9f');
});

test('AEAD: RFC 8439 §2.8.2 vector on every engine', () => {
  const key = bytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = bytes('070000004041424344454647');
  const aad = bytes('50515253c0c1c2c3c4c5c6c7');
  const pt = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const tag = '1ae10b594f09e26a7e902ecbd0600691';
  for (const aead of [nodeAead, nobleAead, smallNodeAead, smallNobleAead]) {
    const sealed = aead.seal(key, nonce, aad, pt);
    assert.equal(hex(sealed.subarray(0, 4)), 'd31a8d34');
    assert.equal(hex(sealed.subarray(sealed.length - 16)), tag);
    assert.equal(hex(aead.open(key, nonce, aad, sealed)!), hex(pt));
  }
});

test('AEAD: node:crypto and @noble/ciphers agree on random keys, nonces, AD and plaintexts', () => {
  for (let i = 0; i < ROUNDS; i++) {
    const key = rnd(32);
    const nonce = rnd(12);
    const ad = rnd(i % 4 === 0 ? 0 : i % 50);
    const pt = rnd(i * 7);
    const viaNode = nodeAead.seal(key, nonce, ad, pt);
    const viaNoble = chacha20poly1305(key, nonce, ad.length ? ad : undefined).encrypt(pt);
    assert.equal(hex(viaNode), hex(viaNoble));
    assert.equal(hex(nobleAead.seal(key, nonce, ad, pt)), hex(viaNoble));
    assert.equal(hex(nodeAead.open(key, nonce, ad, viaNoble)!), hex(pt));
    assert.equal(hex(nobleAead.open(key, nonce, ad, viaNode)!), hex(pt));
    const out = new Uint8Array(viaNode.length + 5);
    nodeAead.sealInto(key, nonce, ad, pt, out, 5);
    assert.equal(hex(out.subarray(5)), hex(viaNode));
  }
});

test('AEAD: any flipped bit, wrong AD, wrong nonce or truncation is rejected (null) by every engine', () => {
  const key = rnd(32);
  const nonce = rnd(12);
  const ad = rnd(10);
  const pt = rnd(40);
  for (const aead of [nodeAead, nobleAead, smallNodeAead, smallNobleAead]) {
    const sealed = aead.seal(key, nonce, ad, pt);
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const bad = sealed.slice();
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      assert.equal(aead.open(key, nonce, ad, bad), null, `${aead.name} bit ${bit}`);
    }
    assert.equal(aead.open(key, nonce, rnd(10), sealed), null);
    assert.equal(aead.open(key, rnd(12), ad, sealed), null);
    assert.equal(aead.open(key, nonce, ad, sealed.subarray(0, 15)), null);
    assert.equal(aead.open(key, nonce, ad, sealed.subarray(1)), null);
  }
});

test('AEAD: wrong key/nonce sizes throw a CryptoError without echoing bytes; selectAead picks node here', () => {
  assert.throws(() => nodeAead.seal(rnd(31), rnd(12), new Uint8Array(0), rnd(1)), (e: unknown) => e instanceof Error && /32 bytes/.test(e.message));
  assert.throws(() => nobleAead.open(rnd(32), rnd(8), new Uint8Array(0), rnd(20)), (e: unknown) => e instanceof Error && /12 bytes/.test(e.message));
  assert.throws(() => smallNodeAead.seal(rnd(32), rnd(11), new Uint8Array(0), rnd(1)), (e: unknown) => e instanceof Error && /12 bytes/.test(e.message));
  assert.throws(() => smallNodeAead.open(rnd(33), rnd(12), new Uint8Array(0), rnd(20)), (e: unknown) => e instanceof Error && /32 bytes/.test(e.message));
  assert.equal(selectAead().name, 'small+node');
});

/** OpenSSL's seal of the same input, the reference for chacha-small. */
function opensslSeal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, pt: Uint8Array): string {
  return hex(nodeAead.seal(key, nonce, ad, pt));
}

test('chacha-small equals OpenSSL at every text length 0…300, around 64-byte blocks up to 4 KiB, and on all-0xff inputs', () => {
  const lengths = [...Array.from({ length: 301 }, (_, i) => i), 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097];
  for (const len of lengths) {
    for (const extreme of [false, true]) {
      const key = extreme ? new Uint8Array(32).fill(0xff) : rnd(32);
      const nonce = extreme ? new Uint8Array(12).fill(0xff) : rnd(12);
      const ad = extreme ? new Uint8Array(len % 37).fill(0xff) : rnd(len % 37);
      const pt = extreme ? new Uint8Array(len).fill(0xff) : rnd(len);
      const want = opensslSeal(key, nonce, ad, pt);
      const out = new Uint8Array(len + 16 + 3);
      sealSmall(key, nonce, ad, pt, out, 3);
      assert.equal(hex(out.subarray(3)), want, `seal, ${len} bytes, extreme ${extreme}`);
      assert.equal(hex(openSmall(key, nonce, ad, Uint8Array.from(Buffer.from(want, 'hex')))!), hex(pt), `open, ${len} bytes`);
    }
  }
});

test('chacha-small: random keys, nonces, AD and texts agree with OpenSSL both ways, and every forgery is refused (fast-check)', () => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ minLength: 12, maxLength: 12 }),
    fc.uint8Array({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 700 }),
    fc.nat(),
    (key, nonce, ad, pt, flip) => {
      const sealed = nodeAead.seal(key, nonce, ad, pt);
      const ours = new Uint8Array(pt.length + 16);
      sealSmall(key, nonce, ad, pt, ours, 0);
      assert.equal(hex(ours), hex(sealed));
      assert.equal(hex(openSmall(key, nonce, ad, sealed)!), hex(pt));
      const bad = sealed.slice();
      const bit = flip % (bad.length * 8);
      bad[bit >> 3] = bad[bit >> 3]! ^ (1 << (bit & 7));
      assert.equal(openSmall(key, nonce, ad, bad), null);
    },
  ), { numRuns: 2_000 });
});

test('chacha-small leaves no key, key stream, MAC state or text in its scratch buffers after seal, open and a refused open', () => {
  const key = rnd(32);
  const nonce = rnd(12);
  const pt = rnd(40);
  const out = new Uint8Array(56);
  sealSmall(key, nonce, rnd(5), pt, out, 0);
  assert.equal(scratchIsZero(), true, 'after seal');
  const sealed = nodeAead.seal(key, nonce, new Uint8Array(0), pt);
  assert.notEqual(openSmall(key, nonce, new Uint8Array(0), sealed), null);
  assert.equal(scratchIsZero(), true, 'after open');
  sealed[3] = sealed[3]! ^ 1;
  assert.equal(openSmall(key, nonce, new Uint8Array(0), sealed), null);
  assert.equal(scratchIsZero(), true, 'after a refused open');
});

test('small+node and small+noble switch engines above SMALL_AEAD_MAX and agree with OpenSSL on both sides of it', () => {
  const key = rnd(32);
  const nonce = rnd(12);
  for (const len of [0, 2, SMALL_AEAD_MAX - 1, SMALL_AEAD_MAX, SMALL_AEAD_MAX + 1, 65_535]) {
    const pt = rnd(len);
    const want = opensslSeal(key, nonce, new Uint8Array(0), pt);
    for (const aead of [smallNodeAead, smallNobleAead]) {
      const out = new Uint8Array(len + 16 + 1);
      aead.sealInto(key, nonce, new Uint8Array(0), pt, out, 1);
      assert.equal(hex(out.subarray(1)), want, `${aead.name} ${len}`);
      assert.equal(hex(aead.open(key, nonce, new Uint8Array(0), Uint8Array.from(Buffer.from(want, 'hex')))!), hex(pt));
    }
  }
});

test('equalConstantTime', () => {
  const a = rnd(16);
  assert.equal(equalConstantTime(a, a.slice()), true);
  const b = a.slice();
  b[15] = b[15]! ^ 1;
  assert.equal(equalConstantTime(a, b), false);
  assert.equal(equalConstantTime(a, a.subarray(1)), false);
});
