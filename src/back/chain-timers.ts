/**
 * @module back/chain-timers
 * The backend's graph upkeep on timers: a `ChainWatcher` over the chain source polled on an unref'd
 * interval (funding spends mark channels, blocks forget channels whose spend is deep enough, reorgs undo
 * spend marks), and `GraphStore.pruneStale` daily. Channel removals reach fronts through
 * `GraphStore.onChannelRemoved` (wired by the caller to `graph_event` removed).
 *
 * Spends while the backend was stopped: every processed block is recorded in the graph database
 * (`GraphStore.setChainProgress`), and the watcher resumes after the recorded block, so the blocks mined
 * meanwhile are scanned like new ones. If that block left the best chain while we were stopped, it
 * resumes `REORG_MEMORY_BLOCKS` lower and undoes the spend marks above. A database with no record yet
 * (first start, or written before the record existed) has every unspent funding outpoint checked once
 * with `getTxOut` (confirmed UTXO set), and the watcher starts at the tip.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#requirements-1).
 * Does not: run at all with the `none` chain source for the watcher (stale pruning still runs).
 */
import { ChainWatcher, type ChainEvent } from '../chain/watcher.js';
import { DEFAULT_POLL_INTERVAL_MS, REORG_MEMORY_BLOCKS } from '../chain/constants.js';
import type { ChainSource, UtxoChainSource } from '../chain/source.js';
import type { GraphStore } from '../gossip/store.js';
import type { Logger } from '../log.js';
import { assertNever } from '../errors.js';

/** How often stale channels are pruned: daily, in ms (the stale age itself is two weeks). */
export const STALE_PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Dependencies and intervals of `startChainTimers`. */
export interface ChainTimersDeps {
  readonly store: GraphStore;
  readonly chain: ChainSource;
  readonly log: Logger;
  /** Clock in ms. */
  readonly now: () => number;
  /** Watcher poll interval, ms (default `DEFAULT_POLL_INTERVAL_MS`; tests shorter). */
  readonly pollMs?: number;
  /** Stale pruning interval, ms (default `STALE_PRUNE_INTERVAL_MS`). */
  readonly pruneMs?: number;
  /** Called after every watcher round with the processed height (the channel manager counts funding depth). */
  readonly onBlock?: (height: number) => void;
}

/** The running timers. */
export interface ChainTimers {
  /** The watcher (undefined with the `none` source, and until the first round has found where to resume). */
  readonly watcher: ChainWatcher | undefined;
  /** One watcher round: refresh the watch set from the store, then poll (what the timer runs). */
  tick(): Promise<void>;
  /** Stops both timers and waits for a running round. */
  stop(): Promise<void>;
}

/** Applies one watcher event to the store. */
export function applyChainEvent(store: GraphStore, watcher: ChainWatcher, e: ChainEvent): void {
  switch (e.kind) {
    case 'spent':
      store.markFundingSpent(e.outpoint, e.height);
      watcher.unwatch([e.outpoint]);
      return;
    case 'block':
      store.removeSpentChannels(e.height);
      store.setChainProgress(e.height, e.hash);
      return;
    case 'reorg':
      // Spends above the fork are undone; those outpoints are watched again at the next tick.
      store.unmarkSpentAbove(e.forkHeight);
      return;
  }
  assertNever(e, 'chain event');
}

/**
 * The height the watcher resumes after (see the module comment): the recorded block if still on the best
 * chain, else `REORG_MEMORY_BLOCKS` below it with later spend marks undone; with no record, the tip after
 * checking every unspent funding outpoint once.
 */
export async function resumeHeight(store: GraphStore, source: UtxoChainSource, log: Logger): Promise<number> {
  const tip = await source.getBlockCount();
  const p = store.chainProgress();
  if (p === undefined) {
    let spent = 0;
    const outpoints = store.unspentFundingOutpoints();
    for (const o of outpoints) {
      if ((await source.getTxOut(o.txid, o.vout)) !== undefined) continue;
      spent += store.markFundingSpent(o, tip);
    }
    const hash = await source.getBlockHash(tip);
    if (hash !== undefined) store.setChainProgress(tip, hash);
    log.info({ tip, checked: outpoints.length, spent }, 'chain watcher: no recorded progress, funding outputs checked once; starting at the tip');
    return tip;
  }
  if (p.height <= tip && (await source.getBlockHash(p.height)) === p.hash) {
    if (p.height < tip) log.info({ from: p.height, tip }, 'chain watcher: scanning the blocks mined while stopped');
    return p.height;
  }
  const from = Math.max(0, Math.min(p.height, tip) - REORG_MEMORY_BLOCKS);
  const undone = store.unmarkSpentAbove(from);
  log.warn({ recorded: p.height, from, tip, undone }, 'chain watcher: the last processed block left the best chain while stopped; rescanning');
  return from;
}

/** Starts the watcher (unless the source is `none`) and the daily stale prune; both timers are unref'd. */
export function startChainTimers(d: ChainTimersDeps): ChainTimers {
  const source = d.chain;
  let watcher: ChainWatcher | undefined;
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    if (source.kind === 'none') return;
    if (watcher === undefined) {
      const from = await resumeHeight(d.store, source, d.log);
      const w = new ChainWatcher(source, (e) => applyChainEvent(d.store, w, e), from);
      watcher = w;
    }
    watcher.watch(d.store.unspentFundingOutpoints());
    await watcher.poll();
    // After every round, not only on new blocks: a channel's funding may have confirmed in blocks the
    // watcher skipped when it started at the tip.
    if (watcher.processedHeight !== undefined) d.onBlock?.(watcher.processedHeight);
  };
  const pollTimer = source.kind === 'none' ? undefined : setInterval(() => {
    running ??= tick().catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'chain watcher round failed')).finally(() => { running = undefined; });
  }, d.pollMs ?? DEFAULT_POLL_INTERVAL_MS).unref();
  const pruneTimer = setInterval(() => {
    const r = d.store.pruneStale(Math.floor(d.now() / 1000));
    if (r.channels > 0) d.log.info(r, 'stale channels pruned');
  }, d.pruneMs ?? STALE_PRUNE_INTERVAL_MS).unref();
  return {
    get watcher() {
      return watcher;
    },
    tick,
    stop: async () => {
      clearInterval(pollTimer);
      clearInterval(pruneTimer);
      await running;
    },
  };
}
