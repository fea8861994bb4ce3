/**
 * @module board/metrics
 * Prometheus gauges of the board (DESIGN §8), read at scrape time from the latest health report and
 * the indicator's shown state:
 *
 *   lnfleet_board_cpu_temp_celsius        absent while the temperature is unknown (VMs)
 *   lnfleet_board_load1                   1-minute load average (whole machine)
 *   lnfleet_board_mem_used_ratio          (total − available) / total
 *   lnfleet_board_disk_used_ratio         root filesystem; absent while unknown
 *   lnfleet_board_state{state}            1 for the state shown, 0 for every other state
 *
 * Does not: serve HTTP (the front's metrics listener does), or sample anything itself.
 */
import { Gauge, type Registry } from 'prom-client';
import type { HealthReport } from './health.js';
import { BOARD_STATES, type BoardState } from './states.js';

/** Where the gauges read from at scrape time. */
export interface BoardMetricsSource {
  /** The latest health report, or null before the first sample (health gauges are then absent). */
  health(): HealthReport | null;
  /** The state the LEDs show. */
  state(): BoardState;
}

/** The gauges `registerBoardMetrics` created (tests and callers may read them). */
export interface BoardMetrics {
  readonly cpuTemp: Gauge;
  readonly load1: Gauge;
  readonly memUsed: Gauge;
  readonly diskUsed: Gauge;
  readonly state: Gauge<'state'>;
}

/**
 * Sets `g` to `v`, or removes its sample when `v` is unknown. `reset()` is not enough: prom-client
 * then exports a label-less gauge as 0, and "0 °C" would be a lie; `remove({})` drops the series.
 */
function setOrClear(g: Gauge, v: number | null | undefined): void {
  if (v === null || v === undefined) g.remove({});
  else g.set(v);
}

/** Registers the board gauges on `registry`; values are read from `source` at each scrape. */
export function registerBoardMetrics(registry: Registry, source: BoardMetricsSource): BoardMetrics {
  const sample = () => source.health()?.sample;
  const registers = [registry];
  const cpuTemp = new Gauge({
    name: 'lnfleet_board_cpu_temp_celsius', help: 'CPU temperature (absent when the host reports none).', registers,
    collect() { setOrClear(this, sample()?.cpuTempC); },
  });
  const load1 = new Gauge({
    name: 'lnfleet_board_load1', help: '1-minute load average of the board.', registers,
    collect() { setOrClear(this, sample()?.load1); },
  });
  const memUsed = new Gauge({
    name: 'lnfleet_board_mem_used_ratio', help: 'Memory in use, (total - available) / total.', registers,
    collect() { setOrClear(this, sample()?.memUsedRatio); },
  });
  const diskUsed = new Gauge({
    name: 'lnfleet_board_disk_used_ratio', help: 'Root filesystem use, used / size.', registers,
    collect() { setOrClear(this, sample()?.diskUsedRatio); },
  });
  const state = new Gauge<'state'>({
    name: 'lnfleet_board_state', help: 'Board state shown on the LEDs: 1 for the current state.', labelNames: ['state'], registers,
    collect() {
      const now = source.state();
      for (const s of BOARD_STATES) this.set({ state: s }, s === now ? 1 : 0);
    },
  });
  return { cpuTemp, load1, memUsed, diskUsed, state };
}
