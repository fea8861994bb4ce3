/**
 * The cluster end to end with real Lightning peers: a dev cluster (`lnfleet dev`: one backend process,
 * two front processes, real mutual TLS) and LDK 0.1 nodes (WASM, from npm) on loopback.
 *
 * - LDK connects through front 1 and through front 2 and stays connected across ping rounds;
 * - LDK's `open_channel` reaches the backend and LDK gets our `error` back through the same front;
 * - the backend dials out to a listening LDK node through a front;
 * - `kill -9` of a front with a peer attached: the backend marks the peer down within 3 s and the peer
 *   reconnects through the other front;
 * - the backend restarts: the fronts stay up, a channel-less peer stays connected and ponged, and is
 *   re-attached to the new backend;
 * - a frozen front (SIGSTOP: no FIN, as when a board loses power) is declared lost within 3 s by the
 *   heartbeat check alone, and re-attaches its peer when it thaws;
 * - a front whose certificate is revoked while it runs is cut off by the backend.
 *
 * Timeouts only bound waits; nothing asserts on a duration except the 3 s the issue requires for a lost
 * front, which is the bound of that wait.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { startDevCluster, type DevCluster } from '../../src/cli/dev.js';
import { provisionCommand } from '../../src/cli/provision.js';
import { LdkNode } from '../helpers/ldk/ldk-node.js';
import type { LdkEventRecord } from '../helpers/ldk/events.js';
import { waitUntil } from '../helpers/ldk/wait.js';
import { devClusterPorts } from '../helpers/ports.js';
import { eventually } from '../helpers/wait.js';

const MANUAL_TICKS_MS = 3_600_000;
const WAIT_MS = 8_000;
const LOST_FRONT_BOUND_MS = 3_000;

interface PeerRow { nodeId: string; state: string; front?: string }

describe('dev cluster with real LDK peers', () => {
  let dir: string;
  let cluster: DevCluster;
  let api: string;
  const ldk: LdkNode[] = [];

  const peers = async (): Promise<PeerRow[]> => (await (await fetch(`${api}/peers`)).json()) as PeerRow[];
  const peerOn = async (nodeId: string): Promise<string | undefined> =>
    (await peers()).find((p) => p.nodeId === nodeId && p.state === 'connected')?.front;
  const front = (i: number) => cluster.info.fronts[i]!;
  const pongs = (n: LdkNode): number => n.logs.filter((l) => l.includes('Received message Pong')).length;

  /** Three ping rounds answered by our front, then one more tick: LDK drops a peer that missed a pong. */
  async function pingRounds(n: LdkNode): Promise<void> {
    for (let round = 1; round <= 3; round++) {
      const before = pongs(n);
      n.tick();
      await waitUntil(`pong round ${round}`, () => (pongs(n) > before ? true : undefined), WAIT_MS);
    }
    n.tick();
    assert.deepEqual(n.listPeers(), [cluster.info.nodeId]);
  }

  async function startLdk(seedByte: number): Promise<LdkNode> {
    const n = await LdkNode.start({ seed: new Uint8Array(32).fill(seedByte), network: 'regtest', tickIntervalMs: MANUAL_TICKS_MS });
    ldk.push(n);
    return n;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lnfleet-e2e-'));
    // Front i uses peer+i, metrics+1+i and health+i: one checked block for all of them.
    // One LNFLEET_CONF for the whole cluster, with a backend-only and a front-only key: each child takes its own.
    const env = { ...process.env, LNFLEET_CONF: 'node.alias = lnfleet-e2e; front.max-connections = 500' };
    cluster = await startDevCluster({ dataDir: dir, fronts: 2, ports: await devClusterPorts(2), env });
    api = `http://127.0.0.1:${cluster.info.backend.api}`;
  });

  after(async () => {
    for (const n of ldk) await n.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('LDK connects through front 1 and through front 2, and both stay connected across ping rounds', async () => {
    const a = await startLdk(0xa1);
    const c = await startLdk(0xc3);
    await a.connect(cluster.info.nodeId, '127.0.0.1', front(0).port);
    await c.connect(cluster.info.nodeId, '127.0.0.1', front(1).port);
    await a.waitForPeer(cluster.info.nodeId, WAIT_MS);
    await c.waitForPeer(cluster.info.nodeId, WAIT_MS);
    await eventually('both peers registered on the backend', async () =>
      ((await peerOn(a.nodeId)) === 'front-1' && (await peerOn(c.nodeId)) === 'front-2' ? true : undefined), WAIT_MS);
    await pingRounds(a);
    await pingRounds(c);
  });

  test("LDK's open_channel below our minimum reaches the backend's channel machine and its error comes back through the same front", async () => {
    const a = ldk[0]!;
    const res = a.openChannel(cluster.info.nodeId, 10_000n);
    assert.equal(res.ok, true, JSON.stringify(res));
    const closed = await a.waitForEvent('channelClosed',
      (e): e is Extract<LdkEventRecord, { kind: 'channelClosed' }> => e.kind === 'channelClosed', WAIT_MS);
    assert.ok(res.ok && closed.channelId === res.temporaryChannelId);
    assert.ok(closed.counterpartyMessage?.includes('below our minimum 20000'), `reason: ${closed.reason}`);
    assert.equal(await peerOn(a.nodeId), 'front-1', 'the peer stays connected after the channel error');
  });

  test('the backend dials out to a listening LDK node through a front', async () => {
    const b = await startLdk(0xb2);
    const port = await b.listen(0);
    const res = await fetch(`${api}/connect`, { method: 'POST', body: JSON.stringify({ peer: `${b.nodeId}@127.0.0.1:${port}` }) });
    assert.equal(res.status, 200, await res.clone().text());
    await b.waitForPeer(cluster.info.nodeId, WAIT_MS);
    assert.ok((await peerOn(b.nodeId))?.startsWith('front-'));
    await pingRounds(b);
  });

  test('kill -9 of a front: its peer is marked down within 3 s and reconnects through the other front', async () => {
    const a = ldk[0]!;
    const victim = cluster.children.get('front-1')!;
    victim.kill('SIGKILL');
    await once(victim, 'exit');
    await eventually('the backend marks the peer of the dead front down', async () =>
      ((await peerOn(a.nodeId)) === undefined ? true : undefined), LOST_FRONT_BOUND_MS);
    await a.waitForDisconnect(cluster.info.nodeId, WAIT_MS);
    await a.connect(cluster.info.nodeId, '127.0.0.1', front(1).port);
    await a.waitForPeer(cluster.info.nodeId, WAIT_MS);
    await eventually('the peer is back, on front 2', async () => ((await peerOn(a.nodeId)) === 'front-2' ? true : undefined), WAIT_MS);
    await pingRounds(a);
  });

  test('backend restart: fronts stay up, channel-less peers stay connected and ponged, then re-attach', async () => {
    const c = ldk[1]!;
    const back = cluster.children.get('back')!;
    back.kill('SIGTERM');
    await once(back, 'exit');
    await pingRounds(c); // the front answers pings on its own while the backend is away
    cluster.restart('back');
    await eventually('the backend API answers again', async () => ((await fetch(`${api}/status`)).ok ? true : undefined), WAIT_MS * 2);
    await eventually('the front re-attached its peer', async () => ((await peerOn(c.nodeId)) === 'front-2' ? true : undefined), WAIT_MS * 2);
    await pingRounds(c);
  });

  test('a frozen front (no FIN, like a pulled plug) is declared lost within 3 s; when it thaws it re-attaches', async () => {
    const c = ldk[1]!;
    const frozen = cluster.children.get('front-2')!;
    assert.equal(await peerOn(c.nodeId), 'front-2');
    frozen.kill('SIGSTOP');
    try {
      // Heartbeats stop but the TCP connection stays open: only the link's liveness check can notice.
      await eventually('the backend to mark the frozen front\'s peer down', async () =>
        ((await peerOn(c.nodeId)) === undefined ? true : undefined), LOST_FRONT_BOUND_MS);
    } finally {
      frozen.kill('SIGCONT');
    }
    await eventually('the thawed front redials and re-attaches its peer', async () =>
      ((await peerOn(c.nodeId)) === 'front-2' ? true : undefined), WAIT_MS * 2);
    await pingRounds(c);
  });

  test('a front whose certificate is revoked while it runs is cut off by the backend', async () => {
    const code = await provisionCommand.run(['revoke', '--name', 'front-2', '--dir', join(dir, 'pki')], { out: () => {}, err: () => {} });
    assert.equal(code, 0);
    await eventually('front-2 loses its link and stops being ready', async () =>
      ((await fetch(`http://127.0.0.1:${front(1).health}/readyz`)).status === 503 ? true : undefined), WAIT_MS * 2);
    const fronts = (await (await fetch(`${api}/fronts`)).json()) as { id: string }[];
    assert.ok(!fronts.some((f) => f.id === 'front-2'), JSON.stringify(fronts));
  });
});
