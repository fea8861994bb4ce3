/**
 * Tests of the cluster link framing: round trips, arbitrary chunking, and the size limits that keep a
 * broken link from making us buffer without bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { beginFrame, encodeFrame, endFrame, FrameDecoder, FrameError } from '../../src/cluster/frame.js';
import { Writer } from '../../src/wire/reader.js';

test('frames survive any split of the byte stream', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ type: fc.integer({ min: 0, max: 0xffff }), payload: fc.uint8Array({ maxLength: 300 }) }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
      (frames, cuts) => {
        const wire = Buffer.concat(frames.map((f) => encodeFrame(f.type, f.payload)));
        const dec = new FrameDecoder();
        const got: { type: number; payload: Uint8Array }[] = [];
        let off = 0;
        for (let i = 0; off < wire.length; i++) {
          const n = cuts[i % cuts.length]!;
          got.push(...dec.push(wire.subarray(off, off + n)));
          off += n;
        }
        assert.equal(dec.buffered, 0);
        assert.deepEqual(got.map((f) => [f.type, Buffer.from(f.payload).toString('hex')]),
          frames.map((f) => [f.type, Buffer.from(f.payload).toString('hex')]));
      },
    ),
    { numRuns: 300 },
  );
});

test('header layout is u32 length (type + payload) then u16 type', () => {
  assert.equal(Buffer.from(encodeFrame(0x0102, new Uint8Array([0xaa, 0xbb]))).toString('hex'), '000000040102aabb');
});

test('a declared length above the limit is refused before buffering the payload', () => {
  const dec = new FrameDecoder(1000);
  assert.throws(() => dec.push(new Uint8Array([0, 0, 0x03, 0xe9, 0, 1])), (e: unknown) => e instanceof FrameError && e.kind === 'tooLarge');
  assert.throws(() => encodeFrame(1, new Uint8Array(1 << 20)), (e: unknown) => e instanceof FrameError && e.code === 'LINK_FRAME');
});

test('a length shorter than the type field is refused', () => {
  assert.throws(() => new FrameDecoder().push(new Uint8Array([0, 0, 0, 1, 7])), (e: unknown) => e instanceof FrameError && e.kind === 'tooSmall');
});

test('beginFrame + endFrame write the same bytes as encodeFrame, with one buffer; too large is refused', () => {
  for (const [capacity, payload] of [[1024, new Uint8Array([0xaa, 0xbb])], [8, new Uint8Array(3000).fill(7)], [64, new Uint8Array(0)]] as const) {
    const w = new Writer(capacity);
    beginFrame(w, 0x0102);
    w.bytes(payload);
    assert.deepEqual(endFrame(w.finish()), encodeFrame(0x0102, payload));
  }
  const big = new Writer();
  beginFrame(big, 1);
  big.bytes(new Uint8Array(1 << 20));
  assert.throws(() => endFrame(big.finish()), (e: unknown) => e instanceof FrameError && e.kind === 'tooLarge');
});
