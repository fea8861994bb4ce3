/**
 * @module channel/commitments/types
 * The plain-data state of the commitments ledger (BOLT 2 "Normal Operation"): both commitment chains,
 * the updates in flight each way, HTLC id counters and the peer's revealed per-commitment secrets.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 *
 * Everything here is plain data (objects, arrays, bigint, number, string, boolean, Uint8Array; no
 * classes, Map, Set or functions), so the backend can persist a {@link Commitments} value generically
 * and hand it back unchanged. Functions of the ledger never mutate their input; they return a new value.
 *
 * Vocabulary (as eclair's `Commitments`): updates *we* sent are `localChanges`, updates the peer sent are
 * `remoteChanges`. Each goes through (see the module header of `./index.ts` for the full dance):
 * - ours:   `proposed` (sent, not signed) → `signed` (in a `commitment_signed` we sent) → `acked` (the
 *   peer revoked: in their commitment, waiting to enter ours) → gone (in our commitment).
 * - theirs: `proposed` (received, not signed) → `acked` (in our commitment, we revoked) → `signed` (we
 *   signed a commitment of theirs with it) → gone (they revoked: irrevocably committed).
 *
 * Does not: hold secrets (they are derived per call from {@link ChannelSecrets}), or encode messages.
 */
import type { HtlcDirection } from '../fees.js';
import type { ChannelParams } from '../params.js';
import type { ShachainEntry } from '../shachain.js';

/** `update_add_htlc` fields the ledger keeps (the `channel_id` is the caller's). */
export interface UpdateAddHtlc {
  readonly id: bigint;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** The 1366-byte onion, opaque here (BOLT 4 is the relay's job). */
  readonly onionRoutingPacket: Uint8Array;
  /** `blinded_path.path_key` TLV when present (33 bytes), carried through. */
  readonly pathKey?: Uint8Array;
}

/** One update message, as the ledger stores it (everything needed to retransmit it). */
export type Update =
  | { readonly kind: 'add'; readonly htlc: UpdateAddHtlc }
  | { readonly kind: 'fulfill'; readonly id: bigint; readonly paymentPreimage: Uint8Array; readonly attributionData?: Uint8Array }
  | { readonly kind: 'fail'; readonly id: bigint; readonly reason: Uint8Array; readonly attributionData?: Uint8Array }
  | { readonly kind: 'failMalformed'; readonly id: bigint; readonly sha256OfOnion: Uint8Array; readonly failureCode: number }
  | { readonly kind: 'fee'; readonly feeratePerKw: number };

/** An HTLC in one commitment, seen from that commitment's owner: `offered` = the owner added it. */
export interface DirectedHtlc {
  readonly direction: HtlcDirection;
  readonly add: UpdateAddHtlc;
}

/**
 * The content of one commitment, from its owner's point of view: balances with in-flight HTLCs already
 * removed, before the fee and anchors (which {@link buildCommitment} subtracts from the funder).
 */
export interface CommitSpec {
  readonly feeratePerKw: number;
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly htlcs: readonly DirectedHtlc[];
}

/** Our current commitment, with the peer's signatures once received. */
export interface LocalCommit {
  readonly index: number;
  readonly spec: CommitSpec;
  /** Commitment txid (serialised byte order). */
  readonly txid: Uint8Array;
  /**
   * The peer's 64-byte signature of this commitment; absent only for commitment #0 between
   * {@link initialCommitments} and {@link receiveInitialSignature}.
   */
  readonly remoteSig?: Uint8Array;
  /** The peer's signatures of our HTLC transactions, in BOLT 3 output order. */
  readonly htlcRemoteSigs: readonly Uint8Array[];
}

/** A commitment of the peer's that we signed. */
export interface RemoteCommit {
  readonly index: number;
  readonly spec: CommitSpec;
  readonly txid: Uint8Array;
  /** The peer's `per_commitment_point` for this commitment (33 bytes). */
  readonly remotePerCommitmentPoint: Uint8Array;
}

/**
 * What we know about the peer's next commitment:
 * - `awaitingSecondPoint`: after funding, before `channel_ready` gave us their second point.
 * - `ready`: we may sign their next commitment with `perCommitmentPoint`.
 * - `waitingForRevocation`: we signed `commit` and wait for `revoke_and_ack` of the current one;
 *   `sentAfterLocalCommitIndex` is our local commitment index when we signed (retransmission order).
 */
export type NextRemote =
  | { readonly kind: 'awaitingSecondPoint' }
  | { readonly kind: 'ready'; readonly perCommitmentPoint: Uint8Array }
  | { readonly kind: 'waitingForRevocation'; readonly commit: RemoteCommit; readonly sentAfterLocalCommitIndex: number };

/** Our updates by stage (see the module header). */
export interface LocalChanges {
  readonly proposed: readonly Update[];
  readonly signed: readonly Update[];
  readonly acked: readonly Update[];
}

/** The peer's updates by stage (see the module header). */
export interface RemoteChanges {
  readonly proposed: readonly Update[];
  readonly acked: readonly Update[];
  readonly signed: readonly Update[];
}

/** Local policy the ledger enforces besides the negotiated parameters. */
export interface CommitmentsPolicy {
  /** `max_dust_htlc_exposure_msat`: the most we let ride on trimmed HTLCs in either commitment. */
  readonly maxDustHtlcExposureMsat: bigint;
}

/** The ledger of one channel. Plain data; persist it as is. */
export interface Commitments {
  /** Layout version of this value, for the persistence layer. */
  readonly version: 1;
  readonly params: ChannelParams;
  readonly policy: CommitmentsPolicy;
  /** BOLT 2 `channel_id` (32 bytes). */
  readonly channelId: Uint8Array;
  /** Funding txid in serialised byte order (as in `funding_created`). */
  readonly fundingTxid: Uint8Array;
  readonly fundingVout: number;
  readonly localCommit: LocalCommit;
  readonly remoteCommit: RemoteCommit;
  readonly nextRemote: NextRemote;
  readonly localChanges: LocalChanges;
  readonly remoteChanges: RemoteChanges;
  /** Id of the next HTLC we offer. */
  readonly localNextHtlcId: bigint;
  /** Id the next HTLC the peer offers must have. */
  readonly remoteNextHtlcId: bigint;
  /**
   * The per-commitment secrets the peer revealed, as the compact shachain entry list
   * (`PerCommitmentSecretStore.fromEntries` rebuilds the store).
   */
  readonly remotePerCommitmentSecrets: readonly ShachainEntry[];
}

/** `commitment_signed` fields (the caller adds `channel_id`). */
export interface CommitmentSigned {
  /** 64-byte compact signature of the commitment. */
  readonly signature: Uint8Array;
  /** One 64-byte compact signature per HTLC output, in the commitment's output order. */
  readonly htlcSignatures: readonly Uint8Array[];
}

/** `revoke_and_ack` fields (the caller adds `channel_id`). */
export interface RevokeAndAck {
  readonly perCommitmentSecret: Uint8Array;
  readonly nextPerCommitmentPoint: Uint8Array;
}

/** `channel_reestablish` fields this ledger decides (TLVs for splicing / interactive funding are not ours). */
export interface ReestablishFields {
  readonly nextCommitmentNumber: bigint;
  readonly nextRevocationNumber: bigint;
  readonly yourLastPerCommitmentSecret: Uint8Array;
  readonly myCurrentPerCommitmentPoint: Uint8Array;
}
