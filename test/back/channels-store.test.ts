// The channel store (src/back/channels/store.ts) and its serializer (serialize.ts): exact round trips of
// plain data (bigint, bytes, undefined, maps), strict decoding that names the fault, a corrupt row that is
// reported with its channel and never defaulted, monotonic key indices across reopen, versioned saves,
// and states that survive closing and reopening the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeState, encodeState, SerializeError } from '../../src/back/channels/serialize.js';
import { ChannelStore, ChannelStoreError } from '../../src/back/channels/store.js';
import { openDatabase } from '../../src/gossip/store-migrations.js';

const sample = {
  kind: 'normal',
  amountMsat: 123_456_789_012_345n,
  negative: -5n,
  id: new Uint8Array([0, 1, 2, 255]),
  empty: new Uint8Array(0),
  maybe: undefined,
  list: [1, undefined, null, 'x', { deep: [2n] }],
  map: new Map<unknown, unknown>([[1n, 'one'], ['k', new Uint8Array([9])]]),
  flag: false,
  n: 1.5,
};

test('serialize: plain data round-trips exactly (bigint, bytes, undefined fields and elements, maps)', () => {
  const back = decodeState(encodeState(sample)) as typeof sample;
  assert.deepStrictEqual(back, sample);
  assert.ok(back.id instanceof Uint8Array && !Buffer.isBuffer(back.id));
  assert.ok('maybe' in back);
  assert.equal(typeof back.amountMsat, 'bigint');
});

test('serialize: property — arbitrary plain data round-trips', () => {
  const leaf = fc.oneof(fc.bigInt(), fc.uint8Array({ maxLength: 40 }), fc.constant(undefined), fc.constant(null), fc.boolean(), fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string().filter((k) => !k.startsWith('$') && k !== '__proto__'), tie('v'), { maxKeys: 4, noNullPrototype: true })),
  })).v;
  fc.assert(fc.property(value, (v) => { assert.deepStrictEqual(decodeState(encodeState(v)), v); }), { numRuns: 300 });
});

test('serialize: refuses what is not plain data, with the path', () => {
  const cases: unknown[] = [{ a: () => 1 }, { a: Symbol('x') }, { a: NaN }, { a: new Date() }, { $big: 'x' }, { a: [{ $bytes: 1 }] }];
  for (const c of cases) assert.throws(() => encodeState(c), (e: unknown) => e instanceof SerializeError && e.kind === 'unsupported');
  assert.throws(() => encodeState({ a: { b: new Set() } }), (e: unknown) => e instanceof SerializeError && e.path === '$.a.b');
});

test('serialize: strict decoding — every malformed blob is an error naming the fault, never a default', () => {
  const bad: [string, string][] = [
    ['not json', 'corrupt'],
    ['{"format":2,"data":1}', 'version'],
    ['{"format":1}', 'corrupt'],
    ['{"format":1,"data":1,"x":2}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$big":"01"}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$big":"1.5"}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$bytes":"abc"}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$bytes":"ZZ"}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$what":1}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$big":"1","b":2}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$map":[[1]]}}}', 'corrupt'],
    ['{"format":1,"data":{"a":{"$undef":2}}}', 'corrupt'],
  ];
  for (const [text, kind] of bad) {
    assert.throws(() => decodeState(text), (e: unknown) => e instanceof SerializeError && e.kind === kind, text);
  }
  assert.throws(() => decodeState('{"format":1,"data":{"h":[0,{"$bytes":"x"}]}}'), (e: unknown) => e instanceof SerializeError && e.path === '$.h[1]');
});

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-chstore-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('store: insert, versioned save, reopen — state, channel_id and key indices survive; indices never repeat', (t) => {
  const path = join(tempDir(t), 'channels.sqlite');
  let s = ChannelStore.open(path);
  assert.equal(s.allocateKeyIndex(), 0n);
  assert.equal(s.allocateKeyIndex(), 1n);
  const peer = new Uint8Array(33).fill(2);
  const id = s.insert({ temporaryChannelId: new Uint8Array(32).fill(7), peer, keyIndex: 1n, phase: 'opening', state: sample });
  const cid = new Uint8Array(32).fill(9);
  assert.equal(s.save(id, 1, { phase: 'normal', state: { ...sample, kind: 'normal2' }, channelId: cid }), 2);
  assert.equal(s.save(id, 2, { phase: 'normal', state: { ...sample, kind: 'normal3' } }), 3);
  assert.throws(() => s.save(id, 2, { phase: 'x', state: {} }), (e: unknown) => e instanceof ChannelStoreError && e.kind === 'conflict');
  assert.throws(() => s.save(999, 1, { phase: 'x', state: {} }), (e: unknown) => e instanceof ChannelStoreError && e.kind === 'unknown');
  s.close();
  s = ChannelStore.open(path);
  t.after(() => s.close());
  const { rows, corrupt } = s.loadAll();
  assert.equal(corrupt.length, 0);
  assert.equal(rows.length, 1);
  assert.deepStrictEqual(rows[0]!.state, { ...sample, kind: 'normal3' });
  assert.deepStrictEqual(rows[0]!.channelId, cid);
  assert.deepStrictEqual(rows[0]!.peer, peer);
  assert.equal(rows[0]!.keyIndex, 1n);
  assert.equal(rows[0]!.version, 3);
  assert.equal(s.allocateKeyIndex(), 2n);
});

test('store: WAL and synchronous FULL are on', (t) => {
  const s = ChannelStore.open(join(tempDir(t), 'channels.sqlite'));
  t.after(() => s.close());
  assert.deepStrictEqual(s.durability(), { journalMode: 'wal', synchronous: 2 });
});

test('store: a corrupt row is reported with its channel and peer; the others still load', (t) => {
  const path = join(tempDir(t), 'channels.sqlite');
  const s = ChannelStore.open(path);
  t.after(() => s.close());
  const a = s.insert({ temporaryChannelId: new Uint8Array(32), peer: new Uint8Array(33).fill(3), keyIndex: s.allocateKeyIndex(), phase: 'normal', state: { ok: 1n } });
  const b = s.insert({ temporaryChannelId: new Uint8Array(32), peer: new Uint8Array(33).fill(4), keyIndex: s.allocateKeyIndex(), phase: 'normal', state: { ok: 2n } });
  const db = openDatabase(path);
  db.prepare('UPDATE channels SET state = ? WHERE id = ?').run('{"format":1,"data":{"ok":{"$big":"x"}}}', b);
  db.close();
  const { rows, corrupt } = s.loadAll();
  assert.deepStrictEqual(rows.map((r) => r.id), [a]);
  assert.equal(corrupt.length, 1);
  assert.equal(corrupt[0]!.id, b);
  assert.equal(corrupt[0]!.error.kind, 'corrupt');
  assert.match(corrupt[0]!.error.message, new RegExp(`channel ${b} .*peer ${'04'.repeat(33)}.*\\$\\.ok`));
  assert.throws(() => s.get(b), (e: unknown) => e instanceof ChannelStoreError && e.kind === 'corrupt');
});

test('store: a database from a newer schema is refused', (t) => {
  const path = join(tempDir(t), 'channels.sqlite');
  ChannelStore.open(path).close();
  const db = openDatabase(path);
  db.prepare('INSERT INTO schema_version (version, applied_at, description) VALUES (99, 0, ?)').run('future');
  db.close();
  assert.throws(() => ChannelStore.open(path), (e: unknown) => e instanceof ChannelStoreError && e.kind === 'newerSchema');
});
