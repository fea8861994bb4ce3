/**
 * The front's seams that need no multicast: which way `resolveBackendFromConfig` finds the backend
 * (config address, mDNS browse, neither), the board it owns (`POST /vrrp` on the local listener drives
 * the LEDs; the LAN `metrics.listen` listener is read-only), and the board states following the link.
 * A scripted backend on 127.0.0.1 and a `FakeGpioProvider`; timeouts only bound waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFront } from '../../src/front/index.js';
import { resolveBackendFromConfig } from '../../src/front/daemon.js';
import { frontState } from '../../src/front/board.js';
import { FakeGpioProvider } from '../../src/board/index.js';
import type { DiscoveredBackend } from '../../src/discovery/index.js';
import { captureLogger, createTempPki, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { startScriptedBackend } from './scripted-backend.js';

const LOOPBACK0 = { host: '127.0.0.1', port: 0 };
const NODE_ID = `02${'11'.repeat(32)}`;

function fakeBackend(host: string, port: number, caFingerprint: string): DiscoveredBackend {
  return { name: 'lnfleet-test', host: 'lnfleet-test.local', addresses: [host], port, txt: { nodeId: NODE_ID, linkPort: port, caFingerprint, protocolVersion: 1 } };
}

test('resolveBackendFromConfig: the configured address wins and never browses', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const cert = await pki.issue('front', 'fa');
  let browsed = 0;
  const found: string[] = [];
  const resolve = resolveBackendFromConfig(frontConfig(pki, cert, 25999, { 'cluster.backend-address': '10.9.9.9', 'cluster.mdns': 'true' }), {
    find: async () => { browsed++; return null; }, onFound: (s, a) => found.push(`${s} ${a.host}:${a.port}`),
  });
  assert.deepEqual(await resolve(), { host: '10.9.9.9', port: 25999 });
  assert.equal(browsed, 0);
  assert.deepEqual(found, ['config 10.9.9.9:25999']);
});

test('resolveBackendFromConfig: without an address and with cluster.mdns, each call browses once (again after a link loss)', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const cert = await pki.issue('front', 'fa');
  const config = frontConfig(pki, cert, 25520, { 'cluster.mdns': 'true', 'cluster.local-address': '10.77.0.3' });
  const { ['cluster.backend-address']: _none, ...rest } = { ...config.values };
  assert.equal(_none, '127.0.0.1'); // the fixture sets one: rebuild without it
  const noAddr = { ...config, values: { ...rest, 'cluster.backend-address': undefined } } as typeof config;
  const asked: string[] = [];
  // A backend of another cluster (skipped), then ours.
  const answers = [fakeBackend('10.77.0.66', 25520, 'aa'.repeat(32)), fakeBackend('10.77.0.2', 25520, pki.ca.fingerprint)];
  const logs = captureLogger('info');
  const resolve = resolveBackendFromConfig(noAddr, {
    log: logs.logger,
    find: async (o) => { asked.push(String(o.interfaceAddress)); const b = answers.shift() ?? null; return b !== null && o.accept(b) ? b : null; },
  });
  await assert.rejects(resolve(), (e: Error & { code?: string }) => e.code === 'DISCOVERY_NOT_FOUND');
  assert.deepEqual(await resolve(), { host: '10.77.0.2', port: 25520 });
  assert.deepEqual(asked, ['10.77.0.3', '10.77.0.3'], 'browses on cluster.local-address, once per dial');
  assert.ok(logs.lines.some((l) => l.msg === 'backend found by mDNS; dialling it' && l.host === '10.77.0.2'), logs.text());
});

test('resolveBackendFromConfig: no address and cluster.mdns off → DISCOVERY_DISABLED', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const cert = await pki.issue('front', 'fa');
  const config = frontConfig(pki, cert, 25520);
  const noAddr = { ...config, values: { ...config.values, 'cluster.backend-address': undefined } } as typeof config;
  await assert.rejects(resolveBackendFromConfig(noAddr)(), (e: Error & { code?: string }) => e.code === 'DISCOVERY_DISABLED');
});

test('frontState: link states map to board states', () => {
  assert.equal(frontState('connecting'), 'searchingBackend');
  assert.equal(frontState('backoff'), 'searchingBackend');
  assert.equal(frontState('hello'), 'syncing');
  assert.equal(frontState('up'), 'serving');
  assert.equal(frontState('closed'), 'fault');
});

test('front board: serving once linked, POST /vrrp MASTER → vrrpMaster on the pins; metrics.listen serves /readyz but not /vrrp', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const backend = await startScriptedBackend(pki);
  t.after(() => backend.close());
  const cert = await pki.issue('front', 'fa');
  const config = frontConfig(pki, cert, backend.port, {
    'board.gpio.led-ok': '17', 'board.gpio.led-warn': '27', 'board.gpio.led-fault': '22', 'board.gpio.status-pin': '23',
  });
  const gpio = new FakeGpioProvider();
  const front = await startFront(config, {
    logger: captureLogger().logger, peerListen: LOOPBACK0, healthListen: LOOPBACK0, metricsListen: LOOPBACK0,
    board: { gpio, healthSource: null },
  });
  let closed = false;
  t.after(async () => { if (!closed) await front.close(); });
  assert.ok(front.metricsPort !== undefined && front.metricsPort !== front.healthPort);
  await waitFor('serving', () => front.status().board.state === 'serving');
  assert.equal(gpio.value(23), 1, 'status pin high while serving');
  assert.equal(gpio.value(17), 1, 'ok LED on');

  const post = (port: number, body: string) => fetch(`http://127.0.0.1:${port}/vrrp`, { method: 'POST', body });
  const r = await post(front.healthPort, '{"state":"MASTER"}');
  assert.equal(r.status, 200);
  assert.equal(front.status().board.state, 'vrrpMaster');
  assert.equal((await post(front.healthPort, '{"state":"BOSS"}')).status, 400);
  assert.equal((await post(front.healthPort, 'x'.repeat(1000))).status, 413);
  assert.equal((await post(front.metricsPort!, 'MASTER')).status, 405, 'the LAN listener is read-only');

  for (const port of [front.healthPort, front.metricsPort!]) {
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /lnfleet_board_state\{state="vrrpMaster"\} 1/);
    const h = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json() as { board: { state: string; vrrp: string } };
    assert.equal(h.board.state, 'vrrpMaster');
  }

  await backend.close();
  await waitFor('searching again after the link loss', () => front.status().board.state === 'searchingBackend');
  assert.equal(gpio.value(23), 0, 'status pin low without the backend');
  closed = true;
  await front.close();
  assert.deepEqual(gpio.openPins, [], 'pins released on close');
});
