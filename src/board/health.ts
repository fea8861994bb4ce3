/**
 * @module board/health
 * Board health: a sample of CPU temperature, load, memory and root-disk use, judged against the
 * `board.health.*` thresholds, every `board.health.interval-ms` (DESIGN §7 "Health").
 *
 *   HealthSource (sysfs/procfs/statfs, or a test feed) ─> evaluateHealth (pure) ─> HealthReport
 *                                                                            ─> BoardIndicator / metrics / /healthz
 *
 * A missing temperature (VMs, boards without a thermal zone) is "unknown", never a failure. A probe
 * that fails (e.g. no `/proc/meminfo` in a sandbox) makes its field unknown; the other fields still count.
 * The real source starts no processes (see `systemHealthSource`).
 *
 * Does not: act on the report (callers feed `BoardIndicator.setHealth`), or expose HTTP.
 */
import { readdir, readFile, statfs } from 'node:fs/promises';
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

/** Where Linux exposes thermal zones (one `thermal_zoneN/{type,temp}` per sensor, millidegrees). */
const THERMAL_DIR = '/sys/class/thermal';
/** Zone types that are the CPU/SoC die on the boards and PCs we run on (Pi: `cpu-thermal`, x86: `x86_pkg_temp`). */
const CPU_ZONE = /cpu|x86_pkg_temp|soc/i;
/** Readings outside this range (°C) are a missing or broken sensor, not a temperature. */
const SANE_TEMP_C = { min: -40, max: 150 } as const;

const orNull = async <T>(p: () => Promise<T>): Promise<T | null> => {
  try {
    return await p();
  } catch {
    return null;
  }
};

/** The CPU temperature from the thermal zones: the first CPU-like zone, else the first readable one. */
async function cpuTemperature(dir: string): Promise<number | null> {
  const zones = (await readdir(dir)).filter((z) => z.startsWith('thermal_zone')).sort();
  let fallback: number | null = null;
  for (const z of zones) {
    const [type, raw] = await Promise.all([
      orNull(() => readFile(`${dir}/${z}/type`, 'utf8')), orNull(() => readFile(`${dir}/${z}/temp`, 'utf8')),
    ]);
    const c = raw === null ? NaN : Number.parseInt(raw, 10) / 1000;
    if (!Number.isFinite(c) || c < SANE_TEMP_C.min || c > SANE_TEMP_C.max) continue;
    if (type !== null && CPU_ZONE.test(type)) return c;
    fallback ??= c;
  }
  return fallback;
}

/** (MemTotal − MemAvailable) / MemTotal from `/proc/meminfo`. */
async function memUsedRatio(): Promise<number> {
  const text = await readFile('/proc/meminfo', 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (!(total > 0) || !Number.isFinite(available)) throw new Error('no MemTotal/MemAvailable in /proc/meminfo');
  return (total - available) / total;
}

/** Used / size of the filesystem on `/`, as `df` counts it (blocks not free / all blocks). */
async function rootDiskUsedRatio(): Promise<number | null> {
  const s = await statfs('/');
  return s.blocks > 0 ? (s.blocks - s.bfree) / s.blocks : null;
}

/**
 * The real source, read straight from the kernel with asynchronous file reads: thermal zones for the
 * temperature, `/proc/meminfo` for memory (fallback `os.freemem`), `statfs('/')` for the disk, and
 * `os.loadavg` for load (the kernel's 1-minute average, which is what `max-load` means).
 *
 * No child processes: a front samples every few seconds while it serves thousands of peers, and the
 * previous source (`systeminformation`) ran `execSync` shells for temperature and `df`, which stopped
 * the event loop for the life of each child (tens of ms on a busy board) and made the kernel copy the
 * page tables of the whole process at every fork. Each probe fails alone: its field is unknown.
 * `thermalDir` is for tests (a fake `/sys/class/thermal`).
 */
export function systemHealthSource(thermalDir = THERMAL_DIR): HealthSource {
  return async () => {
    const [cpuTempC, mem, disk] = await Promise.all([orNull(() => cpuTemperature(thermalDir)), orNull(memUsedRatio), orNull(rootDiskUsedRatio)]);
    return {
      cpuTempC,
      load1: loadavg()[0] ?? 0,
      cpus: availableParallelism(),
      memUsedRatio: mem ?? 1 - freemem() / totalmem(),
      diskUsedRatio: disk,
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
