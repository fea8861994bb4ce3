/**
 * The SOCKS5 CONNECT client (src/front/socks5.ts): the sans-I/O exchange byte by byte (RFC 1928), and a
 * `.onion` dial by the front through a tiny SOCKS5 proxy written here that forwards to a test peer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { Socks5Connect, Socks5Error } from '../../src/front/socks5.js';
import { startFront } from '../../src/front/index.js';
import { captureLogger, createTempPki, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { startScriptedBackend } from './scripted-backend.js';
import { listenPeer } from './test-peer.js';

test('SOCKS5: greeting, CONNECT by domain name, reply split anywhere, early target bytes kept', () => {
  const c = new Socks5Connect('abc.onion', 9735);
  assert.deepEqual([...c.greeting()], [5, 1, 0]);
  const a = c.push(Uint8Array.of(5));
  assert.deepEqual(a.send, []);
  const b = c.push(Uint8Array.of(0));
  assert.deepEqual([...b.send[0]!], [5, 1, 0, 3, 9, ...Buffer.from('abc.onion'), 0x26, 0x07]);
  assert.equal(c.push(Uint8Array.of(5, 0, 0, 1, 0)).done, undefined);
  const done = c.push(Uint8Array.of(0, 0, 0, 0, 0, 0xaa, 0xbb));
  assert.deepEqual([...done.done!.rest], [0xaa, 0xbb]);
});

test('SOCKS5: refusals are Socks5Error with the RFC 1928 reason', () => {
  assert.throws(() => new Socks5Connect('x', 1).push(Uint8Array.of(5, 0xff)), Socks5Error);
  const c = new Socks5Connect('x.onion', 1);
  c.push(Uint8Array.of(5, 0));
  assert.throws(() => c.push(Uint8Array.of(5, 4, 0, 1, 0, 0, 0, 0, 0, 0)), /host unreachable/);
  assert.throws(() => new Socks5Connect('', 1), Socks5Error);
});

test('connect_request for an .onion host goes through front.socks5-proxy', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const backend = await startScriptedBackend(pki);
  t.after(() => backend.close());
  const remote = await listenPeer();
  t.after(() => remote.server.close());
  const asked: string[] = [];
  // A one-shot SOCKS5 proxy: no auth, CONNECT by name → forwards to the test peer.
  const proxy = createServer((client) => {
    client.on('error', () => {});
    let stage = 0;
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (stage === 0 && buf.length >= 3) {
        buf = buf.subarray(3);
        client.write(Buffer.from([5, 0]));
        stage = 1;
      }
      if (stage === 1 && buf.length >= 5 && buf.length >= 7 + buf[4]!) {
        const len = buf[4]!;
        asked.push(`${buf.subarray(5, 5 + len).toString()}:${buf.readUInt16BE(5 + len)}`);
        const rest = buf.subarray(7 + len);
        client.off('data', onData);
        const up = connect({ host: '127.0.0.1', port: remote.port }, () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          if (rest.length > 0) up.write(rest);
          client.pipe(up).pipe(client);
        });
        up.on('error', () => client.destroy());
        stage = 2;
      }
    };
    client.on('data', onData);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  t.after(() => proxy.close());
  const proxyPort = (proxy.address() as AddressInfo).port;
  const cert = await pki.issue('front', 'fo');
  const config = frontConfig(pki, cert, backend.port, { 'front.socks5-proxy': `127.0.0.1:${proxyPort}` });
  const front = await startFront(config, { logger: captureLogger().logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 } });
  t.after(() => front.close());
  await waitFor('link up', () => front.status().ready);
  const onion = `${'a'.repeat(56)}.onion`;
  backend.send({ name: 'connect_request', requestId: 7, nodeId: remote.key.pub, host: onion, port: 9735, tlvs: {} });
  const peer = await remote.accepted;
  t.after(() => peer.destroy());
  assert.equal((await peer.exchangeInit()).name, 'init');
  const result = await backend.next('connect_result', (m) => m.requestId === 7);
  assert.equal(result.ok, true);
  assert.deepEqual(asked, [`${onion}:9735`]);
});
