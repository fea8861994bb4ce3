// Crash safety of channel state: the backend runs as a real child process (`lnfleet back`, chain.source =
// bitcoind pointed at the embedded regtest chain's RPC) behind a real front. A scripted peer opens a channel,
// then for every gap of the commitment dance of an HTLC it adds — after update_add_htlc, after its
// commitment_signed, after the backend's revoke_and_ack, after the backend's commitment_signed, after its
// own revoke_and_ack — the backend is SIGKILLed and restarted; the peer reconnects, re-establishes
// (retransmitting what BOLT 2 says), the dance converges, and the backend reports exactly the balances the
// peer's ledger holds; the channel stays usable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { startFront, type FrontHandle } from '../../src/front/index.js';
import { captureLogger, createTempPki, frontConfig, TEST_NODE_ENV, TEST_NODE_ID_HEX, type TempPki } from '../helpers/cluster-fixtures.js';
import { freePorts } from '../helpers/ports.js';
import { ScriptedPeer, preimagePair } from '../helpers/scripted-peer.js';
import { eventually } from '../helpers/wait.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Bound of each wait, ms. */
const WAIT_MS = 30_000;

let chain: EmbeddedRegtest;
before(async () => { chain = await EmbeddedRegtest.start(); });
after(async () => { await chain?.close(); });

interface Channel { id: number; phase: string; localMsat?: string; remoteMsat?: string }

class BackendProcess {
  child: ChildProcess | undefined;
  readonly conf: string;
  readonly api: number;
  output = '';
  constructor(pki: TempPki, ports: { link: number; api: number; metrics: number }) {
    this.api = ports.api;
    this.conf = join(pki.dir, 'back.conf');
    writeFileSync(this.conf, [
      'chain = regtest', `data-dir = ${join(pki.dir, 'back-data')}`, 'node.key-provider = env', 'cluster.bind = 127.0.0.1', `cluster.port = ${ports.link}`,
      'cluster.mdns = false', `cluster.tls.ca = ${pki.caPath}`, `cluster.tls.cert = ${pki.back.certPath}`, `cluster.tls.key = ${pki.back.keyPath}`,
      `cluster.tls.revocations = ${pki.revocationsPath}`, `api.listen = 127.0.0.1:${ports.api}`, `metrics.listen = 127.0.0.1:${ports.metrics}`,
      'chain.source = bitcoind', `bitcoind.rpc-url = ${chain.rpcUrl}`, 'bitcoind.rpc-user = lnfleet', `bitcoind.rpc-password = ${chain.apiKey}`, 'log.level = warn',
    ].join('\n') + '\n');
  }
  async start(): Promise<void> {
    this.child = spawn(process.execPath, [MAIN, 'back', '--config', this.conf], { env: { ...process.env, ...TEST_NODE_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (b: Buffer) => { this.output += b.toString(); });
    this.child.stderr!.on('data', (b: Buffer) => { this.output += b.toString(); });
    await eventually('backend API up', async () => ((await fetch(`http://127.0.0.1:${this.api}/status`)).ok ? true : undefined), WAIT_MS);
  }
  async kill(): Promise<void> {
    const c = this.child!;
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGKILL');
    await once(c, 'exit');
  }
  async get<T>(path: string): Promise<T> {
    return (await (await fetch(`http://127.0.0.1:${this.api}${path}`)).json()) as T;
  }
  async channel(): Promise<Channel> {
    return (await this.get<Channel[]>('/channels'))[0]!;
  }
}

/** The gaps of the dance at which the backend dies. */
const GAPS = ['after update_add_htlc', 'after our commitment_signed', 'after their revoke_and_ack', 'after their commitment_signed', 'after our revoke_and_ack'] as const;

test('SIGKILL of the backend at every gap of a commitment dance: the channel re-establishes with identical balances', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const [link, api, metrics] = await freePorts(3);
  const back = new BackendProcess(pki, { link: link!, api: api!, metrics: metrics! });
  t.after(() => back.kill());
  await back.start();
  const front: FrontHandle = await startFront(frontConfig(pki, await pki.issue('front', 'fc'), link!, { 'cluster.reconnect-max-ms': '300' }), {
    logger: captureLogger('warn').logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
  });
  t.after(() => front.close());
  await eventually('front ready', () => (front.status().ready ? true : undefined), WAIT_MS);

  const peer = await ScriptedPeer.connect(front.peerPort, TEST_NODE_ID_HEX);
  t.after(() => peer.destroy());
  peer.sendOpenChannel({ fundingSat: 600_000n });
  await peer.acceptAndFund(chain);
  await chain.mine(3);
  await peer.exchangeChannelReady();
  await eventually('channel normal', async () => ((await back.channel())?.phase === 'normal' ? true : undefined), WAIT_MS);

  for (const [i, gap] of GAPS.entries()) {
    const { hash } = preimagePair();
    peer.addHtlc(BigInt(1_000_000 * (i + 1)), hash);
    if (gap !== 'after update_add_htlc') {
      peer.sendCommit();
      if (gap !== 'after our commitment_signed') {
        await peer.receiveRevoke();
        if (gap === 'after their commitment_signed') {
          // Received but never processed: as if the peer died too; the backend must retransmit it.
          await peer.expect('commitment_signed');
        } else if (gap === 'after our revoke_and_ack') {
          await peer.receiveCommitAndRevoke();
        }
      }
    }
    await back.kill();
    await back.start();
    // Both ends: the backend lists the front, and the front has the new link's graph snapshot (it takes
    // handshakes only then; the backend lists it a moment earlier).
    await eventually(`front linked again (${gap})`, async () => ((await back.get<unknown[]>('/fronts')).length === 1 && front.status().ready ? true : undefined), WAIT_MS);
    await peer.reconnect(front.peerPort);
    await peer.reestablish();
    await peer.converge();
    const mine = peer.balances();
    await eventually(`backend balances match the peer's ledger (${gap})`, async () => {
      const c = await back.channel();
      return c.phase === 'normal' && BigInt(c.localMsat ?? -1) === mine.theirs && BigInt(c.remoteMsat ?? -1) === mine.ours ? true : undefined;
    }, WAIT_MS);
  }
  // HTLCs whose commitment_signed reached the backend are committed on both sides; the first was dropped by both.
  assert.ok(peer.balances().ours <= 600_000_000n - 3_000_000n - 4_000_000n - 5_000_000n, 'the HTLCs past their revoke_and_ack are committed');
  // Still usable without a crash.
  const { hash } = preimagePair();
  peer.addHtlc(6_000_000n, hash);
  await peer.converge();
  const mine = peer.balances();
  await eventually('balances after a normal dance', async () => {
    const c = await back.channel();
    return BigInt(c.localMsat ?? -1) === mine.theirs && BigInt(c.remoteMsat ?? -1) === mine.ours ? true : undefined;
  }, WAIT_MS);
  assert.doesNotMatch(back.output, /"level":(50|60)/, 'no error logged by the backend');
});
