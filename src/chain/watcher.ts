/**
 * @module chain/watcher
 * Follows the best chain by polling a `UtxoChainSource` and reports, in order: each new block, each
 * confirmed spend of a watched outpoint (a channel's funding output), and reorgs.
 *
 * Polling, not ZMQ: bcoin has no ZMQ and tests must not depend on it; bitcoind answers a
 * `getblockcount` per interval cheaply. `poll()` does one bounded round and is what tests call;
 * `start()` only runs `poll()` on a timer. A reorg is found from the new block's `prevHash`; the
 * watcher walks back through the hashes it remembers to the fork point, reports it, and rescans.
 *
 * Does not: change the graph (the backend turns `spent` into `GraphStore.markFundingSpent`), or
 * decide how long to wait before forgetting a spent channel.
 */
import { DEFAULT_POLL_INTERVAL_MS, MAX_BLOCKS_PER_POLL, REORG_MEMORY_BLOCKS } from './constants.js';
import type { UtxoChainSource } from './source.js';

/** An outpoint: display-hex txid and output index. */
export interface Outpoint {
  readonly txid: string;
  readonly vout: number;
}

/** What the watcher reports. */
export type ChainEvent =
  | { readonly kind: 'block'; readonly height: number; readonly hash: string }
  | { readonly kind: 'spent'; readonly outpoint: Outpoint; readonly spendingTxid: string; readonly height: number }
  /** Blocks above `forkHeight` were replaced; spends reported there may be undone. */
  | { readonly kind: 'reorg'; readonly forkHeight: number };

/** Key of an outpoint in the watch set. */
export function outpointKey(o: Outpoint): string {
  return `${o.txid}:${o.vout}`;
}

/** Block-polling watcher; see the module comment. */
export class ChainWatcher {
  private readonly watched = new Set<string>();
  /** height → hash of the blocks seen, the last {@link REORG_MEMORY_BLOCKS}. */
  private readonly hashes = new Map<number, string>();
  private height: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  /**
   * @param source where blocks come from
   * @param onEvent called for each event, in chain order
   * @param startHeight last height already processed (events start at the next one); default: the
   *   tip at the first poll (nothing before it is reported)
   */
  private readonly source: UtxoChainSource;
  private readonly onEvent: (e: ChainEvent) => void;

  constructor(source: UtxoChainSource, onEvent: (e: ChainEvent) => void, startHeight?: number) {
    this.source = source;
    this.onEvent = onEvent;
    this.height = startHeight;
  }

  /** Adds outpoints whose confirmed spends are reported. */
  watch(outpoints: Iterable<Outpoint>): void {
    for (const o of outpoints) this.watched.add(outpointKey(o));
  }

  /** Stops reporting spends of these outpoints. */
  unwatch(outpoints: Iterable<Outpoint>): void {
    for (const o of outpoints) this.watched.delete(outpointKey(o));
  }

  /** Number of watched outpoints. */
  get watchedCount(): number {
    return this.watched.size;
  }

  /** Last processed height (undefined before the first poll). */
  get processedHeight(): number | undefined {
    return this.height;
  }

  /**
   * One round: process up to {@link MAX_BLOCKS_PER_POLL} new blocks. Concurrent calls share a round.
   * Chain errors reject the returned promise; the next round retries from the same height.
   */
  poll(): Promise<void> {
    this.polling ??= this.round().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** Polls every `intervalMs` until `stop()`; errors go to `onError` and polling continues. */
  start(onError: (e: unknown) => void, intervalMs = DEFAULT_POLL_INTERVAL_MS): void {
    if (this.timer) return;
    const tick = (): void => {
      this.poll()
        .catch(onError)
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops the timer and waits for a running round. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => {});
  }

  private async round(): Promise<void> {
    const tip = await this.source.getBlockCount();
    if (this.height === undefined) {
      this.height = tip;
      const hash = await this.source.getBlockHash(tip);
      if (hash !== undefined) this.remember(tip, hash);
      return;
    }
    if (tip < this.height) {
      await this.rewind();
      return;
    }
    for (let n = 0; n < MAX_BLOCKS_PER_POLL && this.height < tip; n++) {
      const next: number = this.height + 1;
      const hash = await this.source.getBlockHash(next);
      if (hash === undefined) return;
      const block = await this.source.getBlock(hash);
      const known = this.hashes.get(this.height);
      if (known !== undefined && block.header.prevHash !== known) {
        await this.rewind();
        return;
      }
      for (const tx of block.txs) {
        for (const input of tx.inputs) {
          const outpoint = { txid: input.prevTxid, vout: input.prevVout };
          if (this.watched.has(outpointKey(outpoint))) this.onEvent({ kind: 'spent', outpoint, spendingTxid: tx.txid, height: next });
        }
      }
      this.height = next;
      this.remember(next, hash);
      this.onEvent({ kind: 'block', height: next, hash });
    }
  }

  /** Walks back to the highest remembered block still on the best chain and reports the fork. */
  private async rewind(): Promise<void> {
    let h = this.height!;
    while (h >= 0 && this.hashes.has(h)) {
      const current = await this.source.getBlockHash(h);
      if (current === this.hashes.get(h)) break;
      this.hashes.delete(h);
      h--;
    }
    // Nothing remembered matches: a reorg deeper than our memory; continue from what we still know.
    const fork = this.hashes.has(h) ? h : Math.max(h, 0);
    for (const k of [...this.hashes.keys()]) if (k > fork) this.hashes.delete(k);
    this.height = fork;
    this.onEvent({ kind: 'reorg', forkHeight: fork });
  }

  private remember(height: number, hash: string): void {
    this.hashes.set(height, hash);
    this.hashes.delete(height - REORG_MEMORY_BLOCKS);
  }
}
