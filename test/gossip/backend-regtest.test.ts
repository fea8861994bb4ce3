// The backend's gossip decisions against a real chain: the embedded regtest chain (bcoin) reached through
// the bitcoind JSON-RPC client, injected as the backend's chain source. Announcements pushed through a
// front by a BOLT 8 peer: a real funding output is accepted with its capacity; a wrong script and a spent
// output are rejected with their typed reasons (lnfleet_gossip_decisions_total{reason}).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fundingOutputScript } from '../../src/chain/bitcoin.js';
import { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { startFront } from '../../src/front/index.js';
import { captureLogger, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { channelAnnouncement, channelUpdate, engine, newChannelKeys, type ChannelKeys } from '../helpers/gossip-fixtures.js';
import { dialPeer } from '../front/test-peer.js';
import { startTestBackend } from '../back/setup.js';
import { eventually } from '../helpers/wait.js';

let chain: EmbeddedRegtest;
before(async () => { chain = await EmbeddedRegtest.start(); });
after(async () => { await chain?.close(); });

const script = (k: ChannelKeys) => fundingOutputScript(engine.publicKey(k.btc1), engine.publicKey(k.btc2));

test('backend with the regtest chain: real funding accepted with capacity; wrong script and spent output rejected by reason', async (t) => {
  const { pki, backend } = await startTestBackend(t, {}, { chainSource: chain.source });
  assert.match(backend.status().chainSourceNote, /embedded regtest/);
  const front = await startFront(frontConfig(pki, await pki.issue('front', 'rt'), backend.linkPort), {
    logger: captureLogger('warn').logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
  });
  t.after(() => front.close());
  await waitFor('front ready', () => front.status().ready);

  const good = newChannelKeys();
  const fGood = await chain.fund(script(good), 700_000n);
  const wrong = newChannelKeys();
  const fWrong = await chain.fund(fundingOutputScript(engine.publicKey(wrong.btc1), engine.publicKey(wrong.node1)), 700_000n);
  const spent = newChannelKeys();
  const fSpent = await chain.fund(script(spent), 500_000n);
  await chain.spendFunding(fSpent, spent.btc1, spent.btc2);
  await chain.mine(6);

  const peer = await dialPeer(front.peerPort, Buffer.from(backend.nodeId, 'hex'));
  t.after(() => peer.socket.destroy());
  await peer.exchangeInit();
  const now = Math.floor(Date.now() / 1000);
  for (const [k, f] of [[good, fGood], [wrong, fWrong], [spent, fSpent]] as const) peer.sendRaw(channelAnnouncement(k, f.scid).raw);
  peer.sendRaw(channelUpdate(good, fGood.scid, 0, now).raw);

  const decisions = async () => (await (await fetch(`http://127.0.0.1:${backend.metricsPort}/metrics`)).text());
  let text = '';
  await eventually('three announcement decisions and one update', async () => {
    text = await decisions();
    const done = /reason="fundingScriptMismatch"\} 1/.test(text) && /reason="fundingSpent"\} 1/.test(text) && /reason="accepted"\} 2/.test(text);
    return done ? true : undefined;
  }, 20_000);
  assert.deepEqual({ ...backend.status().graph }, { channels: 1, channelUpdates: 1, nodes: 0, unverifiedChannels: 0, spentPending: 0 });
  assert.doesNotMatch(text, /reason="(?!accepted|fundingScriptMismatch|fundingSpent)/);
});
