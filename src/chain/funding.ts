/**
 * @module chain/funding
 * Resolves a `short_channel_id` to the output it names, through a `UtxoChainSource`: the block at the
 * height, the transaction at the index, the output at the index, whether it is still unspent, and how
 * deep it is.
 *
 * Spec: BOLT #7 "Definition of short_channel_id" (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Does not: judge the output (script, value, depth policy): `src/gossip/decide.ts` does, from this
 * result. Errors of the source become `{ kind: 'unavailable' }`, never a throw.
 */
import type { ShortChannelId } from '../wire/scid.js';
import { scidBlock, scidOutputIndex, scidTxIndex } from '../wire/scid.js';
import { ChainError } from './errors.js';
import type { UtxoChainSource } from './source.js';

/** What the chain says about the output a `short_channel_id` names. */
export type FundingLookup =
  | {
      readonly kind: 'found';
      /** Funding transaction id (display hex) and output index. */
      readonly txid: string;
      readonly vout: number;
      /** Satoshis. */
      readonly value: bigint;
      readonly script: Uint8Array;
      /** True if a confirmed transaction spends it. */
      readonly spent: boolean;
      /** Blocks from the funding block to the tip, both included (1 = in the tip). */
      readonly confirmations: number;
    }
  /** The height is above our tip: the block may simply not have reached us yet. */
  | { readonly kind: 'notYetMined'; readonly tip: number }
  /** The block has no such transaction, or the transaction no such output. */
  | { readonly kind: 'notFound'; readonly missing: 'transaction' | 'output' }
  /** The source failed (down, timeout, bad answer). */
  | { readonly kind: 'unavailable'; readonly error: ChainError };

/** Looks up the output `scid` names. Never throws: chain failures are `unavailable`. */
export async function lookupFunding(source: UtxoChainSource, scid: ShortChannelId): Promise<FundingLookup> {
  try {
    const height = scidBlock(scid);
    const tip = await source.getBlockCount();
    if (height > tip) return { kind: 'notYetMined', tip };
    const hash = await source.getBlockHash(height);
    if (hash === undefined) return { kind: 'notYetMined', tip };
    const block = await source.getBlock(hash);
    const tx = block.txs[scidTxIndex(scid)];
    if (!tx) return { kind: 'notFound', missing: 'transaction' };
    const vout = scidOutputIndex(scid);
    const out = tx.outputs[vout];
    if (!out) return { kind: 'notFound', missing: 'output' };
    const unspent = await source.getTxOut(tx.txid, vout);
    return { kind: 'found', txid: tx.txid, vout, value: out.value, script: out.script, spent: unspent === undefined, confirmations: tip - height + 1 };
  } catch (e) {
    if (e instanceof ChainError) return { kind: 'unavailable', error: e };
    // A block that does not parse is a bad answer from the source, not a verdict on the channel.
    return { kind: 'unavailable', error: new ChainError('badResponse', `funding lookup failed: ${(e as Error).message}`, { cause: e }) };
  }
}
