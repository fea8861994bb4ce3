/**
 * Free loopback TCP ports for tests that must name ports up front (a dev cluster's config files).
 * Each port was bound and released just before; a collision is possible in theory but ports are taken
 * from the kernel's ephemeral range, which it hands out in rotation.
 */
import { createServer } from 'node:net';

/** `n` distinct free ports on 127.0.0.1. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => res(s));
  })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return ports;
}
