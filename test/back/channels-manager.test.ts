// The channel manager (src/back/channels/manager.ts) with a scripted machine: routing by temporary and final
// channel_id, BOLT 1 errors for unknown channels and refused opens, every state committed before its actions
// leave (checked from inside the send), steps of one channel serialised while a wallet call is pending, a
// throwing machine affects only its channel, all-zero errors reach every channel of the peer, the front is
// told when a peer gets its first channel, opens fail clearly (no wallet, no front, peer not connected,
// insufficient funds) or resolve at the funding broadcast, and a reopened store resumes every channel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChannelManager, type PeerIo } from '../../src/back/channels/manager.js';
import type { MachinePort, PortInput, StepResult } from '../../src/back/channels/port.js';
import { ChannelStore } from '../../src/back/channels/store.js';
import { noChainSource } from '../../src/chain/source.js';
import { WalletError, type Wallet } from '../../src/chain/wallet.js';
import { BackendError } from '../../src/back/errors.js';
import { decodeMessage } from '../../src/wire/index.js';
import { captureLogger } from '../helpers/cluster-fixtures.js';

interface S { readonly sats?: bigint; readonly n: number; readonly phase: string; readonly temp: string; readonly cid?: string; readonly funding?: { txid: string; vout: number } }
const PEER = '02' + '11'.repeat(32);
const OTHER = '03' + '22'.repeat(32);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const cid = (tag: number) => new Uint8Array(32).fill(tag);
function raw(type: number, id: Uint8Array, extra: number[] = []): Uint8Array {
  return Uint8Array.from([type >> 8, type & 0xff, ...id, ...extra]);
}
const OPEN = (temp: Uint8Array) => raw(32, new Uint8Array(32).fill(6), [...temp]);

/** A scripted machine: counts inputs; extra byte 0xee throws; 0xf0 asks the wallet to fund; 0xc1 assigns channel_id 0xc1…. */
const port: MachinePort<S> = {
  openOutbound: (p) => ({ state: { sats: p.fundingSat, n: 0, phase: 'opening', temp: hex(p.temporaryChannelId) }, actions: [{ kind: 'send', message: raw(32, new Uint8Array(32).fill(6), [...p.temporaryChannelId]) }] }),
  openInbound: (p) => {
    const temp = p.message.subarray(34, 66);
    return { state: { n: 0, phase: 'accepting', temp: hex(temp) }, actions: [{ kind: 'send', message: raw(33, temp) }] };
  },
  step: (s, input: PortInput, _ctx): StepResult<S> => {
    const n = s.n + 1;
    const id = s.cid === undefined ? Buffer.from(s.temp, 'hex') : Buffer.from(s.cid, 'hex');
    switch (input.kind) {
      case 'message': {
        const last = input.message[input.message.length - 1];
        if (input.message.length > 34 && last === 0xee) throw new Error('machine bug');
        if (input.message.length > 34 && last === 0xf0) return { state: { ...s, n }, actions: [{ kind: 'fundTx', script: new Uint8Array([0, 32, ...new Uint8Array(32)]), sats: s.sats ?? 0n, feeratePerKw: 253 }] };
        if (input.message.length > 34 && last === 0xc1) return { state: { ...s, n, cid: hex(cid(0xc1)), phase: 'normal' }, actions: [{ kind: 'channelIdAssigned', channelId: cid(0xc1) }, { kind: 'send', message: raw(35, cid(0xc1), [n]) }] };
        if (input.message[1] === 17) return { state: { ...s, n, phase: 'failed' }, actions: [{ kind: 'closed', reason: 'peer error' }] };
        return { state: { ...s, n }, actions: [{ kind: 'send', message: raw(130, id, [n]) }] };
      }
      case 'funded':
        return { state: { ...s, n, cid: hex(cid(0xf0)), funding: { txid: input.txid, vout: input.vout } }, actions: [{ kind: 'channelIdAssigned', channelId: cid(0xf0) }, { kind: 'broadcast', txHex: input.txHex, what: 'funding' }, { kind: 'watch', txid: input.txid, vout: input.vout, untilDepth: 3 }] };
      case 'fundingFailed':
        return { state: { ...s, n, phase: 'failed' }, actions: [{ kind: 'send', message: raw(17, id) }, { kind: 'closed', reason: input.reason }] };
      default:
        return { state: { ...s, n }, actions: [{ kind: 'send', message: raw(136, id, [n]) }] };
    }
  },
  view: (s) => ({ phase: s.phase, funder: false, active: s.phase !== 'failed', ...(s.funding === undefined ? {} : { funding: s.funding }) }),
};

function setup(t: { after(f: () => void): void }, opts: { wallet?: Wallet; connected?: string[]; fronts?: number; acceptInbound?: boolean; maxPerPeer?: number; path?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-chmgr-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = opts.path ?? join(dir, 'channels.sqlite');
  const store = ChannelStore.open(path);
  t.after(() => store.close());
  const sent: { to: string; message: Uint8Array; storedN: number[] }[] = [];
  const marked: string[] = [];
  const connected = new Set(opts.connected ?? [PEER, OTHER]);
  const peers: PeerIo = {
    // Persist-before-send: at the moment a message leaves, the store already holds the state that sent it.
    sendTo: (to, message) => { sent.push({ to, message, storedN: store.loadAll().rows.map((r) => (r.state as { machine: S }).machine.n) }); return connected.has(to); },
    isConnected: (n) => connected.has(n),
    markHasChannels: (n) => { marked.push(n); },
    disconnect: () => {},
    features: () => ({ ours: new Uint8Array(0), theirs: new Uint8Array(0) }),
    frontCount: () => opts.fronts ?? 1,
  };
  const { logger, lines } = captureLogger('debug');
  const m = new ChannelManager<S>({
    store, port, seed: () => new Uint8Array(32).fill(9), wallet: opts.wallet, chain: noChainSource(), peers, log: logger, now: Date.now,
    policy: { acceptInbound: opts.acceptInbound ?? true, maxPerPeer: opts.maxPerPeer ?? 10, minFundingSat: 20_000n, maxFundingSat: 16_777_215n },
    feerate: async () => 253, openTimeoutMs: 5_000,
  });
  m.load();
  return { m, store, sent, marked, lines, path };
}
const settle = () => new Promise((r) => setTimeout(r, 50));

test('manager: inbound open, routing by temporary then final channel_id, persist before send, unknown id → error', async (t) => {
  const { m, sent, marked } = setup(t);
  const temp = cid(0x77);
  m.onPeerMessage(PEER, OPEN(temp));
  await settle();
  assert.equal(m.list().length, 1);
  assert.deepEqual(marked, [PEER], 'first channel of the peer: the front is told');
  assert.equal(m.hasChannels(PEER), true);
  assert.equal(m.hasChannels(OTHER), false);
  assert.equal(sent[0]!.message[1], 33);
  m.onPeerMessage(PEER, raw(34, temp, [0xc1]));
  await settle();
  assert.equal(m.list()[0]!.channelId, hex(cid(0xc1)));
  const funded = sent.at(-1)!;
  assert.equal(funded.message[1], 35);
  assert.deepEqual(funded.storedN, [1], 'the state that sent it was already stored');
  m.onPeerMessage(PEER, raw(128, cid(0xc1)));
  await settle();
  assert.deepEqual(sent.at(-1)!.storedN, [2]);
  // The same channel_id from another peer is not that peer's channel: BOLT 1 error for the id.
  m.onPeerMessage(OTHER, raw(128, cid(0xc1)));
  await settle();
  const err = decodeMessage(sent.at(-1)!.message);
  assert.equal(err.name, 'error');
  assert.equal(sent.at(-1)!.to, OTHER);
  assert.deepEqual(err.name === 'error' && hex(err.channelId), hex(cid(0xc1)));
  // Gossip and unknown types outside 32-255 are not channel business.
  const before = sent.length;
  m.onPeerMessage(PEER, raw(258, cid(1)));
  await settle();
  assert.equal(sent.length, before);
});

test('manager: a throwing machine affects only its channel; all-zero error fails every channel of that peer only', async (t) => {
  const { m, sent } = setup(t);
  m.onPeerMessage(PEER, OPEN(cid(1)));
  m.onPeerMessage(PEER, OPEN(cid(2)));
  m.onPeerMessage(OTHER, OPEN(cid(3)));
  await settle();
  m.onPeerMessage(PEER, raw(128, cid(1), [0xee]));
  m.onPeerMessage(PEER, raw(128, cid(2)));
  await settle();
  const rows = m.list();
  assert.match(rows.find((c) => c.temporaryChannelId === hex(cid(1)))!.fault ?? '', /machine bug/);
  assert.equal(rows.find((c) => c.temporaryChannelId === hex(cid(2)))!.fault, undefined);
  assert.ok(sent.some((s) => s.message[1] === 130 && hex(s.message.subarray(2, 34)) === hex(cid(2))));
  m.onPeerMessage(PEER, raw(17, new Uint8Array(32), [0, 0]));
  await settle();
  const after = m.list();
  assert.deepEqual(after.filter((c) => c.peer === PEER).map((c) => c.phase), ['failed', 'failed']);
  assert.equal(after.find((c) => c.peer === OTHER)!.phase, 'accepting');
  assert.equal(m.hasChannels(PEER), false);
});

test('manager: inbound policy — accept-inbound off, max-per-peer, duplicate temporary id, open_channel2', async (t) => {
  const off = setup(t, { acceptInbound: false });
  off.m.onPeerMessage(PEER, OPEN(cid(1)));
  await settle();
  assert.equal(off.m.list().length, 0);
  const e = decodeMessage(off.sent[0]!.message);
  assert.ok(e.name === 'error' && hex(e.channelId) === hex(cid(1)));
  const one = setup(t, { maxPerPeer: 1 });
  one.m.onPeerMessage(PEER, OPEN(cid(1)));
  one.m.onPeerMessage(PEER, OPEN(cid(1)));
  one.m.onPeerMessage(PEER, OPEN(cid(2)));
  one.m.onPeerMessage(PEER, raw(64, new Uint8Array(32), [...cid(5)]));
  await settle();
  assert.equal(one.m.list().length, 1);
  const errors = one.sent.filter((s) => s.message[1] === 17).map((s) => decodeMessage(s.message));
  assert.deepEqual(errors.map((x) => x.name === 'error' && new TextDecoder().decode(x.data)), ['temporary_channel_id already in use', 'too many channels with this node (channels.max-per-peer 1)', 'dual-funded channels (open_channel2) are not supported']);
});

test('manager: open — clear errors first, then steps serialised around the wallet, resolved at the funding broadcast; reopen resumes', async (t) => {
  assert.ok(await setup(t).m.open({ nodeId: PEER, sats: 100_000n, pushMsat: 0n, announce: true }).catch((e: unknown) => e instanceof BackendError && e.code === 'BACK_NO_WALLET'));
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const broadcasts: string[] = [];
  const wallet: Wallet = {
    fundOutput: async (_s, sats) => { await gate; if (sats > 1_000_000n) throw new WalletError('WALLET', 'insufficientFunds', 'insufficient funds'); return { hex: 'aa', txid: 'bb'.repeat(32), vout: 1, feeSat: 100n, inputs: [] }; },
    broadcast: async (h) => { broadcasts.push(h); return 'bb'.repeat(32); },
    release: async () => {}, newScript: async () => new Uint8Array(22), feeratePerKw: async () => 253, balanceSat: async () => 3_000_000n,
  };
  assert.ok(await setup(t, { wallet, fronts: 0 }).m.open({ nodeId: PEER, sats: 100_000n, pushMsat: 0n, announce: true }).catch((e: unknown) => e instanceof BackendError && e.code === 'BACK_NO_FRONT'));
  assert.ok(await setup(t, { wallet, connected: [] }).m.open({ nodeId: PEER, sats: 100_000n, pushMsat: 0n, announce: true }).catch((e: unknown) => e instanceof BackendError && e.code === 'BACK_PEER_NOT_CONNECTED'));
  const s = setup(t, { wallet });
  assert.ok(await s.m.open({ nodeId: PEER, sats: 10n, pushMsat: 0n, announce: true }).catch((e: unknown) => e instanceof BackendError && e.code === 'BACK_BAD_REQUEST'));
  const sentBefore = s.sent.length;
  assert.ok(await s.m.open({ nodeId: PEER, sats: 4_000_000n, pushMsat: 0n, announce: true }).catch((e: unknown) => e instanceof BackendError && e.code === 'BACK_INSUFFICIENT_FUNDS'));
  assert.equal(s.sent.length, sentBefore, 'nothing sent to the peer when the wallet cannot pay');
  const opening = s.m.open({ nodeId: PEER, sats: 100_000n, pushMsat: 0n, announce: true });
  await settle();
  const temp = s.m.list()[0]!.temporaryChannelId;
  s.m.onPeerMessage(PEER, raw(33, Buffer.from(temp, 'hex'), [0xf0])); // "accept_channel": fund it
  s.m.onPeerMessage(PEER, raw(128, Buffer.from(temp, 'hex'))); // arrives while the wallet is busy
  await settle();
  assert.equal(s.sent.filter((x) => x.message[1] === 130).length, 0, 'the second message waits for the wallet step');
  release();
  const r = await opening;
  assert.equal(r.fundingTxid, 'bb'.repeat(32));
  assert.equal(r.channelId, hex(cid(0xf0)));
  assert.deepEqual(broadcasts, ['aa']);
  await settle();
  const after = s.sent.filter((x) => x.message[1] === 130);
  assert.equal(after.length, 1, 'then it is processed, on the funded state');
  assert.equal(hex(after[0]!.message.subarray(2, 34)), hex(cid(0xf0)));
  const big = s.m.open({ nodeId: OTHER, sats: 2_000_000n, pushMsat: 0n, announce: true });
  await settle();
  s.m.onPeerMessage(OTHER, raw(33, Buffer.from(s.m.list()[1]!.temporaryChannelId, 'hex'), [0xf0]));
  await assert.rejects(big, (e: unknown) => e instanceof BackendError && e.code === 'BACK_INSUFFICIENT_FUNDS');
  await s.m.stop();
  // Reopen: both channels come back with their state; the funding broadcast is persisted and re-sent.
  const again = setup(t, { wallet, path: s.path });
  assert.equal(again.m.list().length, 2);
  assert.equal(again.m.list()[0]!.channelId, hex(cid(0xf0)));
  await again.m.resume();
  assert.deepEqual(broadcasts, ['aa', 'aa']);
});
