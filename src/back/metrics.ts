/**
 * @module back/metrics
 * Prometheus metrics of the backend (DESIGN §8), on a per-daemon `Registry` (never prom-client's
 * global one: several daemons may run in one process, e.g. `lnfleet dev` and the tests), served as
 * text on `metrics.listen` at `/metrics`.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | `lnfleet_fronts_connected` | gauge | — |
 * | `peer_connections` | gauge (eclair's name) | — |
 * | `lnfleet_link_messages_total` | counter | `direction` (in/out), `type` (link message name) |
 * | `lnfleet_ecdh_requests_total` | counter | `status` (ok, rate_limited, invalid_point) |
 * | `lnfleet_gossip_decisions_total` | counter | `reason` (accepted or a reject reason of `src/gossip/decide.ts`) |
 *
 * Does not: collect process/GC default metrics (cheap to add with `collectDefaultMetrics({register})`).
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { EcdhStatusName } from './ecdh.js';
import { DirectionTypeCounter } from '../hot-counter.js';
import { listenOn } from '../listen.js';

const ECDH_LABEL: Readonly<Record<EcdhStatusName, string>> = { ok: 'ok', rateLimited: 'rate_limited', invalidPoint: 'invalid_point' };

/** The backend's metrics. */
export class BackendMetrics {
  readonly registry = new Registry();
  readonly #linkMessages: DirectionTypeCounter<string>;
  readonly #ecdh: Counter<'status'>;
  readonly #gossip: Counter<'reason'>;

  constructor(sample: { fronts: () => number; peers: () => number }) {
    const registers = [this.registry];
    new Gauge({ name: 'lnfleet_fronts_connected', help: 'Fronts with a live cluster link (hello accepted).', registers, collect() { this.set(sample.fronts()); } });
    new Gauge({ name: 'peer_connections', help: 'Peers connected to the node through any front.', registers, collect() { this.set(sample.peers()); } });
    this.#linkMessages = new DirectionTypeCounter(this.registry, 'lnfleet_link_messages_total', 'Cluster link messages by direction and type.', (t) => t);
    this.#ecdh = new Counter({ name: 'lnfleet_ecdh_requests_total', help: 'ECDH requests from fronts by outcome.', labelNames: ['status'], registers });
    this.#gossip = new Counter({ name: 'lnfleet_gossip_decisions_total', help: 'Decisions on gossip forwarded by fronts, by reason.', labelNames: ['reason'], registers });
  }

  /** Counts one gossip decision. */
  gossipDecision(reason: string): void {
    this.#gossip.inc({ reason });
  }

  /** Counts one link message. */
  linkMessage(direction: 'in' | 'out', type: string): void {
    this.#linkMessages.inc(direction, type);
  }

  /** Counts one ECDH answer. */
  ecdh(status: EcdhStatusName): void {
    this.#ecdh.inc({ status: ECDH_LABEL[status] });
  }
}

/** Serves `registry` at `/metrics` on host:port (0 = ephemeral). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${e.message}\n`),
    );
  });
  return { server, port: await listenOn(server, host, port, 'metrics.listen') };
}
