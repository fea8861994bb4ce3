/**
 * BOLT 8 transport framing: arbitrary TCP splits, tampering, the 65535-byte limit, rotation across
 * many messages, end-of-stream inside a frame, and use after failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { nodeAead } from '../../src/crypto/aead.js';
import { MAX_MESSAGE_LEN } from '../../src/noise/constants.js';
import { NoiseError } from '../../src/noise/errors.js';
import { Transport } from '../../src/noise/transport.js';
import { bolt8, hex, prng, toHex } from './helpers.js';

const mv = bolt8.message_encryption_test;
/** A connected pair (a sends with sk, b receives with it) from the vector's keys. */
function pair(): { a: Transport; b: Transport } {
  return {
    a: new Transport(hex(mv.sk), hex(mv.rk), hex(mv.ck), nodeAead),
    b: new Transport(hex(mv.rk), hex(mv.sk), hex(mv.ck), nodeAead),
  };
}
function concat(parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}
/** Messages of varied sizes (0, 1, 2, 17, 18, 300, 1200, 65535 bytes), deterministic. */
const MESSAGES = [0, 1, 2, 17, 18, 300, 1200, MAX_MESSAGE_LEN].map((n, i) => Uint8Array.from({ length: n }, (_, j) => (i * 31 + j) & 0xff));

test('framer: the whole stream in one chunk yields every message in order', () => {
  const { a, b } = pair();
  const got = b.push(concat(MESSAGES.map((m) => a.encrypt(m))));
  assert.deepEqual(got.map(toHex), MESSAGES.map(toHex));
  assert.equal(b.bufferedBytes, 0);
});

test('framer: fed one byte at a time yields the same messages', () => {
  const { a, b } = pair();
  const small = MESSAGES.slice(0, 7); // the 64 KiB message would make this test slow for nothing
  const stream = concat(small.map((m) => a.encrypt(m)));
  const got: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i++) got.push(...b.push(stream.subarray(i, i + 1)));
  assert.deepEqual(got.map(toHex), small.map(toHex));
});

test('framer: random splits (20 seeds) yield the same messages', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = prng(seed);
    const { a, b } = pair();
    const stream = concat(MESSAGES.map((m) => a.encrypt(m)));
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; ) {
      const n = Math.min(stream.length - i, 1 + Math.floor(rnd() * (rnd() < 0.5 ? 40 : 20000)));
      got.push(...b.push(stream.slice(i, i + n)));
      i += n;
    }
    assert.deepEqual(got.map(toHex), MESSAGES.map(toHex), `seed ${seed}`);
  }
});

test('framer: a flipped bit anywhere in a frame is a badMac NoiseError, and the transport stays failed', () => {
  const frameLen = 18 + 300 + 16;
  for (const pos of [0, 1, 17, 18, 100, frameLen - 1]) {
    const { a, b } = pair();
    const frame = a.encrypt(MESSAGES[5]!);
    assert.equal(frame.length, frameLen);
    frame[pos] = frame[pos]! ^ 0x01;
    assert.throws(() => b.push(frame), (e: unknown) => e instanceof NoiseError && e.kind === 'badMac' && e.act === undefined);
    assert.throws(() => b.push(a.encrypt(MESSAGES[1]!)), (e: unknown) => e instanceof NoiseError && e.kind === 'badMac');
    assert.throws(() => b.encrypt(MESSAGES[1]!), (e: unknown) => e instanceof NoiseError && e.kind === 'badMac');
  }
});

test('framer: a tampered length does not make it wait for (or allocate) the bogus length', () => {
  const { a, b } = pair();
  const frame = a.encrypt(Uint8Array.of(1, 2, 3));
  frame[0] = frame[0]! ^ 0xff; // encrypted length byte: would decrypt to a different length
  assert.throws(() => b.push(frame.subarray(0, 18)), (e: unknown) => e instanceof NoiseError && e.kind === 'badMac');
});

test('encrypt: 65535 bytes is allowed, 65536 is refused with messageTooLong and uses no nonce', () => {
  const { a, b } = pair();
  assert.throws(() => a.encrypt(new Uint8Array(MAX_MESSAGE_LEN + 1)), (e: unknown) => e instanceof NoiseError && e.kind === 'messageTooLong');
  const frame = a.encrypt(new Uint8Array(MAX_MESSAGE_LEN));
  assert.equal(frame.length, 2 + 16 + MAX_MESSAGE_LEN + 16);
  assert.equal(b.push(frame)[0]!.length, MAX_MESSAGE_LEN); // nonces still in step after the refusal
  assert.equal(toHex(a.encrypt(hex(mv.plaintext_hex))), bolt8.message_encryption_test.expected.find((e) => e.index === 1)!.ciphertext);
});

test('round trip in both directions across several key rotations (2600 messages each way)', () => {
  const { a, b } = pair();
  for (let i = 0; i < 2600; i++) {
    const m1 = randomBytes(i % 97);
    const m2 = randomBytes((i * 7) % 301);
    assert.deepEqual(b.push(a.encrypt(m1)).map(toHex), [toHex(m1)]);
    assert.deepEqual(a.push(b.encrypt(m2)).map(toHex), [toHex(m2)]);
  }
});

test('end(): inside a frame is shortRead; between frames is fine', () => {
  const { a, b } = pair();
  const frame = a.encrypt(Uint8Array.of(9));
  b.push(frame);
  b.end();
  b.push(a.encrypt(Uint8Array.of(9)).subarray(0, 20));
  assert.throws(() => b.end(), (e: unknown) => e instanceof NoiseError && e.kind === 'shortRead');
});

test('destroy(): later use is badState', () => {
  const { a } = pair();
  a.destroy();
  assert.throws(() => a.encrypt(Uint8Array.of(1)), (e: unknown) => e instanceof NoiseError && e.kind === 'badState');
  assert.throws(() => a.push(Uint8Array.of(1)), (e: unknown) => e instanceof NoiseError && e.kind === 'badState');
});

test('keys given as (shared) Buffers are copied: rotation zeroes only our copies', () => {
  const key = randomBytes(32); // a Buffer, whose slice() would be a view
  const a = new Transport(key, key, key, nodeAead);
  const b = new Transport(key, key, key, nodeAead);
  const before = toHex(key);
  for (let i = 0; i < 1100; i++) assert.equal(b.push(a.encrypt(Uint8Array.of(i & 0xff))).length, 1);
  a.destroy();
  assert.equal(toHex(key), before);
});
