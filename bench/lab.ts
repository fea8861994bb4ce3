/**
 * The network-namespace lab's failover rows for bench-results.json (`vip-failover-power`,
 * `vip-failover-process`). The lab cannot run inside `bench/run.ts` (it needs root, namespaces and
 * keepalived, ~25 s), so `test/lab/cluster-lab.test.ts` writes its measured rows to `lab-results.json`
 * at the repository root and `labResults()` reads them back, checked, for the bench runner to append:
 *
 *   results.push(...labResults());
 *
 * Each row: ours = ms until a client's BOLT 8 + init handshake through the VIP succeeds after the kill,
 * baseline = the 2000 ms goal (`baselineName: 'goal'`), ratio = ours / 2000, goal atMost 1.
 * Does not: run the lab, or invent rows when the lab did not run (returns []).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './measure.js';

/** Where the lab writes its rows (the repository root, next to bench-results.json). */
export const LAB_RESULTS_FILE = fileURLToPath(new URL('../../lab-results.json', import.meta.url));
const NAMES = ['vip-failover-power', 'vip-failover-process'];

/** The lab's rows, or [] when the lab has not run here (no root, or skipped). Throws on a malformed file. */
export function labResults(file = LAB_RESULTS_FILE): BenchResult[] {
  if (!existsSync(file)) return [];
  const rows = JSON.parse(readFileSync(file, 'utf8')) as BenchResult[];
  if (!Array.isArray(rows)) throw new Error(`${file}: expected an array of bench rows`);
  for (const r of rows) {
    if (!NAMES.includes(r.name) || r.unit !== 'ms' || typeof r.ours !== 'number' || r.baseline !== 2000) {
      throw new Error(`${file}: unexpected row ${JSON.stringify(r).slice(0, 200)}`);
    }
  }
  // Carried over, not measured by this bench run: say so, and when the lab measured them.
  const at = statSync(file).mtime.toISOString();
  return rows.map((r) => ({ ...r, note: `${r.note}; measured by the LAN lab test (test/lab/cluster-lab.test.ts) at ${at}, carried over from lab-results.json` }));
}
