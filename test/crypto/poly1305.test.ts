/**
 * The Poly1305 arithmetic of `crypto/chacha-small` on its own: the RFC 8439 §2.5.2 vector, the RFC's
 * Appendix A.3 edge cases (accumulators that land on or above p = 2^130 − 5, carries through every limb),
 * and random keys and messages against a BigInt reference written straight from the RFC's definition.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { poly1305 } from '../../src/crypto/chacha-small.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/[\s:]/g, ''), 'hex'));

function leToBig(b: Uint8Array): bigint {
  let x = 0n;
  for (let i = b.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(b[i]!);
  return x;
}

/** RFC 8439 §2.5.1, literally: clamp r, then acc = ((acc + block‖0x01) · r) mod p, tag = (acc + s) mod 2^128. */
function referencePoly1305(key: Uint8Array, msg: Uint8Array): string {
  const p = (1n << 130n) - 5n;
  const r = leToBig(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leToBig(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const chunk = msg.subarray(i, Math.min(i + 16, msg.length));
    const n = leToBig(chunk) + (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % p;
  }
  const tag = (acc + s) & ((1n << 128n) - 1n);
  return tag.toString(16).padStart(32, '0').match(/../g)!.reverse().join('');
}

/** A key with the given r and s, 16 bytes each, written as hex. */
const key = (r: string, s: string): Uint8Array => bytes(r.padEnd(32, '0') + s.padEnd(32, '0'));
const FF16 = 'ff'.repeat(16);

test('poly1305: RFC 8439 §2.5.2 ("Cryptographic Forum Research Group")', () => {
  const k = bytes('85:d6:be:78:57:55:6d:33:7f:44:52:fe:42:d5:06:a8:01:03:80:8a:fb:0d:b2:fd:4a:bf:f6:af:41:49:f5:1b');
  const msg = new TextEncoder().encode('Cryptographic Forum Research Group');
  assert.equal(hex(poly1305(k, msg)), 'a8061dc1305136c6c22b8baf0c0127a9');
  assert.equal(referencePoly1305(k, msg), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('poly1305: RFC 8439 A.3 edge cases of the final reduction and the carries', () => {
  const cases: Array<{ name: string; key: Uint8Array; msg: string; tag: string }> = [
    // #5: h = 2^130 − 2 ≥ p before the final reduction
    { name: '#5', key: key('02', ''), msg: FF16, tag: '03' + '00'.repeat(15) },
    // #6: s = 2^128 − 1, so h + s wraps mod 2^128
    { name: '#6', key: key('02', FF16), msg: '02' + '00'.repeat(15), tag: '03' + '00'.repeat(15) },
    // #7, #8: carries through every limb, #8 ends exactly on p (tag 0)
    { name: '#7', key: key('01', ''), msg: FF16 + 'f0' + 'ff'.repeat(15) + '11' + '00'.repeat(15), tag: '05' + '00'.repeat(15) },
    { name: '#8', key: key('01', ''), msg: FF16 + 'fb' + 'fe'.repeat(15) + '01'.repeat(16), tag: '00'.repeat(16) },
    // #9: h = p − 1 + … just below p after the multiply
    { name: '#9', key: key('02', ''), msg: 'fd' + 'ff'.repeat(15), tag: 'fa' + 'ff'.repeat(15) },
  ];
  for (const c of cases) {
    const msg = bytes(c.msg);
    assert.equal(referencePoly1305(c.key, msg), c.tag, `reference ${c.name}`);
    assert.equal(hex(poly1305(c.key, msg)), c.tag, c.name);
  }
});

test('poly1305: accumulators from p − 3 to p + 3 before the final reduction (r = 1, two blocks)', () => {
  // With r = 1 the multiplies change nothing: h = (2^128 + x) + (2^128 + y). With x = 2^128 − 1 and
  // y = 2^128 − 4 + delta, h = 2^130 − 5 + delta = p + delta, below 2^130, so only the final step reduces it.
  const k = key('01', '');
  for (let delta = -3; delta <= 3; delta++) {
    const y = (1n << 128n) - 4n + BigInt(delta);
    const yBytes = bytes(y.toString(16).padStart(32, '0').match(/../g)!.reverse().join(''));
    const msg = Uint8Array.from([...bytes(FF16), ...yBytes]);
    const want = referencePoly1305(k, msg);
    if (delta >= 0) assert.equal(want, delta.toString(16).padStart(2, '0') + '00'.repeat(15), 'the reference itself');
    assert.equal(hex(poly1305(k, msg)), want, `h = p ${delta >= 0 ? '+' : '−'} ${Math.abs(delta)}`);
  }
});

test('poly1305: random keys and messages (and all-0xff ones) match the BigInt reference (fast-check)', () => {
  const ff = fc.nat({ max: 200 }).map((n) => new Uint8Array(n).fill(0xff));
  fc.assert(fc.property(
    fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constant(new Uint8Array(32).fill(0xff))),
    fc.oneof(fc.uint8Array({ maxLength: 200 }), ff),
    (k, msg) => {
      assert.equal(hex(poly1305(k, msg)), referencePoly1305(k, msg));
    },
  ), { numRuns: 3_000 });
});
