/**
 * Tests of src/listen.ts: a bind failure names the setting, the address and what to do; a free port
 * (or port 0) resolves with the bound port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { ListenError, listenOn } from '../src/listen.js';

const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

test('listenOn: port 0 gets a port; a port in use is a ListenError naming the setting and the address', async () => {
  const first = createServer();
  const port = await listenOn(first, '127.0.0.1', 0, 'front.listen');
  assert.ok(port > 0);
  try {
    const second = createServer();
    await assert.rejects(listenOn(second, '127.0.0.1', port, 'front.listen'), (e: unknown) => {
      assert.ok(e instanceof ListenError);
      assert.equal(e.code, 'LISTEN');
      assert.equal(e.setting, 'front.listen');
      assert.equal(e.errno, 'EADDRINUSE');
      assert.match(e.message, new RegExp(`^front\\.listen 127\\.0\\.0\\.1:${port}: the address is already in use`));
      return true;
    });
    assert.equal(second.listening, false);
  } finally {
    await close(first);
  }
});

test('listenOn: an address this machine does not have says so', async () => {
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a local address.
  await assert.rejects(listenOn(createServer(), '192.0.2.1', 0, 'api.listen'), (e: unknown) =>
    e instanceof ListenError && e.errno === 'EADDRNOTAVAIL' && /^api\.listen 192\.0\.2\.1:0: this machine has no such address/.test(e.message));
});
