/**
 * The backend's BOLT 5 driver (`src/back/channels/onchain.ts`) over a scripted chain source: two real
 * ledgers (test/channel/commitments-fixture.ts) give our channel state; blocks carrying our commitment,
 * the peer's, or a revoked one of the peer's are mined; the driver must broadcast claims that pay our
 * sweep script, pass the script interpreter against the outputs they spend, wait for CSV delays, persist
 * every step (a new driver on the same database continues), follow a reorg, and end `done`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseTransaction, type Block, type Tx } from '../../src/chain/bitcoin.js';
import type { UtxoChainSource } from '../../src/chain/source.js';
import type { Wallet } from '../../src/chain/wallet.js';
import { localCommitmentTx } from '../../src/channel/commitments/index.js';
import { parseTx, serializeTx, txid, txidToHex, type Transaction } from '../../src/channel/tx.js';
import { ChannelStore } from '../../src/back/channels/store.js';
import { OnchainDriver, type OnchainInfo } from '../../src/back/channels/onchain.js';
import { createLogger } from '../../src/log.js';
import { add, engine, openPair, settle, type Pair } from '../channel/commitments-fixture.js';
import { scriptError } from '../channel/onchain-script.js';

const SWEEP = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(0x5e));
/**
 * The CSV delay the peer imposes on our to_local: small to keep the test short, above 16 because a delay
 * of 16 or less is pushed as data in our scripts (not OP_N), which MINIMALDATA (relay policy) refuses.
 */
const DELAY = 20;
const START = 100;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A chain of blocks the test mines; only what the driver asks. */
class ScriptedChain implements UtxoChainSource {
  readonly kind = 'bitcoind' as const;
  blocks: Block[] = [];
  #n = 0;
  constructor(height: number) {
    for (let i = 0; i <= height; i++) this.mine([]);
  }
  mine(txs: readonly Tx[]): number {
    const hash = createHash('sha256').update(`block ${this.#n++}`).digest('hex');
    this.blocks.push({ header: { hash, version: 1, prevHash: this.blocks.at(-1)?.header.hash ?? '00'.repeat(32), merkleRoot: '00'.repeat(32), time: 0, bits: 0, nonce: 0 }, txs });
    return this.blocks.length - 1;
  }
  describe(): string { return 'scripted'; }
  async getBlockCount(): Promise<number> { return this.blocks.length - 1; }
  async getBlockHash(h: number): Promise<string | undefined> { return this.blocks[h]?.header.hash; }
  async getBlock(hash: string): Promise<Block> {
    const b = this.blocks.find((x) => x.header.hash === hash);
    if (b === undefined) throw new Error(`no block ${hash}`);
    return b;
  }
  async getTxOut(): Promise<undefined> { return undefined; }
  async close(): Promise<void> {}
}

class FakeWallet implements Wallet {
  sent: Uint8Array[] = [];
  async fundOutput(): Promise<never> { throw new Error('not used'); }
  async broadcast(h: string): Promise<string> {
    const raw = Uint8Array.from(Buffer.from(h, 'hex'));
    this.sent.push(raw);
    return txidToHex(txid(parseTx(raw)));
  }
  async release(): Promise<void> {}
  async newScript(): Promise<Uint8Array> { return SWEEP; }
  async feeratePerKw(): Promise<number> { return 1000; }
}

interface Rig { chain: ScriptedChain; wallet: FakeWallet; store: ChannelStore; driver: OnchainDriver; p: Pair; closed: string[] }

function driverFor(r: Omit<Rig, 'driver'>, state?: () => unknown): OnchainDriver {
  const d = new OnchainDriver({
    store: r.store, chain: r.chain, wallet: r.wallet, feerate: async () => 1000, log: createLogger('test', 'silent'),
    // A fresh copy each call: the driver zeroes what it is given.
    secrets: () => structuredClone(r.p.sa),
    channels: () => [{ id: 1, keyIndex: 7n, state: state?.() ?? { kind: 'closing', reason: { kind: 'localForce', why: 'test' }, broadcast: [], commitments: r.p.a, keyIndex: 7n } }],
    onClosed: (id, reason) => r.closed.push(`${id} ${reason}`),
    onResolved: (id) => r.closed.push(`${id} resolved`),
  });
  d.load();
  return d;
}

function rig(p: Pair): Rig {
  const chain = new ScriptedChain(START);
  const wallet = new FakeWallet();
  const store = ChannelStore.open(':memory:');
  // The resolver table references the channels table: one channel row with local id 1.
  store.insert({ temporaryChannelId: new Uint8Array(32), peer: new Uint8Array(33).fill(2), keyIndex: 7n, phase: 'closing', state: {} });
  const r = { chain, wallet, store, p, closed: [] as string[] };
  return { ...r, driver: driverFor(r) };
}

const asChainTx = (raw: Uint8Array): Tx => parseTransaction(raw);

/** Mines `txs` then feeds the new block to the driver. */
async function mine(r: Rig, txs: readonly Uint8Array[] = []): Promise<number> {
  const h = r.chain.mine(txs.map(asChainTx));
  await r.driver.onBlock(h);
  return h;
}

/** Mines empty blocks until the wallet got something new (bounded); returns how many were mined. */
async function mineUntilBroadcast(r: Rig, max: number): Promise<number> {
  const before = r.wallet.sent.length;
  for (let i = 1; i <= max; i++) {
    await mine(r);
    if (r.wallet.sent.length > before) return i;
  }
  return -1;
}

function assertSweeps(claim: Uint8Array, parent: Transaction): void {
  const tx = parseTx(claim);
  assert.equal(tx.inputs.length, 1);
  assert.equal(hex(tx.inputs[0]!.txid), hex(txid(parent)), 'spends the closing transaction');
  assert.deepEqual(tx.outputs.map((o) => hex(o.script)), [hex(SWEEP)], 'pays our sweep script');
  assert.equal(scriptError(claim, [parent.outputs[tx.inputs[0]!.vout]!]), null, 'passes the interpreter');
}

const info = (r: Rig): OnchainInfo => r.driver.info(1)!;

test('onchain driver: our force close — to_local swept after to_self_delay, state kept across a restart, done 100 deep', async () => {
  const p = openPair({ b: { toSelfDelay: DELAY } });
  const r = rig(p);
  await r.driver.onBlock(START);
  assert.equal(info(r).phase, 'watching');
  const commitment = localCommitmentTx(p.a, p.sa, [], engine).raw;
  const closeHeight = await mine(r, [commitment]);
  const i = info(r);
  assert.equal(i.phase, 'resolving');
  assert.equal(i.spend, 'localCommitment');
  assert.equal(i.closingHeight, closeHeight);
  assert.ok(i.outputs?.some((o) => o.role === 'localToLocal'), 'to_local tracked');
  assert.equal(r.wallet.sent.length, 0, 'nothing to claim before the CSV delay');
  assert.deepEqual(r.closed, [`1 funding spent by ${i.closingTxid} (localCommitment)`], 'the manager is told once');
  // A restart: a new driver loaded from the same database continues where the old one stopped.
  r.driver = driverFor(r);
  assert.equal(r.closed.length, 2, 'told again at load');
  const waited = await mineUntilBroadcast(r, DELAY + 5);
  // CSV: the claim is valid once the commitment has DELAY confirmations (it has 1 in its own block).
  assert.equal(waited, DELAY - 1, 'broadcast in the first block where the CSV delay allows it');
  const sweep = r.wallet.sent.at(-1)!;
  assertSweeps(sweep, parseTx(commitment));
  await mine(r, [sweep]);
  assert.equal(info(r).outputs?.find((o) => o.role === 'localToLocal')?.status, 'spent');
  for (let k = 0; k < 100 && info(r).phase !== 'done'; k++) await mine(r);
  assert.equal(info(r).phase, 'done');
  assert.equal(r.closed.at(-1), '1 resolved', 'the machine is told the channel is over');
  r.store.close();
});

test('onchain driver: the peer force closes — to_remote swept at once; a reorg removing the commitment is followed', async () => {
  const p = openPair({ b: { toSelfDelay: DELAY } });
  const r = rig(p);
  await r.driver.onBlock(START);
  const theirs = localCommitmentTx(p.b, p.sb, [], engine).raw;
  await mine(r, [theirs]);
  assert.equal(info(r).spend, 'remoteCommitment');
  assert.equal(r.wallet.sent.length, 1, 'to_remote (static key) claimed in the same block');
  assertSweeps(r.wallet.sent[0]!, parseTx(theirs));
  // Reorg: the block with their commitment is replaced by an empty one; then it confirms again later.
  r.chain.blocks.pop();
  r.chain.mine([]);
  await r.driver.onBlock(r.chain.blocks.length - 1);
  const after = info(r);
  assert.equal(after.closingHeight, undefined, 'the closing transaction is unconfirmed after the reorg');
  await mine(r, [theirs]);
  assert.equal(info(r).closingHeight, r.chain.blocks.length - 1);
  r.store.close();
});

test('onchain driver: a revoked commitment of the peer — to_local and HTLC outputs penalised to our script', async () => {
  const p = openPair({ b: { toSelfDelay: DELAY } });
  add(p, 'a', 20_000_000n, 1);
  add(p, 'b', 30_000_000n, 2);
  settle(p);
  const old = localCommitmentTx(p.b, p.sb, [], engine).raw;
  add(p, 'a', 15_000_000n, 3);
  settle(p);
  const r = rig(p);
  await r.driver.onBlock(START);
  await mine(r, [old]);
  assert.equal(info(r).spend, 'revokedCommitment');
  const parent = parseTx(old);
  const kinds = info(r).outputs!.map((o) => o.role).sort();
  assert.deepEqual(kinds, ['revokedHtlc', 'revokedHtlc', 'revokedToLocal', 'toRemote'], 'HTLCs recognised from the remembered history');
  assert.equal(r.wallet.sent.length, 4, 'every output claimed at once');
  for (const claim of r.wallet.sent) assertSweeps(claim, parent);
  r.store.close();
});

test('onchain driver: a mutual close we broadcast is recognised from its scripts (no lost-funds warning) and ends done', async () => {
  const p = openPair({ b: { toSelfDelay: DELAY } });
  const r = rig(p);
  const ourScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(1));
  const theirScript = Uint8Array.of(0x00, 0x14, ...new Uint8Array(20).fill(2));
  const closing = serializeTx({
    version: 2, locktime: 0,
    inputs: [{ txid: p.a.fundingTxid, vout: p.a.fundingVout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [new Uint8Array(72), new Uint8Array(72)] }],
    outputs: [{ value: 790_000n, script: ourScript }, { value: 200_000n, script: theirScript }],
  });
  r.driver = driverFor(r, () => ({ kind: 'closing', reason: { kind: 'mutual' }, broadcast: [closing], commitments: p.a, keyIndex: 7n }));
  await r.driver.onBlock(START);
  await mine(r, [closing]);
  assert.equal(info(r).spend, 'mutualClose');
  assert.deepEqual(info(r).warnings, []);
  assert.equal(r.wallet.sent.length, 0, 'nothing to claim');
  for (let k = 0; k < 101 && info(r).phase !== 'done'; k++) await mine(r);
  assert.equal(info(r).phase, 'done');
  r.store.close();
});

test('onchain driver: a watching record saved only now and then — after a restart the blocks since are scanned again and a spend in them is found', async () => {
  const p = openPair({ b: { toSelfDelay: DELAY } });
  const r = rig(p);
  await r.driver.onBlock(START);
  for (let k = 0; k < 5; k++) await mine(r);
  const commitment = localCommitmentTx(p.a, p.sa, [], engine).raw;
  // The commitment confirms while the backend is down; the new driver resumes from its saved tip.
  const h = r.chain.mine([asChainTx(commitment)]);
  r.driver = driverFor(r);
  assert.ok(info(r).tip < START + 5, 'the stored tip is behind (not saved every block)');
  await r.driver.onBlock(h);
  assert.equal(info(r).spend, 'localCommitment');
  assert.equal(info(r).closingHeight, h);
  r.store.close();
});
