/**
 * @module front/board
 * The front's board: the `BoardIndicator` (LEDs + status pin) it owns, the `HealthMonitor` feeding it,
 * and the board gauges on the front's registry (DESIGN §7 "Health", docs/board.md).
 *
 *   link state ──frontState()──> setState ─┐
 *   POST /vrrp (keepalived notify) ────────> setVrrp ──> BoardIndicator ─> GPIO (onoff, or dark)
 *   HealthMonitor (board.health.*) ────────> setHealth ┘
 *
 * GPIO comes from `board.gpio.*`: the real `OnoffGpioProvider` when `board.gpio.enabled`, otherwise the
 * dark provider (a dev box or VM logs nothing and drives nothing). Tests inject a provider.
 * Does not: talk to keepalived (the notify hook POSTs to `/vrrp`, see `./health.ts`), or decide
 * readiness (the daemon does; the board only shows it).
 */
import type { Registry } from 'prom-client';
import type { LoadedConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import {
  BoardIndicator, HealthMonitor, boardPinsFromConfig, createGpioProvider, registerBoardMetrics, thresholdsFromConfig,
  type FrontState, type GpioProvider, type HealthReport, type HealthSource, type VrrpRole, type BoardSnapshot,
} from '../board/index.js';
import type { LinkStateName } from './link-client.js';

/** Options of {@link FrontBoard} (tests inject GPIO and health). */
export interface FrontBoardOptions {
  /** GPIO provider (default: onoff when `board.gpio.enabled`, else dark). */
  readonly gpio?: GpioProvider | undefined;
  /** Health source (default: `systemHealthSource`, read from sysfs/procfs); `null` turns sampling off. */
  readonly healthSource?: HealthSource | null | undefined;
}

/**
 * What the front shows for its link state. `hello` (TLS up, waiting for `hello_ack`) is `syncing`; once
 * the gossip graph lands, `syncing` will also cover "graph snapshot incomplete" (DESIGN §4).
 */
export function frontState(link: LinkStateName): FrontState {
  switch (link) {
    case 'connecting':
    case 'backoff':
      return 'searchingBackend';
    case 'hello':
      return 'syncing';
    case 'up':
      return 'serving';
    case 'closed':
      return 'fault';
  }
}

/** The front's LEDs, status pin, health sampling and board metrics. */
export class FrontBoard {
  readonly indicator: BoardIndicator;
  readonly #monitor: HealthMonitor | undefined;

  constructor(config: LoadedConfig, log: Logger, registry: Registry, o: FrontBoardOptions = {}) {
    const blog = log.child({ component: 'board' });
    const provider = o.gpio ?? createGpioProvider(config.values['board.gpio.enabled'], blog);
    this.indicator = new BoardIndicator({ provider, pins: boardPinsFromConfig(config), log: blog });
    this.#monitor = o.healthSource === null ? undefined : new HealthMonitor({
      thresholds: thresholdsFromConfig(config),
      intervalMs: config.values['board.health.interval-ms'],
      ...(o.healthSource === undefined ? {} : { source: o.healthSource }),
      log: blog,
      onReport: (r) => this.indicator.setHealth(r),
    });
    registerBoardMetrics(registry, { health: () => this.health(), state: () => this.indicator.state });
    this.#monitor?.start();
  }

  /** The last health report, or null. */
  health(): HealthReport | null {
    return this.#monitor?.latest ?? null;
  }

  /** Shows the front's own state for `link`. */
  link(link: LinkStateName): void {
    this.indicator.setState(frontState(link));
  }

  /** keepalived's role from `POST /vrrp`. */
  vrrp(role: VrrpRole): void {
    this.indicator.setVrrp(role);
  }

  snapshot(): BoardSnapshot {
    return this.indicator.snapshot();
  }

  /** Stops sampling, turns the LEDs off and the status pin low, releases the pins. */
  close(): void {
    this.#monitor?.stop();
    this.indicator.close();
  }
}
