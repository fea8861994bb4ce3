/**
 * @module channel/machine/types
 * The vocabulary of the BOLT 2 channel state machine: its state (a discriminated union of plain data),
 * its inputs, its actions, the context it runs in, and the acceptance policy.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md
 *
 * Every state is PLAIN DATA (objects, arrays, bigint, number, string, boolean, Uint8Array; no classes,
 * Map or functions) so the backend persists it generically. Secrets never appear in a state: the
 * machine derives them per step through `ctx.secrets(keyIndex)` and zeroes them.
 *
 * Does not: implement transitions (see `./index.ts`), hold the commitments ledger logic
 * (`../commitments/`), or resolve anything on chain (`../onchain/`).
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import type { AnnouncementSignatures, ChannelAnnouncement, ChannelMessage, ErrorMessage, Warning } from '../../wire/index.js';
import type { Commitments } from '../commitments/index.js';
import type { UpdateAddHtlc, Update } from '../commitments/types.js';
import type { AnnouncedConfig, ChannelParams, ChannelSecrets } from '../params.js';
import type { CommitmentFormat } from '../fees.js';

/** What both peers' `init` negotiated that matters to a channel (the backend fills it from the features). */
export interface NegotiatedFeatures {
  /** `option_upfront_shutdown_script` advertised by both. */
  readonly upfrontShutdownScript: boolean;
  /** `option_shutdown_anysegwit` advertised by both. */
  readonly shutdownAnySegwit: boolean;
  /** `option_simple_close` advertised by both (closing_complete / closing_sig instead of closing_signed). */
  readonly simpleClose: boolean;
  /** `option_anchors` advertised by both (we may open anchor channels). */
  readonly anchors: boolean;
  /** `option_support_large_channel` advertised by both (funding ≥ 2^24 sat allowed). */
  readonly largeChannel: boolean;
}

/**
 * Our acceptance policy (defaults: `DEFAULT_CHANNEL_POLICY` in `../constants.ts`; the backend maps its
 * config onto it). Amounts in satoshis unless named `Msat`; delays and depths in blocks.
 */
export interface ChannelPolicy {
  /** Smallest channel we accept or open. */
  readonly minFundingSat: bigint;
  /** Largest channel we accept or open (capped at 2^24 - 1 without option_support_large_channel). */
  readonly maxFundingSat: bigint;
  /** The reserve we require of the peer, as parts per million of the funding (1% = 10_000). */
  readonly reserveRatioPpm: number;
  /** Our `dust_limit_satoshis`. */
  readonly dustLimitSat: bigint;
  /** Largest `dust_limit_satoshis` we accept from the peer. */
  readonly maxRemoteDustLimitSat: bigint;
  /** Our `max_accepted_htlcs` (at most 483). */
  readonly maxAcceptedHtlcs: number;
  /** Our `max_htlc_value_in_flight_msat` as parts per million of the funding. */
  readonly maxHtlcValueInFlightPpm: number;
  /** Our `htlc_minimum_msat`. */
  readonly htlcMinimumMsat: bigint;
  /** The `to_self_delay` we impose on the peer. */
  readonly toSelfDelay: number;
  /** Largest `to_self_delay` we accept being imposed on us ("unreasonably large" above this). */
  readonly maxToSelfDelay: number;
  /** `minimum_depth` we ask for when we accept a channel. */
  readonly minimumDepth: number;
  /** Largest `minimum_depth` we accept from the fundee. */
  readonly maxMinimumDepth: number;
  /** Lowest `feerate_per_kw` we accept on a commitment (below: too small for timely processing). */
  readonly minFeeratePerKw: number;
  /** Highest `feerate_per_kw` we accept on a commitment (above: unreasonably large). */
  readonly maxFeeratePerKw: number;
  /** `max_dust_htlc_exposure_msat` the commitments ledger enforces. */
  readonly maxDustHtlcExposureMsat: bigint;
  /** Whether we accept channels from peers at all. */
  readonly acceptIncoming: boolean;
  /** Blocks we wait for the funder's funding transaction to confirm before forgetting the channel (BOLT 2: 2016). */
  readonly fundingTimeoutBlocks: number;
}

/** What we ask when we open a channel (command `open`). */
export interface OpenParams {
  readonly fundingSat: bigint;
  readonly pushMsat: bigint;
  /** `feerate_per_kw` of the first commitment. */
  readonly commitmentFeeratePerKw: number;
  /** Feerate for the funding transaction the wallet builds (sat per 1000 weight units). */
  readonly fundingFeeratePerKw: number;
  /** Announce the channel (`channel_flags` bit 0). */
  readonly announce: boolean;
  /** Commitment format to ask for; `anchors` needs the feature negotiated. */
  readonly format: CommitmentFormat;
  /** 32 random bytes, unique per peer. */
  readonly temporaryChannelId: Uint8Array;
  /** Our `upfront_shutdown_script` (closes must pay to it), if any. */
  readonly upfrontShutdownScript?: Uint8Array;
}

/** A command from our node. */
export type ChannelCommand =
  | { readonly kind: 'open'; readonly params: OpenParams }
  | { readonly kind: 'addHtlc'; readonly amountMsat: bigint; readonly paymentHash: Uint8Array; readonly cltvExpiry: number; readonly onionRoutingPacket: Uint8Array; readonly pathKey?: Uint8Array }
  | { readonly kind: 'fulfill'; readonly id: bigint; readonly paymentPreimage: Uint8Array }
  | { readonly kind: 'fail'; readonly id: bigint; readonly reason: Uint8Array }
  | { readonly kind: 'failMalformed'; readonly id: bigint; readonly sha256OfOnion: Uint8Array; readonly failureCode: number }
  | { readonly kind: 'sign' }
  | { readonly kind: 'updateFee'; readonly feeratePerKw: number }
  | { readonly kind: 'close'; readonly scriptpubkey?: Uint8Array; readonly feeratePerKw?: number }
  | { readonly kind: 'forceClose'; readonly reason: string };

/** Messages the machine takes (BOLT 2 plus the BOLT 1 error/warning and BOLT 7 announcement_signatures). */
export type ChannelPeerMessage = ChannelMessage | ErrorMessage | Warning | AnnouncementSignatures;

/** One input to {@link step}. */
export type ChannelInput =
  | { readonly kind: 'peerMessage'; readonly message: ChannelPeerMessage }
  | { readonly kind: 'command'; readonly command: ChannelCommand }
  /** The wallet built (not broadcast) the funding tx we asked for with `fundTx`. */
  | { readonly kind: 'fundingTx'; readonly raw: Uint8Array; readonly txid: Uint8Array; readonly vout: number }
  /** The wallet could not build it. */
  | { readonly kind: 'fundingTxFailed'; readonly reason: string }
  /** Confirmations of the funding tx (0 = unconfirmed); `shortChannelId` once it is in a block. */
  | { readonly kind: 'fundingDepth'; readonly depth: number; readonly shortChannelId?: bigint }
  | { readonly kind: 'blockHeight'; readonly height: number }
  /** The on-chain resolver (`../onchain/`) finished with the funding spend: nothing is left to watch. */
  | { readonly kind: 'onchainResolved' }
  | { readonly kind: 'peerReconnected' }
  | { readonly kind: 'peerDisconnected' };

/** A chain watch the backend should set up. */
export type ChannelWatch =
  /**
   * Report `fundingDepth` for this outpoint; only if it pays exactly `amountSat` to `script` (BOLT 2:
   * no `channel_ready` otherwise), and a spend goes to the on-chain resolver.
   */
  | { readonly kind: 'fundingDepth'; readonly txid: Uint8Array; readonly vout: number; readonly script: Uint8Array; readonly amountSat: bigint; readonly minDepth: number }
  | { readonly kind: 'fundingSpent'; readonly txid: Uint8Array; readonly vout: number };

/** Something for logs and the API. */
export type ChannelEvent =
  | { readonly kind: 'stateChanged'; readonly from: ChannelState['kind']; readonly to: ChannelState['kind'] }
  | { readonly kind: 'opened'; readonly channelId: Uint8Array }
  | { readonly kind: 'ready'; readonly channelId: Uint8Array; readonly shortChannelId?: bigint }
  | { readonly kind: 'commandFailed'; readonly command: ChannelCommand['kind']; readonly reason: string }
  | { readonly kind: 'htlcsSettled'; readonly forwardAdds: readonly UpdateAddHtlc[]; readonly removals: readonly Update[] }
  | { readonly kind: 'htlcFulfilledByPeer'; readonly id: bigint; readonly paymentPreimage: Uint8Array }
  | { readonly kind: 'updatesDropped'; readonly dropped: readonly Update[] }
  | { readonly kind: 'peerError'; readonly text: string }
  /** Both announcement_signatures exchanged: the complete channel_announcement, for the gossip. */
  | { readonly kind: 'channelAnnouncement'; readonly message: ChannelAnnouncement }
  | { readonly kind: 'peerWarning'; readonly text: string }
  | { readonly kind: 'protocolViolation'; readonly text: string };

/** Why a channel ended (or is ending). */
export type CloseReason =
  | { readonly kind: 'mutual' }
  | { readonly kind: 'localForce'; readonly why: string }
  | { readonly kind: 'remoteError'; readonly why: string }
  | { readonly kind: 'protocolError'; readonly why: string }
  | { readonly kind: 'abandoned'; readonly why: string };

/** One output of {@link step}, to be performed in order after the new state is persisted. */
export type ChannelAction =
  | { readonly kind: 'send'; readonly message: ChannelPeerMessage }
  /** Ask the wallet to build (not broadcast) a tx paying `amountSat` to `script`; answer with `fundingTx`. */
  | { readonly kind: 'fundTx'; readonly request: { readonly script: Uint8Array; readonly amountSat: bigint; readonly feeratePerKw: number } }
  | { readonly kind: 'broadcast'; readonly raw: Uint8Array; readonly what: 'funding' | 'commitment' | 'closing' }
  | { readonly kind: 'watch'; readonly watch: ChannelWatch }
  | { readonly kind: 'channelIdAssigned'; readonly temporaryChannelId: Uint8Array; readonly channelId: Uint8Array }
  /** Close the connection to the peer (after sending a warning, per BOLT 1/2). */
  | { readonly kind: 'disconnect'; readonly reason: string }
  | { readonly kind: 'event'; readonly event: ChannelEvent }
  | { readonly kind: 'closed'; readonly reason: CloseReason };

/** The context of one step. */
export interface ChannelContext {
  /** Milliseconds since the epoch (for logs and timers). */
  readonly now: number;
  readonly policy: ChannelPolicy;
  /** The chain we run on (`chain_hash`). */
  readonly chainHash: Uint8Array;
  /** The channel's secrets (the machine zeroes them when done). */
  readonly secrets: (keyIndex: bigint) => ChannelSecrets;
  /** Our node id (33 bytes), for `announcement_signatures`. */
  readonly localNodeId: Uint8Array;
  /** Signs a 32-byte digest with the node key (the node key never enters the channel code). */
  readonly signWithNodeKey: (digest32: Uint8Array) => Uint8Array;
  /** Default feerate for a mutual close when the command gives none. */
  readonly closingFeeratePerKw: number;
  /** Our shutdown script when neither the command nor an upfront script gives one. */
  readonly defaultShutdownScript: Uint8Array;
  readonly engine?: Secp256k1Engine;
}

/** What every state knows. */
export interface Common {
  readonly remoteNodeId: Uint8Array;
  readonly features: NegotiatedFeatures;
  readonly keyIndex: bigint;
  readonly connected: boolean;
}

/** Our and the peer's shutdown scripts, and whether each side sent `shutdown`. */
export interface ShutdownInfo {
  readonly localScript: Uint8Array;
  /** Set once we sent `shutdown`. */
  readonly localSent: boolean;
  /** The peer's script, once its `shutdown` arrived. */
  readonly remoteScript?: Uint8Array;
  /** Feerate we aim for in closing negotiation. */
  readonly feeratePerKw: number;
}

/** Legacy closing negotiation (closing_signed). */
export interface LegacyNegotiation {
  readonly kind: 'legacy';
  /** Our last proposed fee and range. */
  readonly lastSent?: { readonly feeSat: bigint; readonly minFeeSat: bigint; readonly maxFeeSat: bigint };
  readonly lastReceivedFeeSat?: bigint;
}

/** option_simple_close negotiation (closing_complete / closing_sig). */
export interface SimpleNegotiation {
  readonly kind: 'simple';
  /** Our outstanding closing_complete, waiting for closing_sig. */
  readonly pending?: { readonly feeSat: bigint; readonly locktime: number; readonly closerScript: Uint8Array; readonly closeeScript: Uint8Array };
}

/** Our and the peer's `announcement_signatures` for a public channel. */
export interface AnnouncementProgress {
  readonly sent: boolean;
  readonly received: boolean;
}

/** The machine's state. Fields exist only where valid (STYLE rule 6). */
export type ChannelState =
  /** Created for a peer; waits for our `open` command or their `open_channel`. */
  | (Common & { readonly kind: 'unopened' })
  /** We sent open_channel. */
  | (Common & { readonly kind: 'waitAccept'; readonly temporaryChannelId: Uint8Array; readonly open: OpenParams; readonly local: AnnouncedConfig; readonly sentAt: number })
  /** accept_channel received; the wallet builds the funding tx. */
  | (Common & { readonly kind: 'waitFundingTx'; readonly temporaryChannelId: Uint8Array; readonly params: ChannelParams; readonly feeratePerKw: number })
  /** funding_created sent. */
  | (Common & { readonly kind: 'waitFundingSigned'; readonly temporaryChannelId: Uint8Array; readonly commitments: Commitments; readonly fundingRaw: Uint8Array })
  /** We accepted; waiting for funding_created. */
  | (Common & { readonly kind: 'waitFundingCreated'; readonly temporaryChannelId: Uint8Array; readonly params: ChannelParams; readonly feeratePerKw: number })
  /** Funding signed both ways; waiting for `minimum_depth`. `theirReady` if their channel_ready came first. */
  | (Common & { readonly kind: 'waitConfirmed'; readonly commitments: Commitments; readonly sinceHeight?: number; readonly currentHeight?: number; readonly theirReady: boolean })
  /** We sent channel_ready; waiting for theirs. */
  | (Common & { readonly kind: 'waitChannelReady'; readonly commitments: Commitments; readonly shortChannelId?: bigint })
  /** Operating. `shortChannelId` once known; `announcement` tracks announcement_signatures (public channels). */
  | (Common & { readonly kind: 'normal'; readonly commitments: Commitments; readonly shortChannelId?: bigint; readonly announcement: AnnouncementProgress; readonly fundingDepth: number })
  /** A `shutdown` was sent or received; HTLCs drain, no new adds. */
  | (Common & { readonly kind: 'shutdown'; readonly commitments: Commitments; readonly shutdown: ShutdownInfo; readonly shortChannelId?: bigint })
  /** Both shutdowns exchanged and no HTLCs left: fee negotiation. */
  | (Common & { readonly kind: 'negotiating'; readonly commitments: Commitments; readonly shutdown: ShutdownInfo & { readonly remoteScript: Uint8Array }; readonly negotiation: LegacyNegotiation | SimpleNegotiation; readonly closingTxs: readonly Uint8Array[] })
  /** A closing or commitment tx was broadcast; on-chain resolution is `../onchain/`'s. */
  | (Common & { readonly kind: 'closing'; readonly commitments: Commitments; readonly reason: CloseReason; readonly broadcast: readonly Uint8Array[] })
  /** Done. */
  | (Common & { readonly kind: 'closed'; readonly reason: CloseReason })
  /** Given up before any funds were at stake (nothing to do on chain). */
  | (Common & { readonly kind: 'aborted'; readonly reason: string })
  /**
   * We must not broadcast our commitment (the peer proved we lost state): we asked the peer to close
   * and wait for its commitment on chain.
   */
  | (Common & { readonly kind: 'errored'; readonly commitments: Commitments; readonly reason: string });

/** The state kinds. */
export type ChannelStateKind = ChannelState['kind'];

/** What {@link step} returns. */
export interface ChannelStepResult {
  readonly state: ChannelState;
  readonly actions: readonly ChannelAction[];
}
