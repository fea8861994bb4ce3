/**
 * @module channel/commitments/updates
 * The `update_*` messages of BOLT 2 normal operation, both ways: `update_add_htlc`,
 * `update_fulfill_htlc`, `update_fail_htlc`, `update_fail_malformed_htlc` and `update_fee`. A `send*`
 * function checks our own command (failures are `refuse`: nothing goes out) and returns the message
 * fields; a `receive*` function checks the peer's message (failures carry the peer action). Either way
 * the update is appended to the `proposed` list of its side, to be signed by the next `commitment_signed`.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 *
 * Does not: decrypt onions or decide to fail / fulfill (the relay does), or sign (see `./sign.ts`).
 */
import { sha256 } from '../../crypto/hash.js';
import { BADONION, HASH_BYTES, MAX_CLTV_EXPIRY, MIN_FEERATE_PER_KW, ONION_PACKET_BYTES } from './constants.js';
import { checkOffered, dustExposureExceeded, funderCanAfford } from './checks.js';
import { fail, type CommitmentsAction, type CommitmentsError, type CommitmentsResult as Result } from './errors.js';
import { dustExposureMsat, findHtlc, latestRemoteCommit, localFullView, localNextView, remoteFullView, remoteNextView } from './spec.js';
import type { Commitments, DirectedHtlc, Update, UpdateAddHtlc } from './types.js';

/** What we need to offer an HTLC (the id is the ledger's). */
export interface AddHtlcCommand {
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  readonly onionRoutingPacket: Uint8Array;
  readonly pathKey?: Uint8Array;
}

/** Bounds on a peer's `update_fee` (policy from the backend's fee estimator). */
export interface FeerateBounds {
  readonly minPerKw: number;
  readonly maxPerKw: number;
}

/** Used when the caller gives no bounds: the relay floor, and no ceiling but the u32 range. */
export const DEFAULT_FEERATE_BOUNDS: FeerateBounds = { minPerKw: MIN_FEERATE_PER_KW, maxPerKw: 0xffffffff };

type Failed = { ok: false; error: CommitmentsError };

function proposeLocal(c: Commitments, u: Update): Commitments {
  return { ...c, localChanges: { ...c.localChanges, proposed: [...c.localChanges.proposed, u] } };
}

function proposeRemote(c: Commitments, u: Update): Commitments {
  return { ...c, remoteChanges: { ...c.remoteChanges, proposed: [...c.remoteChanges.proposed, u] } };
}

/** Field checks shared by both directions; `undefined` when the add is well-formed. */
function checkAddFields(add: Omit<UpdateAddHtlc, 'id'>, htlcMinimumMsat: bigint, action: CommitmentsAction): Failed | undefined {
  if (add.paymentHash.length !== HASH_BYTES || add.onionRoutingPacket.length !== ONION_PACKET_BYTES) {
    return fail('invalidUpdate', action, `payment_hash must be ${HASH_BYTES} bytes and onion_routing_packet ${ONION_PACKET_BYTES}`);
  }
  // BOLT #2: - MUST offer `amount_msat` greater than 0.
  // - MUST NOT offer `amount_msat` below the receiving node's `htlc_minimum_msat`
  if (add.amountMsat <= 0n || add.amountMsat < htlcMinimumMsat) return fail('htlcBelowMinimum', action, `amount_msat ${add.amountMsat} is below htlc_minimum_msat ${htlcMinimumMsat}`);
  // BOLT #2: - MUST set `cltv_expiry` less than 500000000.
  if (!Number.isInteger(add.cltvExpiry) || add.cltvExpiry < 0 || add.cltvExpiry >= MAX_CLTV_EXPIRY) return fail('invalidCltvExpiry', action, `cltv_expiry ${add.cltvExpiry} is not a block height`);
  return undefined;
}

/** An `update_add_htlc` with id `id` holding its own copies of every byte field (inputs may be views into larger buffers). */
function ownAddCopy(id: bigint, f: Omit<UpdateAddHtlc, 'id'>): UpdateAddHtlc {
  return {
    id,
    amountMsat: f.amountMsat,
    paymentHash: Uint8Array.from(f.paymentHash),
    cltvExpiry: f.cltvExpiry,
    onionRoutingPacket: Uint8Array.from(f.onionRoutingPacket),
    ...(f.pathKey ? { pathKey: Uint8Array.from(f.pathKey) } : {}),
  };
}

/**
 * Offer an HTLC (`update_add_htlc`): every BOLT 2 sender check on the peer's next commitment, the fee
 * spike buffer if we are the funder, and our dust exposure on both commitments.
 */
export function sendAdd(c: Commitments, cmd: AddHtlcCommand): Result<{ commitments: Commitments; add: UpdateAddHtlc }> {
  const p = c.params;
  const bad = checkAddFields(cmd, p.remote.htlcMinimumMsat, 'refuse');
  if (bad) return bad;
  // BOLT #2: - for the first HTLC it offers:
  // - MUST set `id` to 0.
  // - MUST increase the value of `id` by 1 for each successive offer.
  const add = ownAddCopy(c.localNextHtlcId, cmd);
  const c1 = { ...proposeLocal(c, { kind: 'add', htlc: add }), localNextHtlcId: c.localNextHtlcId + 1n };
  const view = remoteNextView(c1);
  const f = checkOffered(view, { format: p.format, receiver: p.remote, sender: p.local, senderIsFunder: p.weAreFunder, feeSpikeBuffer: true });
  if (f) return fail(f.kind, 'refuse', f.message);
  // The funder must also afford our own commitment with the HTLC (its dust limit may leave more outputs).
  if (p.weAreFunder && !funderCanAfford(localFullView(c1), true, p.local.dustLimitSat, p.remote.channelReserveSat, p.format)) {
    return fail('insufficientFunds', 'refuse', 'we could not pay the fee of our own commitment with this HTLC above our reserve');
  }
  const max = c.policy.maxDustHtlcExposureMsat;
  // BOLT #2: - when offering an HTLC:
  // - if the HTLC's `amount_msat` is smaller than the remote `dust_limit_satoshis` plus the HTLC-success fee at `feerate_per_kw`:
  // - if the `amount_msat` plus the dust balance of the remote transaction is greater than `max_dust_htlc_exposure_msat`:
  // - SHOULD NOT send this HTLC
  if (dustExposureExceeded(remoteFullView(c1), { direction: 'received', add }, p.remote.dustLimitSat, p.format, max)
    || dustExposureExceeded(localFullView(c1), { direction: 'offered', add }, p.local.dustLimitSat, p.format, max)) {
    return fail('dustExposureTooHigh', 'refuse', `a trimmed HTLC of ${add.amountMsat} msat would exceed max_dust_htlc_exposure_msat ${max}`);
  }
  return { ok: true, commitments: c1, add };
}

/**
 * The peer's `update_add_htlc`: every BOLT 2 receiver check on our next commitment. Accepted HTLCs
 * that would push our dust exposure over the policy come back with `dustExposureExceeded: true`: BOLT
 * 2 says to fail them once committed and never reveal their preimage (the relay's job).
 */
export function receiveAdd(c: Commitments, add: UpdateAddHtlc): Result<{ commitments: Commitments; dustExposureExceeded: boolean }> {
  const p = c.params;
  // BOLT #2: - if other `id` violations occur:
  // - MAY send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  if (add.id !== c.remoteNextHtlcId) return fail('unexpectedHtlcId', 'warning', `update_add_htlc id ${add.id}, expected ${c.remoteNextHtlcId}`);
  // BOLT #2: - receiving an `amount_msat` equal to 0, OR less than its own `htlc_minimum_msat`:
  // - SHOULD send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  const bad = checkAddFields(add, p.local.htlcMinimumMsat, 'warning');
  if (bad) return bad;
  // Own copies: decoded fields may be views into a larger receive buffer.
  const own = ownAddCopy(add.id, add);
  const c1 = { ...proposeRemote(c, { kind: 'add', htlc: own }), remoteNextHtlcId: c.remoteNextHtlcId + 1n };
  // BOLT #2: - receiving an `amount_msat` that the sending node cannot afford at the current `feerate_per_kw` (while maintaining its channel reserve and any `to_local_anchor` and `to_remote_anchor` costs):
  // - SHOULD send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  const f = checkOffered(localNextView(c1), { format: p.format, receiver: p.local, sender: p.remote, senderIsFunder: !p.weAreFunder, feeSpikeBuffer: false });
  if (f) return fail(f.kind, 'warning', f.message);
  const max = c.policy.maxDustHtlcExposureMsat;
  // BOLT #2: - when receiving an HTLC:
  // - if the HTLC's `amount_msat` is smaller than the remote `dust_limit_satoshis` plus the HTLC-timeout fee at `feerate_per_kw`:
  // - if the `amount_msat` plus the dust balance of the remote transaction is greater than `max_dust_htlc_exposure_msat`:
  // - SHOULD fail this HTLC once it's committed
  const dust = dustExposureExceeded(remoteFullView(c1), { direction: 'offered', add }, p.remote.dustLimitSat, p.format, max)
    || dustExposureExceeded(localFullView(c1), { direction: 'received', add }, p.local.dustLimitSat, p.format, max);
  return { ok: true, commitments: c1, dustExposureExceeded: dust };
}

/** Whether an update in `list` already removes HTLC `id`. */
function removing(list: readonly Update[], id: bigint): boolean {
  return list.some((u) => (u.kind === 'fulfill' || u.kind === 'fail' || u.kind === 'failMalformed') && u.id === id);
}

/**
 * The peer's HTLC `id` if it is irrevocably committed in both commitments (in ours as received, in
 * their current one as offered) and we are not removing it already.
 */
function incomingCommitted(c: Commitments, id: bigint): DirectedHtlc | undefined {
  const l = c.localChanges;
  if (removing(l.proposed, id) || removing(l.signed, id) || removing(l.acked, id)) return undefined;
  const ours = findHtlc(c.localCommit.spec, 'received', id);
  return ours !== undefined && findHtlc(c.remoteCommit.spec, 'offered', id) !== undefined ? ours : undefined;
}

/** Our HTLC `id` if it is in our commitment and the peer's latest signed one, not already being removed. */
function outgoingCommitted(c: Commitments, id: bigint): DirectedHtlc | undefined {
  if (removing(c.remoteChanges.proposed, id)) return undefined;
  const ours = findHtlc(c.localCommit.spec, 'offered', id);
  return ours !== undefined && findHtlc(latestRemoteCommit(c).spec, 'received', id) !== undefined ? ours : undefined;
}

/** Checks common to our removals: the HTLC is irrevocably committed and not being removed. */
function checkOurRemoval(c: Commitments, id: bigint): Failed | DirectedHtlc {
  // BOLT #2: - until the corresponding HTLC is irrevocably committed in both sides'
  // commitment transactions:
  // - MUST NOT send an `update_fulfill_htlc`, `update_fail_htlc`, or
  // `update_fail_malformed_htlc`.
  const h = incomingCommitted(c, id);
  return h ?? fail('unknownHtlc', 'refuse', `HTLC ${id} is not irrevocably committed, or already being removed`);
}

/** Checks common to the peer's removals. */
function checkTheirRemoval(c: Commitments, id: bigint): Failed | DirectedHtlc {
  // BOLT #2: - if the `id` does not correspond to an HTLC in its current commitment transaction:
  // - MUST send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  const h = outgoingCommitted(c, id);
  return h ?? fail('unknownHtlc', 'warning', `HTLC ${id} is not one of ours committed on both sides, or is already being removed`);
}

function isFailed(x: Failed | DirectedHtlc): x is Failed {
  return 'ok' in x;
}

/** Fulfill the peer's HTLC `id` with its preimage (`update_fulfill_htlc`). */
export function sendFulfill(c: Commitments, id: bigint, paymentPreimage: Uint8Array, attributionData?: Uint8Array): Result<{ commitments: Commitments; update: Update & { kind: 'fulfill' } }> {
  const h = checkOurRemoval(c, id);
  if (isFailed(h)) return h;
  if (paymentPreimage.length !== HASH_BYTES || !equal(sha256(paymentPreimage), h.add.paymentHash)) return fail('invalidPreimage', 'refuse', `the preimage does not match HTLC ${id}`);
  const update = { kind: 'fulfill' as const, id, paymentPreimage: Uint8Array.from(paymentPreimage), ...(attributionData ? { attributionData } : {}) };
  return { ok: true, commitments: proposeLocal(c, update), update };
}

/**
 * The peer fulfilled our HTLC `id`. Returns the HTLC so the relay can pass the preimage upstream at
 * once (it is valid whatever happens to this channel).
 */
export function receiveFulfill(c: Commitments, id: bigint, paymentPreimage: Uint8Array, attributionData?: Uint8Array): Result<{ commitments: Commitments; htlc: UpdateAddHtlc }> {
  const h = checkTheirRemoval(c, id);
  if (isFailed(h)) return h;
  // BOLT #2: - if the `payment_preimage` value in `update_fulfill_htlc`
  // doesn't SHA256 hash to the corresponding HTLC `payment_hash`:
  // - MUST send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  if (paymentPreimage.length !== HASH_BYTES || !equal(sha256(paymentPreimage), h.add.paymentHash)) return fail('invalidPreimage', 'warning', `the preimage does not match HTLC ${id}`);
  const update: Update = { kind: 'fulfill', id, paymentPreimage: Uint8Array.from(paymentPreimage), ...(attributionData ? { attributionData } : {}) };
  return { ok: true, commitments: proposeRemote(c, update), htlc: h.add };
}

/** Fail the peer's HTLC `id` with an encrypted `reason` (`update_fail_htlc`). */
export function sendFail(c: Commitments, id: bigint, reason: Uint8Array, attributionData?: Uint8Array): Result<{ commitments: Commitments; update: Update & { kind: 'fail' } }> {
  const h = checkOurRemoval(c, id);
  if (isFailed(h)) return h;
  const update = { kind: 'fail' as const, id, reason: Uint8Array.from(reason), ...(attributionData ? { attributionData } : {}) };
  return { ok: true, commitments: proposeLocal(c, update), update };
}

/** The peer failed our HTLC `id` (`update_fail_htlc`). The failure is final once irrevocably committed (see `receiveRevoke`). */
export function receiveFail(c: Commitments, id: bigint, reason: Uint8Array, attributionData?: Uint8Array): Result<{ commitments: Commitments; htlc: UpdateAddHtlc }> {
  const h = checkTheirRemoval(c, id);
  if (isFailed(h)) return h;
  const update: Update = { kind: 'fail', id, reason: Uint8Array.from(reason), ...(attributionData ? { attributionData } : {}) };
  return { ok: true, commitments: proposeRemote(c, update), htlc: h.add };
}

/** Fail the peer's HTLC `id` whose onion we could not parse (`update_fail_malformed_htlc`). */
export function sendFailMalformed(c: Commitments, id: bigint, sha256OfOnion: Uint8Array, failureCode: number): Result<{ commitments: Commitments; update: Update & { kind: 'failMalformed' } }> {
  const h = checkOurRemoval(c, id);
  if (isFailed(h)) return h;
  if (sha256OfOnion.length !== HASH_BYTES) return fail('invalidUpdate', 'refuse', 'sha256_of_onion must be 32 bytes');
  if ((failureCode & BADONION) === 0 || failureCode > 0xffff) return fail('invalidFailureCode', 'refuse', `failure_code ${failureCode} lacks the BADONION bit`);
  const update = { kind: 'failMalformed' as const, id, sha256OfOnion: Uint8Array.from(sha256OfOnion), failureCode };
  return { ok: true, commitments: proposeLocal(c, update), update };
}

/** The peer could not parse the onion of our HTLC `id` (`update_fail_malformed_htlc`). */
export function receiveFailMalformed(c: Commitments, id: bigint, sha256OfOnion: Uint8Array, failureCode: number): Result<{ commitments: Commitments; htlc: UpdateAddHtlc }> {
  const h = checkTheirRemoval(c, id);
  if (isFailed(h)) return h;
  // BOLT #2: - if the `BADONION` bit in `failure_code` is not set for
  // `update_fail_malformed_htlc`:
  // - MUST send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  if ((failureCode & BADONION) === 0) return fail('invalidFailureCode', 'warning', `failure_code ${failureCode} lacks the BADONION bit`);
  if (sha256OfOnion.length !== HASH_BYTES) return fail('invalidUpdate', 'warning', 'sha256_of_onion must be 32 bytes');
  const update: Update = { kind: 'failMalformed', id, sha256OfOnion: Uint8Array.from(sha256OfOnion), failureCode };
  return { ok: true, commitments: proposeRemote(c, update), htlc: h.add };
}

function checkFeerate(feeratePerKw: number, b: FeerateBounds, action: CommitmentsAction): Failed | undefined {
  if (!Number.isInteger(feeratePerKw) || feeratePerKw < b.minPerKw || feeratePerKw > b.maxPerKw) {
    return fail('feerateOutOfBounds', action, `feerate_per_kw ${feeratePerKw} is outside ${b.minPerKw}..${b.maxPerKw}`);
  }
  return undefined;
}

/**
 * Change the commitment feerate (`update_fee`; only the funder may). Refused if we could not pay it on
 * the peer's next commitment above our reserve, or (without anchors) if it would trim HTLCs past our
 * dust exposure limit.
 */
export function sendFee(c: Commitments, feeratePerKw: number, bounds: FeerateBounds = DEFAULT_FEERATE_BOUNDS): Result<{ commitments: Commitments; feeratePerKw: number }> {
  const p = c.params;
  // BOLT #2: The node _not responsible_ for paying the Bitcoin fee:
  // - MUST NOT send `update_fee`.
  if (!p.weAreFunder) return fail('notFunder', 'refuse', 'only the funder sends update_fee');
  const bad = checkFeerate(feeratePerKw, bounds, 'refuse');
  if (bad) return bad;
  const c1 = proposeLocal(c, { kind: 'fee', feeratePerKw });
  if (!funderCanAfford(remoteNextView(c1), false, p.remote.dustLimitSat, p.remote.channelReserveSat, p.format)) {
    return fail('cannotAffordFees', 'refuse', `we cannot pay the commitment fee at ${feeratePerKw} sat/kw above our reserve`);
  }
  // BOLT #2: - if `option_anchors` was not negotiated:
  // - if the `update_fee` increases `feerate_per_kw`:
  // - if the dust balance of the remote transaction at the updated `feerate_per_kw` is greater than `max_dust_htlc_exposure_msat`:
  // - MAY NOT send `update_fee`
  if (p.format !== 'anchors' && feeratePerKw > remoteNextView(c).feeratePerKw && dustOver(c1)) {
    return fail('dustExposureTooHigh', 'refuse', `feerate ${feeratePerKw} sat/kw would trim HTLCs past max_dust_htlc_exposure_msat`);
  }
  return { ok: true, commitments: c1, feeratePerKw };
}

/** Whether trimmed HTLCs exceed our dust exposure limit on either commitment with every known update applied. */
function dustOver(c: Commitments): boolean {
  const p = c.params;
  const max = c.policy.maxDustHtlcExposureMsat;
  return dustExposureMsat(remoteFullView(c), p.remote.dustLimitSat, p.format) > max || dustExposureMsat(localFullView(c), p.local.dustLimitSat, p.format) > max;
}

/**
 * The peer's `update_fee`: from the funder only, within `bounds`, affordable on our next commitment.
 * Without anchors, an increase that trims HTLCs past our dust exposure limit is accepted but flagged
 * (`dustExposureExceeded`): BOLT 2 leaves failing the channel for it to local policy (MAY).
 */
export function receiveFee(c: Commitments, feeratePerKw: number, bounds: FeerateBounds = DEFAULT_FEERATE_BOUNDS): Result<{ commitments: Commitments; dustExposureExceeded: boolean }> {
  const p = c.params;
  // BOLT #2: - if the sender is not responsible for paying the Bitcoin fee:
  // - MUST send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  if (p.weAreFunder) return fail('notFunder', 'warning', 'update_fee from the side that does not pay the fee');
  // BOLT #2: - if the `update_fee` is too low for timely processing, OR is unreasonably large:
  // - MUST send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  const bad = checkFeerate(feeratePerKw, bounds, 'warning');
  if (bad) return bad;
  const c1 = proposeRemote(c, { kind: 'fee', feeratePerKw });
  // BOLT #2: - if the sender cannot afford the new fee rate on the receiving node's
  // current commitment transaction:
  // - SHOULD send a `warning` and close the connection, or send an
  // `error` and fail the channel.
  if (!funderCanAfford(localNextView(c1), false, p.local.dustLimitSat, p.local.channelReserveSat, p.format)) {
    return fail('cannotAffordFees', 'warning', `the funder cannot pay the commitment fee at ${feeratePerKw} sat/kw above its reserve`);
  }
  // BOLT #2: - if `option_anchors` was not negotiated:
  // - if the `update_fee` increases `feerate_per_kw`:
  // - if the dust balance of the remote transaction at the updated `feerate_per_kw` is greater then `max_dust_htlc_exposure_msat`:
  // - MAY fail the channel
  const dustExposureExceeded = p.format !== 'anchors' && feeratePerKw > localNextView(c).feeratePerKw && dustOver(c1);
  return { ok: true, commitments: c1, dustExposureExceeded };
}

/** Byte equality of public values (hashes). */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
