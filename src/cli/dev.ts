/**
 * @module cli/dev
 * `lnfleet dev`: the whole cluster on one machine — one backend and N fronts on loopback, each its own
 * process, joined by the real mutual-TLS link with a throw-away cluster CA made in the data dir.
 * It is what `npm start` runs, and what the end-to-end tests drive.
 *
 * Tour: provision the CA and certificates once (`D/pki`), write one config file per process (`D/*.conf`,
 * every setting explicit so a reader sees exactly what runs), spawn `lnfleet back` and `lnfleet front`
 * children with their logs in `D/logs/`, wait until the backend's API answers and every front is ready,
 * print the node id and the fronts' host:port, write `D/cluster.json`, and on Ctrl-C (SIGINT/SIGTERM)
 * stop every child (SIGTERM, then SIGKILL after a grace period).
 *
 * Does not: restart crashed children (it reports them), or listen on public interfaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';
import { provisionCommand } from './provision.js';
import { LnfleetError } from '../errors.js';
import { confEnvForRole } from '../config/index.js';

/** How long `dev` waits for every process to be ready before giving up (ms): start-up on a slow board. */
export const DEV_READY_TIMEOUT_MS = 60_000;
/** Grace period between SIGTERM and SIGKILL when stopping children (ms). */
export const DEV_STOP_GRACE_MS = 5_000;

/** Where everything of a dev cluster listens. */
export interface DevPorts {
  /** First front's peer port; front i listens on `peer + i`. */
  readonly peer: number;
  readonly link: number;
  readonly api: number;
  /** Backend metrics; front i's metrics on `metrics + 1 + i`, its health endpoint on `health + i`. */
  readonly metrics: number;
  readonly health: number;
}

/** What `cluster.json` holds (issue #4 fixes its shape). */
export interface ClusterInfo {
  nodeId: string;
  fronts: { id: string; host: string; port: number; health: number }[];
  backend: { link: number; api: number };
}

/** A running dev cluster. */
export interface DevCluster {
  readonly info: ClusterInfo;
  readonly dataDir: string;
  /** The child processes, by name (`back`, `front-1`, …): tests kill them to test failures. */
  readonly children: ReadonlyMap<string, ChildProcess>;
  /** Why child `name` stopped, from the end of its output (see {@link lastErrorOf}); undefined if it did not say. */
  reason(name: string): string | undefined;
  /** Starts a stopped child again with the same config (tests: backend restart, front back up). */
  restart(name: string): ChildProcess;
  /** Stops every child; resolves when all have exited. */
  stop(): Promise<void>;
  /** `true` once `stop` was called (exits after that are expected). */
  readonly stopping: boolean;
}

class DevError extends LnfleetError<'DEV_START'> {}

const MAIN_JS = fileURLToPath(new URL('./main.js', import.meta.url));
const quiet: CliIo = { out: () => {}, err: () => {} };

async function provision(pki: string): Promise<void> {
  const run = async (args: string[]): Promise<void> => {
    const code = await provisionCommand.run([...args, '--dir', pki], quiet);
    if (code !== 0) throw new DevError('DEV_START', `provisioning ${args.join(' ')} failed in ${pki}`);
  };
  if (!existsSync(join(pki, 'ca.crt'))) await run(['ca']);
  if (!existsSync(join(pki, 'back-backend.crt'))) await run(['cert', '--role', 'back', '--name', 'backend']);
}

function confText(lines: Record<string, string | number | boolean>): string {
  return Object.entries(lines).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n';
}

/** Extra backend settings a caller layers over the dev defaults (tests: a chain source). */
export type DevBackendConfig = Readonly<Record<string, string | number | boolean>>;

function writeConfigs(dir: string, fronts: number, p: DevPorts, backExtra: DevBackendConfig = {}): Map<string, string> {
  const pki = join(dir, 'pki');
  const files = new Map<string, string>();
  const common = { chain: 'regtest', 'cluster.port': p.link, 'cluster.mdns': false, 'log.level': 'info' };
  files.set('back', confText({
    ...common,
    'chain.source': 'none',
    'data-dir': join(dir, 'back'),
    'cluster.bind': '127.0.0.1',
    'cluster.tls.ca': join(pki, 'ca.crt'),
    'cluster.tls.cert': join(pki, 'back-backend.crt'),
    'cluster.tls.key': join(pki, 'back-backend.key'),
    'cluster.tls.revocations': join(pki, 'revocations.json'),
    'api.listen': `127.0.0.1:${p.api}`,
    'metrics.listen': `127.0.0.1:${p.metrics}`,
    ...backExtra,
  }));
  for (let i = 0; i < fronts; i++) {
    const id = `front-${i + 1}`;
    files.set(id, confText({
      ...common,
      'data-dir': join(dir, id),
      'front.id': id,
      'front.listen': `127.0.0.1:${p.peer + i}`,
      'front.health-listen': `127.0.0.1:${p.health + i}`,
      'cluster.backend-address': '127.0.0.1',
      'cluster.tls.ca': join(pki, 'ca.crt'),
      'cluster.tls.cert': join(pki, `front-${id}.crt`),
      'cluster.tls.key': join(pki, `front-${id}.key`),
      'cluster.tls.backend-cert': join(pki, 'back-backend.crt'),
      'metrics.listen': `127.0.0.1:${p.metrics + 1 + i}`,
    }));
  }
  for (const [name, text] of files) writeFileSync(join(dir, `${name}.conf`), text, { mode: 0o600 });
  return files;
}

async function getJson(url: string): Promise<unknown | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

/** How much of a child's output `dev` keeps for its start-up error (characters). */
const TAIL_CHARS = 16_384;

/** The `lnfleet dev` option that moves the listener of each setting a `ListenError` can name. */
const DEV_PORT_OPTION: Readonly<Record<string, string>> = {
  'front.listen': '--port', 'front.health-listen': '--health-port', 'metrics.listen': '--metrics-port',
  'api.listen': '--api-port', 'cluster.port': '--link-port',
};

/**
 * Why a child stopped, from the end of its log: the error line `lnfleet <role>: [CODE] …` its CLI printed (or
 * a `[CODE] …` line of its configuration report), else the last pino line at level error or above;
 * undefined when the log says neither.
 */
export function lastErrorOf(logText: string): string | undefined {
  const lines = logText.split('\n').slice(-200).reverse();
  // `lnfleet front: [LISTEN] …`, or one indented `  [CONFIG_…] …` line of a configuration report.
  const cli = lines.find((l) => /^(?:lnfleet \w+: |\s+)\[[A-Z_]+\] /.test(l));
  if (cli !== undefined) return cli.replace(/^(?:lnfleet \w+: |\s+)/, '');
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      const j = JSON.parse(l) as { level?: number; msg?: string; err?: unknown };
      if ((j.level ?? 0) >= 50 && typeof j.msg === 'string') return j.msg;
    } catch { /* not a log record */ }
  }
  return undefined;
}

/** What to tell the user about a child that exited during start-up: its own reason, a flag to try, its log. */
function exitedMessage(name: string, what: string, output: { tail: string; log: string }): string {
  const reason = lastErrorOf(output.tail);
  const setting = reason?.match(/^\[LISTEN\] (\S+) /)?.[1];
  const option = setting === undefined ? undefined : DEV_PORT_OPTION[setting];
  return `${name} exited while waiting for ${what}${reason === undefined ? '' : `: ${reason}`}` +
    `${option === undefined ? '' : ` (lnfleet dev ${option} picks another port)`}; its log: ${output.log}`;
}

async function waitFor<T>(
  what: string, probe: () => Promise<T | undefined>, deadline: number, exited: () => string | undefined,
  output: (name: string) => { tail: string; log: string },
): Promise<T> {
  for (;;) {
    const dead = exited();
    if (dead) throw new DevError('DEV_START', exitedMessage(dead, what, output(dead)));
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new DevError('DEV_START', `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Starts a dev cluster: provisions, spawns, waits for readiness, writes cluster.json. `backendConfig`
 * overrides backend settings (tests point `chain.source = bitcoind` at an embedded regtest chain).
 * The children get `env` (default: this process's); its `LNFLEET_CONF` may mix backend and front keys,
 * and each child sees only the entries for its role (`confEnvForRole`).
 */
export async function startDevCluster(opts: {
  dataDir: string; fronts: number; ports: DevPorts; backendConfig?: DevBackendConfig; env?: NodeJS.ProcessEnv;
}): Promise<DevCluster> {
  const env = opts.env ?? process.env;
  const dir = resolve(opts.dataDir);
  mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  await provision(join(dir, 'pki'));
  for (let i = 1; i <= opts.fronts; i++) {
    if (!existsSync(join(dir, 'pki', `front-front-${i}.crt`))) {
      const code = await provisionCommand.run(['cert', '--role', 'front', '--name', `front-${i}`, '--dir', join(dir, 'pki')], quiet);
      if (code !== 0) throw new DevError('DEV_START', `could not issue a certificate for front-${i}`);
    }
  }
  const configs = writeConfigs(dir, opts.fronts, opts.ports, opts.backendConfig);
  const children = new Map<string, ChildProcess>();
  const spawnChild = (name: string): ChildProcess => {
    const role = name === 'back' ? 'back' : 'front';
    const log = createWriteStream(join(dir, 'logs', `${name}.log`), { flags: 'a' });
    // Own process group (a terminal's Ctrl-C reaches only `dev`, which stops the children in order) and an
    // IPC channel whose loss stops the child even if `dev` itself is killed (see cli/main.ts).
    const conf = env['LNFLEET_CONF'];
    const child = spawn(process.execPath, [MAIN_JS, role, '--config', join(dir, `${name}.conf`)], {
      env: conf === undefined ? env : { ...env, LNFLEET_CONF: confEnvForRole(conf, role) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    // The end of what it printed, kept here too: if it dies during start-up, its reason goes in our error
    // (the log file may not have been written out yet when we notice).
    tails.set(name, '');
    const keep = (d: Buffer): void => { tails.set(name, (tails.get(name)! + d.toString('utf8')).slice(-TAIL_CHARS)); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('close', () => closed.add(child));
    children.set(name, child);
    return child;
  };
  const tails = new Map<string, string>();
  const closed = new Set<ChildProcess>();
  // Exited, with its output read to the end.
  const exitedEarly = (): string | undefined => [...children].find(([, c]) => closed.has(c))?.[0];
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    const alive = [...children.values()].filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(alive.map((c) => new Promise<void>((res) => {
      const kill = setTimeout(() => c.kill('SIGKILL'), DEV_STOP_GRACE_MS);
      c.once('exit', () => { clearTimeout(kill); res(); });
      c.kill('SIGTERM');
    })));
  };
  try {
    for (const name of configs.keys()) spawnChild(name);
    const deadline = Date.now() + DEV_READY_TIMEOUT_MS;
    const died = (name: string): { tail: string; log: string } => ({ tail: tails.get(name) ?? '', log: join(dir, 'logs', `${name}.log`) });
    const status = await waitFor('the backend API', () => getJson(`http://127.0.0.1:${opts.ports.api}/status`), deadline, exitedEarly, died);
    const nodeId = (status as { nodeId?: string }).nodeId;
    if (typeof nodeId !== 'string') throw new DevError('DEV_START', 'the backend API /status has no nodeId');
    const fronts: ClusterInfo['fronts'] = [];
    for (let i = 0; i < opts.fronts; i++) {
      const health = opts.ports.health + i;
      await waitFor(`front-${i + 1} to be ready`, () => getJson(`http://127.0.0.1:${health}/readyz`), deadline, exitedEarly, died);
      fronts.push({ id: `front-${i + 1}`, host: '127.0.0.1', port: opts.ports.peer + i, health });
    }
    const info: ClusterInfo = { nodeId, fronts, backend: { link: opts.ports.link, api: opts.ports.api } };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(info, null, 2) + '\n');
    return { info, dataDir: dir, children, stop, restart: spawnChild, reason: (name) => lastErrorOf(tails.get(name) ?? ''), get stopping() { return stopping; } };
  } catch (e) {
    await stop();
    throw e;
  }
}

function intOpt(o: ReadonlyMap<string, string>, name: string, dflt: number, min: number, max: number): number {
  const v = o.get(name);
  if (v === undefined) return dflt;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw new CliUsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

const USAGE = `usage: lnfleet dev [--fronts N] [--port P] [--datadir D] [--link-port L] [--api-port A] [--metrics-port M] [--health-port H]

Runs the whole cluster on this machine: a backend and N fronts (default 2) on loopback, each its own
process, with a cluster CA and certificates generated in D/pki (default D = .lnfleet/dev).
Fronts listen for peers on P, P+1, … (default 9735). The backend's link is on L (25520), its API on A
(8080: 'lnfleet status' works as is), its metrics on M (9095; front i's on M+i); front i's /healthz and
/readyz on H+i-1 (9836). When all are ready it prints the node id and each front's host:port and writes
D/cluster.json. Logs go to D/logs/. Ctrl-C stops everything.
Settings: LNFLEET_CONF='key=value;…' may mix backend and front keys ('lnfleet config describe' lists
them); each process takes the entries of its role, e.g. LNFLEET_CONF='node.alias=mynode;front.max-connections=200'.`;

export const devCommand: Command = {
  name: 'dev',
  summary: 'run a backend and N fronts on loopback (the embedded default; what npm start runs)',
  usage: USAGE,
  async run(args, io) {
    const { options: o, positionals } = parseArgs(args, { options: ['fronts', 'port', 'datadir', 'link-port', 'api-port', 'metrics-port', 'health-port'] });
    if (positionals.length > 0) throw new CliUsageError('dev takes no positional arguments');
    const fronts = intOpt(o, 'fronts', 2, 1, 16);
    const ports: DevPorts = {
      peer: intOpt(o, 'port', 9735, 1, 65535 - fronts),
      link: intOpt(o, 'link-port', 25520, 1, 65535),
      api: intOpt(o, 'api-port', 8080, 1, 65535),
      metrics: intOpt(o, 'metrics-port', 9095, 1, 65535 - fronts - 1),
      health: intOpt(o, 'health-port', 9836, 1, 65535 - fronts),
    };
    const dataDir = o.get('datadir') ?? '.lnfleet/dev';
    io.out(`starting a backend and ${fronts} front(s) in ${resolve(dataDir)} …`);
    const cluster = await startDevCluster({ dataDir, fronts, ports });
    io.out(`node id ${cluster.info.nodeId}`);
    for (const f of cluster.info.fronts) io.out(`  ${f.id}: ${cluster.info.nodeId}@${f.host}:${f.port}`);
    io.out(`API http://127.0.0.1:${ports.api}/status · logs ${join(cluster.dataDir, 'logs')} · ${join(cluster.dataDir, 'cluster.json')}`);
    io.out('running; Ctrl-C stops it');
    for (const [name, child] of cluster.children) {
      // 'close': after its output was read to the end, so its own reason is in.
      child.on('close', (code, signal) => {
        if (cluster.stopping) return;
        const why = cluster.reason(name);
        io.err(`${name} exited (${signal ?? `code ${code}`})${why === undefined ? '' : `: ${why}`}; see ${join(cluster.dataDir, 'logs', `${name}.log`)}`);
      });
    }
    await new Promise<void>((res) => {
      const onSignal = (): void => { io.out('stopping …'); res(); };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    await cluster.stop();
    io.out('stopped');
    return 0;
  },
};
