/**
 * bitcoind JSON-RPC client and source against a local `http.createServer` speaking JSON-RPC: basic
 * auth, the cookie file (re-read after a 401), RPC errors, non-JSON statuses, timeouts, unreachable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { BitcoindChainSource, createChainSource } from '../../src/chain/bitcoind.js';
import { JsonRpcClient } from '../../src/chain/rpc.js';

type Handler = (body: { method: string; params: unknown[] }, auth: string | undefined, res: http.ServerResponse) => void;

async function server(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(JSON.parse(Buffer.concat(chunks).toString()), req.headers.authorization, res));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

test('user/password auth, results, RPC errors with codes, and the source mapping of -8 and gettxout', async () => {
  const srv = await server((b, auth, res) => {
    if (auth !== basic('alice:s3cret')) return void res.writeHead(401).end();
    switch (b.method) {
      case 'getblockcount': return json(res, 200, { result: 42, error: null, id: 1 });
      case 'getblockhash': return b.params[0] === 1 ? json(res, 200, { result: 'ab'.repeat(32), error: null, id: 1 }) : json(res, 500, { result: null, error: { code: -8, message: 'Block height out of range' }, id: 1 });
      case 'gettxout': return json(res, 200, { result: b.params[0] === 'aa'.repeat(32) ? { bestblock: 'x', confirmations: 3, value: 0.01234567, scriptPubKey: { hex: '0014' + '11'.repeat(20) } } : null, error: null, id: 1 });
      default: return json(res, 404, { result: null, error: { code: -32601, message: 'Method not found' }, id: 1 });
    }
  });
  const src = new BitcoindChainSource({ url: srv.url, auth: { kind: 'password', user: 'alice', password: 's3cret' } });
  assert.equal(await src.getBlockCount(), 42);
  assert.equal(await src.getBlockHash(1), 'ab'.repeat(32));
  assert.equal(await src.getBlockHash(99), undefined);
  assert.deepEqual(await src.getTxOut('aa'.repeat(32), 0), { value: 1_234_567n, confirmations: 3, script: Uint8Array.from(Buffer.from('0014' + '11'.repeat(20), 'hex')) });
  assert.equal(await src.getTxOut('bb'.repeat(32), 0), undefined);
  await assert.rejects(src.rpc.call('nosuch'), (e: any) => e.code === 'CHAIN' && e.kind === 'rpcError' && e.rpcCode === -32601);
  assert.match(src.describe(), /^bitcoind: .*checked/);
  await src.close();
  const wrong = new JsonRpcClient({ url: srv.url, auth: { kind: 'password', user: 'alice', password: 'nope' } });
  await assert.rejects(wrong.call('getblockcount'), (e: any) => e.kind === 'unauthorized' && !String(e.message).includes('nope'));
  wrong.close();
  await srv.close();
});

test('cookie auth reads the file, re-reads it after a 401 (bitcoind restarted), and a missing file is a cookie error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-cookie-'));
  let expected = '__cookie__:first';
  const srv = await server((_b, auth, res) => (auth === basic(expected) ? json(res, 200, { result: 7, error: null, id: 1 }) : void res.writeHead(401).end()));
  try {
    const file = join(dir, '.cookie');
    writeFileSync(file, '__cookie__:first');
    const c = new JsonRpcClient({ url: srv.url, auth: { kind: 'cookie', file } });
    assert.equal(await c.call('getblockcount'), 7);
    expected = '__cookie__:second';
    writeFileSync(file, '__cookie__:second\n');
    assert.equal(await c.call('getblockcount'), 7);
    c.close();
    const missing = new JsonRpcClient({ url: srv.url, auth: { kind: 'cookie', file: join(dir, 'none') } });
    await assert.rejects(missing.call('getblockcount'), (e: any) => e.kind === 'cookie');
    writeFileSync(file, 'garbage');
    const bad = new JsonRpcClient({ url: srv.url, auth: { kind: 'cookie', file } });
    await assert.rejects(bad.call('getblockcount'), (e: any) => e.kind === 'cookie' && !String(e.message).includes('garbage'));
    const fromConfig = createChainSource({ source: 'bitcoind', rpcUrl: srv.url, rpcCookieFile: file });
    assert.equal(fromConfig.kind, 'bitcoind');
    await fromConfig.close();
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-JSON statuses, bad bodies, timeouts and unreachable endpoints are typed', async () => {
  const srv = await server((b, _a, res) => {
    if (b.method === 'html') return void res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
    if (b.method === 'garbage') return void res.writeHead(200).end('not json');
    if (b.method === 'array') return json(res, 200, [1, 2]);
    if (b.method === 'noresult') return json(res, 200, { error: null, id: 1 });
    // 'hang': never answers.
  });
  const c = new JsonRpcClient({ url: srv.url, auth: { kind: 'none' }, timeoutMs: 200 });
  await assert.rejects(c.call('html'), (e: any) => e.kind === 'httpStatus');
  await assert.rejects(c.call('garbage'), (e: any) => e.kind === 'badResponse');
  await assert.rejects(c.call('array'), (e: any) => e.kind === 'badResponse');
  await assert.rejects(c.call('noresult'), (e: any) => e.kind === 'badResponse');
  await assert.rejects(c.call('hang'), (e: any) => e.kind === 'timeout');
  c.close();
  await srv.close();
  const gone = new JsonRpcClient({ url: srv.url, auth: { kind: 'none' } });
  await assert.rejects(gone.call('getblockcount'), (e: any) => e.kind === 'unreachable');
  gone.close();
  assert.throws(() => new JsonRpcClient({ url: 'ftp://x', auth: { kind: 'none' } }), (e: any) => e.code === 'CHAIN');
  assert.throws(() => createChainSource({ source: 'bitcoind' }), (e: any) => e.code === 'CHAIN');
  assert.equal(createChainSource({ source: 'none' }).kind, 'none');
});
