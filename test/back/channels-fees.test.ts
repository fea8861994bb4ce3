// Our update_fee (src/back/channels/fee-updates.ts): the hysteresis band (raise past +25 %, lower past -50 %),
// the anchor cap, the policy bounds, only funded/normal/connected channels; the updater driven by a scripted
// estimate over blocks issues `updateFee` once per new height. And the manager looks a watched funding output
// up as soon as the watch starts (no block needed), and again at resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANCHOR_MAX_FEERATE_PER_KW, decideFeeUpdate, FeeUpdater, type FeeChannel } from '../../src/back/channels/fee-updates.js';
import { ChannelManager } from '../../src/back/channels/manager.js';
import type { MachinePort, PortInput } from '../../src/back/channels/port.js';
import { ChannelStore } from '../../src/back/channels/store.js';
import type { UtxoChainSource } from '../../src/chain/source.js';
import type { Wallet } from '../../src/chain/wallet.js';
import { captureLogger } from '../helpers/cluster-fixtures.js';

const BOUNDS = { minPerKw: 253, maxPerKw: 100_000 };
const ours: FeeChannel = { id: 1, phase: 'normal', funder: true, peerConnected: true, feeratePerKw: 1_000 };

test('fees: hysteresis band, anchor cap, bounds, and only channels we fund in normal with the peer connected', () => {
  assert.equal(decideFeeUpdate(ours, 1_250, BOUNDS), undefined, '+25 % is inside the band');
  assert.equal(decideFeeUpdate(ours, 1_251, BOUNDS), 1_251);
  assert.equal(decideFeeUpdate(ours, 500, BOUNDS), undefined, '-50 % is inside the band');
  assert.equal(decideFeeUpdate(ours, 499, BOUNDS), 499);
  assert.equal(decideFeeUpdate(ours, 200_000, BOUNDS), 100_000, 'capped at the policy maximum');
  assert.equal(decideFeeUpdate({ ...ours, feeratePerKw: 1_000 }, 100, BOUNDS), 253, 'never below the floor');
  assert.equal(decideFeeUpdate({ ...ours, anchors: true }, 50_000, BOUNDS), ANCHOR_MAX_FEERATE_PER_KW);
  assert.equal(decideFeeUpdate({ ...ours, anchors: true, feeratePerKw: ANCHOR_MAX_FEERATE_PER_KW }, 50_000, BOUNDS), undefined);
  assert.equal(decideFeeUpdate({ ...ours, funder: false }, 5_000, BOUNDS), undefined);
  assert.equal(decideFeeUpdate({ ...ours, phase: 'shutdown' }, 5_000, BOUNDS), undefined);
  assert.equal(decideFeeUpdate({ ...ours, peerConnected: false }, 5_000, BOUNDS), undefined);
  assert.equal(decideFeeUpdate({ ...ours, fault: 'x' }, 5_000, BOUNDS), undefined);
  assert.equal(decideFeeUpdate({ id: 1, phase: 'normal', funder: true, peerConnected: true }, 5_000, BOUNDS), undefined);
});

test('fees: the updater follows a scripted estimate, once per new height, and survives a failing estimate', async () => {
  const channels: FeeChannel[] = [ours, { ...ours, id: 2, funder: false }];
  const estimates: (number | Error)[] = [1_100, 3_000, new Error('rpc down'), 3_000];
  const commands: { id: number; input: PortInput }[] = [];
  const { logger } = captureLogger('debug');
  const u = new FeeUpdater({
    channels: () => channels, bounds: BOUNDS, log: logger,
    command: async (id, input) => {
      commands.push({ id, input });
      if (input.kind === 'updateFee') channels[0] = { ...channels[0]!, feeratePerKw: input.feeratePerKw };
    },
    feerate: async () => { const e = estimates.shift()!; if (e instanceof Error) throw e; return e; },
  });
  await u.onBlock(100); // 1100 vs 1000: inside the band
  assert.equal(commands.length, 0);
  await u.onBlock(100); // same height: no round (no estimate consumed)
  await u.onBlock(101); // 3000: raise
  assert.deepEqual(commands, [{ id: 1, input: { kind: 'updateFee', feeratePerKw: 3_000 } }]);
  await u.onBlock(102); // estimate fails: nothing
  await u.onBlock(103); // 3000 again: already there
  assert.equal(commands.length, 1);
  assert.equal(estimates.length, 0, 'one estimate per new height');
});

interface S { readonly n: number; readonly depth?: number }
const TXID = 'ab'.repeat(32);
/** A machine that asks to watch TXID:0 at its first message and records the depths it is given. */
const port: MachinePort<S> = {
  openOutbound: () => { throw new Error('unused'); },
  openInbound: () => ({ state: { n: 0 }, actions: [] }),
  step: (s, input) => {
    if (input.kind === 'message') return { state: { n: s.n + 1 }, actions: [{ kind: 'watch', txid: TXID, vout: 0, untilDepth: 6 }] };
    if (input.kind === 'fundingDepth') return { state: { ...s, depth: input.depth }, actions: [] };
    return { state: s, actions: [] };
  },
  view: (s) => ({ phase: s.depth === undefined ? 'waiting' : `depth${s.depth}`, funder: false, active: true }),
};

function chainWithConfirmations(get: () => number): UtxoChainSource & { lookups: number } {
  const c = {
    kind: 'embedded-regtest' as const, lookups: 0, describe: () => 'scripted',
    getBlockCount: async () => 200, getBlockHash: async () => undefined,
    getBlock: async () => { throw new Error('unused'); },
    getTxOut: async () => { c.lookups++; const n = get(); return n === 0 ? undefined : { confirmations: n } as never; },
    close: async () => {},
  };
  return c;
}

test('manager: a watched funding output already confirmed is seen without a new block, and at resume', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-chfees-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'channels.sqlite');
  let confirmations = 3;
  const chain = chainWithConfirmations(() => confirmations);
  const make = () => {
    const store = ChannelStore.open(path);
    const { logger } = captureLogger('debug');
    const m = new ChannelManager<S>({
      store, port, seed: () => new Uint8Array(32).fill(9), wallet: { newScript: async () => new Uint8Array(22) } as unknown as Wallet, chain, log: logger, now: Date.now,
      peers: { sendTo: () => true, isConnected: () => true, markHasChannels: () => {}, disconnect: () => {}, features: () => undefined, frontCount: () => 1 },
      policy: { acceptInbound: true, maxPerPeer: 10, minFundingSat: 20_000n, maxFundingSat: 16_777_215n }, feerate: async () => 253,
    });
    m.load();
    return { m, store };
  };
  const a = make();
  const peer = '02' + '11'.repeat(32);
  const temp = new Uint8Array(32).fill(7);
  a.m.onPeerMessage(peer, Uint8Array.from([0, 32, ...new Uint8Array(32).fill(6), ...temp]));
  await waitFor(() => a.m.list().length === 1);
  a.m.onPeerMessage(peer, Uint8Array.from([0, 34, ...temp, 1]));
  await waitFor(() => a.m.list()[0]!.phase === 'depth3');
  assert.equal(a.m.list()[0]!.phase, 'depth3', 'no onBlock was called: the watch itself looked the depth up');
  await a.m.stop();
  a.store.close();
  confirmations = 5; // confirmed further while we were down
  const b = make();
  t.after(() => b.store.close());
  const before = chain.lookups;
  await b.m.resume();
  await waitFor(() => b.m.list()[0]!.phase === 'depth5');
  assert.equal(b.m.list()[0]!.phase, 'depth5');
  assert.equal(chain.lookups, before + 1);
  await b.m.stop();
});

async function waitFor(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}
