/**
 * `lnfleet dev` when a port it needs is taken (the usual first-run failure: another Lightning node on
 * 9735): start-up fails with the child's own reason, the `dev` option that moves that port and the log
 * path, and leaves no process behind. Real processes on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevCluster } from '../../src/cli/dev.js';
import { devClusterPorts } from '../helpers/ports.js';

test('dev: a peer port in use fails start-up with the front\'s reason, the option to change it and its log', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-dev-port-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ports = await devClusterPorts(1);
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(ports.peer, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => holder.close(() => r())));
  await assert.rejects(startDevCluster({ dataDir: dir, fronts: 1, ports }), (e: unknown) => {
    const m = (e as Error).message;
    assert.match(m, /^front-1 exited while waiting for /);
    assert.ok(m.includes(`[LISTEN] front.listen 127.0.0.1:${ports.peer}: the address is already in use`), m);
    assert.ok(m.includes('(lnfleet dev --port picks another port)'), m);
    assert.ok(m.endsWith(`its log: ${join(dir, 'logs', 'front-1.log')}`), m);
    return true;
  });
  // Everything it started is stopped: the backend's API port is free again.
  const probe = createServer();
  await new Promise<void>((res, rej) => { probe.once('error', rej); probe.listen(ports.api, '127.0.0.1', res); });
  await new Promise<void>((r) => probe.close(() => r()));
});
