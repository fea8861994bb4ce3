/**
 * Lab infrastructure (a helper, not a test file): a private LAN of network namespaces for the lab
 * tests (test/lab). One bridge namespace holds `br0`; each host namespace gets `eth0`, one end of a
 * veth pair whose other end is enslaved to `br0`, an address in `LAB_SUBNET`, loopback up, and
 * `224.0.0.0/4 dev eth0` (a namespace has no default route, so multicast, i.e. mDNS and VRRP, needs
 * it: DESIGN §12).
 *
 *   ns <p>-br:  br0 ── v1 … vN            (every name starts with `lnf-<pid>-`)
 *                      │       │
 *   ns <p>-back: eth0 10.77.0.2   ns <p>-front1: eth0 10.77.0.3   …
 *
 * Safety: nothing here touches the root namespace's interfaces, routes or firewall. Every command
 * runs through `ip -n NS` or `ip netns exec NS` with a namespace this lab created (checked), every
 * wait is bounded, and `teardown()` SIGKILLs every process inside our namespaces (`ip netns pids`,
 * which also catches daemons that forked) before deleting them. `sweepStale()` removes `lnf-<pid>-*`
 * namespaces whose creating process is dead (a crashed earlier run).
 * Does not: provide NAT or a route to the outside; the lab is a closed LAN.
 */
import { spawn as spawnChild, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every lab namespace name starts with this; the sweep and the final check look for it. */
export const LAB_NS_PREFIX = 'lnf-';
/** The lab LAN (TEST-NET-like private prefix, only ever inside our namespaces). */
export const LAB_SUBNET = '10.77.0.0/24';
/** Host addresses start at .2 (.1 stays free; the VRRP test's VIP is .100). */
const FIRST_HOST = 2;
/** Bound of any single lab command, in ms: `ip` and `nft` finish in milliseconds. */
const EXEC_TIMEOUT_MS = 10_000;

/**
 * Env var carrying the test process's own network namespace id (`net:[…]`) to the processes it starts
 * in lab namespaces, so lab agents can refuse to run if they ever find themselves in that namespace.
 */
export const HOST_NETNS_ENV = 'LNF_HOST_NETNS';
try { process.env[HOST_NETNS_ENV] ??= readlinkSync('/proc/self/ns/net'); } catch { /* not Linux: the lab skips */ }

/** Result of a bounded command. */
export interface ExecResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One host of the lab. */
export interface LabHost {
  /** Logical name given to `createLab` (`back`, `front1`, …). */
  readonly name: string;
  /** Namespace name (`lnf-<pid>-<name>`). */
  readonly ns: string;
  /** Its `eth0` address. */
  readonly ip: string;
}

function run(cmd: string, args: readonly string[], timeoutMs = EXEC_TIMEOUT_MS, input?: string): ExecResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, input, killSignal: 'SIGKILL' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

function must(cmd: string, args: readonly string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** True when running as root (uid 0). */
export function hasRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** True when we are root and can create and delete a network namespace (probed with a throwaway one). */
export function canNetns(): boolean {
  if (!hasRoot() || run('ip', ['-V']).status !== 0) return false;
  const probe = `${LAB_NS_PREFIX}${process.pid}-probe`;
  const ok = run('ip', ['netns', 'add', probe]).status === 0;
  if (ok) run('ip', ['netns', 'del', probe]);
  return ok;
}

/** The reason lab tests print when they skip. */
export const SKIP_REASON = 'needs root and network namespaces (CI runs it)';

/** Names of all lab namespaces on this machine (any run). */
export function labNamespaces(): string[] {
  return run('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(LAB_NS_PREFIX));
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** SIGKILLs every process inside `ns`, then deletes it. Safe on a namespace that is already gone. */
function destroyNamespace(ns: string): void {
  if (!ns.startsWith(LAB_NS_PREFIX)) throw new Error(`refusing to touch namespace ${ns}: not a lab namespace`);
  // Processes can fork while we kill; two rounds catch a parent respawning a child.
  for (let round = 0; round < 2; round++) {
    for (const p of run('ip', ['netns', 'pids', ns]).stdout.split('\n').map(Number).filter((n) => n > 0)) {
      try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  run('ip', ['netns', 'del', ns]);
}

/** Removes lab namespaces left by dead processes (`lnf-<pid>-…` whose pid no longer runs). Returns them. */
export function sweepStale(): string[] {
  const stale = labNamespaces().filter((ns) => {
    const pid = Number(/^lnf-(\d+)-/.exec(ns)?.[1]);
    return !(pid > 0 && pidAlive(pid));
  });
  stale.forEach(destroyNamespace);
  return stale;
}

/** The running lab. */
export interface Lab {
  /** Namespace prefix of this lab (`lnf-<pid>-<tag>-`). */
  readonly prefix: string;
  /** Hosts by logical name. */
  readonly hosts: Readonly<Record<string, LabHost>>;
  /** A private temp directory (config files, sockets), removed by `teardown()`. */
  readonly dir: string;
  /** Runs `cmd` inside `host`'s namespace and waits (bounded). */
  exec(host: LabHost, cmd: readonly string[], opts?: { timeoutMs?: number; input?: string; env?: Record<string, string> }): ExecResult;
  /** `ip -n NS …` (cheaper than `exec` for addresses and links). */
  ip(host: LabHost, args: readonly string[]): ExecResult;
  /** Starts `cmd` inside `host`'s namespace; the process is killed by `teardown()`. */
  spawn(host: LabHost, cmd: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Kills every process in the lab's namespaces and deletes them; idempotent, never throws. */
  teardown(): void;
}

/**
 * Builds the lab: `<prefix>br` with `br0`, and one namespace per name in `hosts`, addressed from .2 up
 * in `LAB_SUBNET`. On any failure it tears down what it made and rethrows. `tag` keeps several labs of
 * one process apart (`lnf-<pid>-<tag>-…`; keep it short: ≤ 6 chars).
 */
export function createLab(tag: string, hosts: readonly string[]): Lab {
  const prefix = `${LAB_NS_PREFIX}${process.pid}-${tag}-`;
  const made: string[] = [];
  const children = new Set<ChildProcess>();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ours = (h: LabHost) => {
    if (!made.includes(h.ns)) throw new Error(`refusing to run in namespace ${h.ns}: not created by this lab`);
    return h.ns;
  };
  let down = false;
  const lab: Lab = {
    prefix,
    dir,
    hosts: {},
    exec: (h, cmd, opts = {}) => {
      const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
      return run('ip', ['netns', 'exec', ours(h), ...(env.length > 0 ? ['env', ...env] : []), ...cmd], opts.timeoutMs, opts.input);
    },
    ip: (h, args) => run('ip', ['-n', ours(h), ...args]),
    spawn: (h, cmd, opts = {}) => {
      const c = spawnChild('ip', ['netns', 'exec', ours(h), ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
      children.add(c);
      c.on('exit', () => children.delete(c));
      return c;
    },
    teardown: () => {
      if (down) return;
      down = true;
      for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
      for (const ns of [...made].reverse()) { try { destroyNamespace(ns); } catch { /* keep going */ } }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const br = `${prefix}br`;
    must('ip', ['netns', 'add', br]);
    made.push(br);
    must('ip', ['-n', br, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
    must('ip', ['-n', br, 'link', 'set', 'br0', 'up']);
    const table: Record<string, LabHost> = {};
    hosts.forEach((name, i) => {
      const ns = `${prefix}${name}`;
      const ip = `10.77.0.${FIRST_HOST + i}`;
      must('ip', ['netns', 'add', ns]);
      made.push(ns);
      // The veth is created inside the bridge namespace with its peer moved straight into the host's:
      // no interface ever exists in the root namespace.
      must('ip', ['-n', br, 'link', 'add', `v${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      must('ip', ['-n', br, 'link', 'set', `v${i}`, 'master', 'br0', 'up']);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      must('ip', ['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      table[name] = { name, ns, ip };
    });
    (lab as { hosts: Record<string, LabHost> }).hosts = table;
    return lab;
  } catch (e) {
    lab.teardown();
    throw e;
  }
}

/** Waits until `pred()` is true, polling every `everyMs`, for at most `maxMs`; returns whether it held. */
export async function waitFor(pred: () => boolean | Promise<boolean>, maxMs: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + maxMs;
  for (let i = 0; i < Math.ceil(maxMs / everyMs) + 1; i++) {
    if (await pred()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
}

/** Reads a child's stdout line by line; resolves with the first line `match` accepts, or rejects after `maxMs`. */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean, maxMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const onErr = (d: Buffer) => { err = (err + d.toString()).slice(-2000); };
    child.stderr?.on('data', onErr);
    const t = setTimeout(() => { cleanup(); reject(new Error(`no matching line within ${maxMs} ms; stdout: ${buf.slice(-500)} stderr: ${err.slice(-500)}`)); }, maxMs);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      for (const l of lines.slice(0, -1)) if (match(l)) { cleanup(); resolve(l); return; }
    };
    const onExit = () => { cleanup(); reject(new Error(`process exited before a matching line; stdout: ${buf.slice(-500)} stderr: ${err.slice(-500)}`)); };
    const cleanup = () => { clearTimeout(t); child.stdout?.off('data', onData); child.stderr?.off('data', onErr); child.off('exit', onExit); };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });
}
