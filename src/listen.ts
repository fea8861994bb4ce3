/**
 * @module listen
 * Binding a server to the address a setting names, for every listener of both roles (a front's peer
 * port, health and metrics endpoints; the backend's link, API and metrics). A bind failure becomes a
 * `ListenError` that names the setting, the address and what to do, instead of Node's stack trace: the
 * usual first-run failure is a port another program already holds (another Lightning node on 9735, a web
 * server on 8080).
 *
 * Does not: choose addresses (the config does), or retry.
 */
import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';
import { LnfleetError } from './errors.js';

/** A server could not bind to the address of `setting`. `errno` is the system's code (`EADDRINUSE`, …). */
export class ListenError extends LnfleetError<'LISTEN'> {
  readonly setting: string;
  readonly errno: string | undefined;

  constructor(setting: string, address: string, errno: string | undefined, message: string, cause: unknown) {
    super('LISTEN', `${setting} ${address}: ${message}`, { cause });
    this.setting = setting;
    this.errno = errno;
  }
}

/** What to tell an operator for a bind failure's code. */
function explain(code: string | undefined, port: number, fallback: string): string {
  switch (code) {
    case 'EADDRINUSE':
      return 'the address is already in use: another program (or another lnfleet) listens there; stop it or choose another port';
    case 'EACCES':
      return port < 1024 ? `permission denied: port ${port} is below 1024 (needs root or CAP_NET_BIND_SERVICE)` : 'permission denied';
    case 'EADDRNOTAVAIL':
      return 'this machine has no such address (check the host part)';
    default:
      return fallback;
  }
}

/**
 * `server.listen(port, host)` and wait until it listens; resolves with the bound port (the one the OS
 * chose for port 0). Rejects with a `ListenError` naming `setting` when the bind fails.
 */
export async function listenOn(server: Server, host: string | undefined, port: number, setting: string): Promise<number> {
  server.listen(port, host);
  try {
    await once(server, 'listening'); // rejects with the server's 'error'
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const address = host === undefined ? `port ${port}` : `${host.includes(':') ? `[${host}]` : host}:${port}`;
    throw new ListenError(setting, address, code, explain(code, port, (e as Error).message), e);
  }
  return (server.address() as AddressInfo).port;
}
