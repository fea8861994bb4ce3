/**
 * @module front/metrics
 * The front's Prometheus metrics in their own `prom-client` `Registry` (no global state, so several
 * fronts can run in one test process). Names follow eclair's where one exists (DESIGN §8).
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `peer_connections` | gauge | — |
 * | `lnfleet_link_up` | gauge (0/1) | — |
 * | `lnfleet_peer_messages_total` | counter | `direction` (in/out), `type` |
 * | `front_router_gossip_total` | counter | `status`, `type` (`registerRouterMetrics`) |
 * | `front_router_signature_checks_total` | counter | `where` (ahead, inline) |
 * | `front_gossip_verify_threads` | gauge | — (verification threads running; `registerVerifyMetrics`) |
 * | `front_gossip_verify_jobs_total` | counter | `thread` (messages each thread verified) |
 *
 * `type` is the spec name of a message we decode, the number for channel messages (32–255), and
 * `unknown_odd`/`unknown_even` otherwise, so a peer cannot create unbounded label values.
 * Does not: serve HTTP (see `./health.ts`).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { messageDef } from '../wire/index.js';
import { DirectionTypeCounter } from '../hot-counter.js';
import type { RouterMetrics } from '../gossip/front-router.js';
import type { VerifyPoolStats } from '../gossip/verify-pool.js';

/** The front's metrics. */
export class FrontMetrics {
  readonly registry = new Registry();
  readonly peerConnections: Gauge;
  readonly linkUp: Gauge;
  readonly #peerMessages: DirectionTypeCounter<number>;

  constructor() {
    const registers = [this.registry];
    this.peerConnections = new Gauge({ name: 'peer_connections', help: 'Open peer connections on this front', registers });
    this.linkUp = new Gauge({ name: 'lnfleet_link_up', help: '1 while the cluster link to the backend is up', registers });
    this.#peerMessages = new DirectionTypeCounter(this.registry, 'lnfleet_peer_messages_total',
      'Lightning messages from (in) and to (out) peers, by type', typeLabel);
  }

  /** Counts one message (by type number; labelled when scraped). */
  message(direction: 'in' | 'out', type: number): void {
    this.#peerMessages.inc(direction, type);
  }
}

/** The bounded `type` label of a message type. */
export function typeLabel(type: number): string {
  const def = messageDef(type);
  if (def !== undefined) return def.name;
  if (type >= 32 && type <= 255) return String(type);
  return type % 2 === 1 ? 'unknown_odd' : 'unknown_even';
}

/** Exports the FrontRouter's counters (plain data in `RouterMetrics`) into `registry` when scraped. */
export function registerRouterMetrics(registry: Registry, metrics: RouterMetrics): void {
  new Counter({
    name: 'front_router_gossip_total',
    help: 'Gossip messages through the front router, by what happened to them (status) and type',
    labelNames: ['status', 'type'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of metrics.gossipTotal()) this.inc({ status: c.status, type: c.type }, c.value);
    },
  });
  new Counter({
    name: 'front_router_signature_checks_total',
    help: 'Gossip messages whose signatures the front router judged, by where the check ran (ahead: verification threads; inline)',
    labelNames: ['where'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [where, n] of Object.entries(metrics.signatureChecks())) this.inc({ where }, n);
    },
  });
}

/** Exports the verification threads' state; `stats` is undefined when the front verifies inline. */
export function registerVerifyMetrics(registry: Registry, stats: () => VerifyPoolStats | undefined): void {
  new Gauge({
    name: 'front_gossip_verify_threads',
    help: 'Gossip signature-verification threads running (0: the front router verifies inline)',
    registers: [registry],
    collect() {
      this.set(stats()?.perThread.filter((t) => t.state === 'starting' || t.state === 'ready').length ?? 0);
    },
  });
  new Counter({
    name: 'front_gossip_verify_jobs_total',
    help: 'Gossip messages each signature-verification thread verified',
    labelNames: ['thread'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [i, t] of (stats()?.perThread ?? []).entries()) this.inc({ thread: String(i) }, t.jobs);
    },
  });
}
