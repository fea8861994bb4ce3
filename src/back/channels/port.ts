/**
 * @module back/channels/port
 * What the channel manager needs of a channel state machine, as one narrow interface: create an
 * outbound or inbound channel, `step(state, input, ctx) → {state, actions}`, and read a state's phase and
 * balances for listings. The manager (`./manager.ts`) does the I/O around it — persistence before any
 * action leaves, sends, wallet calls, chain watches — and never looks inside a state.
 *
 * The implementation is `./machine-adapter.ts` over `src/channel/machine` (BOLT 2 state machine) and
 * `src/channel/commitments` (the ledger); tests may plug in their own.
 *
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md
 * Does not: do I/O, or hold secrets beyond one call (the manager derives and zeroes them per step).
 */
import type { ChannelSecrets } from '../../channel/params.js';

/** Context of one step: time, chain height and the channel's secrets. */
export interface StepContext {
  /** Unix ms. */
  readonly now: number;
  /** Best block height we know (0 without a chain). */
  readonly blockHeight: number;
  /** Derives a channel's secrets from the master seed; the caller zeroes them (`zeroChannelSecrets`). Valid during the step only. */
  readonly secrets: (keyIndex: bigint) => ChannelSecrets;
  /** A shutdown script of ours for closes the peer starts (the wallet's, or a P2WPKH of the channel's payment basepoint). */
  readonly shutdownScript: Uint8Array | undefined;
  /** Current feerate estimate, sat/kw (already at or above `channels.fee-floor`). */
  readonly feeratePerKw: number;
}

/** What goes into a machine. */
export type PortInput =
  | { readonly kind: 'message'; readonly message: Uint8Array }
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected' }
  /** Confirmations of the watched funding output. */
  | { readonly kind: 'fundingDepth'; readonly depth: number; readonly shortChannelId?: bigint }
  /** A new best block (only to machines whose view says `wantsBlocks`). */
  | { readonly kind: 'block'; readonly height: number }
  /** The wallet built (not broadcast) the funding transaction asked for by a `fundTx` action. */
  | { readonly kind: 'funded'; readonly txid: string; readonly vout: number; readonly txHex: string }
  /** The wallet could not fund (the open fails with this reason). */
  | { readonly kind: 'fundingFailed'; readonly reason: string }
  /** Operator close: cooperative, or unilateral with `force`. */
  | { readonly kind: 'close'; readonly force: boolean; readonly scriptPubkey: Uint8Array }
  /** Add an HTLC towards the peer (relay/payments). */
  | { readonly kind: 'addHtlc'; readonly amountMsat: bigint; readonly paymentHash: Uint8Array; readonly cltvExpiry: number; readonly onion: Uint8Array }
  /** Settle an HTLC the peer offered us. */
  | { readonly kind: 'fulfillHtlc'; readonly id: bigint; readonly preimage: Uint8Array }
  | { readonly kind: 'failHtlc'; readonly id: bigint; readonly reason: Uint8Array }
  /** Propose a new commitment feerate (we are the funder); signed by the `tick` that follows. */
  | { readonly kind: 'updateFee'; readonly feeratePerKw: number }
  /** A timer tick: send a pending commitment_signed, check timeouts. */
  | { readonly kind: 'tick' }
  /** The on-chain resolver (`./onchain.ts`) is done with the funding spend: the channel is over. */
  | { readonly kind: 'onchainResolved' };

/** What a machine asks the manager to do, in order, after its new state is persisted. */
export type PortAction =
  | { readonly kind: 'send'; readonly message: Uint8Array }
  /** Build (not broadcast) a funding transaction paying `sats` to `script`; answer with `funded` / `fundingFailed`. */
  | { readonly kind: 'fundTx'; readonly script: Uint8Array; readonly sats: bigint; readonly feeratePerKw: number }
  | { readonly kind: 'broadcast'; readonly txHex: string; readonly what: string }
  /** Report the confirmations of this output with `fundingDepth` on each block until it reaches `untilDepth`. */
  | { readonly kind: 'watch'; readonly txid: string; readonly vout: number; readonly untilDepth: number }
  /** The final channel_id is known (funding_created / funding_signed). */
  | { readonly kind: 'channelIdAssigned'; readonly channelId: Uint8Array }
  /** Something worth logging / telling the operator or the relay layer. */
  | { readonly kind: 'event'; readonly event: ChannelEvent }
  /** Close the peer's connection (after a warning, as BOLT 1/2 say). */
  | { readonly kind: 'disconnect'; readonly reason: string }
  /** The channel is over (closed on chain, or abandoned before funding). */
  | { readonly kind: 'closed'; readonly reason: string };

/** Events a machine reports. */
export type ChannelEvent =
  | { readonly kind: 'opened' }
  | { readonly kind: 'ready' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'htlcAdded'; readonly id: bigint; readonly amountMsat: bigint; readonly paymentHash: Uint8Array; readonly cltvExpiry: number; readonly onion: Uint8Array }
  | { readonly kind: 'htlcSettled'; readonly id: bigint; readonly outcome: 'fulfilled' | 'failed'; readonly preimage?: Uint8Array }
  | { readonly kind: 'info'; readonly message: string };

/** Result of one step. */
export interface StepResult<S> {
  readonly state: S;
  readonly actions: readonly PortAction[];
}

/** The peer's and our `init` features (raw bit fields), for what a channel may use. */
export interface PeerFeatures {
  readonly ours: Uint8Array;
  readonly theirs: Uint8Array;
}

/** What an outbound open asks for. */
export interface OpenParams {
  readonly features: PeerFeatures;
  readonly remoteNodeId: Uint8Array;
  readonly fundingSat: bigint;
  readonly pushMsat: bigint;
  readonly announce: boolean;
  readonly keyIndex: bigint;
  readonly temporaryChannelId: Uint8Array;
}

/** A state as listings show it. */
export interface ChannelView {
  readonly phase: string;
  /**
   * The final channel_id once the state knows it — for the funder that is as soon as `funding_created`
   * is sent, before the machine's `channelIdAssigned` (the peer's `funding_signed` already uses it).
   */
  readonly channelId?: Uint8Array;
  readonly capacitySat?: bigint;
  readonly localMsat?: bigint;
  readonly remoteMsat?: bigint;
  readonly funding?: { readonly txid: string; readonly vout: number };
  readonly shortChannelId?: string;
  readonly funder: boolean;
  /** Not closed: counts for `peer_attach_ack.hasChannels` and `channels.max-per-peer`. */
  readonly active: boolean;
  /** Commitment feerate with every proposed update applied, sat/kw (channels with commitments). */
  readonly feeratePerKw?: number;
  /** The commitment format is `option_anchors` (HTLC transactions bring their own fees). */
  readonly anchors?: boolean;
  /** Wants `block` inputs (e.g. a funding timeout to count). */
  readonly wantsBlocks?: boolean;
}

/** A channel state machine as the manager drives it. */
export interface MachinePort<S> {
  /** A new outbound channel (we fund): its state and first actions (open_channel). */
  openOutbound(p: OpenParams, ctx: StepContext): StepResult<S>;
  /** A new inbound channel from the peer's `open_channel`: its state and actions (accept_channel or error). */
  openInbound(p: { readonly remoteNodeId: Uint8Array; readonly keyIndex: bigint; readonly message: Uint8Array; readonly features: PeerFeatures }, ctx: StepContext): StepResult<S>;
  step(state: S, input: PortInput, ctx: StepContext): StepResult<S>;
  view(state: S): ChannelView;
}
