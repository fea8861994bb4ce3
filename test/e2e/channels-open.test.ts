// Channels end to end on loopback: the real backend (embedded regtest chain through its bitcoind-dialect RPC,
// wallet included) and two real fronts; a scripted peer built from our own noise/wire/ledger code opens a
// channel to us through front 1 (funds it from the regtest wallet, mined to minimum_depth, channel_ready both
// ways), adds HTLCs with opaque onions that the backend fulfills and fails (as the relay layer would, through
// channelCommand), then reconnects through front 2 and re-establishes with the same balances. And `lnfleet open`
// to the scripted peer funds from the regtest wallet; our HTLC is fulfilled; `lnfleet close --force` broadcasts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { startFront, type FrontHandle } from '../../src/front/index.js';
import type { BackendHandle } from '../../src/back/index.js';
import type { ChannelEvent } from '../../src/back/channels/port.js';
import { captureLogger, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { ScriptedPeer, preimagePair } from '../helpers/scripted-peer.js';
import { startTestBackend } from '../back/setup.js';
import { eventually } from '../helpers/wait.js';
import { makeChannelCommands } from '../../src/cli/channels.js';

function captureIo() {
  const out: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: () => {} }, out };
}

let chain: EmbeddedRegtest;
before(async () => { chain = await EmbeddedRegtest.start(); });
after(async () => { await chain?.close(); });

async function cluster(t: { after(f: () => Promise<void> | void): void }): Promise<{ backend: BackendHandle; fronts: FrontHandle[]; events: { channel: number; e: ChannelEvent }[] }> {
  const { pki, backend } = await startTestBackend(t, {}, { chainSource: chain.source, chainPollMs: 100 });
  const fronts: FrontHandle[] = [];
  for (const name of ['f1', 'f2']) {
    const f = await startFront(frontConfig(pki, await pki.issue('front', name), backend.linkPort), {
      logger: captureLogger('warn').logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
    });
    t.after(() => f.close());
    fronts.push(f);
  }
  await waitFor('fronts ready', () => fronts.every((f) => f.status().ready) && backend.status().fronts.length === 2, 10_000);
  const events: { channel: number; e: ChannelEvent }[] = [];
  backend.onChannelEvent((channel, e) => events.push({ channel, e: e as ChannelEvent }));
  return { backend, fronts, events };
}

const phase = (b: BackendHandle) => b.channels()[0]?.phase;

test('a scripted peer opens a channel through front 1, HTLCs are fulfilled and failed, it re-establishes through front 2', async (t) => {
  const { backend, fronts, events } = await cluster(t);
  const peer = await ScriptedPeer.connect(fronts[0]!.peerPort, backend.nodeId);
  t.after(() => peer.destroy());
  peer.sendOpenChannel({ fundingSat: 500_000n, pushMsat: 0n });
  const funding = await peer.acceptAndFund(chain);
  await eventually('channel waiting for confirmations', () => (phase(backend) === 'waitConfirmed' ? true : undefined), 10_000);
  const ch = backend.channels()[0]!;
  assert.equal(ch.peer, peer.nodeIdHex);
  assert.equal(ch.channelId, Buffer.from(peer.channelId).toString('hex'));
  assert.deepEqual(ch.funding, { txid: funding.txid, vout: funding.vout });
  assert.equal(ch.funder, false);
  await chain.mine(3);
  await peer.exchangeChannelReady();
  await eventually('channel normal', () => (phase(backend) === 'normal' ? true : undefined), 10_000);

  // HTLC 1: peer → us, fulfilled by the backend once irrevocable.
  const p1 = preimagePair();
  const id1 = peer.addHtlc(20_000_000n, p1.hash);
  await peer.signAndSettle();
  const added = await eventually('htlc reported', () => events.find((x) => x.e.kind === 'htlcAdded'), 10_000);
  assert.ok(added.e.kind === 'htlcAdded' && added.e.id === id1 && added.e.amountMsat === 20_000_000n);
  await backend.channelCommand(added.channel, { kind: 'fulfillHtlc', id: id1, preimage: p1.preimage });
  const ful = await peer.receiveUpdate();
  assert.ok(ful.kind === 'fulfill' && ful.id === id1);
  await peer.receiveCommitAndRevoke();
  peer.sendCommit();
  await peer.receiveRevoke();
  // HTLC 2: failed back.
  const p2 = preimagePair();
  const id2 = peer.addHtlc(5_000_000n, p2.hash);
  await peer.signAndSettle();
  await eventually('second htlc reported', () => events.find((x) => x.e.kind === 'htlcAdded' && x.e.id === id2), 10_000);
  await backend.channelCommand(added.channel, { kind: 'failHtlc', id: id2, reason: new Uint8Array(292).fill(7) });
  const fail = await peer.receiveUpdate();
  assert.ok(fail.kind === 'fail' && fail.id === id2);
  await peer.receiveCommitAndRevoke();
  peer.sendCommit();
  await peer.receiveRevoke();
  await eventually('balances settled', () => (backend.channels()[0]!.localMsat === 20_000_000n ? true : undefined), 10_000);
  const before = backend.channels()[0]!;
  assert.equal(before.remoteMsat, 500_000_000n - 20_000_000n);

  // Reconnect through front 2: the backend's channel_reestablish arrives there; nothing to retransmit.
  await peer.reconnect(fronts[1]!.peerPort);
  assert.equal(await peer.reestablish(), 0, "nothing to retransmit");
  await eventually('peer attached on front 2', () => (backend.peers().some((p) => 'front' in p && p.front === 'f2') ? true : undefined), 10_000);
  const afterReconnect = backend.channels()[0]!;
  assert.equal(afterReconnect.phase, 'normal');
  assert.equal(afterReconnect.localMsat, before.localMsat);
  assert.equal(afterReconnect.remoteMsat, before.remoteMsat);
  // And the channel works there: one more HTLC, fulfilled.
  const p3 = preimagePair();
  const id3 = peer.addHtlc(1_000_000n, p3.hash);
  await peer.signAndSettle();
  await eventually('third htlc reported', () => events.find((x) => x.e.kind === 'htlcAdded' && x.e.id === id3), 10_000);
  await backend.channelCommand(added.channel, { kind: 'fulfillHtlc', id: id3, preimage: p3.preimage });
  assert.equal((await peer.receiveUpdate()).kind, 'fulfill');
  await peer.receiveCommitAndRevoke();
  peer.sendCommit();
  await peer.receiveRevoke();
  await eventually('balances after front 2', () => (backend.channels()[0]!.localMsat === 21_000_000n ? true : undefined), 10_000);
});

test('lnfleet open funds a channel to the scripted peer from the regtest wallet; our HTLC is fulfilled; lnfleet close --force broadcasts', async (t) => {
  const { backend, fronts, events } = await cluster(t);
  const peer = await ScriptedPeer.connect(fronts[1]!.peerPort, backend.nodeId);
  t.after(() => peer.destroy());
  await eventually('peer attached', () => (backend.peers().length === 1 ? true : undefined), 10_000);
  const cmds = makeChannelCommands({ env: () => ({}) });
  const base = ['--api', `http://127.0.0.1:${backend.apiPort}`];
  const out = captureIo();
  const [code] = await Promise.all([cmds.open.run([peer.nodeIdHex, '400000', '--push-msat', '1000000', ...base], out.io), peer.acceptOpen(1)]);
  assert.equal(code, 0);
  const ch = backend.channels()[0]!;
  assert.equal(ch.funder, true);
  assert.equal(ch.capacitySat, 400_000n);
  assert.ok(ch.funding !== undefined && out.out.some((l) => l.includes(`${ch.funding!.txid}:${ch.funding!.vout}`)), out.out.join('\n'));
  assert.ok((await chain.source.rpc.call<string[]>('getrawmempool', [])).includes(ch.funding.txid), 'the funding transaction was broadcast');
  await chain.mine(1);
  await peer.exchangeChannelReady();
  await eventually('channel normal', () => (phase(backend) === 'normal' ? true : undefined), 10_000);
  const list = captureIo();
  await cmds.channels.run(base, list.io);
  assert.match(list.out.join('\n'), /#1 .* normal[\s\S]*we funded {2}400000 sat {2}local 399000 sat \/ remote 1000 sat/);

  // Our HTLC (as the relay layer would add it), fulfilled by the peer.
  const p = preimagePair();
  await backend.channelCommand(ch.id, { kind: 'addHtlc', amountMsat: 50_000_000n, paymentHash: p.hash, cltvExpiry: 1000, onion: new Uint8Array(1366).fill(3) });
  const add = await peer.receiveUpdate();
  assert.ok(add.kind === 'add' && add.htlc.amountMsat === 50_000_000n);
  await peer.receiveCommitAndRevoke();
  peer.sendCommit();
  await peer.receiveRevoke();
  peer.fulfill(add.htlc.id, p.preimage);
  await peer.signAndSettle();
  const settled = await eventually('fulfilled', () => events.find((x) => x.e.kind === 'htlcSettled'), 10_000);
  assert.ok(settled.e.kind === 'htlcSettled' && settled.e.outcome === 'fulfilled' && Buffer.from(settled.e.preimage!).equals(Buffer.from(p.preimage)));
  await eventually('balances', () => (backend.channels()[0]!.remoteMsat === 51_000_000n ? true : undefined), 10_000);

  // Force close: our commitment goes out through the wallet RPC and spends the funding output once mined.
  const closed = captureIo();
  assert.equal(await cmds.close.run([String(ch.id), '--force', ...base], closed.io), 0);
  await eventually('commitment in the mempool', async () => ((await chain.source.rpc.call<string[]>('getrawmempool', [])).length > 0 ? true : undefined), 10_000);
  await chain.mine(1);
  assert.equal(await chain.source.getTxOut(ch.funding.txid, ch.funding.vout), undefined, 'funding output spent by our commitment');
});
