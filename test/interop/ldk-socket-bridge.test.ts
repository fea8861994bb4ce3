/**
 * Tests of the harness's `SocketBridge` against the `SocketDescriptor` contract, with a recording
 * stand-in for `PeerManager` and a real loopback socket: write backpressure ('drain' →
 * `write_buffer_space_avail`), 4 KiB read slices, read pausing until `resume_read`, and disconnects.
 *
 * Timeouts only bound waits; nothing asserts on durations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as ldk from 'lightningdevkit';
import { READ_CHUNK_BYTES } from '../helpers/ldk/constants.js';
import { SocketBridge } from '../helpers/ldk/socket-bridge.js';
import { waitUntil } from '../helpers/ldk/wait.js';
import { ensureLdkLoaded } from '../helpers/ldk/wasm.js';

const WAIT_MS = 4_000;
/** Bound on MiB written to fill the loopback socket buffers (kernel + Node) in the backpressure test. */
const MAX_MIB_TO_FILL = 256;

/** Records what the bridge asks of LDK. Only the four methods the bridge calls exist. */
class RecordingPeerManager {
  readonly reads: Uint8Array[] = [];
  spaceAvail = 0;
  disconnected = 0;
  /** What `read_event` answers: true asks the bridge to pause reads. */
  pauseReads = false;
  read_event(_d: ldk.SocketDescriptor, data: Uint8Array): ldk.Result_boolPeerHandleErrorZ {
    this.reads.push(data.slice());
    return ldk.Result_boolPeerHandleErrorZ.constructor_ok(this.pauseReads);
  }
  write_buffer_space_avail(_d: ldk.SocketDescriptor): ldk.Result_NonePeerHandleErrorZ {
    this.spaceAvail++;
    return ldk.Result_NonePeerHandleErrorZ.constructor_ok();
  }
  process_events(): void {}
  socket_disconnected(_d: ldk.SocketDescriptor): void { this.disconnected++; }
  get bytesRead(): number { return this.reads.reduce((n, r) => n + r.length, 0); }
}

/** A connected loopback pair: `ours` goes into the bridge, `theirs` plays the remote peer. */
async function socketPair(server: net.Server, port: number): Promise<{ ours: net.Socket; theirs: net.Socket }> {
  const theirsP = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const ours = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => { ours.once('connect', resolve); ours.once('error', reject); });
  return { ours, theirs: await theirsP };
}

/** Yields to the event loop a few times so that any pending 'data' events would have fired. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('SocketBridge (SocketDescriptor contract)', () => {
  let server: net.Server;
  let port: number;
  const sockets: net.Socket[] = [];

  before(async () => {
    await ensureLdkLoaded();
    server = net.createServer();
    server.on('connection', (s) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const makeBridge = (ours: net.Socket, pm: RecordingPeerManager): SocketBridge => {
    sockets.push(ours);
    // The stand-in implements exactly the PeerManager methods SocketBridge calls.
    return new SocketBridge(ours, pm as unknown as ldk.PeerManager, 1n, { afterRead: () => {}, onClosed: () => {} });
  };

  test('a full socket buffer makes send_data accept 0 bytes until drain, then LDK is told', async () => {
    const { ours, theirs } = await socketPair(server, port);
    theirs.pause();
    const pm = new RecordingPeerManager();
    const bridge = makeBridge(ours, pm);
    // The kernel absorbs some MiB on loopback before Node starts buffering: write until it refuses.
    const big = new Uint8Array(1 << 20);
    let taken = big.length;
    let writes = 0;
    for (; writes < MAX_MIB_TO_FILL && taken === big.length; writes++) taken = bridge.descriptor.send_data(big, false);
    assert.equal(taken, 0, `blocked until drain (after ${writes} MiB)`);
    assert.equal(bridge.descriptor.send_data(new Uint8Array(1), false), 0, 'still blocked');
    assert.equal(pm.spaceAvail, 0);
    theirs.resume();
    await waitUntil('write_buffer_space_avail', () => (pm.spaceAvail > 0 ? true : undefined), WAIT_MS);
    assert.equal(bridge.descriptor.send_data(new Uint8Array(10), false), 10, 'accepts again after drain');
  });

  test('reads reach LDK in slices of at most 4 KiB, and pause until send_data(resume_read)', async () => {
    const { ours, theirs } = await socketPair(server, port);
    const pm = new RecordingPeerManager();
    pm.pauseReads = true;
    const bridge = makeBridge(ours, pm);
    const total = 3 * READ_CHUNK_BYTES + 123;
    theirs.write(new Uint8Array(total).fill(7));
    await waitUntil('first read', () => (pm.reads.length > 0 ? true : undefined), WAIT_MS);
    await settle();
    assert.equal(pm.reads.length, 1, 'no read_event while LDK asked for a pause');
    pm.pauseReads = false;
    bridge.descriptor.send_data(new Uint8Array(0), true);
    await waitUntil('all bytes', () => (pm.bytesRead === total ? true : undefined), WAIT_MS);
    assert.ok(pm.reads.every((r) => r.length <= READ_CHUNK_BYTES));
  });

  test('disconnect_socket closes the socket and LDK hears socket_disconnected once', async () => {
    const { ours, theirs } = await socketPair(server, port);
    const pm = new RecordingPeerManager();
    const bridge = makeBridge(ours, pm);
    const remoteClosed = new Promise((resolve) => theirs.once('close', resolve));
    bridge.descriptor.disconnect_socket();
    await bridge.closed;
    await remoteClosed;
    assert.equal(pm.disconnected, 1);
    assert.equal(bridge.descriptor.send_data(new Uint8Array(5), false), 0, 'nothing is taken after close');
  });
});
