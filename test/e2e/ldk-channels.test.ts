/**
 * Channels between lnfleet and a real LDK 0.1 node (WASM, from npm) on the embedded regtest chain:
 * a dev cluster (`lnfleet dev`: one backend process, two front processes, real mutual TLS) whose
 * backend reaches the chain through its bitcoind JSON-RPC client (`chain.source = bitcoind`, pointed at
 * the embedded chain's RPC, which also serves the Core wallet methods the channel wallet uses), and
 * LDK nodes from `test/helpers/ldk/regtest.ts` following the same chain block by block.
 *
 * Landed so far: the cluster's backend is configured on that chain and LDK on regtest peers with it
 * through a front. The channel cases (open through front 1 to usable, update_fee, re-establish through front 2,
 * a front killed, mutual close, force close from each side swept, we open to LDK and close) join this
 * file as the backend's channel machine lands; see docs/channels.md.
 *
 * Timeouts only bound waits; nothing asserts on durations.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedRegtest, type EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { startDevCluster, type DevCluster } from '../../src/cli/dev.js';
import type { LdkNode } from '../helpers/ldk/ldk-node.js';
import { LdkRegtest } from '../helpers/ldk/regtest.js';
import { freePorts } from '../helpers/ports.js';
import { eventually } from '../helpers/wait.js';

/** LDK ticks only when a test says so: nothing depends on timer scheduling. */
const MANUAL_TICKS_MS = 3_600_000;
/** Bound of each wait, ms. */
const WAIT_MS = 20_000;

interface StatusBody { nodeId: string; chain: string; chainSource: string; chainSourceNote: string }
interface PeerRow { nodeId: string; state: string; front?: string }

describe('LDK channels with a dev cluster on the embedded regtest chain', () => {
  let dir: string;
  let chain: EmbeddedRegtest;
  let rt: LdkRegtest;
  let cluster: DevCluster;
  let api: string;
  const ldk: LdkNode[] = [];

  const getJson = async <T>(path: string): Promise<T> => (await (await fetch(`${api}${path}`)).json()) as T;
  const peerOn = async (nodeId: string): Promise<string | undefined> =>
    (await getJson<PeerRow[]>('/peers')).find((p) => p.nodeId === nodeId && p.state === 'connected')?.front;
  const front = (i: number) => cluster.info.fronts[i]!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lnfleet-e2e-ch-'));
    chain = await startEmbeddedRegtest();
    rt = new LdkRegtest(chain);
    const [peer, link, apiPort, metrics, health] = await freePorts(5);
    cluster = await startDevCluster({
      dataDir: dir, fronts: 2, ports: { peer: peer!, link: link!, api: apiPort!, metrics: metrics!, health: health! },
      backendConfig: {
        'chain.source': 'bitcoind', 'bitcoind.rpc-url': chain.rpcUrl, 'bitcoind.rpc-user': 'lnfleet', 'bitcoind.rpc-password': chain.apiKey,
      },
    });
    api = `http://127.0.0.1:${cluster.info.backend.api}`;
  });

  after(async () => {
    for (const n of ldk) await n.stop();
    await cluster?.stop();
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the backend's chain source is the embedded chain's RPC (bitcoind client), and LDK on regtest peers with it through front 1", async () => {
    const status = await getJson<StatusBody>('/status');
    assert.equal(status.chain, 'regtest');
    assert.equal(status.chainSource, 'bitcoind');
    assert.ok(status.chainSourceNote.includes(new URL(chain.rpcUrl).host), status.chainSourceNote);
    const a = await rt.startNode({ seed: new Uint8Array(32).fill(0xa1), alias: 'A', tickIntervalMs: MANUAL_TICKS_MS });
    ldk.push(a);
    await a.connect(cluster.info.nodeId, '127.0.0.1', front(0).port);
    await a.waitForPeer(cluster.info.nodeId, WAIT_MS);
    await eventually('A registered on the backend through front 1', async () =>
      ((await peerOn(a.nodeId)) === 'front-1' ? true : undefined), WAIT_MS);
  });
});
