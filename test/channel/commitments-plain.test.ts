/**
 * The ledger is plain data (the backend persists it generically): after every step of a dance the
 * value holds only objects, arrays, bigint, number, string, boolean, undefined and Uint8Array, and a
 * structured clone of it (what a serialise/restore round trip gives) carries on exactly like the original.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Commitments } from '../../src/channel/commitments/index.js';
import { receiveAdd, reestablishFields, sendFulfill, receiveFulfill } from '../../src/channel/commitments/index.js';
import { add, assertConsistent, engine, ok, openPair, preimage, settle } from './commitments-fixture.js';

/** Paths of values that are not plain data. */
function nonPlain(v: unknown, path = '$'): string[] {
  if (v === null || v === undefined) return [];
  switch (typeof v) {
    case 'bigint': case 'number': case 'string': case 'boolean': return [];
    case 'object': {
      if (v instanceof Uint8Array) return v.constructor === Uint8Array ? [] : [`${path}: ${v.constructor.name}`];
      if (Array.isArray(v)) return v.flatMap((x, i) => nonPlain(x, `${path}[${i}]`));
      if (Object.getPrototypeOf(v) !== Object.prototype) return [`${path}: ${(v as object).constructor.name}`];
      return Object.entries(v).flatMap(([k, x]) => nonPlain(x, `${path}.${k}`));
    }
    default: return [`${path}: ${typeof v}`];
  }
}

const roundTrip = (c: Commitments): Commitments => structuredClone(c);

test('every ledger state is plain data, and a cloned ledger behaves exactly like the original', () => {
  const p = openPair({ format: 'anchors' });
  const check = () => {
    for (const s of ['a', 'b'] as const) {
      assert.deepEqual(nonPlain(p[s]), [], s);
      p[s] = roundTrip(p[s]);
    }
  };
  check();
  const h = add(p, 'a', 40_000_000n, 1);
  check();
  settle(p);
  check();
  p.b = ok(sendFulfill(p.b, h.id, preimage(1).preimage)).commitments;
  p.a = ok(receiveFulfill(p.a, h.id, preimage(1).preimage)).commitments;
  check();
  settle(p, 'b');
  check();
  assertConsistent(p);
  assert.ok(p.a.remotePerCommitmentSecrets.length > 0);
  assert.deepEqual(reestablishFields(roundTrip(p.a), p.sa, engine), reestablishFields(p.a, p.sa, engine));
  // Decoded fields may be Buffers or views into a receive buffer: the ledger keeps its own copies.
  const frame = Buffer.alloc(2000, 3);
  const r = ok(receiveAdd(p.a, { id: 0n, amountMsat: 1_000_000n, paymentHash: frame.subarray(0, 32), cltvExpiry: 800_000, onionRoutingPacket: frame.subarray(32, 32 + 1366) }));
  assert.deepEqual(nonPlain(r.commitments), []);
  frame.fill(9);
  const stored = r.commitments.remoteChanges.proposed[0]!;
  assert.ok(stored.kind === 'add' && stored.htlc.paymentHash.every((b) => b === 3), 'not a view of the caller buffer');
  // A Buffer or a Map would be caught.
  assert.deepEqual(nonPlain({ x: Buffer.alloc(1), y: new Map() }), ['$.x: Buffer', '$.y: Map']);
});
