// Reader and Writer, the byte cursors under every codec: big-endian integers, growth past the first
// buffer, `finish` (a copy of its own) and `finishView` (only the bytes written, though the working
// memory is pooled and holds old data past them), and `bytes` copying from a Buffer input too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../src/wire/reader.js';

test('Writer: big-endian integers and bytes, growing past its first buffer', () => {
  const w = new Writer(4);
  w.u8(0xab);
  w.u16(0x0102);
  w.u32(0xdeadbeef);
  w.u64(0x0102030405060708n);
  w.bytes(Uint8Array.from([9, 9, 9]));
  assert.deepEqual(w.finish(), Uint8Array.from([0xab, 1, 2, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9]));
  assert.equal(w.length, 18);
  assert.throws(() => w.u32(2 ** 32), /u32 out of range/);
});

test('Writer: finish is a copy of its own; finishView is exactly the bytes written', () => {
  // Dirty the pool first, so old bytes sit in the memory a new Writer gets.
  Buffer.allocUnsafe(2048).fill(0x5a);
  const w = new Writer(256);
  w.u32(7);
  const view = w.finishView();
  assert.deepEqual(view, Uint8Array.from([0, 0, 0, 7]));
  assert.equal(view.constructor, Uint8Array);
  const copy = w.finish();
  w.u32(8); // writes after finish() do not show in the copy
  assert.deepEqual(copy, Uint8Array.from([0, 0, 0, 7]));
  assert.equal(copy.buffer.byteLength, 4, 'finish owns exactly its bytes');
});

test('Reader.bytes copies, from a Uint8Array and from a Buffer', () => {
  for (const input of [Uint8Array.from([1, 2, 3, 4]), Buffer.from([1, 2, 3, 4])]) {
    const r = new Reader(input);
    const got = r.bytes(2);
    input[0] = 99;
    assert.deepEqual([...got], [1, 2], `${input.constructor.name}: the field does not change with its input`);
    assert.equal(r.u16(), 0x0304);
    assert.throws(() => r.u8(), /u8 needs 1 bytes, 0 left/);
  }
});
