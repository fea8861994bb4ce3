/**
 * @module board/health
 * Board health: a sample of CPU temperature, load, memory and root-disk use, judged against the
 * `board.health.*` thresholds, every `board.health.interval-ms` (DESIGN §7 "Health").
 *
 *   HealthSource (systeminformation, or a test feed) ─> evaluateHealth (pure) ─> HealthReport
 *                                                                            ─> BoardIndicator / metrics / /healthz
 *
 * A missing temperature (VMs, boards without a thermal zone) is "unknown", never a failure. A probe
 * that fails (e.g. `df` missing in a container) makes its field unknown; the other fields still count.
 * `systeminformation` is imported lazily, on the first sample.
 *
 * Does not: act on the report (callers feed `BoardIndicator.setHealth`), or expose HTTP.
 */
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { LoadedConfig } from '../config/index.js';
import type { BoardLogger } from './indicator.js';
import { realScheduler, type Cancel, type Scheduler } from './scheduler.js';

/** One measurement. `null` means unknown (the probe has no data on this host). */
export interface HealthSample {
  /** Main CPU temperature, °C. */
  readonly cpuTempC: number | null;
  /** 1-minute load average (whole machine). */
  readonly load1: number;
  /** CPUs the load is shared by. */
  readonly cpus: number;
  /** (total − available) / total: page cache is not "used", or every board would look full. */
  readonly memUsedRatio: number;
  /** used / size of the filesystem mounted on `/`. */
  readonly diskUsedRatio: number | null;
}

/** Limits above which the board is degraded (`board.health.*`). */
export interface HealthThresholds {
  readonly maxCpuTempC: number;
  /** 1-minute load average per CPU. */
  readonly maxLoadPerCpu: number;
  readonly maxMemPercent: number;
  readonly maxDiskPercent: number;
}

/** The judgement of one sample. */
export interface HealthReport {
  /** No reason to be degraded (unknown values do not count against it). */
  readonly ok: boolean;
  /** One line per threshold crossed, each starting with its field: `cpuTemp:`, `load:`, `memory:`, `disk:`. */
  readonly degraded: readonly string[];
  /** CPU above `maxCpuTempC` (also listed in `degraded`). */
  readonly overTemperature: boolean;
  /** `unknown` when the host reports no temperature. */
  readonly temperature: 'ok' | 'high' | 'unknown';
  readonly sample: HealthSample;
}

/** Where samples come from (injectable: tests feed samples). */
export type HealthSource = () => Promise<HealthSample>;

/** Thresholds from `board.health.*`. */
export function thresholdsFromConfig(config: Pick<LoadedConfig, 'get'>): HealthThresholds {
  return {
    maxCpuTempC: config.get('board.health.max-cpu-temp-c'),
    maxLoadPerCpu: config.get('board.health.max-load'),
    maxMemPercent: config.get('board.health.max-mem-percent'),
    maxDiskPercent: config.get('board.health.max-disk-percent'),
  };
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

/** Judges `s` against `t`. Pure. A value equal to its limit is still fine ("above" degrades). */
export function evaluateHealth(s: HealthSample, t: HealthThresholds): HealthReport {
  const degraded: string[] = [];
  const temperature = s.cpuTempC === null ? 'unknown' : s.cpuTempC > t.maxCpuTempC ? 'high' : 'ok';
  if (temperature === 'high') degraded.push(`cpuTemp: ${s.cpuTempC!.toFixed(1)} °C > ${t.maxCpuTempC} °C`);
  const loadPerCpu = s.load1 / Math.max(1, s.cpus);
  if (loadPerCpu > t.maxLoadPerCpu) degraded.push(`load: ${loadPerCpu.toFixed(2)} per CPU > ${t.maxLoadPerCpu}`);
  if (s.memUsedRatio * 100 > t.maxMemPercent) degraded.push(`memory: ${pct(s.memUsedRatio)} used > ${t.maxMemPercent} %`);
  if (s.diskUsedRatio !== null && s.diskUsedRatio * 100 > t.maxDiskPercent) {
    degraded.push(`disk: ${pct(s.diskUsedRatio)} of / used > ${t.maxDiskPercent} %`);
  }
  return { ok: degraded.length === 0, degraded, overTemperature: temperature === 'high', temperature, sample: s };
}

/**
 * systeminformation reports an unknown temperature as `null` (v5) or `-1` (older versions, some
 * platforms); no board we run on is at exactly −1 °C.
 */
const UNKNOWN_TEMP_SENTINEL = -1;

const knownTemp = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) && v !== UNKNOWN_TEMP_SENTINEL ? v : null;

const orNull = async <T>(p: () => Promise<T>): Promise<T | null> => {
  try {
    return await p();
  } catch {
    return null;
  }
};

/**
 * The real source: `systeminformation` for temperature, memory and `/`, `os.loadavg` for load (the
 * kernel's 1-minute average, which is what `max-load` means; `si.currentLoad` is a CPU percentage
 * between two calls instead). Each probe fails alone; memory falls back to `os.freemem`.
 */
export function systemHealthSource(): HealthSource {
  return async () => {
    const si = await import('systeminformation');
    const [temp, mem, disks] = await Promise.all([
      orNull(() => si.cpuTemperature()), orNull(() => si.mem()), orNull(() => si.fsSize()),
    ]);
    const root = disks?.find((d) => d.mount === '/');
    const memUsedRatio = mem !== null && mem.total > 0
      ? (mem.total - mem.available) / mem.total
      : 1 - freemem() / totalmem();
    return {
      cpuTempC: knownTemp(temp?.main),
      load1: loadavg()[0] ?? 0,
      cpus: availableParallelism(),
      memUsedRatio,
      diskUsedRatio: root !== undefined && root.size > 0 ? root.used / root.size : null,
    };
  };
}

/** Options of `HealthMonitor`. */
export interface HealthMonitorOptions {
  readonly thresholds: HealthThresholds;
  /** `board.health.interval-ms`: time between the end of one sample and the start of the next. */
  readonly intervalMs: number;
  /** Defaults to `systemHealthSource()`. */
  readonly source?: HealthSource;
  /** Defaults to real unref'd timers. */
  readonly scheduler?: Scheduler;
  readonly log?: BoardLogger;
  /** Called with every report (feed `BoardIndicator.setHealth`, metrics, /healthz). */
  readonly onReport?: (report: HealthReport) => void;
}

/**
 * Samples health periodically. Samples never overlap: the next is scheduled when one finishes, so a
 * slow probe on a loaded board stretches the interval instead of piling up. A failing source logs one
 * warning per failure streak and keeps the last report.
 */
export class HealthMonitor {
  readonly #opts: HealthMonitorOptions;
  readonly #source: HealthSource;
  readonly #scheduler: Scheduler;
  #latest: HealthReport | null = null;
  #timer: Cancel | null = null;
  #running = false;
  /** Bumped by start/stop so a sample still in flight from an earlier run schedules nothing. */
  #generation = 0;
  #failing = false;

  constructor(opts: HealthMonitorOptions) {
    this.#opts = opts;
    this.#source = opts.source ?? systemHealthSource();
    this.#scheduler = opts.scheduler ?? realScheduler;
  }

  /** The last report, or null before the first sample completes. */
  get latest(): HealthReport | null {
    return this.#latest;
  }

  /** Takes one sample now and reports it (also used by `lnfleet board status`). */
  async sampleNow(): Promise<HealthReport> {
    const report = evaluateHealth(await this.#source(), this.#opts.thresholds);
    this.#latest = report;
    this.#opts.onReport?.(report);
    return report;
  }

  /** Starts sampling: one sample immediately, then every `intervalMs`. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#tick(++this.#generation);
  }

  /** Stops sampling; a sample in flight still completes but schedules nothing. */
  stop(): void {
    this.#running = false;
    this.#generation++;
    this.#timer?.();
    this.#timer = null;
  }

  async #tick(generation: number): Promise<void> {
    this.#timer = null;
    try {
      await this.sampleNow();
      this.#failing = false;
    } catch (e) {
      if (!this.#failing) this.#opts.log?.warn({ component: 'board', err: (e as Error).message }, 'health sample failed; keeping the last report');
      this.#failing = true;
    }
    if (this.#running && generation === this.#generation) {
      this.#timer = this.#scheduler.setTimeout(() => void this.#tick(generation), this.#opts.intervalMs);
    }
  }
}
