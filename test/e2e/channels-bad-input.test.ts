// Bad peer input on one channel gets the BOLT 2 reaction on that channel only: an HTLC over our limits, a
// commitment_signed with an invalid signature, and a channel_reestablish with an impossible commitment number
// each draw an `error` or `warning` for the offending peer's channel, while a fourth peer's channel, on the
// same backend and front, keeps working (a full HTLC dance, balances as its ledger says).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { startFront } from '../../src/front/index.js';
import type { BackendHandle } from '../../src/back/index.js';
import { decodeMessage, peekType } from '../../src/wire/index.js';
import { captureLogger, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { ScriptedPeer, preimagePair } from '../helpers/scripted-peer.js';
import { startTestBackend } from '../back/setup.js';
import { eventually } from '../helpers/wait.js';

let chain: EmbeddedRegtest;
before(async () => { chain = await EmbeddedRegtest.start(); });
after(async () => { await chain?.close(); });

/** Opens a channel from a new scripted peer and brings it to `normal`. */
async function openedPeer(backend: BackendHandle, port: number): Promise<ScriptedPeer> {
  const p = await ScriptedPeer.connect(port, backend.nodeId);
  p.sendOpenChannel({ fundingSat: 300_000n });
  await p.acceptAndFund(chain);
  return p;
}

/** The first `error` or `warning` the backend sends `peer` from now on (bounded). */
async function reaction(peer: ScriptedPeer): Promise<{ name: 'error' | 'warning'; channelId: Uint8Array; text: string }> {
  const from = peer.conn.messages.length;
  return eventually('an error or warning', () => {
    for (const raw of peer.conn.messages.slice(from)) {
      const t = peekType(raw);
      if (t !== 17 && t !== 1) continue;
      const m = decodeMessage(raw);
      if (m.name === 'error' || m.name === 'warning') return { name: m.name, channelId: m.channelId, text: new TextDecoder().decode(m.data) };
    }
    return undefined;
  }, 20_000);
}

test('bad input → BOLT 2 reaction on that channel only; another channel is unaffected', async (t) => {
  const { pki, backend } = await startTestBackend(t, { 'channels.max-accepted-htlcs': '2', 'channels.minimum-depth': '1' }, { chainSource: chain.source, chainPollMs: 100 });
  const front = await startFront(frontConfig(pki, await pki.issue('front', 'fb'), backend.linkPort), {
    logger: captureLogger('warn').logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
  });
  t.after(() => front.close());
  await waitFor('front ready', () => front.status().ready, 10_000);
  const peers: ScriptedPeer[] = [];
  for (let i = 0; i < 4; i++) peers.push(await openedPeer(backend, front.peerPort));
  t.after(() => { for (const p of peers) p.destroy(); });
  await chain.mine(1);
  for (const p of peers) await p.exchangeChannelReady();
  await eventually('four channels normal', () => (backend.channels().filter((c) => c.phase === 'normal').length === 4 ? true : undefined), 20_000);
  const [overLimit, badSig, badReestablish, good] = peers as [ScriptedPeer, ScriptedPeer, ScriptedPeer, ScriptedPeer];
  const phaseOf = (p: ScriptedPeer) => backend.channels().find((c) => c.peer === p.nodeIdHex)!.phase;
  // BOLT 2's two reactions: `error` fails the channel; `warning` closes the connection (the channel waits for reestablish).
  const failedOrDropped = async (r: { name: string }, p: ScriptedPeer): Promise<void> => {
    if (r.name === 'error') await eventually('channel failed', () => (phaseOf(p) !== 'normal' ? true : undefined), 10_000);
    else await eventually('connection closed', () => (p.conn.isClosed ? true : undefined), 10_000);
  };

  // 1. A third HTLC over channels.max-accepted-htlcs = 2 (sent raw: our own ledger would refuse to build it).
  for (let i = 0; i < 2; i++) overLimit.addHtlc(1_000_000n, preimagePair().hash);
  const hash = preimagePair().hash;
  overLimit.send({ name: 'update_add_htlc', channelId: overLimit.channelId, id: 2n, amountMsat: 1_000_000n, paymentHash: hash, cltvExpiry: 500, onionRoutingPacket: new Uint8Array(1366), tlvs: {} } as never);
  const r1 = await reaction(overLimit);
  assert.ok(r1.name === 'warning' || Buffer.from(r1.channelId).equals(Buffer.from(overLimit.channelId)), `${r1.name}: ${r1.text}`);
  await failedOrDropped(r1, overLimit);

  // 2. commitment_signed with a signature that does not verify.
  badSig.addHtlc(2_000_000n, preimagePair().hash);
  const sig = new Uint8Array(64).fill(1);
  badSig.send({ name: 'commitment_signed', channelId: badSig.channelId, signature: sig, htlcSignature: [new Uint8Array(64).fill(2)], tlvs: {} } as never);
  const r2 = await reaction(badSig);
  assert.ok(r2.name === 'warning' || Buffer.from(r2.channelId).equals(Buffer.from(badSig.channelId)), `${r2.name}: ${r2.text}`);
  await failedOrDropped(r2, badSig);

  // 3. channel_reestablish claiming commitment numbers we never reached, without proof.
  await badReestablish.reconnect(front.peerPort);
  badReestablish.send({ name: 'channel_reestablish', channelId: badReestablish.channelId, nextCommitmentNumber: 50n, nextRevocationNumber: 40n, yourLastPerCommitmentSecret: new Uint8Array(32).fill(9), myCurrentPerCommitmentPoint: badReestablish.c!.params.local.firstPerCommitmentPoint, tlvs: {} } as never);
  const r3 = await reaction(badReestablish);
  assert.equal(r3.name, 'error', r3.text);
  assert.ok(Buffer.from(r3.channelId).equals(Buffer.from(badReestablish.channelId)));
  await eventually('that channel is no longer normal', () => (phaseOf(badReestablish) !== 'normal' ? true : undefined), 10_000);

  // The fourth channel works as before: an HTLC dance and the same balances on both sides.
  assert.equal(phaseOf(good), 'normal');
  good.addHtlc(3_000_000n, preimagePair().hash);
  await good.converge();
  const mine = good.balances();
  await eventually('good channel balances', () => {
    const c = backend.channels().find((x) => x.peer === good.nodeIdHex)!;
    return c.localMsat === mine.theirs && c.remoteMsat === mine.ours ? true : undefined;
  }, 10_000);
  assert.equal(mine.ours, 297_000_000n, 'the peer funded 300 000 sat and has 3 000 sat in the HTLC');
  assert.equal(phaseOf(good), 'normal');
});
