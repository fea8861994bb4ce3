/**
 * @module board/vrrp
 * The VRRP → LED path: keepalived's notify hook runs `lnfleet board vrrp-state MASTER|BACKUP|FAULT`
 * (the line `src/deploy/keepalived.ts` generates), which POSTs the role to the running front's local
 * health endpoint at `/vrrp`; the front mounts `handleVrrpPost` there and calls
 * `BoardIndicator.setVrrp(result.state)`.
 *
 *   keepalived ─notify─> lnfleet board vrrp-state MASTER ─POST /vrrp {"state":"MASTER"}─> front
 *                                                        <─ 200 {"state":"MASTER"} ──────┘
 *
 * The handler is pure (body in, status and role out). Mounting it in the front (method check, reading
 * at most `VRRP_MAX_BODY_BYTES`) is the front's job:
 *
 *   const r = handleVrrpPost(body);
 *   if (r.state !== null) indicator.setVrrp(r.state);
 *   res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r));
 *
 * Does not: authenticate (the endpoint listens on loopback, `front.health-listen`), or retry: keepalived
 * calls the hook again on the next transition, and a missed one only leaves an LED pattern stale.
 */
import type { HostPort } from '../config/index.js';
import { VRRP_HOOK_TIMEOUT_MS, VRRP_MAX_BODY_BYTES, VRRP_PATH } from './constants.js';
import { BoardError } from './errors.js';
import { VRRP_ROLES, type VrrpRole } from './states.js';

/** Outcome of `handleVrrpPost`: 200 with the role to apply, or an error status and why. */
export type VrrpPostResult =
  | { readonly status: 200; readonly state: VrrpRole }
  | { readonly status: 400 | 413; readonly state: null; readonly error: string };

const isRole = (v: unknown): v is VrrpRole => typeof v === 'string' && (VRRP_ROLES as readonly string[]).includes(v);

/**
 * Parses a `/vrrp` POST body: JSON `{"state":"MASTER"}` (what the hook sends) or the bare word
 * `MASTER` (so `curl -d MASTER` works by hand). Pure; never throws.
 */
export function handleVrrpPost(body: string | Uint8Array): VrrpPostResult {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > VRRP_MAX_BODY_BYTES) return { status: 413, state: null, error: `body larger than ${VRRP_MAX_BODY_BYTES} bytes` };
  const text = (typeof body === 'string' ? body : new TextDecoder().decode(body)).trim();
  let state: unknown = text;
  if (text.startsWith('{')) {
    try {
      state = (JSON.parse(text) as { state?: unknown }).state;
    } catch {
      return { status: 400, state: null, error: 'body is not valid JSON' };
    }
  }
  if (!isRole(state)) return { status: 400, state: null, error: `state must be one of ${VRRP_ROLES.join(', ')}` };
  return { status: 200, state };
}

/** Parses a role given on the command line (keepalived passes it upper-case; accept any case). */
export function parseVrrpRole(text: string): VrrpRole | null {
  const up = text.toUpperCase();
  return isRole(up) ? up : null;
}

/** `http://HOST:PORT/vrrp` for `front.health-listen` (IPv6 hosts bracketed). */
export function vrrpUrl(listen: HostPort): string {
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${listen.port}${VRRP_PATH}`;
}

/**
 * POSTs `role` to the front. Throws `BOARD_FRONT_UNREACHABLE` if nothing answers within
 * `timeoutMs`, `BOARD_VRRP_REJECTED` on a non-2xx answer.
 */
export async function postVrrpState(url: string, role: VrrpRole, timeoutMs = VRRP_HOOK_TIMEOUT_MS): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: role }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const inner = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = inner?.code ?? inner?.message ?? (e as Error).name;
    throw new BoardError(
      'BOARD_FRONT_UNREACHABLE',
      `cannot reach the front at ${url} (${cause}): is \`lnfleet front\` running on this board, and is front.health-listen right? The LEDs keep their previous VRRP pattern.`,
      { cause: e },
    );
  }
  const text = await res.text();
  if (!res.ok) {
    throw new BoardError('BOARD_VRRP_REJECTED', `the front at ${url} answered ${res.status}: ${text.slice(0, VRRP_MAX_BODY_BYTES)}`);
  }
}

/**
 * Whether a role report contradicts the VIP on the VRRP interface. keepalived sets the VIP before it
 * runs `notify_master` and removes it before `notify_backup`/`notify_fault`, and it runs each hook as
 * its own process; when a board goes MASTER and back to BACKUP within a moment (it heard the real
 * master's advert late), the two hook processes can reach the front in either order. The address is
 * the truth: MASTER holds it, BACKUP and FAULT do not, so the late, contradicting report is stale.
 * `addresses` are those of `network.interface` only (LVS-DR also puts the VIP on `lo`).
 */
export function staleVrrpReport(role: VrrpRole, vip: string, addresses: readonly string[]): boolean {
  return (role === 'MASTER') !== addresses.includes(vip);
}

