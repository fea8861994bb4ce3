/**
 * @module channel/commitments/reestablish
 * BOLT 2 "Message Retransmission": what the ledger forgets on disconnection (every update not yet
 * covered by a `commitment_signed`), the `channel_reestablish` fields we send, and what the peer's
 * `channel_reestablish` asks us to retransmit (our `revoke_and_ack` and/or our `commitment_signed` with
 * the updates before it, in the order first sent), or which side lost state.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#message-retransmission
 *
 * Numbers: `next_commitment_number` is our local commitment index + 1 (the next `commitment_signed` we
 * expect); `next_revocation_number` is the peer's current commitment index (the next `revoke_and_ack`
 * we expect revokes it).
 *
 * Does not: handle `next_funding` / `my_current_funding_locked` (splicing, interactive funding) or
 * `shutdown` retransmission (the state machine's).
 */
import { activeEngine } from '../../crypto/engines.js';
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import type { ChannelSecrets } from '../params.js';
import { commitmentIndex, deriveSecretFromEntries } from '../shachain.js';
import { buildRemoteCommitment, localPerCommitmentPoint, localPerCommitmentSecret, signRemote } from './build.js';
import { HASH_BYTES } from './constants.js';
import { fail, type CommitmentsError, type CommitmentsResult as Result } from './errors.js';
import { revocationFor } from './sign.js';
import type { CommitmentSigned, Commitments, ReestablishFields, RevokeAndAck, Update } from './types.js';

/**
 * Forget what the other side cannot have committed: both sides' `proposed` updates (HTLC id counters
 * roll back with them). Returns our dropped updates: the caller must fail or re-send them (a dropped
 * `update_fulfill_htlc` must be sent again: its preimage is already known). Idempotent.
 */
export function onDisconnect(c: Commitments): { commitments: Commitments; dropped: readonly Update[] } {
  // BOLT #2: - MUST reverse any uncommitted updates sent by the other side (i.e. all
  // messages beginning with `update_` for which no `commitment_signed` has
  // been received).
  const adds = (l: readonly Update[]) => BigInt(l.filter((u) => u.kind === 'add').length);
  const dropped = c.localChanges.proposed;
  const commitments: Commitments = {
    ...c,
    localChanges: { ...c.localChanges, proposed: [] },
    remoteChanges: { ...c.remoteChanges, proposed: [] },
    localNextHtlcId: c.localNextHtlcId - adds(dropped),
    remoteNextHtlcId: c.remoteNextHtlcId - adds(c.remoteChanges.proposed),
  };
  return { commitments, dropped };
}

/** The last per-commitment secret the peer gave us (all zeroes before the first one). */
function lastRemoteSecret(c: Commitments): Uint8Array {
  if (c.remoteCommit.index === 0) return new Uint8Array(HASH_BYTES);
  return deriveSecretFromEntries(c.remotePerCommitmentSecrets, commitmentIndex(c.remoteCommit.index - 1));
}

/** Our `channel_reestablish` fields. */
export function reestablishFields(c: Commitments, secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): ReestablishFields {
  return {
    // BOLT #2: - MUST set `next_commitment_number` to the commitment number of the
    // next `commitment_signed` it expects to receive.
    nextCommitmentNumber: BigInt(c.localCommit.index + 1),
    // BOLT #2: - MUST set `next_revocation_number` to the commitment number of the
    // next `revoke_and_ack` message it expects to receive.
    nextRevocationNumber: BigInt(c.remoteCommit.index),
    // BOLT #2: - if `next_revocation_number` equals 0:
    // - MUST set `your_last_per_commitment_secret` to all zeroes
    // - otherwise:
    // - MUST set `your_last_per_commitment_secret` to the last `per_commitment_secret` it received
    yourLastPerCommitmentSecret: lastRemoteSecret(c),
    // BOLT #2: - MUST set `my_current_per_commitment_point` to a valid point.
    myCurrentPerCommitmentPoint: localPerCommitmentPoint(secrets, c.localCommit.index, engine),
  };
}

/** One message to retransmit, in order. */
export type Retransmission =
  | { readonly kind: 'update'; readonly update: Update }
  | { readonly kind: 'commitmentSigned'; readonly commitmentSigned: CommitmentSigned }
  | { readonly kind: 'revokeAndAck'; readonly revokeAndAck: RevokeAndAck };

/** What to do after the peer's `channel_reestablish`. */
export interface ReestablishOutcome {
  readonly commitments: Commitments;
  /** Messages to send again, in this order. */
  readonly retransmit: readonly Retransmission[];
  /** Whether to send `channel_ready` again (both sides still expect commitment #1). */
  readonly resendChannelReady: boolean;
  /** Our updates dropped as uncommitted (see {@link onDisconnect}). */
  readonly dropped: readonly Update[];
}

type RevocationPlan = { resend: boolean } | { ok: false; error: CommitmentsError };

/** Their `next_revocation_number` and secret against our local commitment index. */
function planRevocation(c: Commitments, theirs: ReestablishFields, secrets: ChannelSecrets): RevocationPlan {
  const ours = BigInt(c.localCommit.index);
  const r = theirs.nextRevocationNumber;
  /** Whether `got` is our secret for commitment `n - 1` (all zeroes for n = 0); our copy is zeroed. */
  const proves = (n: bigint, got: Uint8Array): boolean => {
    const mine = n === 0n ? new Uint8Array(HASH_BYTES) : localPerCommitmentSecret(secrets, Number(n - 1n));
    const same = equal(mine, got);
    mine.fill(0);
    return same;
  };
  if (r > ours) {
    // BOLT #2: - if `next_revocation_number` is greater than expected above, AND
    // `your_last_per_commitment_secret` is correct for that
    // `next_revocation_number` minus 1:
    // - MUST NOT broadcast its commitment transaction.
    // - SHOULD send an `error` to request the peer to fail the channel.
    if (r < 2n ** 48n && proves(r, theirs.yourLastPerCommitmentSecret)) {
      return fail('weAreBehind', 'error', `the peer proved it received our revocation of commitment ${r - 1n}; we only know commitment ${ours}`);
    }
    return fail('invalidReestablish', 'forceClose', `next_revocation_number ${r} is ahead of our commitment ${ours} without proof`);
  }
  // BOLT #2: - if `next_revocation_number` is not equal to 1 greater than the
  // commitment number of the last `revoke_and_ack` the receiving node has sent:
  // - SHOULD send an `error` and fail the channel.
  if (r + 1n < ours) return fail('peerBehind', 'forceClose', `next_revocation_number ${r}: the peer lost our revocations up to ${ours - 1n}`);
  // BOLT #2: - if `your_last_per_commitment_secret` does not match the expected values:
  // - SHOULD send an `error` and fail the channel.
  if (!proves(r, theirs.yourLastPerCommitmentSecret)) return fail('invalidReestablish', 'forceClose', `your_last_per_commitment_secret is wrong for next_revocation_number ${r}`);
  // BOLT #2: - if `next_revocation_number` is equal to the commitment number of
  // the last `revoke_and_ack` the receiving node sent, AND the receiving node
  // hasn't already received a `closing_signed`:
  // - MUST re-send the `revoke_and_ack`.
  return { resend: r + 1n === ours };
}

type CommitPlan = { resend: boolean } | { ok: false; error: CommitmentsError };

/** Their `next_commitment_number` against the peer commitment we signed last. */
function planCommit(c: Commitments, theirs: ReestablishFields): CommitPlan {
  const n = theirs.nextCommitmentNumber;
  const waiting = c.nextRemote.kind === 'waitingForRevocation';
  const lastSigned = BigInt(waiting ? c.remoteCommit.index + 1 : c.remoteCommit.index);
  // BOLT #2: - if `next_commitment_number` is equal to the commitment number of
  // the last `commitment_signed` message the receiving node has sent:
  // - MUST reuse the same commitment number for its next `commitment_signed`.
  if (waiting && n === lastSigned) return { resend: true };
  if (n === lastSigned + 1n) return { resend: false };
  if (n > lastSigned + 1n) return fail('weAreBehind', 'error', `the peer expects commitment ${n}; we only signed up to ${lastSigned}`);
  // BOLT #2: - if `next_commitment_number` is not equal to the commitment number of the
  // next `commitment_signed` that the receiving node would send:
  // - SHOULD send an `error` and fail the channel.
  return fail('peerBehind', 'forceClose', `the peer expects commitment ${n}; it already has ${lastSigned}`);
}

/**
 * The peer's `channel_reestablish`: which of our messages to retransmit and in which order, or the
 * typed error (`weAreBehind` → `error`: never broadcast; `peerBehind` / `invalidReestablish` →
 * `forceClose`). Drops uncommitted updates first ({@link onDisconnect}).
 */
export function onReestablish(c0: Commitments, theirs: ReestablishFields, secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): Result<ReestablishOutcome> {
  const { commitments: c, dropped } = onDisconnect(c0);
  // BOLT #2: - if `next_commitment_number` is zero:
  // - MUST immediately fail the channel and broadcast any relevant latest commitment
  // transaction.
  if (theirs.nextCommitmentNumber === 0n) return fail('invalidReestablish', 'forceClose', 'next_commitment_number is zero');
  const rev = planRevocation(c, theirs, secrets);
  const com = planCommit(c, theirs);
  // The revocation side first: it is the one that can prove we lost data (the peer holds our secret).
  if ('ok' in rev) return rev;
  if ('ok' in com) return com;
  const out: Retransmission[] = [];
  if (com.resend && c.nextRemote.kind === 'waitingForRevocation') {
    const next = c.nextRemote.commit;
    for (const update of c.localChanges.signed) out.push({ kind: 'update', update });
    const tx = buildRemoteCommitment(c, next.index, next.spec, next.remotePerCommitmentPoint, engine);
    out.push({ kind: 'commitmentSigned', commitmentSigned: signRemote(tx, next.remotePerCommitmentPoint, secrets, engine) });
  }
  if (rev.resend) {
    const revoke: Retransmission = { kind: 'revokeAndAck', revokeAndAck: revocationFor(secrets, c.localCommit.index - 1, engine) };
    // BOLT #2: - if it has previously sent a `commitment_signed` that needs to be
    // retransmitted:
    // - MUST retransmit `revoke_and_ack` and `commitment_signed` in the same
    // relative order as initially transmitted.
    const commitFirst = c.nextRemote.kind === 'waitingForRevocation' && c.nextRemote.sentAfterLocalCommitIndex < c.localCommit.index;
    if (commitFirst) out.push(revoke);
    else out.unshift(revoke);
  }
  // BOLT #2: - if `next_commitment_number` is 1 in both the `channel_reestablish` it
  // sent and received, and none of those `channel_reestablish` messages
  // contain `my_current_funding_locked` or `next_funding` for a splice transaction:
  // - MUST retransmit `channel_ready`.
  const resendChannelReady = theirs.nextCommitmentNumber === 1n && c.localCommit.index === 0;
  return { ok: true, commitments: c, retransmit: out, resendChannelReady, dropped };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
