/**
 * Tests of bench/lab.ts: the LAN lab's failover rows are carried into bench-results.json only as the lab
 * wrote them, marked as carried over with the time the lab measured them; a missing file gives no rows and
 * a malformed one fails loudly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labResults } from '../../bench/lab.js';

const row = { name: 'vip-failover-power', unit: 'ms', ours: 300, baseline: 2000, baselineName: 'goal', ratio: 0.15, goal: { ratio: 1, direction: 'atMost' }, note: 'lab: x' };

test('lab rows: carried over with when the lab measured them; none without the file; a bad file throws', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-lab-rows-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lab-results.json');
  assert.deepEqual(labResults(file), []);
  writeFileSync(file, JSON.stringify([row]));
  const when = new Date('2026-11-20T10:00:00.000Z');
  utimesSync(file, when, when);
  const [r] = labResults(file);
  assert.equal(r!.ours, 300);
  assert.equal(r!.note, 'lab: x; measured by the LAN lab test (test/lab/cluster-lab.test.ts) at 2026-11-20T10:00:00.000Z, carried over from lab-results.json');
  writeFileSync(file, JSON.stringify([{ ...row, name: 'handshakes' }]));
  assert.throws(() => labResults(file), /unexpected row/);
  writeFileSync(file, JSON.stringify({ rows: [row] }));
  assert.throws(() => labResults(file), /expected an array/);
});
