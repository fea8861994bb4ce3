/**
 * @module bench/cluster-setup
 * A real cluster for the cluster benchmarks, on 127.0.0.1 only, torn down by `close()`:
 *
 *   bench process (this one)          front process                 load generator process
 *   ────────────────────────          ─────────────                 ──────────────────────
 *   startBackend (real, in-process) ◀─ mutual TLS 1.3 link ─ `lnfleet front` ◀─ peers (BOLT 8) ─ bench/loadgen.js
 *
 * - A throw-away cluster CA, backend and front certificates in a temp dir (`src/cluster/pki`).
 * - The backend runs in this process with bench-only options: a per-front ECDH bucket large enough not to
 *   throttle the handshake load (the production bucket is 500 burst + 100/s, DESIGN §5), `maxConnectionsPerFront`
 *   for 10,000 idle peers, and optionally `benchEcho`. Logs at `error` (link-down warnings at teardown are expected).
 * - The front is the real daemon (`dist/src/cli/main.js front --config …`), and the load generator a separate
 *   node process; both are spawned through `bash -c 'ulimit -n …; exec node …'` so they may hold >10,000
 *   sockets, with an IPC channel whose loss stops them even if this process dies.
 *
 * Profiling aids (off by default): `BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p"` adds node flags to the
 * front and the load generator; `BENCH_KEEP_DIR=1` keeps the temp dir (certificates, front.log, loadgen.log).
 *
 * Does not: measure anything (see `bench/cluster.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startBackend, type BackendHandle } from '../src/back/index.js';
import { createCa, issueCert, serializeRevocationList } from '../src/cluster/pki.js';
import { tlsPathsFromConfig, type ClusterTlsPaths } from '../src/cluster/tls.js';
import { parseConfig, type LoadedConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import type { LoadgenCommand } from './loadgen.js';

/** Open files wanted by the front and the load generator: 10,000 peers + margin. Capped at the hard limit. */
export const WANTED_OPEN_FILES = 65_536;
/** How long a started front or load generator may take to be ready (ms): a bound, not a measurement. */
const READY_TIMEOUT_MS = 30_000;
/** Grace between SIGTERM and SIGKILL when stopping a child (ms). */
const STOP_GRACE_MS = 5_000;
/** Per-front ECDH bucket for the bench: never the limit (the production one would cap handshakes at 100/s). */
const BENCH_ECDH_BUCKET = { burst: 1_000_000, perSecond: 1_000_000 };

const MAIN_JS = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const LOADGEN_JS = fileURLToPath(new URL('./loadgen.js', import.meta.url));

/** Options of {@link startBenchCluster}. */
export interface BenchClusterOptions {
  /** `front.max-connections` and the backend's `hello_ack.maxConnections`. */
  readonly maxConnections: number;
  /** Enable the backend's benchmark-only echo of type 32769. */
  readonly benchEcho?: boolean;
}

/** A running bench cluster. */
export interface BenchCluster {
  readonly backend: BackendHandle;
  readonly nodeId: string;
  readonly frontPid: number;
  readonly frontPort: number;
  readonly healthPort: number;
  /** The backend's TLS file paths (the raw TLS baseline uses the same material and settings). */
  readonly backendTls: ClusterTlsPaths;
  /** The front's TLS file paths. */
  readonly frontTls: ClusterTlsPaths;
  /** The load generator. */
  readonly loadgen: Loadgen;
  /** The `ulimit -n` the children run with. */
  readonly openFiles: number;
  /** The front's `/healthz` JSON. */
  frontHealth(): Promise<{ connections: number; link: string }>;
  close(): Promise<void>;
}

/** Talks to the load generator process. */
export interface Loadgen {
  readonly pid: number;
  run<T>(c: LoadgenCommand, timeoutMs: number): Promise<T>;
}

/** A free TCP port on 127.0.0.1 (the config wants a real port; a tiny race is acceptable for a bench). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The soft `ulimit -n` to give children: `WANTED_OPEN_FILES`, capped by our hard limit (`/proc/self/limits`). */
function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === 'unlimited' ? WANTED_OPEN_FILES : Math.min(Number(hard), WANTED_OPEN_FILES);
}

function confText(lines: Record<string, string | number | boolean>): string {
  return Object.entries(lines).map(([k, v]) => `${k} = "${String(v)}"`).join('\n') + '\n';
}

function spawnNode(args: string[], logPath: string, openFiles: number): ChildProcess {
  const extra = (process.env['BENCH_CHILD_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const quoted = [process.execPath, ...extra, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${openFiles} && exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const log = createWriteStream(logPath, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((res) => {
    const kill = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
    c.once('exit', () => { clearTimeout(kill); res(); });
    c.kill('SIGTERM');
  });
}

function startLoadgen(dir: string, openFiles: number): Promise<{ child: ChildProcess; loadgen: Loadgen }> {
  const child = spawnNode([LOADGEN_JS], join(dir, 'loadgen.log'), openFiles);
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.result); else w?.reject(new Error(`loadgen: ${m.error}`));
  });
  child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`loadgen exited (${signal ?? code}); see ${join(dir, 'loadgen.log')}`));
    waiting.clear();
  });
  const call = <T>(id: number, send: () => void, timeoutMs: number, what: string): Promise<T> => new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => { waiting.delete(id); reject(new Error(`loadgen ${what} timed out after ${timeoutMs} ms`)); }, timeoutMs);
    waiting.set(id, { resolve: (v) => { clearTimeout(t); resolve(v as T); }, reject: (e) => { clearTimeout(t); reject(e); } });
    send();
  });
  const loadgen: Loadgen = {
    pid: child.pid!,
    run: <T>(c: LoadgenCommand, timeoutMs: number) => {
      const id = nextId++;
      return call<T>(id, () => child.send({ id, ...c }), timeoutMs, c.cmd);
    },
  };
  return call<{ pid: number }>(0, () => {}, READY_TIMEOUT_MS, 'start').then((r) => ({ child, loadgen: { ...loadgen, pid: r.pid } }));
}

async function waitHealthy(port: number, front: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (front.exitCode !== null || front.signalCode !== null) throw new Error(`the front exited while starting; see ${logPath}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`the front was not ready within ${READY_TIMEOUT_MS} ms; see ${logPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts backend + one front + the load generator; everything on 127.0.0.1. */
export async function startBenchCluster(opts: BenchClusterOptions): Promise<BenchCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-bench-'));
  const cleanups: (() => Promise<void> | void)[] = [() => { if (process.env['BENCH_KEEP_DIR'] !== '1') rmSync(dir, { recursive: true, force: true }); }];
  const close = async (): Promise<void> => { for (const c of cleanups.splice(0).reverse()) await c(); };
  try {
    const ca = await createCa();
    const write = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text, { mode: 0o600 }); return p; };
    const caPath = write('ca.crt', ca.certPem);
    const back = await issueCert(ca, { role: 'back', name: 'backend' });
    const front = await issueCert(ca, { role: 'front', name: 'front-1' });
    const files = {
      backCert: write('back.crt', back.certPem), backKey: write('back.key', back.keyPem),
      frontCert: write('front.crt', front.certPem), frontKey: write('front.key', front.keyPem),
      revocations: write('revocations.json', serializeRevocationList({ version: 1, revoked: [] })),
    };
    const backConfig: LoadedConfig = parseConfig({
      role: 'back', fileName: 'bench-back.conf', env: {}, fileText: confText({
        chain: 'regtest', 'data-dir': join(dir, 'back-data'), 'node.key-provider': 'env', 'cluster.bind': '127.0.0.1',
        'cluster.mdns': false, 'cluster.tls.ca': caPath, 'cluster.tls.cert': files.backCert, 'cluster.tls.key': files.backKey,
        'cluster.tls.revocations': files.revocations, 'api.listen': '127.0.0.1:8080', 'metrics.enabled': false, 'log.level': 'warn',
      }),
    });
    const backend = await startBackend(backConfig, {
      env: { NODE_PRIV_KEY: randomBytes(32).toString('hex') }, ephemeralPorts: true, ecdhBucket: BENCH_ECDH_BUCKET,
      maxConnectionsPerFront: opts.maxConnections, benchEcho: opts.benchEcho === true, logger: createLogger('back', 'error'),
    });
    cleanups.push(() => backend.close());
    const [frontPort, healthPort] = [await freePort(), await freePort()];
    const frontConfText = confText({
      chain: 'regtest', 'data-dir': join(dir, 'front-data'), 'front.id': 'front-1', 'cluster.backend-address': '127.0.0.1',
      'cluster.port': backend.linkPort, 'cluster.mdns': false, 'cluster.tls.ca': caPath, 'cluster.tls.cert': files.frontCert,
      'cluster.tls.key': files.frontKey, 'cluster.tls.backend-cert': files.backCert, 'front.listen': `127.0.0.1:${frontPort}`,
      'front.health-listen': `127.0.0.1:${healthPort}`, 'front.max-connections': opts.maxConnections, 'log.level': 'warn',
      'metrics.enabled': false, // never a fixed port in a benchmark or its smoke test
    });
    const frontConfPath = write('front.conf', frontConfText);
    const frontConfig = parseConfig({ role: 'front', fileName: frontConfPath, env: {}, fileText: frontConfText });
    const openFiles = openFilesLimit();
    const frontLog = join(dir, 'front.log');
    const frontChild = spawnNode([MAIN_JS, 'front', '--config', frontConfPath], frontLog, openFiles);
    cleanups.push(() => stopChild(frontChild));
    await waitHealthy(healthPort, frontChild, frontLog);
    const lg = await startLoadgen(dir, openFiles);
    cleanups.push(() => stopChild(lg.child));
    return {
      backend, nodeId: backend.nodeId, frontPid: frontChild.pid!, frontPort, healthPort, openFiles,
      backendTls: tlsPathsFromConfig(backConfig), frontTls: tlsPathsFromConfig(frontConfig), loadgen: lg.loadgen,
      frontHealth: async () => (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`, { signal: AbortSignal.timeout(5000) })).json()) as { connections: number; link: string },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Resident set size of `pid` in bytes, from `/proc/<pid>/status` VmRSS. */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  if (line === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`; 100 on every Linux we target). */
const CLK_TCK = 100;

/** CPU time (user + system) used so far by `pid`, seconds, from `/proc/<pid>/stat`. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}
