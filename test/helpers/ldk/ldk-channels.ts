/**
 * @module test/helpers/ldk/ldk-channels
 * The channel side of a harness LDK peer that follows a chain: funding, listing, closing, sweeping.
 *
 *   create_channel ─► Event_FundingGenerationReady ─► hooks.fundingTransaction(script, sats) (async)
 *                  ─► funding_transaction_generated ─► LDK broadcasts it once the peer signed
 *   close_channel (BOLT 2 shutdown / closing_signed) · force_close_broadcasting_latest_txn
 *   Event_SpendableOutputs ─► KeysManager spend_spendable_outputs ─► hooks.broadcast, recorded as a sweep
 *
 * Everything chain-facing goes through {@link LdkChainHooks} (`regtest.ts` implements them on the
 * embedded regtest chain), so this file knows no RPC.
 *
 *   Event_BumpTransaction(ChannelClose) (anchor channels) ─► the commitment broadcast as is (no CPFP)
 *
 * Does not: fetch blocks (the hooks' owner calls `blockConnected` with each one), route payments, or
 * bump fees (no CPFP of anchors; HTLC claims of anchor channels are not handled).
 */
import * as ldk from 'lightningdevkit';
import { parseTransaction, toDisplayHex } from '../../../src/chain/bitcoin.js';
import type { LdkComponents } from './components.js';
import { FEE_RATE_SAT_PER_KW, SWEEP_FEE_RATE_SAT_PER_KW } from './constants.js';
import { LdkHarnessError } from './errors.js';
import { apiErrorText, channelTypeOf, type LdkChannelType } from './events.js';
import { parseChannelId, parseNodeId } from './node-id.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What a channel-running LDK peer needs from the chain it follows. */
export interface LdkChainHooks {
  /** Tip the node starts at: display-hex block hash and height. */
  readonly bestBlock: { readonly hashHex: string; readonly height: number };
  /** Sends one transaction LDK (or the sweeper) wants on chain. Must not call back into LDK. */
  broadcast(tx: Uint8Array): void;
  /** A signed transaction with segwit inputs only that pays `sats` to `script` (not yet sent). */
  fundingTransaction(script: Uint8Array, sats: bigint): Promise<Uint8Array>;
  /** Where swept funds go. */
  readonly sweepScript: Uint8Array;
}

/** One channel as LDK lists it (`ChannelManager.list_channels`). */
export interface LdkChannelInfo {
  /** Channel id hex (the final id once funded, else the temporary one). */
  readonly channelId: string;
  readonly counterpartyNodeId: string;
  /** Funding outpoint once negotiated: display-hex txid. */
  readonly fundingTxid: string | null;
  readonly fundingVout: number | null;
  readonly capacitySats: bigint;
  /** What we could send / receive now, msat (LDK's estimate, reserves and fees taken off). */
  readonly outboundMsat: bigint;
  readonly inboundMsat: bigint;
  readonly isOutbound: boolean;
  /** `channel_ready` sent and received. */
  readonly isReady: boolean;
  /** Ready, peer connected, not shutting down. */
  readonly isUsable: boolean;
  readonly confirmations: number | null;
  /** Commitment fee rate, sat per 1000 weight. */
  readonly feeRatePerKw: number | null;
  readonly shortChannelId: bigint | null;
  /** Negotiated channel type (null before LDK knows it). */
  readonly channelType: LdkChannelType | null;
}

/** A sweep of spendable outputs to {@link LdkChainHooks.sweepScript}. */
export interface LdkSweep {
  readonly txid: string;
  /** Value paid to the sweep script, satoshis. */
  readonly sats: bigint;
  /** Number of outputs LDK reported spendable in the event. */
  readonly outputs: number;
  readonly channelId: string;
}

const optU32 = (o: ldk.Option_u32Z): number | null => (o instanceof ldk.Option_u32Z_Some ? o.some : null);
const optU64 = (o: ldk.Option_u64Z): bigint | null => (o instanceof ldk.Option_u64Z_Some ? o.some : null);

/** Display-hex txid from LDK's 32 bytes (internal order). */
export function ldkTxidHex(txid: Uint8Array): string {
  return toDisplayHex(txid);
}

function channelInfo(d: ldk.ChannelDetails): LdkChannelInfo {
  const txo = d.get_funding_txo() as ldk.OutPoint | null;
  const type = d.get_channel_type() as ldk.ChannelTypeFeatures | null;
  return {
    channelId: hex(d.get_channel_id().get_a()),
    counterpartyNodeId: hex(d.get_counterparty().get_node_id()),
    fundingTxid: txo === null ? null : ldkTxidHex(txo.get_txid()),
    fundingVout: txo === null ? null : txo.get_index(),
    capacitySats: d.get_channel_value_satoshis(),
    outboundMsat: d.get_outbound_capacity_msat(),
    inboundMsat: d.get_inbound_capacity_msat(),
    // The bindings hand booleans over as 0/1 numbers.
    isOutbound: Boolean(d.get_is_outbound()),
    isReady: Boolean(d.get_is_channel_ready()),
    isUsable: Boolean(d.get_is_usable()),
    confirmations: optU32(d.get_confirmations()),
    feeRatePerKw: optU32(d.get_feerate_sat_per_1000_weight()),
    shortChannelId: optU64(d.get_short_channel_id()),
    channelType: type === null ? null : channelTypeOf(type),
  };
}

/**
 * What the node's fee estimator answers: one settable rate for every target but the two floors LDK
 * checks a peer's feerates against, which stay at the minimum so a peer's lower (valid) rate is taken.
 */
export class LdkFeeRates {
  private rate = FEE_RATE_SAT_PER_KW;

  constructor(initialSatPerKw?: number) {
    if (initialSatPerKw !== undefined) this.set(initialSatPerKw);
  }

  /** The current rate, sat per 1000 weight. */
  get current(): number { return this.rate; }

  /** Sets the rate (an integer ≥ 253 sat per 1000 weight, LDK's floor). */
  set(satPerKw: number): void {
    if (!Number.isInteger(satPerKw) || satPerKw < FEE_RATE_SAT_PER_KW) throw new RangeError(`fee rate must be an integer ≥ ${FEE_RATE_SAT_PER_KW}`);
    this.rate = satPerKw;
  }

  /** `FeeEstimator.get_est_sat_per_1000_weight`. */
  forTarget(target: ldk.ConfirmationTarget): number {
    if (target === ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedNonAnchorChannelRemoteFee
      || target === ldk.ConfirmationTarget.LDKConfirmationTarget_MinAllowedAnchorChannelRemoteFee) return FEE_RATE_SAT_PER_KW;
    return this.rate;
  }
}

/** What {@link LdkChannels} needs from its node. */
export interface LdkChannelsDeps {
  readonly components: LdkComponents;
  /** Absent when the node follows no chain: then it cannot fund or sweep. */
  readonly hooks: LdkChainHooks | undefined;
  readonly fees: LdkFeeRates;
  /** Records a harness line in the node's log. */
  readonly note: (line: string) => void;
  /** Runs `PeerManager.process_events` and drains events. */
  readonly flush: () => void;
  readonly isStopped: () => boolean;
}

/** Channel operations of one LDK peer; owned by `LdkNode` (its `channels` property). */
export class LdkChannels {
  private readonly c: LdkComponents;
  private readonly hooks: LdkChainHooks | undefined;
  private readonly fees: LdkFeeRates;
  private readonly note: (line: string) => void;
  private readonly flush: () => void;
  private readonly isStopped: () => boolean;
  private readonly sweepList: LdkSweep[] = [];
  private readonly fundingList: string[] = [];
  private blockHeight: number;

  constructor(deps: LdkChannelsDeps) {
    this.c = deps.components;
    this.hooks = deps.hooks;
    this.fees = deps.fees;
    this.note = deps.note;
    this.flush = deps.flush;
    this.isStopped = deps.isStopped;
    this.blockHeight = deps.hooks?.bestBlock.height ?? 0;
  }

  /** Height of the last block given to LDK (the start tip until {@link blockConnected}). */
  get height(): number { return this.blockHeight; }

  /**
   * Gives LDK the next block (raw serialised block at `height`, which must be `height + 1` of the last):
   * to the ChannelManager (funding depth, channel_ready, closes) and the ChainMonitor (spends of our
   * channels, CSV maturity, sweeps), then flushes messages and drains events.
   */
  blockConnected(block: Uint8Array, height: number): void {
    if (this.isStopped()) return;
    if (height !== this.blockHeight + 1) {
      throw new LdkHarnessError('chain', `at height ${this.blockHeight}, was given block ${height}`);
    }
    this.c.channelManager.as_Listen().block_connected(block, height);
    this.c.chainMonitor.as_Listen().block_connected(block, height);
    this.blockHeight = height;
    this.flush();
  }

  /** What the fee estimator answers for fee targets now, sat per 1000 weight. */
  get feeRate(): number { return this.fees.current; }

  /**
   * Changes what the fee estimator answers (sat per 1000 weight, ≥ 253). LDK acts on it at the next
   * {@link tick}: a channel it funded gets `update_fee` when the rate rose, or fell by half or more.
   */
  setFeeRate(satPerKw: number): void {
    this.fees.set(satPerKw);
  }

  /**
   * One `ChannelManager.timer_tick_occurred` (LDK wants one a minute): re-checks fee rates (may send
   * `update_fee`), and ages disconnected and unfunded channels. Not on the node's automatic timer,
   * because LDK counts these ticks to drop unfunded channels.
   */
  tick(): void {
    if (this.isStopped()) return;
    this.c.channelManager.timer_tick_occurred();
    this.flush();
  }

  /** Every channel LDK knows, funded or not. */
  list(): LdkChannelInfo[] {
    return this.c.channelManager.list_channels().map(channelInfo);
  }

  /** The channel with this id (final or temporary), if LDK still lists it. */
  get(channelIdHex: string): LdkChannelInfo | undefined {
    return this.list().find((ch) => ch.channelId === channelIdHex);
  }

  /** Where this node sweeps spendable outputs (undefined without a chain). */
  get sweepScript(): Uint8Array | undefined { return this.hooks?.sweepScript; }

  /** Sweeps made so far, oldest first. */
  get sweeps(): readonly LdkSweep[] { return this.sweepList; }

  /** Display-hex txids of funding transactions handed to LDK, oldest first. */
  get fundingTxids(): readonly string[] { return this.fundingList; }

  /** Starts a cooperative close (BOLT 2 `shutdown`, then `closing_signed` rounds). */
  close(channelIdHex: string, counterpartyNodeIdHex: string): void {
    this.check(this.c.channelManager.close_channel(parseChannelId(channelIdHex), parseNodeId(counterpartyNodeIdHex)), 'close_channel');
    this.flush();
  }

  /** Force-closes: sends `error` to the peer and broadcasts our latest commitment transaction. */
  forceClose(channelIdHex: string, counterpartyNodeIdHex: string, message = 'harness force close'): void {
    this.check(this.c.channelManager.force_close_broadcasting_latest_txn(parseChannelId(channelIdHex),
      parseNodeId(counterpartyNodeIdHex), message), 'force_close_broadcasting_latest_txn');
    this.flush();
  }

  /** Handles the chain-related events; returns false for events this class does not act on. */
  handle(event: ldk.Event): boolean {
    if (event instanceof ldk.Event_FundingGenerationReady) { this.fund(event); return true; }
    if (event instanceof ldk.Event_SpendableOutputs) { this.sweep(event); return true; }
    if (event instanceof ldk.Event_BumpTransaction) { this.bump(event.bump_transaction); return true; }
    return false;
  }

  /**
   * Anchor channels: LDK leaves broadcasting a force-close commitment to the fee bumper. On regtest the
   * commitment's own fee (the funder's rate, ≥ 253 sat/kW) clears the mempool minimum, so the harness
   * broadcasts it as is, with no CPFP child. HTLC claims would need wallet inputs: recorded, not done
   * (the harness routes no payments, so no HTLC is ever on a commitment).
   */
  private bump(ev: ldk.BumpTransactionEvent): void {
    if (ev instanceof ldk.BumpTransactionEvent_ChannelClose) {
      if (this.hooks === undefined) { this.note('HARNESS commitment to broadcast but the node follows no chain'); return; }
      this.hooks.broadcast(ev.commitment_tx);
      return;
    }
    this.note('HARNESS BumpTransaction HTLCResolution not handled (no HTLCs expected)');
  }

  private fund(ev: ldk.Event_FundingGenerationReady): void {
    const hooks = this.hooks;
    if (hooks === undefined) { this.note('HARNESS funding requested but the node follows no chain'); return; }
    const temp = ev.temporary_channel_id;
    const peer = ev.counterparty_node_id;
    hooks.fundingTransaction(ev.output_script, ev.channel_value_satoshis).then((raw) => {
      if (this.isStopped()) return;
      const r = this.c.channelManager.funding_transaction_generated(temp, peer, raw);
      if (r instanceof ldk.Result_NoneAPIErrorZ_Err) { this.note(`HARNESS funding refused: ${apiErrorText(r.err)}`); return; }
      this.fundingList.push(parseTransaction(raw).txid);
      this.flush();
    }).catch((err: unknown) => { this.note(`HARNESS funding failed: ${String(err)}`); });
  }

  private sweep(ev: ldk.Event_SpendableOutputs): void {
    const hooks = this.hooks;
    if (hooks === undefined) { this.note('HARNESS spendable outputs but the node follows no chain'); return; }
    const r = this.c.keysManager.as_OutputSpender().spend_spendable_outputs(ev.outputs, [], hooks.sweepScript,
      SWEEP_FEE_RATE_SAT_PER_KW, ldk.Option_u32Z.constructor_none());
    if (!(r instanceof ldk.Result_TransactionNoneZ_OK)) { this.note('HARNESS could not build a sweep'); return; }
    const tx = parseTransaction(r.res);
    const sats = tx.outputs.filter((o) => hex(o.script) === hex(hooks.sweepScript)).reduce((s, o) => s + o.value, 0n);
    this.sweepList.push({ txid: tx.txid, sats, outputs: ev.outputs.length,
      channelId: (ev.channel_id as ldk.ChannelId | null) === null ? '' : hex(ev.channel_id.get_a()) });
    hooks.broadcast(r.res);
  }

  private check(r: ldk.Result_NoneAPIErrorZ, what: string): void {
    if (r instanceof ldk.Result_NoneAPIErrorZ_Err) throw new LdkHarnessError('apiError', `${what}: ${apiErrorText(r.err)}`);
  }
}
