/**
 * @module channel/commitments/sign
 * The commitment dance of BOLT 2: `commitment_signed` out (sign the peer's next commitment with every
 * update it has not seen signed), `commitment_signed` in (check the signatures of our next commitment
 * and revoke the previous one), `revoke_and_ack` in (check and store the peer's secret; what became
 * irrevocable).
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#committing-updates-so-far-commitment_signed
 *
 * Does not: retransmit (see `./reestablish.ts`) or persist; the caller must persist the returned ledger
 * *before* sending the returned `revoke_and_ack` or `commitment_signed`.
 */
import { activeEngine } from '../../crypto/engines.js';
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { ChannelTxError } from '../errors.js';
import { perCommitmentPoint } from '../keys.js';
import type { ChannelSecrets } from '../params.js';
import { commitmentIndex, insertSecretEntry } from '../shachain.js';
import { buildLocalCommitment, buildRemoteCommitment, checkLocalSigs, commitmentTxid, localPerCommitmentPoint, localPerCommitmentSecret, signRemote } from './build.js';
import { HASH_BYTES } from './constants.js';
import { fail, type CommitmentsResult as Result } from './errors.js';
import { isTrimmed } from '../fees.js';
import { dustExposureMsat, reduce } from './spec.js';
import type { CommitmentSigned, Commitments, RemoteCommit, RevokeAndAck, Update, UpdateAddHtlc } from './types.js';

/** Whether we have something to sign into the peer's commitment (our proposals, or their updates we acked). */
export function localHasChanges(c: Commitments): boolean {
  return c.localChanges.proposed.length > 0 || c.remoteChanges.acked.length > 0;
}

/** Whether the peer has something to sign into ours (its proposals, or our updates it acked). */
export function remoteHasChanges(c: Commitments): boolean {
  return c.remoteChanges.proposed.length > 0 || c.localChanges.acked.length > 0;
}

/**
 * Sign the peer's next commitment (`commitment_signed`). Refused with `cannotSignYet` while we wait for
 * their `revoke_and_ack` (or their second point), `noChangesToSign` without updates.
 */
export function sendCommit(c: Commitments, secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): Result<{ commitments: Commitments; commitmentSigned: CommitmentSigned }> {
  if (c.nextRemote.kind !== 'ready') return fail('cannotSignYet', 'refuse', `cannot sign the peer's next commitment now (${c.nextRemote.kind})`);
  // BOLT #2: - MUST NOT send a `commitment_signed` message that does not include any
  // updates.
  if (!localHasChanges(c)) return fail('noChangesToSign', 'refuse', 'no updates to sign');
  const point = c.nextRemote.perCommitmentPoint;
  const index = c.remoteCommit.index + 1;
  const spec = reduce(c.remoteCommit.spec, c.remoteChanges.acked, c.localChanges.proposed);
  const tx = buildRemoteCommitment(c, index, spec, point, engine);
  // BOLT #2: - MUST include one `htlc_signature` for every HTLC transaction corresponding
  // to the ordering of the commitment transaction (see [BOLT #3](03-transactions.md#transaction-input-and-output-ordering)).
  const commitmentSigned = signRemote(tx, point, secrets, engine);
  const commit: RemoteCommit = { index, spec, txid: commitmentTxid(tx), remotePerCommitmentPoint: point };
  const commitments: Commitments = {
    ...c,
    nextRemote: { kind: 'waitingForRevocation', commit, sentAfterLocalCommitIndex: c.localCommit.index },
    localChanges: { ...c.localChanges, proposed: [], signed: c.localChanges.proposed },
    remoteChanges: { ...c.remoteChanges, acked: [], signed: c.remoteChanges.acked },
  };
  return { ok: true, commitments, commitmentSigned };
}

/**
 * The peer's `commitment_signed`: build our next commitment, check its signature and every HTLC
 * signature, store them, and revoke our previous commitment (`revoke_and_ack`).
 */
export function receiveCommit(c: Commitments, msg: CommitmentSigned, secrets: ChannelSecrets, engine: Secp256k1Engine = activeEngine()): Result<{ commitments: Commitments; revokeAndAck: RevokeAndAck }> {
  if (c.localCommit.remoteSig === undefined) return fail('unexpectedMessage', 'warning', 'commitment_signed before the first commitment is signed');
  if (!remoteHasChanges(c)) return fail('noChangesToSign', 'warning', 'commitment_signed without any update');
  const index = c.localCommit.index + 1;
  const spec = reduce(c.localCommit.spec, c.localChanges.acked, c.remoteChanges.proposed);
  const point = localPerCommitmentPoint(secrets, index, engine);
  const tx = buildLocalCommitment(c, index, spec, point, engine);
  const { check } = checkLocalSigs(c, tx, msg, engine);
  if (check !== undefined) {
    switch (check.bad) {
      // BOLT #2: - if `signature` is not valid for its local commitment transaction OR non-compliant with LOW-S-standard rule <sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
      // - MUST send a `warning` and close the connection, or send an
      // `error` and fail the channel.
      case 'commitment': return fail('invalidCommitmentSig', 'warning', `invalid signature for our commitment ${index}`);
      // BOLT #2: - if `num_htlcs` is not equal to the number of HTLC outputs in the local
      // commitment transaction:
      case 'htlcCount': return fail('invalidHtlcSigCount', 'warning', `${msg.htlcSignatures.length} HTLC signatures for commitment ${index}`);
      // BOLT #2: - if any `htlc_signature` is not valid for the corresponding HTLC transaction OR non-compliant with LOW-S-standard rule <sup>[LOWS](https://github.com/bitcoin/bitcoin/pull/6769)</sup>:
      case 'htlc': return fail('invalidHtlcSig', 'warning', `invalid HTLC signature #${check.index} for commitment ${index}`);
    }
  }
  const commitments: Commitments = {
    ...c,
    localCommit: { index, spec, txid: commitmentTxid(tx), remoteSig: Uint8Array.from(msg.signature), htlcRemoteSigs: msg.htlcSignatures.map((s) => Uint8Array.from(s)) },
    localChanges: { ...c.localChanges, acked: [] },
    remoteChanges: { ...c.remoteChanges, proposed: [], acked: [...c.remoteChanges.acked, ...c.remoteChanges.proposed] },
  };
  return { ok: true, commitments, revokeAndAck: revocationFor(secrets, c.localCommit.index, engine) };
}

/** Our `revoke_and_ack` revoking commitment `oldIndex` (secret for it, point for `oldIndex + 2`). */
export function revocationFor(secrets: ChannelSecrets, oldIndex: number, engine: Secp256k1Engine = activeEngine()): RevokeAndAck {
  // BOLT #2: - MUST set `per_commitment_secret` to the secret used to generate keys for
  // the previous commitment transaction.
  // - MUST set `next_per_commitment_point` to the values for its next commitment
  // transaction.
  return { perCommitmentSecret: localPerCommitmentSecret(secrets, oldIndex), nextPerCommitmentPoint: localPerCommitmentPoint(secrets, oldIndex + 2, engine) };
}

/** What the peer's `revoke_and_ack` made irrevocable. */
export interface Settled {
  /** The peer's HTLCs now irrevocably committed on both sides: relay them (or fail them back). */
  readonly forwardAdds: readonly UpdateAddHtlc[];
  /** The peer's removals of our HTLCs now irrevocably committed (fulfills, fails, malformed fails). */
  readonly removals: readonly Update[];
  /**
   * Ids of `forwardAdds` that are trimmed from a commitment whose trimmed total now exceeds our
   * `max_dust_htlc_exposure_msat`: fail them back, never relay them or reveal their preimage.
   */
  readonly overDustExposure: readonly bigint[];
}

/**
 * The peer's `revoke_and_ack`: its secret must generate the point of the commitment it revokes and
 * extend the shachain of the secrets before it. Returns what became irrevocably committed.
 */
export function receiveRevoke(c: Commitments, msg: RevokeAndAck, engine: Secp256k1Engine = activeEngine()): Result<{ commitments: Commitments; settled: Settled }> {
  if (c.nextRemote.kind !== 'waitingForRevocation') return fail('unexpectedMessage', 'warning', 'revoke_and_ack without a commitment_signed of ours to acknowledge');
  const next = c.nextRemote.commit;
  // BOLT #2: - if `per_commitment_secret` is not a valid secret key or does not generate the previous `per_commitment_point`:
  // - MUST send an `error` and fail the channel.
  if (msg.perCommitmentSecret.length !== HASH_BYTES || !engine.isValidPrivateKey(msg.perCommitmentSecret)
    || !equal(perCommitmentPoint(msg.perCommitmentSecret, engine), c.remoteCommit.remotePerCommitmentPoint)) {
    return fail('invalidRevocation', 'forceClose', `per_commitment_secret does not generate the point of commitment ${c.remoteCommit.index}`);
  }
  if (!engine.isValidPublicKey(msg.nextPerCommitmentPoint)) return fail('invalidRevocation', 'forceClose', 'next_per_commitment_point is not a valid point');
  let secrets;
  try {
    // BOLT #2: - if the `per_commitment_secret` was not generated by the protocol in [BOLT #3](03-transactions.md#per-commitment-secret-requirements):
    // - MAY send a `warning` and close the connection, or send an
    // `error` and fail the channel.
    secrets = insertSecretEntry(c.remotePerCommitmentSecrets, commitmentIndex(c.remoteCommit.index), msg.perCommitmentSecret);
  } catch (e) {
    if (e instanceof ChannelTxError) return fail('revocationSecretMismatch', 'forceClose', `per_commitment_secret for commitment ${c.remoteCommit.index}: ${e.message}`);
    throw e;
  }
  const signed = c.remoteChanges.signed;
  const commitments: Commitments = {
    ...c,
    remoteCommit: next,
    nextRemote: { kind: 'ready', perCommitmentPoint: Uint8Array.from(msg.nextPerCommitmentPoint) },
    localChanges: { ...c.localChanges, signed: [], acked: [...c.localChanges.acked, ...c.localChanges.signed] },
    remoteChanges: { ...c.remoteChanges, signed: [] },
    remotePerCommitmentSecrets: secrets,
  };
  const forwardAdds = signed.flatMap((u) => (u.kind === 'add' ? [u.htlc] : []));
  const settled: Settled = {
    forwardAdds,
    removals: signed.filter((u) => u.kind === 'fulfill' || u.kind === 'fail' || u.kind === 'failMalformed'),
    overDustExposure: overDust(commitments, forwardAdds),
  };
  return { ok: true, commitments, settled };
}

/**
 * Ids of the newly committed peer HTLCs that, taken in id order on top of the trimmed value already
 * committed before them, push either commitment's trimmed total past our limit.
 */
function overDust(c: Commitments, adds: readonly UpdateAddHtlc[]): bigint[] {
  const p = c.params;
  const max = c.policy.maxDustHtlcExposureMsat;
  const over = new Set<bigint>();
  const sides = [
    { spec: c.localCommit.spec, direction: 'received' as const, dust: p.local.dustLimitSat },
    { spec: c.remoteCommit.spec, direction: 'offered' as const, dust: p.remote.dustLimitSat },
  ];
  for (const { spec, direction, dust } of sides) {
    const trimmed = adds.filter((h) => isTrimmed(direction, h.amountMsat, spec.feeratePerKw, dust, p.format));
    let exposure = dustExposureMsat(spec, dust, p.format) - trimmed.reduce((sum, h) => sum + h.amountMsat, 0n);
    for (const h of trimmed) {
      // BOLT #2: - if the `amount_msat` plus the dust balance of the local transaction is greater than `max_dust_htlc_exposure_msat`:
      // - SHOULD fail this HTLC once it's committed
      // - SHOULD NOT reveal a preimage for this HTLC
      if (exposure + h.amountMsat > max) over.add(h.id);
      else exposure += h.amountMsat;
    }
  }
  return adds.filter((h) => over.has(h.id)).map((h) => h.id);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
