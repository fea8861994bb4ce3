// Force closes resolved on chain end to end (BOLT 5): the real backend on the embedded regtest chain (wallet
// included) with one front and a scripted peer. (1) We open to the peer and `lnfleet close --force`: our
// commitment confirms, and once the peer's to_self_delay (144 blocks) has passed our to_local is swept by a
// transaction paying an address of our wallet. (2) The peer opens to us with a push and broadcasts its own
// commitment (built from its ledger): our to_remote is swept to our wallet at once. (3) The peer broadcasts a
// commitment it has revoked: the penalty takes its to_local, and our to_remote is swept, all to our wallet.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { EmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import type { Tx } from '../../src/chain/bitcoin.js';
import { localCommitmentTx } from '../../src/channel/commitments/index.js';
import { startFront, type FrontHandle } from '../../src/front/index.js';
import type { BackendHandle } from '../../src/back/index.js';
import type { OnchainInfo } from '../../src/back/channels/onchain.js';
import { captureLogger, frontConfig, waitFor } from '../helpers/cluster-fixtures.js';
import { ScriptedPeer, preimagePair } from '../helpers/scripted-peer.js';
import { startTestBackend } from '../back/setup.js';
import { eventually } from '../helpers/wait.js';
import { makeChannelCommands } from '../../src/cli/channels.js';

const bcoin = createRequire(import.meta.url)('bcoin') as { Script: { fromRaw(b: Buffer): { getAddress(): { toString(network: string): string } | null } } };
/** The scripted peer's to_self_delay: the CSV delay on our to_local. */
const PEER_TO_SELF_DELAY = 144;
/** Blocks searched back for a sweep transaction. */
const SEARCH_BLOCKS = 10;

let chain: EmbeddedRegtest;
before(async () => { chain = await EmbeddedRegtest.start(); });
after(async () => { await chain?.close(); });

async function cluster(t: { after(f: () => Promise<void> | void): void }): Promise<{ backend: BackendHandle; front: FrontHandle }> {
  const { pki, backend } = await startTestBackend(t, {}, { chainSource: chain.source, chainPollMs: 100 });
  const front = await startFront(frontConfig(pki, await pki.issue('front', 'f1'), backend.linkPort), {
    logger: captureLogger('warn').logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
  });
  t.after(() => front.close());
  await waitFor('front ready', () => front.status().ready && backend.status().fronts.length === 1, 10_000);
  return { backend, front };
}

const onchain = (b: BackendHandle): OnchainInfo | undefined => b.channels()[0]?.onchain as OnchainInfo | undefined;
const mempool = (): Promise<string[]> => chain.source.rpc.call<string[]>('getrawmempool', []);

/** The backend has processed the chain up to the tip (the driver's tip). */
async function caughtUp(b: BackendHandle): Promise<void> {
  const tip = await chain.tip();
  await eventually(`driver at ${tip}`, () => ((onchain(b)?.tip ?? -1) >= tip ? true : undefined), 30_000);
}

/** A confirmed transaction among the last blocks. */
async function findTx(txid: string): Promise<Tx> {
  const tip = await chain.tip();
  for (let h = tip; h > tip - SEARCH_BLOCKS; h--) {
    const tx = (await chain.source.getBlock((await chain.source.getBlockHash(h))!)).txs.find((x) => x.txid === txid);
    if (tx !== undefined) return tx;
  }
  assert.fail(`transaction ${txid} not in the last ${SEARCH_BLOCKS} blocks`);
}

/** The output `role` was spent by a confirmed transaction paying one output to an address of our wallet; its value. */
async function assertSweptToWallet(b: BackendHandle, role: string): Promise<bigint> {
  const out = await eventually(`${role} spent`, () => onchain(b)?.outputs?.find((o) => o.role === role && o.status === 'spent'), 30_000);
  const tx = await findTx(out.spentBy!);
  assert.equal(tx.outputs.length, 1);
  const address = bcoin.Script.fromRaw(Buffer.from(tx.outputs[0]!.script)).getAddress()!.toString('regtest');
  const info = await chain.source.rpc.call<{ ismine: boolean }>('getaddressinfo', [address]);
  assert.equal(info.ismine, true, 'the sweep pays our wallet');
  return tx.outputs[0]!.value;
}

/** The peer opens a 500,000 sat channel pushing 120,000 sat to us; it is normal and the driver at the tip. */
async function peerOpensNormalChannel(backend: BackendHandle, peer: ScriptedPeer): Promise<void> {
  peer.sendOpenChannel({ fundingSat: 500_000n, pushMsat: 120_000_000n });
  await peer.acceptAndFund(chain);
  await chain.mine(3);
  await peer.exchangeChannelReady();
  await eventually('channel normal', () => (backend.channels()[0]?.phase === 'normal' ? true : undefined), 10_000);
  await caughtUp(backend);
}

test('we force close: to_local is swept to our wallet once the peer\'s to_self_delay has passed', async (t) => {
  const { backend, front } = await cluster(t);
  const peer = await ScriptedPeer.connect(front.peerPort, backend.nodeId);
  t.after(() => peer.destroy());
  await eventually('peer attached', () => (backend.peers().length === 1 ? true : undefined), 10_000);
  const cmds = makeChannelCommands({ env: () => ({}) });
  const base = ['--api', `http://127.0.0.1:${backend.apiPort}`];
  const io = { out: () => {}, err: () => {} };
  const [code] = await Promise.all([cmds.open.run([peer.nodeIdHex, '400000', ...base], io), peer.acceptOpen(1)]);
  assert.equal(code, 0);
  await chain.mine(1);
  await peer.exchangeChannelReady();
  await eventually('channel normal', () => (backend.channels()[0]?.phase === 'normal' ? true : undefined), 10_000);
  await caughtUp(backend);
  assert.equal(onchain(backend)?.phase, 'watching');

  assert.equal(await cmds.close.run(['1', '--force', ...base], io), 0);
  await eventually('commitment in the mempool', async () => ((await mempool()).length > 0 ? true : undefined), 10_000);
  await chain.mine(1);
  await caughtUp(backend);
  const closing = onchain(backend)!;
  assert.equal(closing.spend, 'localCommitment');
  assert.equal(closing.outputs?.find((o) => o.role === 'localToLocal')?.status, 'unspent');
  // One block short of the CSV delay: nothing may be broadcast yet.
  await chain.mine(PEER_TO_SELF_DELAY - 2);
  await caughtUp(backend);
  assert.deepEqual(await mempool(), [], 'no claim before to_self_delay');
  await chain.mine(1);
  await eventually('to_local sweep broadcast', async () => ((await mempool()).length === 1 ? true : undefined), 30_000);
  await chain.mine(1);
  const value = await assertSweptToWallet(backend, 'localToLocal');
  assert.ok(value > 390_000n && value < 400_000n, `swept ${value} sat of our 400000 sat channel (less the fees)`);
  const out: string[] = [];
  assert.equal(await cmds.channels.run(base, { out: (l: string) => out.push(l), err: () => {} }), 0);
  assert.match(out.join('\n'), /on chain: resolving localCommitment [0-9a-f]{64} @\d+; localToLocal spent/);
});

test('the peer force closes: our to_remote is swept to our wallet at once', async (t) => {
  const { backend, front } = await cluster(t);
  const peer = await ScriptedPeer.connect(front.peerPort, backend.nodeId);
  t.after(() => peer.destroy());
  await peerOpensNormalChannel(backend, peer);

  const commitment = localCommitmentTx(peer.c!, peer.secrets).raw;
  await chain.source.rpc.call('sendrawtransaction', [Buffer.from(commitment).toString('hex')]);
  await chain.mine(1);
  await caughtUp(backend);
  assert.equal(onchain(backend)?.spend, 'remoteCommitment');
  assert.match(backend.channels()[0]!.closedReason ?? '', /funding spent by .* \(remoteCommitment\)/);
  await assert.rejects(backend.channelCommand(1, { kind: 'tick' }), /closed on chain/, 'no more commands');
  await eventually('to_remote sweep broadcast', async () => ((await mempool()).length === 1 ? true : undefined), 30_000);
  await chain.mine(1);
  const value = await assertSweptToWallet(backend, 'toRemote');
  assert.ok(value > 115_000n && value < 120_000n, `swept ${value} sat of the 120000 sat pushed to us (less the fee)`);
  // 100 blocks deep: resolved for good, the channel machine closes.
  await chain.mine(100);
  await eventually('resolved and closed', () => (onchain(backend)?.phase === 'done' && backend.channels()[0]?.phase === 'closed' ? true : undefined), 30_000);
});

test('the peer broadcasts a revoked commitment: the penalty sweeps its to_local and we sweep our to_remote', async (t) => {
  const { backend, front } = await cluster(t);
  const peer = await ScriptedPeer.connect(front.peerPort, backend.nodeId);
  t.after(() => peer.destroy());
  const added: bigint[] = [];
  backend.onChannelEvent((_c, e) => { if ((e as { kind: string }).kind === 'htlcAdded') added.push((e as { id: bigint }).id); });
  await peerOpensNormalChannel(backend, peer);
  // The peer's commitment 0, then a full commitment round: the peer revokes it.
  const revoked = localCommitmentTx(peer.c!, peer.secrets).raw;
  peer.addHtlc(30_000_000n, preimagePair().hash);
  await peer.signAndSettle();
  await eventually('the HTLC is irrevocably committed (the revocation was processed)', () => (added.length === 1 ? true : undefined), 10_000);

  await chain.source.rpc.call('sendrawtransaction', [Buffer.from(revoked).toString('hex')]);
  await chain.mine(1);
  await caughtUp(backend);
  assert.equal(onchain(backend)?.spend, 'revokedCommitment');
  await eventually('penalty and to_remote sweep broadcast', async () => ((await mempool()).length === 2 ? true : undefined), 30_000);
  await chain.mine(1);
  const penalty = await assertSweptToWallet(backend, 'revokedToLocal');
  assert.ok(penalty > 370_000n && penalty < 380_000n, `penalty took ${penalty} sat of the peer's 380000 sat (less the commitment and penalty fees)`);
  const toRemote = await assertSweptToWallet(backend, 'toRemote');
  assert.ok(toRemote > 115_000n && toRemote < 120_000n, `swept ${toRemote} sat`);
});
