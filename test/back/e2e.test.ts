// End to end on loopback: the real backend, a real front (src/front) and a BOLT 8 test peer dialling the
// front. The handshake's static-key ECDH is served by the backend; the peer's open_channel (below
// channels.min-funding-sat) reaches the backend's channel manager and its error comes back through the front;
// a closed front takes its peers down on the backend.
// Uses the front's test peer helper (test/front/test-peer.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFront } from '../../src/front/index.js';
import { decodeMessage } from '../../src/wire/index.js';
import { openChannelMessage } from '../helpers/scripted-peer.js';
import { captureLogger, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { dialPeer } from '../front/test-peer.js';
import { startTestBackend } from './setup.js';

test('backend + real front + BOLT 8 peer: ECDH via the link, open_channel below the minimum refused, front closed → peers down', async (t) => {
  const { pki, backend } = await startTestBackend(t);
  const member = await pki.issue('front', 'e2e');
  const front = await startFront(frontConfig(pki, member, backend.linkPort), {
    logger: captureLogger().logger,
    peerListen: { host: '127.0.0.1', port: 0 },
    healthListen: { host: '127.0.0.1', port: 0 },
  });
  let frontClosed = false;
  t.after(async () => { if (!frontClosed) await front.close(); });
  await waitFor('front linked', () => backend.status().fronts.length === 1);

  const peer = await dialPeer(front.peerPort, Buffer.from(backend.nodeId, 'hex'));
  t.after(() => peer.socket.destroy());
  await peer.exchangeInit();
  await waitFor('peer attached on the backend', () => backend.status().peerCount === 1);
  assert.equal(backend.peers()[0]!.nodeId, Buffer.from(peer.key.pub).toString('hex'));

  const tempId = Buffer.alloc(32, 0x5a);
  peer.sendRaw(openChannelMessage({ temporaryChannelId: tempId, fundingSat: 1000n }));
  const err = decodeMessage(await peer.next(17));
  assert.ok(err.name === 'error');
  if (err.name !== 'error') return;
  assert.deepEqual(Buffer.from(err.channelId), tempId);
  assert.equal(backend.channels().length, 0, 'a refused open leaves no channel');

  await front.close();
  frontClosed = true;
  await waitFor('front and its peer gone', () => backend.status().fronts.length === 0 && backend.status().peerCount === 0, 3000);
});
