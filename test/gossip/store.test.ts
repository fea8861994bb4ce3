/**
 * Graph store: migrations from empty, reopen keeps data, timestamp rules, BOLT 7 snapshot order,
 * stale pruning with injected time, removal on funding spend (after the delay), online backup.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNDING_SPENT_FORGET_DELAY_BLOCKS, GraphStore, STALE_CHANNEL_AGE_SECONDS, type NewChannel } from '../../src/gossip/store.js';
import { MIGRATIONS, migrate, openDatabase, schemaVersion } from '../../src/gossip/store-migrations.js';
import { scidFromParts } from '../../src/wire/index.js';
import { channelAnnouncement, channelUpdate, engine, newChannelKeys, newKey, nodeAnnouncement, type ChannelKeys } from '../helpers/gossip-fixtures.js';

const NOW = 1_700_000_000;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'lnfleet-store-'));

function channel(keys: ChannelKeys, scid: bigint, extra: Partial<NewChannel> = {}): NewChannel {
  const a = channelAnnouncement(keys, scid);
  return {
    scid, announcement: a.raw, nodeId1: a.message.nodeId1, nodeId2: a.message.nodeId2, bitcoinKey1: a.message.bitcoinKey1, bitcoinKey2: a.message.bitcoinKey2,
    capacitySat: 1_000_000n, funding: { txid: 'aa'.repeat(32), vout: Number(scid & 0xffffn) }, firstSeen: NOW, ...extra,
  };
}

function update(keys: ChannelKeys, scid: bigint, direction: 0 | 1, timestamp: number, fee = 1000) {
  const u = channelUpdate(keys, scid, direction, timestamp, { fee });
  return { scid, direction, timestamp, messageFlags: u.message.messageFlags, channelFlags: u.message.channelFlags, raw: u.raw };
}

test('migrations run from empty, once, in a transaction each, and a newer schema is refused', () => {
  const db = openDatabase(':memory:');
  assert.equal(schemaVersion(db), 0);
  assert.deepEqual(migrate(db, NOW), MIGRATIONS.map((m) => m.version));
  assert.deepEqual(migrate(db, NOW), []);
  const broken = [...MIGRATIONS, { version: 99, description: 'broken', sql: 'CREATE TABLE x (a); CREATE TABLE x (a);' }];
  assert.throws(() => migrate(db, NOW, broken), (e: any) => e.code === 'GRAPH_STORE' && e.kind === 'migration');
  assert.equal(schemaVersion(db), MIGRATIONS.at(-1)!.version, 'the failed migration left no version row');
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'x'").get() as { n: number }).n, 0, 'and no table');
  db.prepare('INSERT INTO schema_version VALUES (?, ?, ?)').run(1000, NOW, 'future');
  assert.throws(() => migrate(db, NOW), (e: any) => e.code === 'GRAPH_STORE' && e.kind === 'newerSchema');
  db.close();
});

test('a file database survives close and reopen, in WAL mode', () => {
  const dir = tmp();
  try {
    const path = join(dir, 'graph.sqlite');
    const keys = newChannelKeys();
    const s1 = GraphStore.open(path, NOW);
    assert.equal(s1.addChannel(channel(keys, scidFromParts(100, 1, 0))), true);
    assert.equal(s1.upsertChannelUpdate(update(keys, scidFromParts(100, 1, 0), 0, NOW)), 'inserted');
    assert.equal(s1.upsertNode({ nodeId: engine.publicKey(keys.node1), timestamp: NOW, raw: nodeAnnouncement(keys.node1, NOW).raw }), 'inserted');
    assert.ok(existsSync(`${path}-wal`), 'WAL journal');
    s1.close();
    const s2 = GraphStore.open(path, NOW + 10);
    assert.deepEqual(s2.counts(), { channels: 1, channelUpdates: 1, nodes: 1, unverifiedChannels: 0, spentPending: 0 });
    const c = s2.getChannel(scidFromParts(100, 1, 0))!;
    assert.equal(c.capacitySat, 1_000_000n);
    assert.deepEqual(c.funding, { txid: 'aa'.repeat(32), vout: 0 });
    assert.deepEqual(c.nodeId1, engine.publicKey(keys.node1));
    s2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('timestamp rules: newer replaces, equal and older are stale, unknown channel or node is refused', () => {
  const s = GraphStore.open(':memory:', NOW);
  const keys = newChannelKeys();
  const scid = scidFromParts(200, 3, 1);
  assert.equal(s.upsertChannelUpdate(update(keys, scid, 0, NOW)), 'unknownChannel');
  assert.equal(s.upsertNode({ nodeId: engine.publicKey(keys.node1), timestamp: NOW, raw: new Uint8Array(1) }), 'unknownChannel');
  assert.equal(s.addChannel(channel(keys, scid)), true);
  assert.equal(s.addChannel(channel(keys, scid, { capacitySat: 5n })), false, 'the first announcement is kept');
  assert.equal(s.getChannel(scid)!.capacitySat, 1_000_000n);
  assert.equal(s.upsertChannelUpdate(update(keys, scid, 0, NOW)), 'inserted');
  assert.equal(s.upsertChannelUpdate(update(keys, scid, 0, NOW, 7)), 'stale', 'equal timestamp');
  assert.equal(s.upsertChannelUpdate(update(keys, scid, 0, NOW - 1)), 'stale', 'older');
  assert.equal(s.upsertChannelUpdate(update(keys, scid, 1, NOW - 1)), 'inserted', 'directions are separate');
  const newer = update(keys, scid, 0, NOW + 1, 9);
  assert.equal(s.upsertChannelUpdate(newer), 'replaced');
  assert.deepEqual(s.getChannelUpdate(scid, 0)!.raw, newer.raw);
  const id = engine.publicKey(keys.node2);
  assert.equal(s.upsertNode({ nodeId: id, timestamp: NOW, raw: Uint8Array.of(1) }), 'inserted');
  assert.equal(s.upsertNode({ nodeId: id, timestamp: NOW, raw: Uint8Array.of(2) }), 'stale');
  assert.equal(s.upsertNode({ nodeId: id, timestamp: NOW + 5, raw: Uint8Array.of(3) }), 'replaced');
  assert.deepEqual(s.getNode(id)!.raw, Uint8Array.of(3));
  assert.deepEqual(s.counts(), { channels: 1, channelUpdates: 2, nodes: 1, unverifiedChannels: 0, spentPending: 0 });
  s.close();
});

test('the snapshot streams in BOLT 7 order across chunks: announcement, its updates, then first-seen nodes', () => {
  const s = GraphStore.open(':memory:', NOW);
  const a = newKey(), b = newKey(), c = newKey();
  const ab = newChannelKeys({ node1: a, node2: b });
  const bc = newChannelKeys({ node1: b, node2: c });
  const scids = [scidFromParts(500, 0, 0), scidFromParts(300, 2, 1), scidFromParts(300, 2, 0), scidFromParts(0xffffff, 0xffffff, 0xffff)];
  // Inserted out of order; the largest scid does not fit a signed 64-bit INTEGER.
  s.addChannel(channel(bc, scids[0]!));
  s.addChannel(channel(ab, scids[1]!));
  s.addChannel(channel(ab, scids[2]!, { capacitySat: undefined, funding: undefined }));
  s.addChannel(channel(bc, scids[3]!));
  for (const [k, scid] of [[bc, scids[0]!], [ab, scids[1]!], [bc, scids[3]!]] as const) {
    s.upsertChannelUpdate(update(k, scid, 1, NOW));
    s.upsertChannelUpdate(update(k, scid, 0, NOW));
  }
  for (const p of [a, b, c]) s.upsertNode({ nodeId: engine.publicKey(p), timestamp: NOW, raw: nodeAnnouncement(p, NOW).raw });
  const expected = (chunk: number) => {
    const items = [...s.snapshot(chunk)].map((i) => i.type === 'node_announcement' ? `node:${Buffer.from(i.nodeId).toString('hex').slice(0, 8)}` : i.type === 'channel_update' ? `upd:${i.scid}:${i.direction}` : `ann:${i.scid}`);
    return items;
  };
  const hex = (p: Uint8Array) => `node:${Buffer.from(engine.publicKey(p)).toString('hex').slice(0, 8)}`;
  const [n1ab, n2ab] = Buffer.compare(engine.publicKey(a), engine.publicKey(b)) < 0 ? [a, b] : [b, a];
  const cOnly = c;
  const want = [
    `ann:${scids[2]}`, hex(n1ab), hex(n2ab),
    `ann:${scids[1]}`, `upd:${scids[1]}:0`, `upd:${scids[1]}:1`,
    `ann:${scids[0]}`, `upd:${scids[0]}:0`, `upd:${scids[0]}:1`, hex(cOnly),
    `ann:${scids[3]}`, `upd:${scids[3]}:0`, `upd:${scids[3]}:1`,
  ];
  assert.deepEqual(expected(500), want);
  assert.deepEqual(expected(1), want, 'chunk size 1 gives the same stream');
  assert.deepEqual(expected(3), want);
  s.close();
});

test('stale channels are pruned by the older direction (a missing one counts from first seen), then orphan nodes', () => {
  const s = GraphStore.open(':memory:', NOW);
  const fresh = newChannelKeys(), oneSided = newChannelKeys(), old = newChannelKeys();
  const [f, o1, o2] = [scidFromParts(1, 0, 0), scidFromParts(2, 0, 0), scidFromParts(3, 0, 0)];
  s.addChannel(channel(fresh, f));
  s.addChannel(channel(oneSided, o1));
  s.addChannel(channel(old, o2));
  s.upsertChannelUpdate(update(fresh, f, 0, NOW + 100));
  s.upsertChannelUpdate(update(fresh, f, 1, NOW + 100));
  s.upsertChannelUpdate(update(oneSided, o1, 0, NOW + 100));
  s.upsertChannelUpdate(update(old, o2, 0, NOW + 100));
  s.upsertChannelUpdate(update(old, o2, 1, NOW + 1));
  s.upsertNode({ nodeId: engine.publicKey(old.node1), timestamp: NOW, raw: Uint8Array.of(1) });
  assert.deepEqual(s.pruneStale(NOW + STALE_CHANNEL_AGE_SECONDS), { channels: 0, nodes: 0 }, 'nothing is two weeks old yet');
  // first_seen = NOW: the one-sided channel is stale first (its missing direction counts from NOW).
  assert.deepEqual(s.pruneStale(NOW + STALE_CHANNEL_AGE_SECONDS + 1), { channels: 1, nodes: 0 });
  assert.equal(s.getChannel(o1), undefined);
  assert.deepEqual(s.pruneStale(NOW + STALE_CHANNEL_AGE_SECONDS + 2), { channels: 1, nodes: 1 }, 'the older direction decides');
  assert.equal(s.getChannel(o2), undefined);
  assert.equal(s.getChannelUpdate(o2, 0), undefined, 'updates go with their channel');
  assert.equal(s.getNode(engine.publicKey(old.node1)), undefined, 'a node without channels goes too');
  assert.notEqual(s.getChannel(f), undefined);
  s.close();
});

test('a spent funding output removes the channel after the delay, a reorg undoes the mark, nodes go with it', () => {
  const s = GraphStore.open(':memory:', NOW);
  const k1 = newChannelKeys(), k2 = newChannelKeys();
  const [c1, c2] = [scidFromParts(10, 1, 0), scidFromParts(10, 1, 1)];
  s.addChannel(channel(k1, c1));
  s.addChannel(channel(k2, c2));
  s.upsertNode({ nodeId: engine.publicKey(k1.node1), timestamp: NOW, raw: Uint8Array.of(1) });
  assert.equal(s.unspentFundingOutpoints().length, 2);
  assert.equal(s.markFundingSpent({ txid: 'aa'.repeat(32), vout: 0 }, 100), 1);
  assert.equal(s.markFundingSpent({ txid: 'bb'.repeat(32), vout: 0 }, 100), 0, 'unknown outpoint');
  assert.deepEqual(s.unspentFundingOutpoints(), [{ txid: 'aa'.repeat(32), vout: 1 }]);
  assert.equal(s.counts().spentPending, 1);
  assert.equal(s.unmarkSpentAbove(99), 1, 'the spending block was reorganised out');
  assert.equal(s.counts().spentPending, 0);
  s.markFundingSpent({ txid: 'aa'.repeat(32), vout: 0 }, 101);
  assert.deepEqual(s.removeSpentChannels(101 + FUNDING_SPENT_FORGET_DELAY_BLOCKS - 2), { channels: 0, nodes: 0 });
  assert.deepEqual(s.removeSpentChannels(101 + FUNDING_SPENT_FORGET_DELAY_BLOCKS - 1), { channels: 1, nodes: 1 });
  assert.equal(s.getChannel(c1), undefined);
  assert.notEqual(s.getChannel(c2), undefined);
  assert.deepEqual(s.removeChannels([c2]), { channels: 1, nodes: 0 });
  assert.equal(s.counts().channels, 0);
  s.close();
});

test('an online backup opens as a graph database with the same counts', async () => {
  const dir = tmp();
  try {
    const s = GraphStore.open(join(dir, 'graph.sqlite'), NOW);
    for (let i = 0; i < 50; i++) {
      const k = newChannelKeys();
      s.addChannel(channel(k, scidFromParts(1000 + i, 0, 0)));
      s.upsertChannelUpdate(update(k, scidFromParts(1000 + i, 0, 0), 0, NOW));
    }
    const r = await s.backup(join(dir, 'backup.sqlite'));
    assert.ok(r.totalPages > 0);
    const b = GraphStore.open(join(dir, 'backup.sqlite'), NOW);
    assert.deepEqual(b.counts(), s.counts());
    assert.deepEqual([...b.snapshot()].length, [...s.snapshot()].length);
    b.close();
    s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
