/**
 * @module channel/onchain/types
 * The input of the on-chain resolver (BOLT 5): {@link OnchainChannel}, a minimal, plain-data snapshot
 * of one channel that is enough to recognise and resolve any transaction spending its funding output,
 * plus the shared vocabulary of the resolver (outpoints, claims, output roles) and its typed error.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Mapping from the commitments ledger (`src/channel/commitments/`, BOLT 2) is described in
 * docs/channels.md "On-chain resolution (BOLT 5)": every field here is either a ledger field or derived
 * from one, so the backend fills it with a plain copy.
 *
 * Does not: hold secrets (the {@link ResolveContext} carries them for one call) or touch I/O.
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { KindedError } from '../../errors.js';
import type { Htlc } from '../commitment.js';
import type { ChannelParams, ChannelSecrets } from '../params.js';
import type { ShachainEntry } from '../shachain.js';

/** An output of a transaction: txid in serialised byte order (as `src/channel/tx.ts`) and index. */
export interface Outpoint {
  readonly txid: Uint8Array;
  readonly vout: number;
}

/**
 * One commitment's content from its *owner's* point of view (like BOLT 3's `CommitmentSpec`): the
 * owner's balance is `toLocalMsat`, HTLC directions are the owner's (`offered` = the owner offered it).
 */
export interface CommitmentState {
  /** 48-bit commitment number of this commitment in its owner's sequence. */
  readonly commitmentNumber: number;
  readonly feeratePerKw: number;
  /** The owner's balance in msat, HTLCs excluded, before the fee and anchors are taken. */
  readonly toLocalMsat: bigint;
  /** The other side's balance in msat, HTLCs excluded. */
  readonly toRemoteMsat: bigint;
  readonly htlcs: readonly Htlc[];
}

/** Our latest local commitment, with the signatures the peer gave us for it in `commitment_signed`. */
export interface LocalCommitmentState extends CommitmentState {
  /** The peer's 64-byte compact signature of this commitment (`commitment_signed.signature`). */
  readonly remoteSig: Uint8Array;
  /** The peer's HTLC signatures (`htlc_signature`), in commitment output order (as received). */
  readonly remoteHtlcSigs: readonly Uint8Array[];
  /** Our `per_commitment_point` for this commitment (from our seed; public). */
  readonly perCommitmentPoint: Uint8Array;
}

/** One of the peer's unrevoked commitments, and the per-commitment point it is built with. */
export interface RemoteCommitmentState extends CommitmentState {
  /** The peer's `per_commitment_point` for this commitment (33 bytes). */
  readonly perCommitmentPoint: Uint8Array;
}

/** What a closing transaction may pay to (the two `shutdown` scripts), to recognise a mutual close. */
export interface ShutdownScripts {
  readonly local: Uint8Array;
  readonly remote: Uint8Array;
}

/** The payment hash and expiry of an HTLC the peer's commitments ever carried (to penalise old ones). */
export interface HtlcInfo {
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
}

/**
 * Everything the resolver needs to know about one channel. Plain data (persistable as is); no secrets.
 */
export interface OnchainChannel {
  readonly params: ChannelParams;
  readonly fundingTxid: Uint8Array;
  readonly fundingVout: number;
  /** Our latest local commitment, the one we would broadcast. */
  readonly local: LocalCommitmentState;
  /** The peer's current commitment: the latest we signed whose predecessor the peer revoked. */
  readonly remote: RemoteCommitmentState;
  /** The peer's next commitment: we signed it but have not received its `revoke_and_ack` yet. */
  readonly remoteNext?: RemoteCommitmentState;
  /** The peer's revealed per-commitment secrets (`PerCommitmentSecretStore.entries()`). */
  readonly remoteSecrets: readonly ShachainEntry[];
  /**
   * Payment hash and expiry of every HTLC of the peer's past commitments that may still be revoked
   * (a superset is fine: candidates are matched by script). Without it, revoked HTLC outputs cannot be
   * recognised (they are reported as unresolvable, `to_local` is still penalised).
   */
  readonly remoteHtlcHistory?: readonly HtlcInfo[];
  /** Preimages we know and may use on chain (see BOLT 5: only for HTLCs we may claim). */
  readonly preimages: readonly Uint8Array[];
  /** Both `shutdown` scripts once exchanged, to recognise the mutual close. */
  readonly shutdown?: ShutdownScripts;
}

/** Per-call inputs that are not channel state: secrets, fee policy, where swept funds go. */
export interface ResolveContext {
  readonly channel: OnchainChannel;
  /** This channel's secrets (`deriveChannelSecrets(masterSeed, params.keyIndex)`); not kept by the resolver. */
  readonly secrets: ChannelSecrets;
  /** Feerate of every sweep and penalty transaction built in this call (sat per 1000 WU). */
  readonly feeratePerKw: number;
  /** The output script (our wallet) every sweep and penalty pays to. */
  readonly sweepScript: Uint8Array;
  readonly engine?: Secp256k1Engine;
}

/** What a claim transaction does. */
export type ClaimKind =
  | 'toLocalSweep'
  | 'htlcTimeout'
  | 'htlcSuccess'
  | 'htlcTxOutputSweep'
  | 'toRemoteSweep'
  | 'remoteHtlcPreimage'
  | 'remoteHtlcTimeout'
  | 'penaltyToLocal'
  | 'penaltyHtlc'
  | 'penaltyHtlcTxOutput';

/** A signed transaction that resolves one output, and when it may be broadcast. */
export interface Claim {
  readonly kind: ClaimKind;
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
  /** Absolute height lock (`nLockTime`): valid in the block after a tip ≥ this; 0 = none. */
  readonly locktime: number;
  /** Relative delay (`nSequence` CSV): valid once the spent output has this many confirmations; 0 = none. */
  readonly csvDelay: number;
  /** `option_anchors` HTLC transactions pay no fee: the backend must add fee inputs before broadcast. */
  readonly needsFeeInputs: boolean;
  /** Feerate the claim was built at (sat per 1000 WU); 0 for pre-signed HTLC transactions (fee fixed). */
  readonly feeratePerKw: number;
}

/** An HTLC as the resolver tracks it. `offeredByUs` is from our point of view whatever the commitment. */
export interface HtlcRef {
  readonly offeredByUs: boolean;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** Unknown for revoked HTLCs recognised from {@link OnchainChannel.remoteHtlcHistory}. */
  readonly amountMsat?: bigint;
  /** The BOLT 2 HTLC id when the commitment carried it. */
  readonly id?: bigint;
}

/** What a watched output is. */
export type OutputRole =
  | { readonly kind: 'localToLocal' }
  | { readonly kind: 'toRemote' }
  | { readonly kind: 'localHtlc'; readonly htlc: HtlcRef }
  | { readonly kind: 'remoteHtlc'; readonly htlc: HtlcRef; readonly perCommitmentPoint: Uint8Array }
  | { readonly kind: 'revokedToLocal' }
  | { readonly kind: 'revokedHtlc'; readonly htlc: HtlcRef }
  | { readonly kind: 'localHtlcTxOutput'; readonly htlc: HtlcRef }
  | { readonly kind: 'revokedHtlcTxOutput'; readonly htlc: HtlcRef };

/** Closed set of on-chain resolver failure kinds. */
export const ONCHAIN_ERROR_KINDS = ['notFundingSpend', 'invalidChannel', 'invalidEvent'] as const;
/** One of {@link ONCHAIN_ERROR_KINDS}. */
export type OnchainErrorKind = (typeof ONCHAIN_ERROR_KINDS)[number];

/**
 * Error of `src/channel/onchain` (`code: 'CHANNEL_ONCHAIN'`):
 * - `notFundingSpend`: the transaction given as the funding spend does not spend the funding output
 *   (a caller bug: the chain watcher reported the wrong transaction).
 * - `invalidChannel`: the {@link OnchainChannel} is inconsistent (e.g. HTLC signature count); fix the caller.
 * - `invalidEvent`: an event that cannot apply to the resolver's state (e.g. a height going backwards
 *   without a `reorg`); fix the caller.
 */
export class OnchainError extends KindedError<'CHANNEL_ONCHAIN', OnchainErrorKind> {
  constructor(kind: OnchainErrorKind, message: string, options?: { cause?: unknown }) {
    super('CHANNEL_ONCHAIN', kind, message, options);
  }
}

/** Byte-equality of two public byte strings (txids, scripts): not constant time. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Lowercase hex of public bytes (hashes, scripts), for map keys. */
export function hexOf(b: Uint8Array): string {
  let out = '';
  for (const x of b) out += x.toString(16).padStart(2, '0');
  return out;
}

/** Whether two outpoints are the same. */
export function sameOutpoint(a: Outpoint, b: Outpoint): boolean {
  return a.vout === b.vout && sameBytes(a.txid, b.txid);
}
