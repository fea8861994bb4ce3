// The channel routes of the backend API and the CLI commands over them, on a backend without a chain source:
// GET /channels lists none, POST /open says "no wallet: chain.source is none" (503 BACK_NO_WALLET), bad bodies
// are 400, an unknown channel is 404; `lnfleet open/close/channels` print those errors and check their arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeChannelCommands } from '../../src/cli/channels.js';
import { ApiClientError } from '../../src/cli/api-client.js';
import { CliUsageError } from '../../src/cli/command.js';
import { startTestBackend } from './setup.js';

const api = (port: number) => `http://127.0.0.1:${port}`;
async function call(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${api(port)}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  return { status: r.status, body: await r.json() };
}
function captureIo() {
  const out: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: () => {} }, out };
}
const NODE = '02' + '11'.repeat(32);

test('channel API without a chain source: empty list, no wallet, bad requests, unknown channel', async (t) => {
  const { backend } = await startTestBackend(t);
  assert.deepEqual((await call(backend.apiPort, 'GET', '/channels')).body, []);
  const open = await call(backend.apiPort, 'POST', '/open', { nodeId: NODE, sats: 100_000 });
  assert.equal(open.status, 503);
  assert.equal(open.body.error.code, 'BACK_NO_WALLET');
  assert.match(open.body.error.message, /^no wallet: chain\.source is none/);
  for (const bad of [{}, { nodeId: 'xx', sats: 1 }, { nodeId: NODE }, { nodeId: NODE, sats: -1 }, { nodeId: NODE, sats: 1.5 }, { nodeId: NODE, sats: '01' }, { nodeId: NODE, sats: 1, announce: 'yes' }]) {
    const r = await call(backend.apiPort, 'POST', '/open', bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.body.error.code, 'BACK_BAD_REQUEST');
  }
  assert.equal((await call(backend.apiPort, 'POST', '/close', {})).status, 400);
  const unknown = await call(backend.apiPort, 'POST', '/close', { channel: '7' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'BACK_UNKNOWN_CHANNEL');
});

test('lnfleet open/close/channels against the API: errors with their code, argument checks, empty listing', async (t) => {
  const { backend } = await startTestBackend(t);
  const cmds = makeChannelCommands({ env: () => ({}) });
  const base = ['--api', api(backend.apiPort)];
  const c = captureIo();
  assert.equal(await cmds.channels.run(base, c.io), 0);
  assert.deepEqual(c.out, ['no channels']);
  await assert.rejects(cmds.open.run([NODE, '100000', ...base], captureIo().io), (e: unknown) => e instanceof ApiClientError && /BACK_NO_WALLET: no wallet: chain\.source is none/.test(e.message));
  await assert.rejects(cmds.open.run([NODE, '12abc', ...base], captureIo().io), (e: unknown) => e instanceof CliUsageError);
  await assert.rejects(cmds.open.run([NODE, '1000', '--push-msat', 'x', ...base], captureIo().io), (e: unknown) => e instanceof CliUsageError);
  await assert.rejects(cmds.close.run(['#3', ...base], captureIo().io), (e: unknown) => e instanceof ApiClientError && /BACK_UNKNOWN_CHANNEL/.test(e.message));
});
