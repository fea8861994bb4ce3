/**
 * The graph copy's byte slabs: messages round-trip through refs, cross slab boundaries, count as dead
 * when released, and compaction moves every live message into fresh slabs (views taken before stay
 * valid). A GraphCopy whose updates are replaced many times compacts itself and still serves the
 * latest bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPACT_MIN_DEAD_BYTES, NO_REF, SLAB_BYTES, Slabs } from '../../src/gossip/slab.js';
import { GraphCopy } from '../../src/gossip/graph.js';
import { updTimestamp } from '../../src/gossip/raw.js';
import { loadEngine } from '../../src/crypto/engines.js';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { channelAnnouncement, channelUpdate, keyPair, scidFromParts } from '../helpers/gossip-builders.js';

const real = loadEngine('native');
const unsigned: Secp256k1Engine = { ...real, sign: () => new Uint8Array(64) };

test('slabs: refs round-trip across slab boundaries; release counts dead bytes; compaction moves live ones', () => {
  const s = new Slabs();
  const msgs = Array.from({ length: 40 }, (_, i) => new Uint8Array(60_000).fill(i + 1));
  const refs = msgs.map((m) => s.copy(m));
  assert.ok(refs.at(-1)! >= SLAB_BYTES, 'spills into a second slab');
  msgs.forEach((m, i) => assert.deepEqual(s.view(refs[i]!, m.length), m));
  assert.equal(s.liveBytes, 40 * 60_000);
  const early = s.view(refs[0]!, 60_000);
  for (let i = 0; i < 30; i++) s.release(refs[i]!, 60_000);
  s.release(NO_REF, 123);
  assert.deepEqual([s.liveBytes, s.deadBytes], [10 * 60_000, 30 * 60_000]);
  assert.equal(s.wantsCompaction(), 30 * 60_000 > COMPACT_MIN_DEAD_BYTES);
  const move = s.compact();
  const moved = refs.slice(30).map((r) => move(r, 60_000));
  assert.equal(move(NO_REF, 0), NO_REF);
  moved.forEach((r, i) => assert.deepEqual(s.view(r, 60_000), msgs[30 + i]));
  assert.deepEqual([s.liveBytes, s.deadBytes], [10 * 60_000, 0]);
  assert.equal(early[0], 1, 'a view taken before compaction still reads its bytes');
  assert.throws(() => s.copy(new Uint8Array(SLAB_BYTES + 1)), RangeError);
});

test('graph copy: replacing updates many times compacts the slabs; the latest bytes are served', () => {
  const a = keyPair(real, 'slab-a');
  const b = keyPair(real, 'slab-b');
  const g = new GraphCopy();
  const scids = Array.from({ length: 50 }, (_, i) => scidFromParts(700_000 + i, 0, 0));
  for (const scid of scids) g.applyRaw(channelAnnouncement(unsigned, { scid, a, b }));
  const base = scids.map((scid) => channelUpdate(unsigned, a, { scid, timestamp: 1, direction: 0 }));
  // Enough replacements that dead bytes pass COMPACT_MIN_DEAD_BYTES (and the live ones) more than once.
  const rounds = Math.ceil((3 * COMPACT_MIN_DEAD_BYTES) / (base[0]!.length * scids.length));
  let maxDead = 0;
  for (let t = 1; t <= rounds; t++) {
    for (const u of base) {
      const next = u.slice();
      new DataView(next.buffer).setUint32(106, t);
      assert.equal(g.applyRaw(next), 'applied');
    }
    maxDead = Math.max(maxDead, g.bytes.dead);
  }
  assert.ok(maxDead <= COMPACT_MIN_DEAD_BYTES + base[0]!.length, `dead bytes stayed bounded (max ${maxDead})`);
  assert.ok(g.bytes.dead < COMPACT_MIN_DEAD_BYTES);
  for (const scid of scids) assert.equal(updTimestamp(g.channel(scid)!.update1!), rounds);
  const ann = channelAnnouncement(unsigned, { scid: scids[0]!, a, b });
  assert.deepEqual(g.channel(scids[0]!)!.announcement, ann);
});
