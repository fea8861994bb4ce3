/**
 * Lab: the whole fleet with the REAL daemons on a private LAN of network namespaces (issue 6, DESIGN §6–8):
 * one backend (`lnfleet back`), three fronts (`lnfleet front`), keepalived per front and a client.
 *
 *   back 10.77.0.2   front1 .3 (prio 150)   front2 .4 (140)   front3 .5 (130)   client .6   VIP .100
 *
 * 1. The backend applies its generated nftables ruleset (`nft -f` in its namespace): a listener on its
 *    9735 answers before the ruleset and is unreachable from the client after it; the client completes
 *    a BOLT 8 + init handshake with our node id on every front's 9735.
 * 2. Fronts find the backend by mDNS only (`cluster.mdns = true`, no `cluster.backend-address`) and
 *    attach: the backend's `GET /fronts` lists all three, each front's `/healthz` says "(mdns)".
 * 3. keepalived (generated config, VRRPv3, `advert_int 0.1`, the generated `/readyz` track script against
 *    the real front's `metrics.listen`, notify hooks running the real `lnfleet board vrrp-state`) elects
 *    front1; the client's BOLT 8 + init handshake with our node id through the VIP succeeds.
 * 4. Power loss of the VIP holder (its keepalived frozen then SIGKILLed with its front; the stale VIP
 *    removed, as the dead board would not answer): a new handshake through the VIP succeeds on front2.
 *    Printed as {"metric":"vip-failover-power","ms":…}.
 * 5. Only the front process dies on the new holder (keepalived alive): the track script fails, front2
 *    goes FAULT and the VIP moves to front3. Printed as {"metric":"vip-failover-process","ms":…}.
 * 6. LEDs and status pin: each front runs the REAL `OnoffGpioProvider` against a fake `/sys/class/gpio`
 *    (a per-front directory bind-mounted over /sys/class inside the private mount namespace that
 *    `ip netns exec` gives each command; the notify hook does the same under `unshare -m`). The test
 *    reads the value files: serving/master boards have the status pin high; the board whose front died
 *    shows fault (red on, others off, status low: written by the hook, the front being dead); the new
 *    holder shows `vrrpMaster` (its `/healthz`) with the status pin high.
 *
 * Failover times are measured from the client: the first handshake *started* after the kill that
 * completes. They go to `lab-results.json` at the repository root (rows for `bench-results.json`, see
 * bench/lab.ts). Every wait is bounded; `lab.teardown()` runs on failure too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { DEFAULT_PORTS } from '../../src/deploy/constants.js';
import { generateKeepalived } from '../../src/deploy/keepalived.js';
import { generateNftables } from '../../src/deploy/nftables.js';
import { createTempPki, TEST_NODE_ID_HEX, TEST_NODE_PRIV_HEX, type TempPki } from '../helpers/cluster-fixtures.js';
import {
  canNetns, createLab, labNamespaces, LAB_NS_PREFIX, LAB_SUBNET, SKIP_REASON, sweepStale, waitFor, waitForLine,
  type Lab, type LabHost,
} from '../helpers/netns.js';

const AGENTS = fileURLToPath(new URL('./agents.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Where the measured failover rows go (repository root; bench/lab.ts reads it). */
export const LAB_RESULTS = fileURLToPath(new URL('../../../lab-results.json', import.meta.url));
const VIP = '10.77.0.100';
const { peer: PEER_PORT, metrics: METRICS_PORT, link: LINK_PORT, api: API_PORT } = DEFAULT_PORTS;
const HEALTH_PORT = 9736;
const FRONTS = ['front1', 'front2', 'front3'] as const;
type FrontName = (typeof FRONTS)[number];
const PRIORITY: Record<FrontName, number> = { front1: 150, front2: 140, front3: 130 };
/** GPIO numbers of each fake board: ok, warn, fault LEDs and the status pin. */
const PINS = { ok: 17, warn: 27, fault: 22, status: 23 } as const;
/** Goal of both failovers (ms), from the issue. */
const FAILOVER_GOAL_MS = 2000;
/** Bound of each failover wait (ms); a miss fails the test with the logs. */
const FAILOVER_MAX_MS = 10_000;
/** Bound of an LED change that goes through a notify hook (ms): keepalived starts `lnfleet board
 * vrrp-state`, a Node start (~0.3 s idle, several seconds on a loaded CI host). */
const HOOK_MAX_MS = 10_000;
/** Bound of start-up steps (ms): daemons start in ~1 s, mDNS answers in well under one. */
const START_MAX_MS = 20_000;

/** Last lines of every daemon's output, shown when an assertion fails. */
const logs: Record<string, string[]> = {};
const tail = (...names: string[]) => names.map((n) => `--- ${n}\n${(logs[n] ?? []).slice(-25).join('\n')}`).join('\n');

function keepLog(name: string, c: ChildProcess): ChildProcess {
  const log: string[] = [];
  logs[name] = log;
  const keep = (d: Buffer) => { log.push(...d.toString().split('\n').filter((l) => l !== '')); log.splice(0, Math.max(0, log.length - 300)); };
  c.stdout?.on('data', keep);
  c.stderr?.on('data', keep);
  return c;
}

function conf(lines: Record<string, string | number | boolean>): string {
  return Object.entries(lines).map(([k, v]) => `${k} = "${String(v)}"`).join('\n') + '\n';
}

/** A fake sysfs GPIO tree for one board (the directory is bind-mounted over /sys/class). */
function fakeSysClass(dir: string): string {
  const gpio = join(dir, 'gpio');
  mkdirSync(gpio, { recursive: true });
  writeFileSync(join(gpio, 'export'), '');
  writeFileSync(join(gpio, 'unexport'), '');
  for (const pin of Object.values(PINS)) {
    mkdirSync(join(gpio, `gpio${pin}`));
    for (const [f, v] of [['direction', 'in'], ['value', '0'], ['edge', 'none'], ['active_low', '0']]) writeFileSync(join(gpio, `gpio${pin}`, f!), v!);
  }
  return dir;
}

/** The four value files of a board as `{ok, warn, fault, status}`. */
function pins(lab: Lab, f: FrontName): Record<keyof typeof PINS, string> {
  const read = (p: number) => readFileSync(join(lab.dir, `sys-${f}`, 'gpio', `gpio${p}`, 'value'), 'utf8').trim();
  return { ok: read(PINS.ok), warn: read(PINS.warn), fault: read(PINS.fault), status: read(PINS.status) };
}

function curlJson(lab: Lab, h: LabHost, url: string): unknown {
  const r = lab.exec(h, ['curl', '-sS', '--max-time', '1', url], { timeoutMs: 3000 });
  try { return JSON.parse(r.stdout) as unknown; } catch { return undefined; }
}

/** How the track script's request fares right now (for failure messages). */
function readyTiming(lab: Lab, f: FrontName): string {
  const r = lab.exec(lab.hosts[f] as LabHost, ['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code} in %{time_total} s', '--max-time', '5', `http://127.0.0.1:${METRICS_PORT}/readyz`], { timeoutMs: 8000 });
  return `${f} /readyz on the metrics port: ${r.stdout}${r.stderr}`;
}

const boardState = (lab: Lab, h: LabHost): string | undefined =>
  (curlJson(lab, h, `http://127.0.0.1:${HEALTH_PORT}/healthz`) as { board?: { state?: string } } | undefined)?.board?.state;

function holders(lab: Lab): string[] {
  return FRONTS.filter((f) => lab.ip(lab.hosts[f] as LabHost, ['-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout.includes(` ${VIP}/`));
}

/** Client handshakes (BOLT 8 with our node id + init) through `host`, one JSON line per attempt. */
interface Attempts { lines: { s: number; e: number; ok: boolean; error?: string }[] }
function startHandshakes(lab: Lab, client: LabHost, host: string, maxMs: number): Attempts {
  const a: Attempts = { lines: [] };
  const c = keepLog('client', lab.spawn(client, [process.execPath, AGENTS, 'handshakes', host, String(PEER_PORT), TEST_NODE_ID_HEX, String(maxMs)]));
  let buf = '';
  c.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const l of parts) if (l.startsWith('{')) a.lines.push(JSON.parse(l) as Attempts['lines'][number]);
  });
  return a;
}

/** ms from `t0` to the end of the first handshake started after `t0` that succeeded (bounded). */
async function failoverMs(a: Attempts, t0: number, what: string): Promise<number> {
  const hit = () => a.lines.find((l) => l.s >= t0 && l.ok);
  assert.ok(await waitFor(() => hit() !== undefined, FAILOVER_MAX_MS), `${what}: no handshake through the VIP within ${FAILOVER_MAX_MS} ms: ${JSON.stringify(a.lines.slice(-4))}\n${tail(...FRONTS)}`);
  return (hit() as Attempts['lines'][number]).e - t0;
}

/** ms from `t0` until `to` alone holds the VIP (polled every 20 ms, bounded). */
async function vipMovedMs(lab: Lab, to: FrontName, t0: number): Promise<number> {
  assert.ok(await waitFor(() => holders(lab).join() === to, FAILOVER_MAX_MS), `${to} alone holds the VIP; holders: ${holders(lab).join()}\n${tail(...FRONTS.map((f) => `ka-${f}`))}`);
  return Date.now() - t0;
}

function oneHandshake(lab: Lab, client: LabHost, host: string): { ok: boolean; error?: string } {
  const r = lab.exec(client, [process.execPath, AGENTS, 'handshakes', host, String(PEER_PORT), TEST_NODE_ID_HEX, '1'], { timeoutMs: 10_000 });
  return JSON.parse(r.stdout.split('\n')[0] || '{"ok":false,"error":"no output"}') as { ok: boolean; error?: string };
}

interface Cluster { pki: TempPki; fronts: Record<FrontName, ChildProcess>; keepalived: Record<FrontName, ChildProcess> }

function startBackend(lab: Lab, pki: TempPki, back: LabHost): Promise<string> {
  const file = join(lab.dir, 'back.conf');
  writeFileSync(file, conf({
    chain: 'regtest', 'chain.source': 'none', 'data-dir': join(lab.dir, 'back-data'), 'node.key-provider': 'env',
    'cluster.bind': '0.0.0.0', 'cluster.port': LINK_PORT, 'cluster.mdns': true, 'cluster.local-address': back.ip,
    'cluster.tls.ca': pki.caPath, 'cluster.tls.cert': pki.back.certPath, 'cluster.tls.key': pki.back.keyPath,
    'cluster.tls.revocations': pki.revocationsPath, 'api.listen': `127.0.0.1:${API_PORT}`, 'metrics.listen': `127.0.0.1:${METRICS_PORT}`,
  }), { mode: 0o600 });
  const c = keepLog('back', lab.spawn(back, [process.execPath, MAIN, 'back', '--config', file], { env: { ...process.env, NODE_PRIV_KEY: TEST_NODE_PRIV_HEX } }));
  return waitForLine(c, (l) => l.includes('backend started'), START_MAX_MS);
}

/** Writes front `f`'s config, fake sysfs and notify hook; starts the real front with the fake sysfs. */
async function startFront(lab: Lab, pki: TempPki, f: FrontName): Promise<ChildProcess> {
  const h = lab.hosts[f] as LabHost;
  const member = await pki.issue('front', f);
  const file = join(lab.dir, `${f}.conf`);
  writeFileSync(file, conf({
    chain: 'regtest', 'data-dir': join(lab.dir, `${f}-data`), 'front.id': f,
    'front.listen': `0.0.0.0:${PEER_PORT}`, 'front.health-listen': `127.0.0.1:${HEALTH_PORT}`,
    'metrics.enabled': true, 'metrics.listen': `0.0.0.0:${METRICS_PORT}`,
    // mDNS only: no cluster.backend-address (and no BACKEND_IP in the environment below).
    'cluster.mdns': true, 'cluster.local-address': h.ip, 'cluster.port': LINK_PORT, 'cluster.reconnect-max-ms': 1000,
    'cluster.tls.ca': pki.caPath, 'cluster.tls.cert': member.certPath, 'cluster.tls.key': member.keyPath, 'cluster.tls.backend-cert': pki.back.certPath,
    // The lab host is shared (load average far above a board's): only the LED path is under test here.
    'board.health.max-load': 64,
    // As a provisioned board's front.conf has them: the front checks keepalived's role reports against the VIP.
    'network.vip': VIP, 'network.interface': 'eth0',
    'board.gpio.enabled': true, 'board.gpio.led-ok': PINS.ok, 'board.gpio.led-warn': PINS.warn, 'board.gpio.led-fault': PINS.fault, 'board.gpio.status-pin': PINS.status,
  }), { mode: 0o600 });
  const sys = fakeSysClass(join(lab.dir, `sys-${f}`));
  // `ip netns exec` runs each command in its own mount namespace (slave of the host's): the bind mount
  // below exists only for this front process and disappears with it.
  const { BACKEND_IP: _drop, ...env } = process.env;
  return keepLog(f, lab.spawn(h, ['sh', '-c', 'mount --bind "$0" /sys/class && exec "$@"', sys, process.execPath, MAIN, 'front', '--config', file], { env }));
}

/** keepalived's notify hook for `f`: the real CLI, in a private mount namespace seeing the board's fake sysfs. */
function hookScript(lab: Lab, f: FrontName): string {
  const path = join(lab.dir, `hook-${f}.sh`);
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(path, [
    '#!/bin/sh',
    `# keepalived notify hook of ${f} (lab): lnfleet board … with this board's fake /sys/class.`,
    `exec unshare -m --propagation private sh -c 'mount --bind "$0" /sys/class && exec "$@"' ${q(join(lab.dir, `sys-${f}`))} ${q(process.execPath)} ${q(MAIN)} "$@" --file ${q(join(lab.dir, `${f}.conf`))}`,
    '',
  ].join('\n'));
  chmodSync(path, 0o755);
  return path;
}

function startKeepalived(lab: Lab, f: FrontName): ChildProcess {
  const file = join(lab.dir, `keepalived-${f}.conf`);
  writeFileSync(file, generateKeepalived({
    self: f,
    fronts: FRONTS.map((n) => ({ name: n, address: (lab.hosts[n] as LabHost).ip, priority: PRIORITY[n] })),
    vip: VIP, subnet: LAB_SUBNET, interface: 'eth0',
    ports: { peer: PEER_PORT, metrics: METRICS_PORT },
    advertInt: 0.1,
    // The lab has no `lnfleet` user: scripts run as root; the hook is the real CLI behind hookScript().
    scriptUser: 'root', hookCommand: hookScript(lab, f),
  }));
  const pid = (k: string) => join(lab.dir, `${f}-${k}.pid`);
  return keepLog(`ka-${f}`, lab.spawn(lab.hosts[f] as LabHost, ['keepalived', '-n', '-l', '-D', '-P', '-f', file, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('chk')]));
}

function vrrpChildPid(lab: Lab, f: FrontName): number {
  const file = join(lab.dir, `${f}-vrrp.pid`);
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0;
}

/** One row for bench-results.json. */
export interface LabRow {
  readonly name: string;
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number;
  readonly baselineName: string;
  readonly ratio: number;
  readonly goal: { readonly ratio: number; readonly direction: 'atMost' };
  readonly note: string;
}

function row(name: string, ms: number, note: string): LabRow {
  return { name, unit: 'ms', ours: ms, baseline: FAILOVER_GOAL_MS, baselineName: 'goal', ratio: ms / FAILOVER_GOAL_MS, goal: { ratio: 1, direction: 'atMost' }, note };
}

test('cluster lab: real backend + 3 fronts + keepalived: nftables, mDNS attach, handshakes through the VIP, failovers, LEDs', async (t) => {
  if (!canNetns()) return t.skip(SKIP_REASON);
  for (const bin of ['/usr/sbin/keepalived', '/usr/bin/curl', '/usr/sbin/nft']) if (!existsSync(bin)) return t.skip(`needs ${bin} (.ci/apt-packages.txt)`);
  sweepStale();
  const lab = createLab('clu', ['back', ...FRONTS, 'client']);
  t.after(() => lab.teardown());
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const host = (n: string) => lab.hosts[n] as LabHost;
  const { back, client } = { back: host('back'), client: host('client') };
  const cluster: Cluster = { pki, fronts: {} as Cluster['fronts'], keepalived: {} as Cluster['keepalived'] };

  // 1. The backend's firewall. A listener on its 9735 proves a refusal below is the ruleset's doing.
  await waitForLine(lab.spawn(back, [process.execPath, AGENTS, 'listen', String(PEER_PORT)]), (l) => l.includes('"ready"'), 5000);
  const connect = (to: string, port: number) => JSON.parse(lab.exec(client, [process.execPath, AGENTS, 'connect', to, String(port), '600'], { timeoutMs: 5000 }).stdout) as { ok: boolean; error?: string };
  assert.equal(connect(back.ip, PEER_PORT).ok, true, 'baseline: backend 9735 reachable before the ruleset');
  const nftFile = join(lab.dir, 'back.nft');
  writeFileSync(nftFile, generateNftables({
    role: 'back', subnet: LAB_SUBNET, fronts: FRONTS.map((n) => ({ name: n, address: host(n).ip, priority: PRIORITY[n] })),
    admins: ['192.0.2.1'], ports: DEFAULT_PORTS,
  }));
  const nft = lab.exec(back, ['nft', '-f', nftFile]);
  assert.equal(nft.status, 0, nft.stderr);
  assert.deepEqual(connect(back.ip, PEER_PORT), { ok: false, error: 'timeout' }, 'the client cannot reach backend:9735');

  // 2. Backend advertises by mDNS; fronts find it by mDNS only and attach.
  await startBackend(lab, pki, back).catch((e: Error) => assert.fail(`${e.message}\n${tail('back')}`));
  for (const f of FRONTS) cluster.fronts[f] = await startFront(lab, pki, f);
  const attached = () => ((curlJson(lab, back, `http://127.0.0.1:${API_PORT}/fronts`) as { id?: string }[] | undefined) ?? []).map((x) => x.id).sort().join();
  assert.ok(await waitFor(() => attached() === FRONTS.join(), START_MAX_MS, 200), `all fronts attached (got ${attached()})\n${tail('back', ...FRONTS)}`);
  for (const f of FRONTS) {
    const h = curlJson(lab, host(f), `http://127.0.0.1:${HEALTH_PORT}/healthz`) as { backend?: string; ready?: boolean };
    assert.equal(h.backend, `${back.ip}:${LINK_PORT} (mdns)`, `${f} found the backend by mDNS`);
    assert.ok(await waitFor(() => logs[f]?.some((l) => l.includes('backend found by mDNS')) === true, 5000), `${f} logs which backend it found\n${tail(f)}`);
  }
  for (const f of FRONTS) assert.equal(oneHandshake(lab, client, host(f).ip).ok, true, `the client completes BOLT 8 + init with our node id on ${f}:9735`);

  // 3. keepalived on each front; front1 (highest priority) takes the VIP; a handshake through it works.
  for (const f of FRONTS) cluster.keepalived[f] = startKeepalived(lab, f);
  const elected = await waitFor(() => holders(lab).join() === 'front1', START_MAX_MS, 50);
  assert.ok(elected, `front1 alone holds the VIP; holders: ${holders(lab).join()}; ${readyTiming(lab, 'front1')}\n${tail('ka-front1', 'front1')}`);
  const attempts = startHandshakes(lab, client, VIP, 90_000);
  assert.ok(await waitFor(() => attempts.lines.some((l) => l.ok), 15_000), `a handshake through the VIP: ${JSON.stringify(attempts.lines.slice(-3))}\n${tail('client', 'ka-front1')}`);
  assert.ok(await waitFor(() => boardState(lab, host('front1')) === 'vrrpMaster', HOOK_MAX_MS), `front1 shows vrrpMaster (notify hook → /vrrp); ${boardState(lab, host('front1'))}\n${tail('ka-front1')}`);
  for (const f of FRONTS) {
    assert.ok(await waitFor(() => pins(lab, f).status === '1', HOOK_MAX_MS), `${f}: status pin high while serving: ${JSON.stringify(pins(lab, f))}`);
    assert.equal(pins(lab, f).fault, '0');
  }
  // front2 may have been MASTER for a moment before front1's adverts reached it; its BACKUP notify hook
  // (one `lnfleet board vrrp-state` process) then lands a little later.
  assert.ok(await waitFor(() => boardState(lab, host('front2')) === 'serving', HOOK_MAX_MS), `front2 shows serving (BACKUP): ${boardState(lab, host('front2'))}\n${tail('ka-front2')}`);

  // 4. Power loss of front1: keepalived (parent and VRRP child) frozen then killed (no goodbye), front too.
  const vrrpPid = vrrpChildPid(lab, 'front1');
  assert.ok(vrrpPid > 0, 'keepalived wrote its VRRP pid file');
  const mainPid = cluster.keepalived.front1.pid ?? 0;
  const t0 = Date.now();
  for (const p of [mainPid, vrrpPid]) process.kill(p, 'SIGSTOP');
  for (const p of [mainPid, vrrpPid]) process.kill(p, 'SIGKILL');
  cluster.fronts.front1.kill('SIGKILL');
  const stale = /inet (\S+)/.exec(lab.ip(host('front1'), ['-4', '-o', 'addr', 'show', 'dev', 'eth0', 'to', VIP]).stdout)?.[1];
  if (stale !== undefined) assert.equal(lab.ip(host('front1'), ['addr', 'del', stale, 'dev', 'eth0']).status, 0);
  const vipPower = await vipMovedMs(lab, 'front2', t0);
  const power = await failoverMs(attempts, t0, 'power loss');
  assert.deepEqual(holders(lab), ['front2'], tail('ka-front2'));
  process.stdout.write(JSON.stringify({ metric: 'vip-failover-power', ms: power, vipMovedMs: vipPower }) + '\n');
  assert.ok(await waitFor(() => boardState(lab, host('front2')) === 'vrrpMaster', HOOK_MAX_MS), `front2 shows vrrpMaster: ${boardState(lab, host('front2'))}`);
  assert.equal(pins(lab, 'front2').status, '1');

  // 5. Only front2's front process dies; its keepalived's track script demotes it (FAULT).
  const t1 = Date.now();
  cluster.fronts.front2.kill('SIGKILL');
  const vipProcess = await vipMovedMs(lab, 'front3', t1);
  const processMs = await failoverMs(attempts, t1, 'front process death');
  process.stdout.write(JSON.stringify({ metric: 'vip-failover-process', ms: processMs, vipMovedMs: vipProcess }) + '\n');

  // 6. LEDs: the dead front's board shows fault (written by the notify hook), front3 is the master.
  const faultRow = { ok: '0', warn: '0', fault: '1', status: '0' };
  assert.ok(await waitFor(() => JSON.stringify(pins(lab, 'front2')) === JSON.stringify(faultRow), HOOK_MAX_MS), `front2 shows fault: ${JSON.stringify(pins(lab, 'front2'))}\n${tail('ka-front2')}`);
  assert.ok(await waitFor(() => boardState(lab, host('front3')) === 'vrrpMaster', HOOK_MAX_MS), `front3 shows vrrpMaster: ${boardState(lab, host('front3'))}`);
  assert.equal(pins(lab, 'front3').status, '1');
  assert.equal(pins(lab, 'front3').fault, '0');

  const note = (vip: number) => `lab: real lnfleet back + 3 fronts + keepalived 2.2.7 (VRRPv3, advert_int 0.1, generated track script) in network namespaces; time until a client BOLT 8 + init handshake through the VIP (one attempt starting every 50 ms) completes; the VIP itself moved after ${vip} ms; host load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs`;
  const rows = [row('vip-failover-power', power, note(vipPower)), row('vip-failover-process', processMs, note(vipProcess))];
  writeFileSync(LAB_RESULTS, JSON.stringify(rows, null, 2) + '\n');
  // The goal (2 s) is recorded in the rows, not asserted: shared CI hosts run loaded, and a late
  // failover must show up as a ratio > 1 in bench-results.json rather than as a flaky test.
});

test('cluster lab leaves no namespace behind', () => {
  if (!canNetns()) return;
  assert.deepEqual(labNamespaces().filter((n) => n.startsWith(`${LAB_NS_PREFIX}${process.pid}-`)), []);
});
