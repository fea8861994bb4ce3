/**
 * Free loopback TCP ports for tests that must name ports up front (a dev cluster's config files).
 * Each port was bound and released just before; a collision is possible in theory but ports are taken
 * from the kernel's ephemeral range, which it hands out in rotation.
 */
import { readFileSync } from 'node:fs';
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

/** The kernel's ephemeral port range (where `freePorts` and every `listen(0)` draw from). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

/**
 * Ports for a `lnfleet dev` cluster of `fronts` fronts, which uses neighbours of its base ports (front i
 * on peer+i, its metrics on metrics+1+i, its health on health+i): one block of consecutive ports, all
 * checked free, below the ephemeral range, so neither another test's `freePorts` nor a dev cluster
 * started by another test file at the same time can land on one of them.
 */
export async function devClusterPorts(fronts: number): Promise<{ peer: number; link: number; api: number; metrics: number; health: number }> {
  const size = 3 * fronts + 3;
  // Above the fixed ports tests use (9735/9736, 8080, 9095, 19735, 25520/25521), below the ephemeral range.
  const low = 26_000;
  const high = ephemeralLow() - size;
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low));
    const servers: ReturnType<typeof createServer>[] = [];
    let ok = true;
    for (let p = base; p < base + size && ok; p++) {
      const s = createServer();
      ok = await new Promise<boolean>((res) => {
        s.once('error', () => res(false));
        s.listen(p, '127.0.0.1', () => res(true));
      });
      if (ok) servers.push(s);
    }
    await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
    if (ok) return { peer: base, link: base + fronts, api: base + fronts + 1, metrics: base + fronts + 2, health: base + 2 * fronts + 3 };
  }
  throw new Error(`no block of ${size} free ports below ${high + size}`);
}
