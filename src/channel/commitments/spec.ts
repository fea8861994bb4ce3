/**
 * @module channel/commitments/spec
 * Pure arithmetic on {@link CommitSpec}: applying a batch of updates to a commitment (`reduce`), the
 * views of the next commitments each side would sign, the funder's cost of a commitment (base fee plus
 * anchors, BOLT 3 "Fee Payment"), and the value riding on trimmed HTLCs (dust exposure).
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#fee-payment
 *
 * Does not: check limits (see `./checks.ts`) or build transactions (see `./build.ts`).
 */
import { ChannelTxError } from '../errors.js';
import { ANCHOR_OUTPUT_SAT, MSAT_PER_SAT } from '../constants.js';
import { commitmentFeeSat, isTrimmed, type CommitmentFormat, type HtlcDirection } from '../fees.js';
import type { CommitSpec, Commitments, DirectedHtlc, RemoteCommit, Update } from './types.js';

/** The HTLC with `id` in `direction` (owner's view), if present. */
export function findHtlc(spec: CommitSpec, direction: HtlcDirection, id: bigint): DirectedHtlc | undefined {
  return spec.htlcs.find((h) => h.direction === direction && h.add.id === id);
}

function removeHtlc(spec: CommitSpec, direction: HtlcDirection, id: bigint): { spec: CommitSpec; amountMsat: bigint } {
  const h = findHtlc(spec, direction, id);
  // A bug, not a peer error: every removal is checked against the commitments before it is stored.
  if (h === undefined) throw new ChannelTxError('invalidInput', `no ${direction} HTLC ${id} to remove from the commitment`);
  return { spec: { ...spec, htlcs: spec.htlcs.filter((x) => x !== h) }, amountMsat: h.add.amountMsat };
}

/**
 * The commitment `spec` (owner's view) after applying `ownerChanges` (updates the owner sent) and
 * `otherChanges` (updates the other side sent): adds first, then removals, then the fee, so the order
 * of a batch does not matter (removals only ever name HTLCs committed earlier).
 */
export function reduce(spec: CommitSpec, ownerChanges: readonly Update[], otherChanges: readonly Update[]): CommitSpec {
  let s: CommitSpec = spec;
  let toLocal = spec.toLocalMsat;
  let toRemote = spec.toRemoteMsat;
  const added: DirectedHtlc[] = [];
  for (const u of ownerChanges) if (u.kind === 'add') { added.push({ direction: 'offered', add: u.htlc }); toLocal -= u.htlc.amountMsat; }
  for (const u of otherChanges) if (u.kind === 'add') { added.push({ direction: 'received', add: u.htlc }); toRemote -= u.htlc.amountMsat; }
  s = { ...s, htlcs: [...s.htlcs, ...added] };
  // The owner removes HTLCs the other side offered (received ones), and vice versa.
  for (const u of ownerChanges) {
    if (u.kind !== 'fulfill' && u.kind !== 'fail' && u.kind !== 'failMalformed') continue;
    const r = removeHtlc(s, 'received', u.id);
    s = r.spec;
    if (u.kind === 'fulfill') toLocal += r.amountMsat;
    else toRemote += r.amountMsat;
  }
  for (const u of otherChanges) {
    if (u.kind !== 'fulfill' && u.kind !== 'fail' && u.kind !== 'failMalformed') continue;
    const r = removeHtlc(s, 'offered', u.id);
    s = r.spec;
    if (u.kind === 'fulfill') toRemote += r.amountMsat;
    else toLocal += r.amountMsat;
  }
  let feeratePerKw = s.feeratePerKw;
  for (const u of [...ownerChanges, ...otherChanges]) if (u.kind === 'fee') feeratePerKw = u.feeratePerKw;
  return { feeratePerKw, toLocalMsat: toLocal, toRemoteMsat: toRemote, htlcs: s.htlcs };
}

/** The same commitment content seen from the other side (directions and balances swapped). */
export function mirror(spec: CommitSpec): CommitSpec {
  return {
    feeratePerKw: spec.feeratePerKw,
    toLocalMsat: spec.toRemoteMsat,
    toRemoteMsat: spec.toLocalMsat,
    htlcs: spec.htlcs.map((h) => ({ direction: h.direction === 'offered' ? 'received' : 'offered', add: h.add })),
  };
}

/** HTLCs of `spec` that get an output in a commitment whose owner uses `dustLimitSat`. */
export function untrimmedHtlcs(spec: CommitSpec, dustLimitSat: bigint, format: CommitmentFormat): DirectedHtlc[] {
  return spec.htlcs.filter((h) => !isTrimmed(h.direction, h.add.amountMsat, spec.feeratePerKw, dustLimitSat, format));
}

/**
 * What the funder pays for this commitment, in msat: the base fee (with the owner's dust limit deciding
 * which HTLCs have outputs) plus the two anchors under `option_anchors`.
 */
export function funderCostMsat(spec: CommitSpec, dustLimitSat: bigint, format: CommitmentFormat): bigint {
  const fee = commitmentFeeSat(spec.feeratePerKw, untrimmedHtlcs(spec, dustLimitSat, format).length, format);
  const anchors = format === 'anchors' ? 2n * ANCHOR_OUTPUT_SAT : 0n;
  return (fee + anchors) * MSAT_PER_SAT;
}

/** Sum of the HTLCs trimmed from this commitment (they go to miners on a force close), in msat. */
export function dustExposureMsat(spec: CommitSpec, dustLimitSat: bigint, format: CommitmentFormat): bigint {
  let sum = 0n;
  for (const h of spec.htlcs) if (isTrimmed(h.direction, h.add.amountMsat, spec.feeratePerKw, dustLimitSat, format)) sum += h.add.amountMsat;
  return sum;
}

/** The peer's latest commitment we signed: the one waiting for their revocation, else their current one. */
export function latestRemoteCommit(c: Commitments): RemoteCommit {
  return c.nextRemote.kind === 'waitingForRevocation' ? c.nextRemote.commit : c.remoteCommit;
}

/**
 * The peer's next commitment as we would sign it now, from the peer's point of view: their latest
 * signed commitment plus their updates we acknowledged and our proposed ones.
 */
export function remoteNextView(c: Commitments): CommitSpec {
  return reduce(latestRemoteCommit(c).spec, c.remoteChanges.acked, c.localChanges.proposed);
}

/**
 * Our next commitment as the peer would sign it now: our current one plus our updates they
 * acknowledged and their proposed ones. (It mirrors what the peer computes as its `remoteNextView`.)
 */
export function localNextView(c: Commitments): CommitSpec {
  return reduce(c.localCommit.spec, c.localChanges.acked, c.remoteChanges.proposed);
}

/** Our commitment with every update known so far applied, both ways (the most HTLCs it may ever hold). */
export function localFullView(c: Commitments): CommitSpec {
  const l = c.localChanges;
  return reduce(c.localCommit.spec, [...l.acked, ...l.signed, ...l.proposed], c.remoteChanges.proposed);
}

/** The peer's commitment with every update known so far applied, both ways, from the peer's point of view. */
export function remoteFullView(c: Commitments): CommitSpec {
  const r = c.remoteChanges;
  return reduce(latestRemoteCommit(c).spec, [...r.acked, ...r.proposed], c.localChanges.proposed);
}
