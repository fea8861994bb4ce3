// The backend's HTTP API, metrics and the CLI clients against a running backend and scripted fronts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBackend, BackendError } from '../../src/back/index.js';
import { makeApiCommands } from '../../src/cli/api-client.js';
import { makeBackCommand } from '../../src/cli/back.js';
import { ApiClientError } from '../../src/cli/api-client.js';
import { backendConfig, captureLogger, createTempPki, TEST_NODE_ENV, TEST_NODE_ID_HEX, TEST_NODE_PRIV_HEX } from '../helpers/cluster-fixtures.js';
import { ScriptedFront } from './scripted-front.js';
import { startTestBackend } from './setup.js';

const peerHex = (b: string) => '02' + b.repeat(32);
const api = (port: number) => `http://127.0.0.1:${port}`;
async function getJson(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${api(port)}${path}`, { headers });
  return { status: r.status, body: await r.json() };
}
async function postJson(port: number, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${api(port)}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}
function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

test('GET /status, /peers, /fronts and /metrics with one front and one peer', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'fa'), backend.linkPort);
  t.after(() => front.destroy());
  front.send({ name: 'peer_attached', conn: 2, nodeId: Buffer.from(peerHex('11'), 'hex'), remoteAddress: '192.0.2.9:9735', outbound: false, theirInit: new Uint8Array(0), ourInit: new Uint8Array(0), tlvs: {} });
  await front.next('peer_attach_ack');

  const s = await getJson(backend.apiPort, '/status');
  assert.equal(s.status, 200);
  assert.equal(s.body.nodeId, TEST_NODE_ID_HEX);
  assert.equal(s.body.chain, 'regtest');
  assert.equal(s.body.chainSource, 'none');
  assert.match(s.body.chainSourceNote, /signatures alone/);
  assert.equal(s.body.peerCount, 1);
  assert.equal(s.body.fronts.length, 1);
  assert.equal(typeof s.body.uptimeSec, 'number');
  const p = await getJson(backend.apiPort, '/peers');
  assert.deepEqual(p.body.map((x: any) => [x.nodeId, x.state, x.front, x.conn, x.remoteAddress]), [[peerHex('11'), 'connected', 'fa', 2, '192.0.2.9:9735']]);
  const f = await getJson(backend.apiPort, '/fronts');
  assert.deepEqual(f.body.map((x: any) => [x.id, x.connections]), [['fa', 1]]);
  assert.equal((await getJson(backend.apiPort, '/nope')).status, 404);

  const metrics = await (await fetch(`http://127.0.0.1:${backend.metricsPort}/metrics`)).text();
  assert.match(metrics, /^lnfleet_fronts_connected 1$/m);
  assert.match(metrics, /^peer_connections 1$/m);
  assert.match(metrics, /^lnfleet_link_messages_total\{direction="in",type="hello"\} 1$/m);
  assert.match(metrics, /^lnfleet_link_messages_total\{direction="out",type="peer_attach_ack"\} 1$/m);
});

test('POST /connect reaches the front as connect_request; its result completes the call; /disconnect', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const none = await postJson(backend.apiPort, '/connect', { peer: `${peerHex('22')}@203.0.113.4:9735` });
  assert.equal(none.status, 503);
  assert.equal(none.body.error.code, 'BACK_NO_FRONT');
  assert.equal((await postJson(backend.apiPort, '/connect', { peer: 'not-a-node@x' })).status, 400);
  assert.equal((await postJson(backend.apiPort, '/disconnect', {})).status, 400);

  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'fa'), backend.linkPort);
  t.after(() => front.destroy());
  const call = postJson(backend.apiPort, '/connect', { peer: `${peerHex('22')}@[2001:db8::1]:9736`, persist: false });
  const req = await front.next('connect_request');
  assert.deepEqual([Buffer.from(req.nodeId).toString('hex'), req.host, req.port], [peerHex('22'), '2001:db8::1', 9736]);
  front.send({ name: 'connect_result', requestId: req.requestId, ok: true, conn: 3, error: '', tlvs: {} });
  front.send({ name: 'peer_attached', conn: 3, nodeId: req.nodeId, remoteAddress: '[2001:db8::1]:9736', outbound: true, theirInit: new Uint8Array(0), ourInit: new Uint8Array(0), tlvs: {} });
  const res = await call;
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { nodeId: peerHex('22'), front: 'fa', conn: 3, alreadyConnected: false });

  const d = await postJson(backend.apiPort, '/disconnect', { nodeId: peerHex('22') });
  assert.deepEqual(d.body, { disconnected: true, wasPersistent: false });
  const sent = await front.next('disconnect');
  assert.equal(sent.conn, 3);
  assert.equal(backend.status().peerCount, 0);
});

test('api.password: basic auth required; the CLI sends LNFLEET_API_PASSWORD', async (t) => {
  const { pki, backend } = await startTestBackend(t, { 'api.password': 'correct horse battery' });
  const none = await getJson(backend.apiPort, '/status');
  assert.equal(none.status, 401);
  const auth = (pw: string) => ({ authorization: `Basic ${Buffer.from(`any:${pw}`).toString('base64')}` });
  assert.equal((await getJson(backend.apiPort, '/status', auth('wrong'))).status, 401);
  assert.equal((await getJson(backend.apiPort, '/status', auth('correct horse battery'))).status, 200);

  const withPw = makeApiCommands({ env: () => ({ LNFLEET_API_PASSWORD: 'correct horse battery' }) });
  const c = captureIo();
  assert.equal(await withPw.status.run(['--api', api(backend.apiPort)], c.io), 0);
  assert.ok(c.out.some((l) => l.includes(TEST_NODE_ID_HEX)));
  assert.ok(c.out.some((l) => /no front connected/.test(l)));
  const without = makeApiCommands({ env: () => ({}) });
  await assert.rejects(without.status.run(['--api', api(backend.apiPort)], captureIo().io), (e: unknown) => e instanceof ApiClientError && e.code === 'API_UNAUTHORIZED');

  const { front } = await ScriptedFront.linked(pki, await pki.issue('front', 'fc'), backend.linkPort);
  t.after(() => front.destroy());
  const cc = captureIo();
  const run = withPw.connect.run([`${peerHex('33')}@203.0.113.5:9735`, '--persist', '--api', api(backend.apiPort)], cc.io);
  const req = await front.next('connect_request');
  front.send({ name: 'connect_result', requestId: req.requestId, ok: false, conn: 0, error: 'connection refused', tlvs: {} });
  await assert.rejects(run, (e: unknown) => e instanceof ApiClientError && /connection refused/.test(e.message));
  const pc = captureIo();
  await withPw.peers.run(['--api', api(backend.apiPort), '--json'], pc.io);
  const listed = JSON.parse(pc.out.join('\n')) as { nodeId: string; state: string }[];
  assert.deepEqual(listed.map((p) => [p.nodeId, p.state]), [[peerHex('33'), 'reconnecting']]);
  const dc = captureIo();
  await withPw.disconnect.run([peerHex('33'), '--api', api(backend.apiPort)], dc.io);
  assert.deepEqual(dc.out, ['not connected', 'no longer persistent']);
});

test('an API beyond loopback without a password refuses to start', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  await assert.rejects(
    startBackend(backendConfig(pki, { 'api.listen': '0.0.0.0:8080' }), { env: TEST_NODE_ENV, ephemeralPorts: true, logger: captureLogger().logger }),
    (e: unknown) => e instanceof BackendError && e.code === 'BACK_API_INSECURE' && /api.password/.test(e.message),
  );
});

test('CLI clients: a backend that is not running is a clear error', async () => {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  await assert.rejects(makeApiCommands({ env: () => ({}) }).status.run(['--api', api(port)], captureIo().io), (e: unknown) =>
    e instanceof ApiClientError && e.code === 'API_UNREACHABLE' && /is the backend running/.test(e.message));
});

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

test('lnfleet back: starts from a config file, prints the node id and ports, stops on the signal', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const [link, apiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const file = join(pki.dir, 'back.conf');
  const lines = [
    'chain = regtest', `data-dir = ${join(pki.dir, 'data')}`, 'cluster.bind = 127.0.0.1', `cluster.port = ${link}`, 'cluster.mdns = false',
    `cluster.tls.ca = ${pki.caPath}`, `cluster.tls.cert = ${pki.back.certPath}`, `cluster.tls.key = ${pki.back.keyPath}`,
    `api.listen = 127.0.0.1:${apiPort}`, `metrics.listen = 127.0.0.1:${metricsPort}`, 'log.level = warn',
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  let seenStatus: unknown;
  const cmd = makeBackCommand({
    env: () => ({ LNFLEET_CONF: '' }),
    stopSignal: async (h) => {
      seenStatus = (await getJson(h.apiPort, '/status')).body;
      return 'SIGTERM';
    },
  });
  const c = captureIo();
  assert.equal(await cmd.run(['--config', file], c.io), 0);
  assert.ok(c.out[0]!.includes('node id 0'));
  assert.ok(c.out.some((l) => l.includes(`cluster link port ${link}`) && l.includes(`API port ${apiPort}`)));
  assert.equal((seenStatus as { chain: string }).chain, 'regtest');
  // The default seed provider created the seed; no private key bytes were printed.
  assert.ok(!c.out.join('\n').includes(TEST_NODE_PRIV_HEX));
  const bad = captureIo();
  assert.equal(await makeBackCommand({ env: () => ({ LNFLEET_CONF: 'cluster.port=0' }) }).run(['--config', file], bad.io), 1);
  assert.match(bad.err.join('\n'), /cluster.port/);
});
