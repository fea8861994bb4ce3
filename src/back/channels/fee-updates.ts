/**
 * @module back/channels/fee-updates
 * Our `update_fee`: on each new block (and once at start) the backend compares the chain's feerate
 * estimate (the wallet's `estimatesmartfee`, never below `channels.fee-floor`) with the commitment
 * feerate of every channel we fund, and proposes the estimate when it moved past a hysteresis band
 * (up by more than `FEE_RAISE_PERCENT`, down by more than `FEE_LOWER_PERCENT`), so small wobbles of the
 * estimate do not cost a commitment round trip per block. With `option_anchors` the commitment only has
 * to relay (CPFP on the anchor and the HTLC transactions bring the rest), so the target is capped at
 * `ANCHOR_MAX_FEERATE_PER_KW`. The manager signs the update with its usual `tick` after the command.
 *
 * `decideFeeUpdate` is pure; `FeeUpdater` only reads listings, asks for the estimate and issues commands.
 *
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#updating-fees-update_fee
 * Does not: check affordability or dust exposure (the machine refuses such an update and reports it),
 * update fees of channels the peer funds (only the funder may), or bump closing/HTLC transactions.
 */
import type { Logger } from '../../log.js';
import type { PortInput } from './port.js';

/** Raise when the estimate exceeds the channel's feerate by more than this (eclair/LDK use similar bands). */
export const FEE_RAISE_PERCENT = 25;
/** Lower when the estimate is under the channel's feerate by more than this (lowering is never urgent). */
export const FEE_LOWER_PERCENT = 50;
/**
 * Highest commitment feerate we propose on anchor channels, sat/kw (10 sat/vB): enough to enter the
 * mempool on busy days; fees beyond it are added by CPFP on the anchor when the commitment must confirm.
 */
export const ANCHOR_MAX_FEERATE_PER_KW = 2_500;

/** What the updater reads of one channel (a subset of the manager's `ChannelInfo`). */
export interface FeeChannel {
  readonly id: number;
  readonly phase: string;
  readonly funder: boolean;
  readonly peerConnected: boolean;
  readonly fault?: string;
  readonly closedReason?: string;
  readonly feeratePerKw?: number;
  readonly anchors?: boolean;
}

/** Bounds of the machine's policy: a proposal outside them would be refused. */
export interface FeeBounds {
  readonly minPerKw: number;
  readonly maxPerKw: number;
}

/** The feerate to propose for `ch` given the estimate, or undefined to leave it as it is. */
export function decideFeeUpdate(ch: FeeChannel, estimatePerKw: number, bounds: FeeBounds): number | undefined {
  // BOLT #2: The node _responsible_ for paying the Bitcoin fee:
  // BOLT #2: - SHOULD send `update_fee` to ensure the current fee rate is sufficient (by a
  // BOLT #2: significant margin) for timely processing of the commitment transaction.
  if (!ch.funder || ch.phase !== 'normal' || !ch.peerConnected || ch.fault !== undefined || ch.closedReason !== undefined) return undefined;
  const current = ch.feeratePerKw;
  if (current === undefined) return undefined;
  const capped = ch.anchors === true ? Math.min(estimatePerKw, ANCHOR_MAX_FEERATE_PER_KW) : estimatePerKw;
  const target = Math.max(bounds.minPerKw, Math.min(bounds.maxPerKw, Math.ceil(capped)));
  if (target === current) return undefined;
  const raise = target * 100 > current * (100 + FEE_RAISE_PERCENT);
  const lower = target * 100 < current * (100 - FEE_LOWER_PERCENT);
  return raise || lower ? target : undefined;
}

/** Dependencies of the updater. */
export interface FeeUpdaterDeps {
  /** Every channel as listed (the manager's `list()`). */
  readonly channels: () => readonly FeeChannel[];
  /** Issues a command to a channel (the manager's `command`, which signs after it). */
  readonly command: (id: number, input: PortInput) => Promise<void>;
  /** The current estimate, sat/kw, already at or above `channels.fee-floor`. */
  readonly feerate: () => Promise<number>;
  readonly bounds: FeeBounds;
  readonly log: Logger;
}

/** Proposes `update_fee` on channels we fund when the estimate moves; see the module comment. */
export class FeeUpdater {
  readonly #d: FeeUpdaterDeps;
  #running: Promise<void> | undefined;
  #lastHeight = -1;

  constructor(deps: FeeUpdaterDeps) {
    this.#d = deps;
  }

  /** A block (or start, with height 0): one round, unless the height is not new or a round is running. */
  onBlock(height: number): Promise<void> {
    if (height <= this.#lastHeight && height !== 0) return Promise.resolve();
    if (this.#running !== undefined) return this.#running;
    this.#lastHeight = Math.max(this.#lastHeight, height);
    this.#running = this.#round().finally(() => { this.#running = undefined; });
    return this.#running;
  }

  async #round(): Promise<void> {
    let estimate: number;
    try {
      estimate = await this.#d.feerate();
    } catch (e) {
      this.#d.log.warn({ err: (e as Error).message }, 'fee estimate failed: commitment feerates left as they are');
      return;
    }
    for (const ch of this.#d.channels()) {
      const next = decideFeeUpdate(ch, estimate, this.#d.bounds);
      if (next === undefined) continue;
      this.#d.log.info({ channel: ch.id, from: ch.feeratePerKw, to: next, estimate }, 'proposing update_fee');
      await this.#d.command(ch.id, { kind: 'updateFee', feeratePerKw: next })
        .catch((e: unknown) => this.#d.log.warn({ channel: ch.id, err: (e as Error).message }, 'update_fee not sent'));
    }
  }
}
