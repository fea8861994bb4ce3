/**
 * @module front/health
 * The front's HTTP endpoints (DESIGN §7). Two listeners share one handler:
 *
 * | listener | default | serves | who asks |
 * |---|---|---|---|
 * | `front.health-listen` (local) | 127.0.0.1:9736 | `/healthz` `/readyz` `/metrics`, `POST /vrrp` | systemd, an operator on the board, keepalived's notify hook (`lnfleet board vrrp-state`) |
 * | `metrics.listen` (when `metrics.enabled`) | 0.0.0.0:9095 | `/healthz` `/readyz` `/metrics` | keepalived's `track_script` (127.0.0.1) and the LVS `HTTP_GET` of the VIP holder (LAN), Prometheus (admins; nftables limits it) |
 *
 * | path | answer |
 * |---|---|
 * | `/healthz` | 200 while the process runs; JSON with the link state, connections, readiness, board state and health |
 * | `/readyz` | 200 only while the front can serve peers (link up); 503 otherwise, with the reason |
 * | `/metrics` | Prometheus text from the front's own registry |
 * | `POST /vrrp` | keepalived's role (`{"state":"MASTER"}`), parsed by `board/vrrp.handleVrrpPost`; local listener only |
 *
 * "Ready" will also require a complete graph snapshot once gossip lands (DESIGN §4).
 * Does not: decide readiness (the daemon's `status()` does), or authenticate: `/vrrp` exists only on the
 * loopback listener, and the LAN listener is read-only.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { handleVrrpPost, VRRP_MAX_BODY_BYTES, VRRP_PATH, type BoardSnapshot, type VrrpRole } from '../board/index.js';
import type { VerifyPoolStats } from '../gossip/verify-pool.js';
import { listenOn } from '../listen.js';

/** What `/healthz` reports. */
export interface FrontStatus {
  readonly id: string;
  readonly link: string;
  readonly linkError: string | undefined;
  readonly linkRttMs: number | undefined;
  /** Where the backend was found (`config` or `mdns`) and at which address, once known. */
  readonly backend: string | undefined;
  readonly connections: number;
  readonly ready: boolean;
  readonly notReadyBecause: string | undefined;
  /** What the LEDs and the status pin show, and why. */
  readonly board: BoardSnapshot;
  /** Health problems of the last sample (`board.health.*`), empty when fine or not sampled yet. */
  readonly degraded: readonly string[];
  /** Gossip signature checks: threads (`front.verify-threads`), their state and jobs, the engine. */
  readonly gossipVerify: VerifyPoolStats;
}

/** What the endpoints read and drive. */
export interface HealthHandlers {
  status(): FrontStatus;
  readonly registry: Registry;
  /** keepalived's new role (`POST /vrrp`); absent on the LAN listener. */
  vrrp?: ((role: VrrpRole) => void) | undefined;
}

/** A listening endpoint. */
export interface HealthServer {
  readonly server: Server;
  readonly port: number;
}

function readBody(req: IncomingMessage, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Past `max` the rest is read and dropped (not kept), so the client still gets its 413.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= max) chunks.push(c);
    });
    req.on('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

/** Starts one health listener; resolves once listening. */
export async function startHealthServer(listen: { host: string; port: number }, h: HealthHandlers, setting = 'front.health-listen'): Promise<HealthServer> {
  const paths = ['/healthz', '/readyz', '/metrics', ...(h.vrrp !== undefined ? [`POST ${VRRP_PATH}`] : [])];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const vrrp = h.vrrp;
    if (path === VRRP_PATH && vrrp !== undefined) {
      if (req.method !== 'POST') { json(405, { error: 'POST only' }); return; }
      void readBody(req, VRRP_MAX_BODY_BYTES).then((body) => {
        if (body === null) { json(413, { status: 413, state: null, error: `body larger than ${VRRP_MAX_BODY_BYTES} bytes` }); return; }
        const r = handleVrrpPost(body);
        if (r.state !== null) vrrp(r.state);
        json(r.status, r);
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(405, { error: 'GET only' });
      return;
    }
    switch (path) {
      case '/healthz':
        json(200, { status: 'ok', ...h.status() });
        return;
      case '/readyz': {
        const s = h.status();
        json(s.ready ? 200 : 503, { ready: s.ready, link: s.link, reason: s.notReadyBecause });
        return;
      }
      case '/metrics':
        h.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': h.registry.contentType });
            res.end(text);
          },
          () => json(500, { error: 'metrics failed' }),
        );
        return;
      default:
        json(404, { error: 'not found', paths });
    }
  });
  return { server, port: await listenOn(server, listen.host, listen.port, setting) };
}
