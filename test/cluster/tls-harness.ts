// Test helper (not a test file): a real node:tls backend on 127.0.0.1 that applies checkFrontPeer, and
// a dialler that reports what the client saw. Everything opened here is closed by `close()`.
import { once } from 'node:events';
import { connect, createServer, type ConnectionOptions, type TLSSocket, type TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { checkFrontPeer, judgeTlsClientError, type BackendTrust, type LinkPeerVerdict } from '../../src/cluster/tls.js';

/** The greeting an accepted front receives; a refused front receives nothing. */
export const WELCOME = 'welcome';

export interface Backend {
  readonly port: number;
  readonly verdicts: LinkPeerVerdict[];
  /** Verdicts of fronts refused during the handshake (from `tlsClientError`). */
  readonly refusals: LinkPeerVerdict[];
  /** Resolves with the verdict of the next front refused during the handshake. */
  nextRefusal(): Promise<LinkPeerVerdict>;
  close(): Promise<void>;
}

/** Starts a backend; `trust` undefined = accept whatever the TLS layer accepts (for client-side tests). */
export async function startBackend(options: TlsOptions, trust?: BackendTrust): Promise<Backend> {
  const sockets = new Set<TLSSocket>();
  const verdicts: LinkPeerVerdict[] = [];
  const server = createServer(options, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => { /* the client may reset; nothing to do */ });
    if (trust === undefined) {
      socket.end(WELCOME);
      return;
    }
    const v = checkFrontPeer(socket, trust);
    verdicts.push(v);
    if (v.kind === 'accepted') socket.end(WELCOME);
    else socket.destroy();
  });
  const refusals: LinkPeerVerdict[] = [];
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => { refusals.push(judgeTlsClientError(err, socket)); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    verdicts,
    refusals,
    nextRefusal: async () => judgeTlsClientError(...((await once(server, 'tlsClientError')) as [Error, TLSSocket])),
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** What a dialling front observed: bytes received and the first error, once the socket closed. */
export interface DialResult {
  readonly data: string;
  readonly error: (Error & { code?: string }) | undefined;
  readonly protocol: string | null;
}

/** Connects, reads until close, never rejects. */
export function dial(port: number, options: ConnectionOptions): Promise<DialResult> {
  return new Promise((resolve) => {
    let data = '';
    let error: (Error & { code?: string }) | undefined;
    let protocol: string | null = null;
    const s = connect({ host: '127.0.0.1', port, ...options });
    s.setEncoding('utf8');
    s.on('secureConnect', () => { protocol = s.getProtocol(); });
    s.on('data', (d: string) => { data += d; });
    s.on('error', (e) => { error ??= e; });
    s.on('close', () => resolve({ data, error, protocol }));
  });
}
