/**
 * @module bench/measure
 * The measuring harness every benchmark uses: rates of "ours" and of a baseline measured in the same
 * run, interleaved (A B A B …) so machine noise hits both alike, each a median of several rounds.
 * Every loop is bounded in time and in count.
 *
 * Does not: decide goals or print (see `bench/run.ts`).
 */
import { performance } from 'node:perf_hooks';

/** One row of bench-results.json. */
export interface BenchResult {
  name: string;
  unit: string;
  ours: number;
  baseline: number;
  baselineName: string;
  /** ours ÷ baseline (for rates: higher is better; for latencies the row says so in `unit`). */
  ratio: number;
  /** The goal for the ratio, and which way it points. */
  goal?: { ratio: number; direction: 'atLeast' | 'atMost' };
  /** Free-form context (engine, message size, rounds). */
  note?: string;
}

/** Runs `op` in batches of `batch` calls for about `ms` milliseconds (and at most `maxOps` calls); returns ops/s. */
export function rate(op: () => void, ms: number, batch = 64, maxOps = 50_000_000): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms && n < maxOps) {
    for (let i = 0; i < batch; i++) op();
    n += batch;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Interleaved rounds of ours and baseline; median rate of each. Warms both up first. */
export function compareRates(
  ours: () => void,
  baseline: () => void,
  opts: { rounds?: number; msPerRound?: number; batch?: number } = {},
): { ours: number; baseline: number } {
  const rounds = opts.rounds ?? 5;
  const ms = opts.msPerRound ?? 300;
  const batch = opts.batch ?? 64;
  rate(ours, 100, batch);
  rate(baseline, 100, batch);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(rate(ours, ms, batch));
    b.push(rate(baseline, ms, batch));
  }
  return { ours: median(a), baseline: median(b) };
}
