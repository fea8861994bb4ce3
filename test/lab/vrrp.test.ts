/**
 * Lab: keepalived VRRPv3 failover between three front namespaces, configs from `generateKeepalived`
 * (advert_int 0.1, VIP 10.77.0.100), keepalived run per namespace in the foreground with private pid
 * files and VRRP only (`-P`: test hosts lack IPVS, so the LVS block is not started).
 *
 * STAND-IN: `src/front` does not exist yet, so each front namespace runs `agents.js front`, a stand-in
 * that answers `/readyz` (the track script's curl) and accepts TCP on 9735 writing its name. Replace it
 * with the real front once it exists.
 *
 * Measured and printed as JSON lines for the benchmark file:
 * - `vip-failover-power`: holder's keepalived SIGKILLed (with its stand-in: the board lost power) until
 *   a client TCP connect to the VIP reaches another front. The dead namespace keeps its VIP (nobody
 *   removed it), so the test deletes it there, as the board's absence would.
 * - `vip-failover-demotion`: only the stand-in front dies; keepalived's track script fails (interval
 *   2 s × fall 2) and the board goes FAULT, releasing the VIP, until a connect reaches another front.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { generateKeepalived } from '../../src/deploy/keepalived.js';
import { canNetns, createLab, labNamespaces, LAB_NS_PREFIX, LAB_SUBNET, SKIP_REASON, sweepStale, waitFor, waitForLine, type Lab, type LabHost } from '../helpers/netns.js';

const AGENTS = fileURLToPath(new URL('./agents.js', import.meta.url));
const VIP = '10.77.0.100';
/** The stand-in's readiness port: `front.health-listen`'s default port (127.0.0.1:9736). */
const READY_PORT = 9736;
const PEER_PORT = 9735;
/** Bound of each failover wait (ms); measured values are ~0.3 s (power) and ~2–4 s (demotion). */
const FAILOVER_MAX_MS = 12_000;
const FRONTS = ['front1', 'front2', 'front3'] as const;

/** The last keepalived log lines per front, shown when an assertion fails. */
const logs: Record<string, string[]> = {};
const tail = () => Object.entries(logs).map(([f, l]) => `--- ${f}\n${l.slice(-15).join('\n')}`).join('\n');

interface Probe { lines: { t: number; ok: boolean; name: string }[] }

function holders(lab: Lab): string[] {
  return FRONTS.filter((f) => lab.ip(lab.hosts[f] as LabHost, ['-4', '-o', 'addr', 'show', 'dev', 'eth0']).stdout.includes(` ${VIP}/`));
}

function startKeepalived(lab: Lab, h: LabHost, priority: Record<string, number>): ChildProcess {
  const conf = join(lab.dir, `keepalived-${h.name}.conf`);
  writeFileSync(conf, generateKeepalived({
    self: h.name,
    fronts: FRONTS.map((f) => ({ name: f, address: (lab.hosts[f] as LabHost).ip, priority: priority[f] ?? 1 })),
    vip: VIP, subnet: LAB_SUBNET, interface: 'eth0',
    ports: { peer: PEER_PORT, metrics: READY_PORT },
    advertInt: 0.1,
    // No `lnfleet` user or wrapper in the lab: scripts run as root, the LED hooks are /bin/true.
    scriptUser: 'root', hookCommand: '/bin/true',
  }));
  const pid = (k: string) => join(lab.dir, `${h.name}-${k}.pid`);
  const c = lab.spawn(h, ['keepalived', '-n', '-l', '-D', '-P', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('chk')]);
  const log: string[] = [];
  logs[h.name] = log;
  const keep = (d: Buffer) => { log.push(...d.toString().split('\n').filter((l) => l !== '')); log.splice(0, Math.max(0, log.length - 200)); };
  c.stdout?.on('data', keep);
  c.stderr?.on('data', keep);
  return c;
}

function vrrpChildPid(lab: Lab, h: LabHost): number {
  const f = join(lab.dir, `${h.name}-vrrp.pid`);
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0;
}

function startProbe(lab: Lab, client: LabHost): Probe {
  const probe: Probe = { lines: [] };
  const c = lab.spawn(client, [process.execPath, AGENTS, 'probe', VIP, String(PEER_PORT), '50000']);
  let buf = '';
  c.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const l of parts) probe.lines.push(JSON.parse(l) as Probe['lines'][number]);
  });
  return probe;
}

/** Time from `t0` until the probe first reached a front other than `old` (bounded). */
async function failoverMs(probe: Probe, t0: number, old: string): Promise<{ ms: number; to: string }> {
  const hit = () => probe.lines.find((l) => l.t >= t0 && l.ok && l.name !== old);
  assert.ok(await waitFor(() => hit() !== undefined, FAILOVER_MAX_MS), `no failover within ${FAILOVER_MAX_MS} ms: ${JSON.stringify(probe.lines.slice(-5))}`);
  const h = hit() as Probe['lines'][number];
  return { ms: h.t - t0, to: h.name };
}

test('keepalived VRRPv3: one VIP holder; failover on power loss and on front death', async (t) => {
  if (!canNetns()) return t.skip(SKIP_REASON);
  if (!existsSync('/usr/sbin/keepalived') || !existsSync('/usr/bin/curl')) return t.skip('needs keepalived and curl (.ci/apt-packages.txt)');
  sweepStale();
  const lab = createLab('vrrp', [...FRONTS, 'client']);
  t.after(() => lab.teardown());
  const host = (n: string) => lab.hosts[n] as LabHost;
  const priority = { front1: 150, front2: 140, front3: 130 };

  const standIns: Record<string, ChildProcess> = {};
  await Promise.all(FRONTS.map(async (f) => {
    standIns[f] = lab.spawn(host(f), [process.execPath, AGENTS, 'front', f, String(READY_PORT), String(PEER_PORT), '55000']);
    await waitForLine(standIns[f], (l) => l.includes('"ready"'), 5000);
  }));
  const keepalived: Record<string, ChildProcess> = {};
  for (const f of FRONTS) keepalived[f] = startKeepalived(lab, host(f), priority);

  assert.ok(await waitFor(() => holders(lab).join() === 'front1', 10_000), `front1 (highest priority) should hold the VIP alone; holders: ${holders(lab).join()}`);
  const probe = startProbe(lab, host('client'));
  assert.ok(await waitFor(() => probe.lines.some((l) => l.ok && l.name === 'front1'), 5000), 'client reaches the VIP on front1');

  // Power loss of front1: its VRRP process and keepalived die without a goodbye (priority-0 advert).
  const vrrpPid = vrrpChildPid(lab, host('front1'));
  assert.ok(vrrpPid > 0, 'keepalived wrote its VRRP pid file');
  const mainPid = keepalived.front1?.pid ?? 0; // `ip netns exec` execs keepalived: same pid
  const t0 = Date.now();
  // Freeze first so the parent cannot respawn its VRRP child and the child cannot run a graceful
  // shutdown on its parent-death signal; then kill both (and the stand-in front): no goodbye advert.
  for (const p of [mainPid, vrrpPid]) process.kill(p, 'SIGSTOP');
  for (const p of [mainPid, vrrpPid]) process.kill(p, 'SIGKILL');
  standIns.front1?.kill('SIGKILL');
  // The stale VIP stays on the dead namespace's eth0; a powered-off board would not answer for it.
  const stale = /inet (\S+)/.exec(lab.ip(host('front1'), ['-4', '-o', 'addr', 'show', 'dev', 'eth0', 'to', VIP]).stdout)?.[1];
  assert.ok(stale !== undefined, 'a SIGKILLed keepalived leaves its VIP behind');
  const del = lab.ip(host('front1'), ['addr', 'del', stale, 'dev', 'eth0']);
  assert.equal(del.status, 0, del.stderr);
  const power = await failoverMs(probe, t0, 'front1');
  assert.equal(power.to, 'front2', tail());
  assert.ok(await waitFor(() => holders(lab).join() === 'front2', 3000), `only front2 holds the VIP; holders: ${holders(lab).join()}`);
  process.stdout.write(JSON.stringify({ metric: 'vip-failover-power', ms: power.ms }) + '\n');

  // The front process on the holder dies; keepalived stays up, its /readyz check fails → FAULT.
  const t1 = Date.now();
  standIns.front2?.kill('SIGKILL');
  const demotion = await failoverMs(probe, t1, 'front2');
  assert.equal(demotion.to, 'front3');
  assert.ok(await waitFor(() => holders(lab).join() === 'front3', 3000), `front2 released the VIP itself; holders: ${holders(lab).join()}`);
  process.stdout.write(JSON.stringify({ metric: 'vip-failover-demotion', ms: demotion.ms }) + '\n');
});

test('lab leaves no namespace behind', () => {
  if (!canNetns()) return;
  assert.deepEqual(labNamespaces().filter((n) => n.startsWith(`${LAB_NS_PREFIX}${process.pid}-`)), []);
});
