/**
 * @module bench/relay
 * The `link-forward` benchmark's architectural floor: a process that does nothing but relay bytes, plain
 * TCP in (where a front takes peers) and mutual TLS 1.3 out (the link's settings, front certificate), to
 * the baseline's TLS echo server. A round trip through it crosses the same number of hops and processes as a
 * forwarded peer message without any of the work (no BOLT 8, no framing, no backend logic), so
 * `floor ÷ baseline` is the part of the `link-forward` ratio that the topology alone costs on this machine.
 *
 * Spawned by `bench/cluster.ts` with an IPC channel: argv `[upstreamPort, tlsPathsJson]`; sends
 * `{ port }` once listening on 127.0.0.1; exits when the parent goes away. Every inbound connection gets its
 * own upstream TLS connection. Does not: measure anything, or listen beyond 127.0.0.1.
 */
import { createServer, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { loadFrontTls, type ClusterTlsPaths } from '../src/cluster/tls.js';

function relay(inbound: Socket, upstreamPort: number, paths: ClusterTlsPaths): void {
  const up = tlsConnect({ ...loadFrontTls(paths), host: '127.0.0.1', port: upstreamPort });
  inbound.setNoDelay(true);
  up.setNoDelay(true);
  inbound.pause();
  up.once('secureConnect', () => inbound.resume());
  inbound.on('data', (d: Buffer) => up.write(d));
  up.on('data', (d: Buffer) => inbound.write(d));
  const close = (): void => { inbound.destroy(); up.destroy(); };
  for (const s of [inbound, up]) {
    s.on('error', close);
    s.on('close', close);
  }
}

if (process.send !== undefined) {
  const upstreamPort = Number(process.argv[2]);
  const paths = JSON.parse(process.argv[3] ?? '{}') as ClusterTlsPaths;
  const server = createServer((s) => relay(s, upstreamPort, paths));
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.send!({ port: typeof a === 'object' && a !== null ? a.port : 0 });
  });
  process.once('disconnect', () => process.exit(0));
}
