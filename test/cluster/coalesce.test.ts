/**
 * Tests of write coalescing (`cluster/coalesce`) and of the front's credit re-grant batching
 * (`front/peer-socket` CreditGrants): the first write of a turn on an idle stream leaves at once, the
 * rest of the turn in one batch, in order, with every callback; backpressure (write() false → 'drain') is kept; grants never exceed what was written nor
 * the window, and always come once a window has drained. No timing assertions: the "turn" is driven
 * by a scheduler the test holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { TickCork } from '../../src/cluster/coalesce.js';
import { CreditGrants, creditBatch } from '../../src/front/peer-socket.js';

interface Sink { stream: Writable; batches: Buffer[][]; block: () => void; release: () => void }

/** A Writable that records each underlying write (one entry per syscall-equivalent); `block` holds completions. */
function sink(highWaterMark = 16 * 1024): Sink {
  const batches: Buffer[][] = [];
  let hold: (() => void) | undefined;
  let blocking = false;
  const done = (cb: () => void): void => { if (blocking) hold = cb; else cb(); };
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) { batches.push([chunk]); done(cb); },
    writev(chunks, cb) { batches.push(chunks.map((c) => c.chunk as Buffer)); done(cb); },
  });
  return {
    stream, batches,
    block: () => { blocking = true; },
    release: () => { blocking = false; const h = hold; hold = undefined; h?.(); },
  };
}

/** A scheduler the test runs by hand: `turn()` ends the current loop turn. */
function manualTurns(): { schedule: (f: () => void) => void; turn: () => void; scheduled: () => number } {
  let q: (() => void)[] = [];
  return {
    schedule: (f) => { q.push(f); },
    turn: () => { const fs = q; q = []; for (const f of fs) f(); },
    scheduled: () => q.length,
  };
}

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

test('the first write of a turn on an idle stream leaves at once; the rest of the turn in one batch, in order', async () => {
  const { stream, batches } = sink();
  const t = manualTurns();
  const cork = new TickCork(stream, t.schedule);
  const called: number[] = [];
  for (let i = 0; i < 5; i++) cork.write(b(i, i), () => called.push(i));
  assert.equal(batches.length, 1, 'the lone first write did not wait');
  assert.deepEqual(batches[0], [Buffer.from([0, 0])]);
  assert.equal(stream.writableLength, 8, 'held bytes count as queued');
  assert.equal(t.scheduled(), 1, 'one flush per turn');
  t.turn();
  assert.equal(batches.length, 2);
  assert.deepEqual(Buffer.concat(batches[1]!), Buffer.from([1, 1, 2, 2, 3, 3, 4, 4]));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(called, [0, 1, 2, 3, 4]);
  cork.write(b(9));
  assert.equal(batches.length, 3, 'the next turn starts with a direct write again');
  t.turn();
  assert.equal(batches.length, 3);
});

test('a stream with unsent bytes: even the first write of a turn is held for the batch', () => {
  const s = sink();
  const t = manualTurns();
  const cork = new TickCork(s.stream, t.schedule);
  s.block();
  cork.write(b(1));
  t.turn();
  assert.equal(s.batches.length, 1);
  assert.equal(s.stream.writableLength, 1, 'the sink has not taken it yet');
  cork.write(b(2));
  cork.write(b(3));
  assert.equal(cork.holding, true, 'not idle: coalesce');
  t.turn();
  s.release();
  assert.deepEqual(s.batches.slice(1).map((x) => Buffer.concat(x)), [Buffer.from([2, 3])], 'one batch after the blocked write');
});

test('a batch reaching maxBytes is written at once; flush() writes what is held', () => {
  const { stream, batches } = sink(1 << 20);
  const t = manualTurns();
  const cork = new TickCork(stream, t.schedule, 8);
  cork.write(new Uint8Array(1));
  assert.equal(batches.length, 1, 'first write of the turn: direct');
  cork.write(new Uint8Array(4));
  assert.equal(batches.length, 1);
  cork.write(new Uint8Array(4));
  assert.equal(batches.length, 2, 'reaching 8 bytes flushed');
  assert.equal(cork.holding, false);
  cork.write(new Uint8Array(1));
  assert.equal(cork.holding, true);
  cork.flush();
  assert.equal(batches.length, 3);
  t.turn(); // the stale end-of-turn calls are no-ops
  t.turn();
  assert.equal(batches.length, 3);
  assert.equal(stream.writableLength, 0);
});

test('backpressure: write() returns false above the high-water mark and drain follows', async () => {
  const s = sink(8);
  const t = manualTurns();
  const cork = new TickCork(s.stream, t.schedule, 1 << 20);
  s.block();
  assert.equal(cork.write(new Uint8Array(4)), true);
  assert.equal(cork.write(new Uint8Array(4)), false, 'at the high-water mark: wait for drain');
  const drained = once(s.stream, 'drain');
  t.turn();
  assert.equal(s.batches.length, 1, 'the first write is with the sink; the second waits behind it');
  assert.equal(s.stream.writableLength, 8, 'still queued while the sink has not taken it');
  s.release();
  await drained;
  assert.equal(s.stream.writableLength, 0);
});

test('end() flushes what the cork holds', async () => {
  const { stream, batches } = sink();
  const t = manualTurns();
  const cork = new TickCork(stream, t.schedule);
  cork.write(b(1));
  cork.write(b(2));
  cork.write(b(3));
  stream.end();
  await once(stream, 'finish');
  assert.deepEqual(Buffer.concat(batches.flat()), Buffer.from([1, 2, 3]));
  t.turn(); // the scheduled uncork after end is harmless
});

test('creditBatch is a fraction of the window, at least 1, never above it', () => {
  assert.equal(creditBatch(64), 32);
  assert.equal(creditBatch(1), 1);
  assert.equal(creditBatch(0), 1);
  for (let w = 1; w <= 200; w++) {
    assert.ok(creditBatch(w) >= 1 && creditBatch(w) <= w, `window ${w}`);
  }
});

test('CreditGrants: the backend never holds more credit than the window, and never starves', () => {
  for (const window of [1, 2, 3, 7, 64, 100]) {
    const g = new CreditGrants();
    let backendCredit = window; // the implicit initial grant
    let inFrontBuffer = 0;
    let sent = 0;
    // The backend sends whenever it has credit; the front writes one buffered message per step.
    for (let step = 0; step < 5_000; step++) {
      while (backendCredit > 0 && inFrontBuffer < window) {
        backendCredit -= 1;
        inFrontBuffer += 1;
        sent += 1;
      }
      assert.ok(inFrontBuffer <= window, 'the front never buffers more than it granted');
      if (inFrontBuffer === 0) assert.fail(`window ${window}: the backend starved at step ${step}`);
      inFrontBuffer -= 1;
      const n = g.written(g.epoch, window);
      assert.ok(n === 0 || n === creditBatch(window), 'grants come in whole batches');
      backendCredit += n;
      assert.ok(backendCredit + inFrontBuffer + g.pending === window, 'credit is conserved');
      assert.ok(backendCredit <= window, 'never more credit than the window');
    }
    assert.ok(sent >= 5_000);
  }
});

test('CreditGrants: writes of an earlier link epoch do not count after a relink', () => {
  const g = new CreditGrants();
  const old = g.epoch;
  assert.equal(g.written(old, 4), 0);
  g.reset();
  assert.equal(g.pending, 0);
  assert.equal(g.written(old, 4), 0, 'a write of the old link drained late: ignored');
  assert.equal(g.pending, 0);
  assert.equal(g.written(g.epoch, 4), 0);
  assert.equal(g.written(g.epoch, 4), 2, 'half of a window of 4');
});
