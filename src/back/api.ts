/**
 * @module back/api
 * The backend's HTTP API (`api.listen`, default 127.0.0.1:8080), JSON over `node:http`, no framework.
 *
 * | route | body | answer |
 * |---|---|---|
 * | `GET /status` | — | node id, chain, chain source, fronts, peer count, uptime |
 * | `GET /peers` | — | connected peers, and persistent peers being redialled |
 * | `GET /fronts` | — | live fronts with connection counts and link RTT |
 * | `POST /connect` | `{"peer": "<nodeid>@host:port", "persist": bool}` | where the peer got connected |
 * | `POST /disconnect` | `{"nodeId": "<hex>"}` | `{"disconnected": bool, "wasPersistent": bool}` |
 * | `GET /channels` | — | every channel: ids, peer, phase, capacity, balances, funding outpoint, `onchain` (BOLT 5 resolution) |
 * | `POST /open` | `{"nodeId", "sats", "pushMsat"?, "announce"?}` | the new channel once its funding is broadcast |
 * | `POST /close` | `{"channel": "<id or channel_id>", "force"?: bool}` | the channel's phase after the close started |
 *
 * Errors are `{"error": {"code", "message"}}` with 400 (bad request), 401 (auth), 404 (unknown route or
 * channel), 409 (peer not connected, insufficient funds), 502/503/504 (front or peer failed, no front /
 * no wallet / shutting down, timeout). Amounts in JSON are decimal strings or safe integers (`sats`). HTTP basic auth (any user name, password
 * `api.password`) is required when a password is set; the daemon refuses to listen beyond loopback
 * without one (`assertApiSafe`). The password is compared in constant time and never logged.
 *
 * Does not: serve HTML (the status page is for later), or hold state (the handlers do).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Logger } from '../log.js';
import { LnfleetError } from '../errors.js';
import { API_MAX_BODY_BYTES } from './constants.js';
import { BackendError, type BackendErrorCode } from './errors.js';
import { listenOn } from '../listen.js';

/** What the API asks of the daemon. */
export interface ApiHandlers {
  status(): unknown;
  peers(): unknown;
  fronts(): unknown;
  connect(nodeId: string, host: string, port: number, persist: boolean): Promise<unknown>;
  disconnect(nodeId: string): unknown;
  channels(): unknown;
  open(req: OpenChannelRequest): Promise<unknown>;
  close(channel: string, force: boolean): Promise<unknown>;
}

/** Body of `POST /open`, checked. */
export interface OpenChannelRequest {
  readonly nodeId: string;
  readonly sats: bigint;
  readonly pushMsat: bigint;
  readonly announce: boolean;
}

const NODE_ID_RE = /^0[23][0-9a-fA-F]{64}$/;

/** A non-negative integer given as a JSON number (safe) or a decimal string. */
function amount(v: unknown, name: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(v)) return BigInt(v);
  throw new BackendError('BACK_BAD_REQUEST', `"${name}" must be a non-negative integer (a JSON number or a decimal string)`);
}

/** Checks a `POST /open` body. */
export function parseOpenRequest(body: Record<string, unknown>): OpenChannelRequest {
  if (typeof body.nodeId !== 'string' || !NODE_ID_RE.test(body.nodeId)) throw new BackendError('BACK_BAD_REQUEST', 'body needs "nodeId": "<66 hex characters>"');
  if (body.sats === undefined) throw new BackendError('BACK_BAD_REQUEST', 'body needs "sats": the channel capacity in satoshis');
  if (body.announce !== undefined && typeof body.announce !== 'boolean') throw new BackendError('BACK_BAD_REQUEST', '"announce" must be true or false');
  return {
    nodeId: body.nodeId.toLowerCase(),
    sats: amount(body.sats, 'sats'),
    pushMsat: body.pushMsat === undefined ? 0n : amount(body.pushMsat, 'pushMsat'),
    announce: body.announce !== false,
  };
}

/** Default Lightning port when a peer address has none (BOLT 1 registers 9735). */
const DEFAULT_PEER_PORT = 9735;

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/** Refuses an API reachable from the network without a password. */
export function assertApiSafe(host: string, password: string | undefined): void {
  if (!isLoopbackHost(host) && (password === undefined || password === '')) {
    throw new BackendError('BACK_API_INSECURE', `api.listen is ${host}, which is not loopback, and api.password (LNFLEET_API_PASSWORD) is unset; set a password or listen on 127.0.0.1`);
  }
}

/** Parses `<nodeid>@host[:port]` (IPv6 in brackets). */
export function parsePeerAddress(s: string): { nodeId: string; host: string; port: number } {
  const m = /^(0[23][0-9a-fA-F]{64})@(\[[^\]]+\]|[^:@[\]]+)(?::([0-9]{1,5}))?$/.exec(s.trim());
  if (m === null) throw new BackendError('BACK_BAD_REQUEST', 'peer must be <66-hex node id>@host:port, e.g. 02ab…@203.0.113.5:9735');
  const port = m[3] === undefined ? DEFAULT_PEER_PORT : Number(m[3]);
  if (port < 1 || port > 65535) throw new BackendError('BACK_BAD_REQUEST', `port ${port} is outside 1–65535`);
  return { nodeId: m[1]!.toLowerCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

const STATUS_OF: Readonly<Record<BackendErrorCode, number>> = {
  BACK_BAD_REQUEST: 400,
  BACK_NO_FRONT: 503,
  BACK_CLOSED: 503,
  BACK_CONNECT_FAILED: 502,
  BACK_LINK_LOST: 502,
  BACK_CONNECT_TIMEOUT: 504,
  BACK_API_INSECURE: 500,
  BACK_BAD_CONFIG: 500,
  BACK_NO_WALLET: 503,
  BACK_PEER_NOT_CONNECTED: 409,
  BACK_INSUFFICIENT_FUNDS: 409,
  BACK_UNKNOWN_CHANNEL: 404,
  BACK_CHANNEL_FAILED: 502,
  BACK_CHANNEL_TIMEOUT: 504,
};

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function authorized(req: IncomingMessage, password: string | undefined): boolean {
  if (password === undefined || password === '') return true;
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
  if (m === null) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Compare digests so the comparison is constant-time whatever the lengths.
  return timingSafeEqual(digest(decoded.slice(colon + 1)), digest(password));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > API_MAX_BODY_BYTES) throw new BackendError('BACK_BAD_REQUEST', `request body over ${API_MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new BackendError('BACK_BAD_REQUEST', 'request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BackendError('BACK_BAD_REQUEST', 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n');
}

async function route(req: IncomingMessage, h: ApiHandlers): Promise<[number, unknown]> {
  const path = (req.url ?? '/').split('?')[0];
  const key = `${req.method ?? 'GET'} ${path}`;
  switch (key) {
    case 'GET /status': return [200, h.status()];
    case 'GET /peers': return [200, h.peers()];
    case 'GET /fronts': return [200, h.fronts()];
    case 'POST /connect': {
      const body = await readJson(req);
      if (typeof body.peer !== 'string') throw new BackendError('BACK_BAD_REQUEST', 'body needs "peer": "<nodeid>@host:port"');
      if (body.persist !== undefined && typeof body.persist !== 'boolean') throw new BackendError('BACK_BAD_REQUEST', '"persist" must be true or false');
      const p = parsePeerAddress(body.peer);
      return [200, await h.connect(p.nodeId, p.host, p.port, body.persist === true)];
    }
    case 'POST /disconnect': {
      const body = await readJson(req);
      if (typeof body.nodeId !== 'string' || !NODE_ID_RE.test(body.nodeId)) {
        throw new BackendError('BACK_BAD_REQUEST', 'body needs "nodeId": "<66 hex characters>"');
      }
      return [200, h.disconnect(body.nodeId.toLowerCase())];
    }
    case 'GET /channels': return [200, h.channels()];
    case 'POST /open': return [200, await h.open(parseOpenRequest(await readJson(req)))];
    case 'POST /close': {
      const body = await readJson(req);
      if (typeof body.channel !== 'string' || body.channel === '') throw new BackendError('BACK_BAD_REQUEST', 'body needs "channel": the channel\'s id (lnfleet channels) or its 64-hex channel_id');
      if (body.force !== undefined && typeof body.force !== 'boolean') throw new BackendError('BACK_BAD_REQUEST', '"force" must be true or false');
      return [200, await h.close(body.channel, body.force === true)];
    }
    default:
      return [404, { error: { code: 'NOT_FOUND', message: `no route ${key}; see GET /status, /peers, /fronts, /channels, POST /connect, /disconnect, /open, /close` } }];
  }
}

/** Starts the API on host:port (0 = ephemeral). Call `assertApiSafe` first. */
export async function startApi(opts: { host: string; port: number; password: string | undefined; log: Logger; handlers: ApiHandlers }): Promise<{ server: Server; port: number }> {
  const { log, password, handlers } = opts;
  const server = createServer((req, res) => {
    if (!authorized(req, password)) {
      res.setHeader('www-authenticate', 'Basic realm="lnfleet", charset="UTF-8"');
      send(res, 401, { error: { code: 'UNAUTHORIZED', message: 'HTTP basic auth with api.password required' } });
      return;
    }
    route(req, handlers).then(
      ([status, body]) => send(res, status, body),
      (e: unknown) => {
        if (e instanceof BackendError) {
          send(res, STATUS_OF[e.code], { error: { code: e.code, message: e.message } });
        } else {
          log.error({ err: (e as Error).message, url: req.url }, 'API handler failed');
          const code = e instanceof LnfleetError ? e.code : 'INTERNAL';
          send(res, 500, { error: { code, message: (e as Error).message } });
        }
      },
    );
  });
  return { server, port: await listenOn(server, opts.host, opts.port, 'api.listen') };
}
