/**
 * @module front/health
 * The front's HTTP health endpoint on `front.health-listen` (what keepalived's `track_script` and
 * systemd ask, DESIGN §7):
 *
 * | path | answer |
 * |---|---|
 * | `/healthz` | 200 while the process runs; JSON with the link state, connections and readiness |
 * | `/readyz` | 200 only while the front can serve peers (link up); 503 otherwise, with the reason |
 * | `/metrics` | Prometheus text from the front's own registry |
 *
 * "Ready" will also require a complete graph snapshot once gossip lands (DESIGN §4).
 * Does not: decide readiness (the daemon's `status()` does), or listen anywhere else.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What `/healthz` reports. */
export interface FrontStatus {
  readonly id: string;
  readonly link: string;
  readonly linkError: string | undefined;
  readonly linkRttMs: number | undefined;
  readonly connections: number;
  readonly ready: boolean;
  readonly notReadyBecause: string | undefined;
}

/** Starts the health server; resolves once listening. */
export async function startHealthServer(
  listen: { host: string; port: number },
  status: () => FrontStatus,
  registry: Registry,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(405, { error: 'GET only' });
      return;
    }
    switch (path) {
      case '/healthz':
        json(200, { status: 'ok', ...status() });
        return;
      case '/readyz': {
        const s = status();
        json(s.ready ? 200 : 503, { ready: s.ready, link: s.link, reason: s.notReadyBecause });
        return;
      }
      case '/metrics':
        registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': registry.contentType });
            res.end(text);
          },
          () => json(500, { error: 'metrics failed' }),
        );
        return;
      default:
        json(404, { error: 'not found', paths: ['/healthz', '/readyz', '/metrics'] });
    }
  });
  server.listen(listen.port, listen.host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}
