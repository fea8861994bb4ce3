/**
 * Tests of the VRRP hook: the pure `/vrrp` handler, `lnfleet board vrrp-state` against a tiny local
 * HTTP server (127.0.0.1, ephemeral port) that mounts `handleVrrpPost` and drives a `BoardIndicator`,
 * the exact notify lines `lnfleet gen keepalived` writes, the error when nothing listens, usage
 * errors, and `lnfleet board status` with a fed health sample.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BoardIndicator, FakeGpioProvider, ManualScheduler, VRRP_MAX_BODY_BYTES, handleVrrpPost, staleVrrpReport, vrrpUrl,
} from '../../src/board/index.js';
import { makeBoardCommand } from '../../src/cli/board.js';
import { generateKeepalived } from '../../src/deploy/keepalived.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

test('handleVrrpPost: JSON or bare role; anything else is 400, oversize is 413', () => {
  assert.deepEqual(handleVrrpPost('{"state":"MASTER"}'), { status: 200, state: 'MASTER' });
  assert.deepEqual(handleVrrpPost(new TextEncoder().encode('BACKUP\n')), { status: 200, state: 'BACKUP' });
  assert.deepEqual(handleVrrpPost(' FAULT '), { status: 200, state: 'FAULT' });
  for (const bad of ['', 'master', '{"state":"STOP"}', '{"state":', '{}', '["MASTER"]', 'MASTER BACKUP']) {
    const r = handleVrrpPost(bad);
    assert.equal(r.status, 400, bad);
    assert.equal(r.state, null, bad);
  }
  assert.equal(handleVrrpPost('x'.repeat(VRRP_MAX_BODY_BYTES + 1)).status, 413);
});

test('staleVrrpReport: the VIP on the VRRP interface decides; a late MASTER after BACKUP (or the reverse) is stale', () => {
  const vip = '10.0.0.100';
  assert.equal(staleVrrpReport('MASTER', vip, ['10.0.0.4', vip]), false);
  assert.equal(staleVrrpReport('MASTER', vip, ['10.0.0.4']), true, 'MASTER hook landing after the VIP left');
  assert.equal(staleVrrpReport('BACKUP', vip, ['10.0.0.4']), false);
  assert.equal(staleVrrpReport('BACKUP', vip, ['10.0.0.4', vip]), true, 'BACKUP hook landing after the board took the VIP');
  assert.equal(staleVrrpReport('FAULT', vip, []), false);
  assert.equal(staleVrrpReport('FAULT', vip, [vip]), true);
});

test('vrrpUrl brackets IPv6 hosts', () => {
  assert.equal(vrrpUrl({ host: '127.0.0.1', port: 9736 }), 'http://127.0.0.1:9736/vrrp');
  assert.equal(vrrpUrl({ host: '::1', port: 9736 }), 'http://[::1]:9736/vrrp');
});

/** A stand-in for the front's health listener: only what the front engineer will mount. */
async function frontStandIn(ind: BoardIndicator): Promise<{ server: Server; port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/vrrp') { res.writeHead(404).end(); return; }
      const r = handleVrrpPost(Buffer.concat(chunks));
      if (r.state !== null) ind.setVrrp(r.state);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(r));
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  return { server, port: (server.address() as AddressInfo).port, paths };
}

test('the notify lines keepalived gets drive the LEDs through a running front', async () => {
  const gpio = new FakeGpioProvider();
  const ind = new BoardIndicator({ provider: gpio, pins: { ledOk: 1, statusPin: 2, activeLow: false }, scheduler: new ManualScheduler() });
  ind.setState('serving');
  const { server, port, paths } = await frontStandIn(ind);
  try {
    const conf = generateKeepalived({
      self: 'a', fronts: [{ name: 'a', address: '10.0.0.11', priority: 150 }, { name: 'b', address: '10.0.0.12', priority: 100 }],
      vip: '10.0.0.10', subnet: '10.0.0.0/24', interface: 'eth0', ports: { peer: 9735, metrics: 9095 },
    });
    const notify = [...conf.matchAll(/notify_(master|backup|fault) "([^"]+)"/g)].map((m) => m[2]!.split(' '));
    assert.equal(notify.length, 3);
    const expectState = { MASTER: 'vrrpMaster', BACKUP: 'serving', FAULT: 'degraded' } as const;
    for (const argv of notify) {
      const [, cmd, ...args] = argv; // drop the wrapper path; main would dispatch on `board`
      assert.equal(cmd, 'board');
      const cap = capture();
      const code = await makeBoardCommand({ env: () => ({}) }).run([...args, '--health', `http://127.0.0.1:${port}`], cap.io);
      assert.equal(code, 0, cap.err.join('\n'));
      const role = args[1] as keyof typeof expectState;
      assert.equal(ind.state, expectState[role], role);
      assert.match(cap.out.join('\n'), new RegExp(`now shows VRRP ${role}`));
    }
    assert.deepEqual(paths, ['POST /vrrp', 'POST /vrrp', 'POST /vrrp']);
  } finally {
    server.close();
    ind.close();
  }
});

test('vrrp-state finds the endpoint from front.health-listen (file, LNFLEET_CONF)', async () => {
  const ind = new BoardIndicator({ provider: new FakeGpioProvider(), pins: { activeLow: false }, scheduler: new ManualScheduler() });
  ind.setState('serving');
  const { server, port } = await frontStandIn(ind);
  try {
    const dir = mkdtempSync(join(tmpdir(), 'lnfleet-board-'));
    const file = join(dir, 'front.conf');
    writeFileSync(file, `front.health-listen = 127.0.0.1:${port}\ncluster.tls.mode = ca\n`);
    assert.equal(await makeBoardCommand({ env: () => ({}) }).run(['vrrp-state', 'MASTER', '--file', file], capture().io), 0);
    assert.equal(ind.state, 'vrrpMaster');
    const env = { LNFLEET_CONF: `front.health-listen=127.0.0.1:${port}` };
    assert.equal(await makeBoardCommand({ env: () => env }).run(['vrrp-state', 'backup', '--file', file], capture().io), 0);
    assert.equal(ind.state, 'serving');
  } finally {
    server.close();
    ind.close();
  }
});

test('vrrp-state with no front listening exits 1 with a clear message', async () => {
  const probe = createServer();
  await new Promise<void>((res) => probe.listen(0, '127.0.0.1', res));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((res) => probe.close(res)); // nothing listens there now
  const cap = capture();
  const code = await makeBoardCommand({ env: () => ({}) }).run(['vrrp-state', 'FAULT', '--health', `http://127.0.0.1:${port}`], cap.io);
  assert.equal(code, 1);
  const msg = cap.err.join('\n');
  assert.match(msg, /\[BOARD_FRONT_UNREACHABLE\]/);
  assert.match(msg, new RegExp(`cannot reach the front at http://127\\.0\\.0\\.1:${port}/vrrp \\(ECONNREFUSED\\)`));
  assert.match(msg, /is `lnfleet front` running/);
});

test('vrrp-state: a front that rejects the role is exit 1 (BOARD_VRRP_REJECTED)', async () => {
  const server = createServer((_req, res) => res.writeHead(400).end('{"error":"no"}'));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  try {
    const cap = capture();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vrrp`;
    assert.equal(await makeBoardCommand({ env: () => ({}) }).run(['vrrp-state', 'MASTER', '--health', url], cap.io), 1);
    assert.match(cap.err.join('\n'), /\[BOARD_VRRP_REJECTED\] .* answered 400/);
  } finally {
    server.close();
  }
});

test('usage errors: missing or unknown role, bad URL, unknown subcommand', async () => {
  const cmd = makeBoardCommand({ env: () => ({}) });
  assert.match(cmd.usage, /^usage: lnfleet board /);
  for (const [args, re] of [
    [['vrrp-state'], /exactly one role/],
    [['vrrp-state', 'LEADER'], /unknown VRRP role "LEADER"/],
    [['vrrp-state', 'MASTER', '--health', 'nope'], /--health must be a URL/],
    [['frobnicate'], /unknown board subcommand/],
  ] as const) {
    await assert.rejects(cmd.run(args, capture().io), (e: Error & { code?: string }) => e.code === 'CLI_USAGE' && re.test(e.message), args.join(' '));
  }
  assert.equal(await cmd.run([], capture().io), 2);
});

test('board status prints the health sample, its reasons and the state table (text and --json)', async () => {
  const source = async () => ({ cpuTempC: null, load1: 9, cpus: 2, memUsedRatio: 0.25, diskUsedRatio: 0.5 });
  const cmd = makeBoardCommand({ env: () => ({ LNFLEET_CONF: 'board.health.max-load=3' }), healthSource: source });
  const cap = capture();
  assert.equal(await cmd.run(['status'], cap.io), 0);
  const text = cap.out.join('\n');
  assert.match(text, /^health: degraded/);
  assert.match(text, /cpu temperature +unknown/);
  assert.match(text, /4\.50 per CPU +\(limit 3\)/);
  assert.match(text, /degraded: load: 4\.50 per CPU > 3/);
  assert.match(text, /\| 1 \| `fault` \|/);
  const json = capture();
  assert.equal(await cmd.run(['status', '--json'], json.io), 0);
  const parsed = JSON.parse(json.out.join('\n')) as { health: { ok: boolean }; priority: string[]; states: Record<string, unknown> };
  assert.equal(parsed.health.ok, false);
  assert.equal(parsed.priority[0], 'fault');
  assert.ok('vrrpMaster' in parsed.states);
  const bad = capture();
  assert.equal(await makeBoardCommand({ env: () => ({ LNFLEET_CONF: 'board.health.max-load=lots' }), healthSource: source }).run(['status'], bad.io), 1);
  assert.match(bad.err.join('\n'), /\[CONFIG_INVALID_VALUE\] board\.health\.max-load/);
});
