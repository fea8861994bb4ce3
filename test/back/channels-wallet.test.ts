// The channel wallet (src/chain/wallet.ts) through the embedded regtest chain's Core-dialect wallet RPC
// (src/chain/regtest-wallet.ts): a funding transaction is signed with segwit inputs and not broadcast until
// asked, confirms when mined, a fresh shutdown script is a wallet P2WPKH, the feerate falls back to the floor,
// too large an amount is "insufficient funds", and `chain.source = none` has no wallet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddedRegtest } from '../../src/chain/embedded-regtest.js';
import { BitcoindWallet, noWalletError, walletFor, WalletError } from '../../src/chain/wallet.js';
import { noChainSource } from '../../src/chain/source.js';
import { ChainError } from '../../src/chain/errors.js';
import { parseTransaction, fundingOutputScript } from '../../src/chain/bitcoin.js';
import type { JsonRpcClient } from '../../src/chain/rpc.js';

const OPTS = { feeFloorPerKw: 253, confTarget: 6 };

test('wallet on the regtest chain: fund (segwit inputs, not broadcast), broadcast, confirm; shutdown script; floor; insufficient funds', async (t) => {
  const chain = await startEmbeddedRegtest();
  t.after(() => chain.close());
  const wallet = walletFor(chain.source, OPTS)!;
  assert.ok(wallet instanceof BitcoindWallet);
  const k1 = Uint8Array.from(Buffer.from('02' + '11'.repeat(32), 'hex'));
  const k2 = Uint8Array.from(Buffer.from('03' + '22'.repeat(32), 'hex'));
  const script = fundingOutputScript(k1, k2);
  const f = await wallet.fundOutput(script, 500_000n, 1000);
  const tx = parseTransaction(Uint8Array.from(Buffer.from(f.hex, 'hex')));
  assert.equal(tx.txid, f.txid);
  assert.deepEqual(Buffer.from(tx.outputs[f.vout]!.script), Buffer.from(script));
  assert.equal(tx.outputs[f.vout]!.value, 500_000n);
  assert.ok(tx.inputs.length > 0 && tx.inputs.every((i) => i.witness.length > 0), 'every input is segwit');
  assert.ok(f.feeSat > 0n);
  const mempool = () => chain.source.rpc.call<string[]>('getrawmempool', []);
  assert.ok(!(await mempool()).includes(f.txid), 'not broadcast by fundOutput');
  assert.equal(await wallet.broadcast(f.hex), f.txid);
  assert.ok((await mempool()).includes(f.txid));
  await chain.mine(1);
  const out = await chain.source.getTxOut(f.txid, f.vout);
  assert.equal(out?.confirmations, 1);
  assert.equal(out?.value, 500_000n);

  const s = await wallet.newScript();
  assert.equal(s.length, 22);
  assert.deepEqual([s[0], s[1]], [0x00, 0x14], 'P2WPKH');
  assert.notDeepEqual(Buffer.from(await wallet.newScript()), Buffer.from(s), 'fresh each time');
  assert.equal(await wallet.feeratePerKw(), 253, 'no estimate on regtest: the floor');
  assert.equal(await wallet.balanceSat(), BigInt(Math.round((await chain.source.rpc.call<number>('getbalance', [])) * 1e8)));
  assert.ok(await wallet.balanceSat() > 500_000n);

  await assert.rejects(wallet.fundOutput(script, 2_100_000_000_000_000n, 253), (e: unknown) => e instanceof WalletError && e.kind === 'insufficientFunds');
  // A funding abandoned before broadcast gives its inputs back: the same coins fund the next one.
  const balance = () => chain.source.rpc.call<number>('getbalance', []);
  const before = await balance();
  const a = await wallet.fundOutput(script, 100_000n, 253);
  assert.ok(await balance() < before, 'inputs locked');
  await wallet.release(a);
  assert.equal(await balance(), before, 'inputs released');
});

test('wallet: feerate from estimatesmartfee (BTC/kvB → sat/kw) with the floor; RPC errors mapped', async () => {
  let answer: unknown = { feerate: 0.0002, blocks: 6 };
  const rpc = { call: async (m: string) => {
    if (m === 'estimatesmartfee') return answer;
    if (m === 'fundrawtransaction') throw new ChainError('rpcError', 'fundrawtransaction: Insufficient funds (code -4)', { rpcCode: -4 });
    if (m === 'sendrawtransaction') throw new ChainError('rpcError', 'sendrawtransaction: bad-txns (code -26)', { rpcCode: -26 });
    throw new Error(m);
  } } as unknown as JsonRpcClient;
  const w = new BitcoindWallet(rpc, OPTS);
  assert.equal(await w.feeratePerKw(), 5000, '0.0002 BTC/kvB = 20 sat/vB = 5000 sat/kw');
  answer = { feerate: 0.00008, blocks: 6 };
  assert.equal(await w.feeratePerKw(), 2000, 'BTC rounded to whole sat/kvB first: 0.00008 × 1e8 is 8000.000000000001 in floating point');
  answer = { feerate: 0.000001, blocks: 6 };
  assert.equal(await w.feeratePerKw(), 253, 'below the floor');
  answer = { errors: ['Insufficient data'], blocks: 6 };
  assert.equal(await w.feeratePerKw(), 253);
  await assert.rejects(w.fundOutput(new Uint8Array(34), 1000n, 253), (e: unknown) => e instanceof WalletError && e.kind === 'insufficientFunds');
  await assert.rejects(w.broadcast('00'), (e: unknown) => e instanceof WalletError && e.kind === 'rejected');
});

test('wallet: chain.source none has no wallet, and the error says so', () => {
  assert.equal(walletFor(noChainSource(), OPTS), undefined);
  const e = noWalletError();
  assert.equal(e.kind, 'noWallet');
  assert.match(e.message, /^no wallet: chain.source is none/);
});
