/**
 * @module test/channel/onchain-script
 * Real script validation for the on-chain tests: bcoin 1.0.2's interpreter (a devDependency) checks
 * that a transaction spends the outputs it claims to, with the standard + witness flags (CLTV checked
 * against the tx's nLockTime, CSV against the input's nSequence, MINIMALIF, low-S, …). Not a test file.
 */
import { createRequire } from 'node:module';
import type { TxOutput } from '../../src/channel/index.js';

interface BcoinOutpoint { hash: Buffer; index: number }
interface BcoinTx { inputs: { prevout: BcoinOutpoint }[]; check(view: unknown, flags: number): void }
interface Bcoin {
  TX: { fromRaw(b: Buffer): BcoinTx };
  CoinView: new () => { addOutput(prevout: BcoinOutpoint, output: unknown): void };
  Output: new (o: { script: unknown; value: number }) => unknown;
  Script: { fromRaw(b: Buffer): unknown; flags: { STANDARD_VERIFY_FLAGS: number } };
}
const bcoin = createRequire(import.meta.url)('bcoin') as Bcoin;

/**
 * Runs bcoin's script interpreter on every input of `raw`, input i spending `prevouts[i]`. Returns
 * `null` when all inputs verify, else bcoin's ScriptError code (e.g. `UNSATISFIED_LOCKTIME`).
 */
export function scriptError(raw: Uint8Array, prevouts: readonly TxOutput[]): string | null {
  const tx = bcoin.TX.fromRaw(Buffer.from(raw));
  if (tx.inputs.length !== prevouts.length) throw new Error(`tx has ${tx.inputs.length} inputs, ${prevouts.length} prevouts given`);
  const view = new bcoin.CoinView();
  tx.inputs.forEach((inp, i) => {
    const p = prevouts[i]!;
    view.addOutput(inp.prevout, new bcoin.Output({ script: bcoin.Script.fromRaw(Buffer.from(p.script)), value: Number(p.value) }));
  });
  try {
    tx.check(view, bcoin.Script.flags.STANDARD_VERIFY_FLAGS);
    return null;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof code !== 'string') throw e;
    return code;
  }
}
