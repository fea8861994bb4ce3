/**
 * @module back/chain-timers
 * The backend's graph upkeep on timers: a `ChainWatcher` over the chain source polled on an unref'd
 * interval (funding spends mark channels, blocks forget channels whose spend is deep enough, reorgs undo
 * spend marks), and `GraphStore.pruneStale` daily. Channel removals reach fronts through
 * `GraphStore.onChannelRemoved` (wired by the caller to `graph_event` removed).
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#requirements-1).
 * Does not: run at all with the `none` chain source for the watcher (stale pruning still runs), or
 * rescan blocks from before the start (the watcher starts at the tip; `decide` rejects spent fundings).
 */
import { ChainWatcher, type ChainEvent } from '../chain/watcher.js';
import { DEFAULT_POLL_INTERVAL_MS } from '../chain/constants.js';
import type { ChainSource } from '../chain/source.js';
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
}

/** The running timers. */
export interface ChainTimers {
  /** The watcher (undefined with the `none` source). */
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
      return;
    case 'reorg':
      // Spends above the fork are undone; those outpoints are watched again at the next tick.
      store.unmarkSpentAbove(e.forkHeight);
      return;
  }
  assertNever(e, 'chain event');
}

/** Starts the watcher (unless the source is `none`) and the daily stale prune; both timers are unref'd. */
export function startChainTimers(d: ChainTimersDeps): ChainTimers {
  const source = d.chain;
  let watcher: ChainWatcher | undefined;
  if (source.kind !== 'none') {
    const w = new ChainWatcher(source, (e) => applyChainEvent(d.store, w, e));
    watcher = w;
  }
  let running: Promise<void> | undefined;
  const tick = async (): Promise<void> => {
    if (watcher === undefined) return;
    watcher.watch(d.store.unspentFundingOutpoints());
    await watcher.poll();
  };
  const pollTimer = watcher === undefined ? undefined : setInterval(() => {
    running ??= tick().catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'chain watcher round failed')).finally(() => { running = undefined; });
  }, d.pollMs ?? DEFAULT_POLL_INTERVAL_MS).unref();
  const pruneTimer = setInterval(() => {
    const r = d.store.pruneStale(Math.floor(d.now() / 1000));
    if (r.channels > 0) d.log.info(r, 'stale channels pruned');
  }, d.pruneMs ?? STALE_PRUNE_INTERVAL_MS).unref();
  return {
    watcher,
    tick,
    stop: async () => {
      clearInterval(pollTimer);
      clearInterval(pruneTimer);
      await running;
    },
  };
}
