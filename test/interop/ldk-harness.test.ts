/**
 * Tests of the LDK interop harness (`test/helpers/ldk`): two real LDK 0.1 peers on loopback connect,
 * stay connected across ping rounds, disconnect, and run the BOLT 2 `open_channel` → `error` round
 * trip that the cluster interop test will later run against our backend. Also pins what LDK expects
 * of a peer's `init` (features and chain hash), which our node must send.
 *
 * Timeouts only bound waits; nothing asserts on durations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LdkNode } from '../helpers/ldk/ldk-node.js';
import { CHAIN_HASH_HEX, LDK_NETWORKS, LDK_REQUIRED_INIT_FEATURES } from '../helpers/ldk/init-requirements.js';
import { LdkHarnessError } from '../helpers/ldk/errors.js';
import type { LdkEventRecord } from '../helpers/ldk/events.js';
import { waitUntil } from '../helpers/ldk/wait.js';

/**
 * A and B tick only when the test says so (`tick()`), so ping rounds do not depend on scheduling:
 * LDK drops a peer that sent nothing between two ticks while a ping was due, and a starved CI box can
 * stretch a loopback round trip past a short interval. The automatic timer is tested on its own.
 */
const MANUAL_TICKS_MS = 3_600_000;
/** Bound of each wait below, ms. */
const WAIT_MS = 4_000;
/** The backend's planned answer to `open_channel`; B plays that role here. */
const REJECT_TEXT = 'channels not supported yet';
/** Ping rounds A and B must both answer. */
const PING_ROUNDS = 3;

const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

describe('LdkNode on loopback (regtest)', () => {
  let a: LdkNode;
  let b: LdkNode;
  let bPort: number;

  before(async () => {
    a = await LdkNode.start({ seed: seed(0xa1), network: 'regtest', alias: 'A', tickIntervalMs: MANUAL_TICKS_MS });
    b = await LdkNode.start({
      seed: seed(0xb2), network: 'regtest', alias: 'B', tickIntervalMs: MANUAL_TICKS_MS,
      inboundChannels: { kind: 'reject', message: REJECT_TEXT },
    });
    bPort = await b.listen(0);
  });

  after(async () => {
    await a.stop();
    await b.stop();
  });

  test('node ids derive from the seed and differ', () => {
    assert.match(a.nodeId, /^0[23][0-9a-f]{64}$/);
    assert.notEqual(a.nodeId, b.nodeId);
  });

  test("LDK's init: required features and chain hash match init-requirements.ts", () => {
    const required = a.initFeatureBits().filter((bit) => bit % 2 === 0);
    assert.deepEqual(required, LDK_REQUIRED_INIT_FEATURES.map((f) => f.evenBit));
    assert.equal(a.chainHashHex, CHAIN_HASH_HEX.regtest);
  });

  test('chain hashes of every network match LDK\'s genesis blocks', async () => {
    for (const network of LDK_NETWORKS) {
      const n = await LdkNode.start({ network });
      try {
        assert.equal(n.chainHashHex, CHAIN_HASH_HEX[network], network);
      } finally {
        await n.stop();
      }
    }
  });

  test('A connects to B; both list each other and stay connected across ping ticks', async () => {
    await a.connect(b.nodeId, '127.0.0.1', bPort);
    await a.waitForPeer(b.nodeId, WAIT_MS);
    await b.waitForPeer(a.nodeId, WAIT_MS);
    assert.deepEqual(a.listPeers(), [b.nodeId]);
    assert.deepEqual(b.listPeers(), [a.nodeId]);
    // Each tick sends a ping; LDK 0.1 logs every received pong at Trace level.
    const pongs = (n: LdkNode): number => n.logs.filter((l) => l.includes('Received message Pong')).length;
    for (let round = 1; round <= PING_ROUNDS; round++) {
      const before = [pongs(a), pongs(b)] as const;
      a.tick();
      b.tick();
      await waitUntil(`pongs of round ${round}`,
        () => (pongs(a) > before[0] && pongs(b) > before[1] ? true : undefined), WAIT_MS);
    }
    // One more tick each: LDK would drop the other side here had the last ping gone unanswered.
    a.tick();
    b.tick();
    assert.deepEqual(a.listPeers(), [b.nodeId]);
    assert.deepEqual(b.listPeers(), [a.nodeId]);
  });

  test('open_channel reaches B, B rejects it, A sees the channel closed with B\'s error text', async () => {
    const res = a.openChannel(b.nodeId, 100_000n);
    assert.equal(res.ok, true, JSON.stringify(res));
    const req = await b.waitForEvent('openChannelRequest',
      (e): e is Extract<LdkEventRecord, { kind: 'openChannelRequest' }> => e.kind === 'openChannelRequest', WAIT_MS);
    assert.equal(req.counterpartyNodeId, a.nodeId);
    assert.equal(req.fundingSats, 100_000n);
    const closed = await a.waitForEvent('channelClosed',
      (e): e is Extract<LdkEventRecord, { kind: 'channelClosed' }> => e.kind === 'channelClosed', WAIT_MS);
    assert.equal(closed.counterpartyNodeId, b.nodeId);
    assert.ok(res.ok && closed.channelId === res.temporaryChannelId, 'closed channel is the one A opened');
    assert.ok(closed.counterpartyMessage?.includes(REJECT_TEXT), `reason: ${closed.reason}`);
    // An `error` for one channel does not end the connection.
    assert.deepEqual(a.listPeers(), [b.nodeId]);
  });

  test('openChannel to a peer that is not connected returns LDK\'s error as a value', () => {
    // secp256k1's generator G: a valid point nobody here owns.
    const res = a.openChannel('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', 100_000n);
    assert.equal(res.ok, false);
    assert.ok(!res.ok && res.error.length > 0);
  });

  test('an off-curve node id is refused before it reaches LDK (it would panic the WASM)', () => {
    assert.throws(() => a.openChannel(`02${'11'.repeat(32)}`, 100_000n),
      (e: unknown) => e instanceof LdkHarnessError && e.kind === 'badNodeId');
  });

  test('A disconnects and B notices', async () => {
    a.disconnect(b.nodeId);
    await a.waitForDisconnect(b.nodeId, WAIT_MS);
    await b.waitForDisconnect(a.nodeId, WAIT_MS);
    assert.deepEqual(b.listPeers(), []);
  });

  test('a peer on another chain is dropped after init (networks TLV check)', async () => {
    const c = await LdkNode.start({ network: 'bitcoin', alias: 'C' });
    try {
      const cPort = await c.listen(0);
      await a.connect(c.nodeId, '127.0.0.1', cPort);
      await c.waitForLog('Peer does not support any of our supported chains', WAIT_MS);
      await a.waitForLog(`Handling disconnection of peer ${c.nodeId}`, WAIT_MS);
      assert.ok(!a.listPeers().includes(c.nodeId));
      assert.deepEqual(c.listPeers(), []);
    } finally {
      await c.stop();
    }
  });

  test('connect refuses non-loopback hosts and bad node ids', async () => {
    await assert.rejects(a.connect(b.nodeId, '192.0.2.1', bPort),
      (e: unknown) => e instanceof LdkHarnessError && e.kind === 'notLoopback');
    await assert.rejects(a.connect('02abcd', '127.0.0.1', bPort),
      (e: unknown) => e instanceof LdkHarnessError && e.kind === 'badNodeId');
  });

  test('the automatic timer ticks at the configured interval', async () => {
    const n = await LdkNode.start({ network: 'regtest', tickIntervalMs: 20 });
    try {
      await n.waitForTicks(3, WAIT_MS);
    } finally {
      await n.stop();
    }
    const after = n.ticks;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(n.ticks, after, 'no tick after stop()');
  });

  test('a wait that cannot succeed times out with kind "timeout"', async () => {
    await assert.rejects(b.waitForPeer(a.nodeId, 50),
      (e: unknown) => e instanceof LdkHarnessError && e.kind === 'timeout' && e.code === 'LDK_HARNESS');
  });
});
