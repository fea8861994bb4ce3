/**
 * Free loopback TCP ports for tests that must name ports up front (a dev cluster's config files).
 * Each port was bound and released just before; a collision is possible in theory but ports are taken
 * from the kernel's ephemeral range, which it hands out in rotation.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { DevPorts } from '../../src/cli/dev.js';

/** A listener on 127.0.0.1:`port` (0: the kernel picks), or undefined if the port is taken. */
function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(undefined));
    s.listen(port, '127.0.0.1', () => res(s));
  });
}

async function closeAll(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
}

/** `n` distinct free ports on 127.0.0.1. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => listenOn(0)));
  const bound = servers.filter((s): s is Server => s !== undefined);
  const ports = bound.map((s) => (s.address() as { port: number }).port); // before close: a closed server has no address
  await closeAll(bound);
  if (bound.length < n) throw new Error('freePorts: the kernel refused an ephemeral port');
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
export async function devClusterPorts(fronts: number): Promise<DevPorts> {
  const size = 3 * fronts + 3;
  // Above the fixed ports tests use (9735/9736, 8080, 9095, 19735, 25520/25521), below the ephemeral range.
  const low = 26_000;
  const high = ephemeralLow() - size;
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low));
    const servers: Server[] = [];
    let ok = true;
    for (let p = base; p < base + size && ok; p++) {
      const s = await listenOn(p);
      if (s === undefined) ok = false;
      else servers.push(s);
    }
    await closeAll(servers);
    if (ok) return { peer: base, link: base + fronts, api: base + fronts + 1, metrics: base + fronts + 2, health: base + 2 * fronts + 3 };
  }
  throw new Error(`no block of ${size} free ports below ${high + size}`);
}
