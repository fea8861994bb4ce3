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
 *
 * `type` is the spec name of a message we decode, the number for channel messages (32–255), and
 * `unknown_odd`/`unknown_even` otherwise, so a peer cannot create unbounded label values.
 * Does not: serve HTTP (see `./health.ts`).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { messageDef } from '../wire/index.js';

/** The front's metrics. */
export class FrontMetrics {
  readonly registry = new Registry();
  readonly peerConnections: Gauge;
  readonly linkUp: Gauge;
  readonly peerMessages: Counter<'direction' | 'type'>;

  constructor() {
    const registers = [this.registry];
    this.peerConnections = new Gauge({ name: 'peer_connections', help: 'Open peer connections on this front', registers });
    this.linkUp = new Gauge({ name: 'lnfleet_link_up', help: '1 while the cluster link to the backend is up', registers });
    this.peerMessages = new Counter({
      name: 'lnfleet_peer_messages_total',
      help: 'Lightning messages from (in) and to (out) peers, by type',
      labelNames: ['direction', 'type'] as const,
      registers,
    });
  }

  /** Counts one message. */
  message(direction: 'in' | 'out', type: number): void {
    this.peerMessages.inc({ direction, type: typeLabel(type) });
  }
}

/** The bounded `type` label of a message type. */
export function typeLabel(type: number): string {
  const def = messageDef(type);
  if (def !== undefined) return def.name;
  if (type >= 32 && type <= 255) return String(type);
  return type % 2 === 1 ? 'unknown_odd' : 'unknown_even';
}
