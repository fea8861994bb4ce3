/**
 * @module channel/commitments/deadlines
 * BOLT 2 HTLC deadlines at a block height: our offered HTLCs past their timeout deadline, and received
 * HTLCs we fulfilled that are past their fulfillment deadline, both still in an unrevoked commitment
 * (the channel must be failed so they are settled on chain), plus received HTLCs not fulfilled yet whose
 * fulfillment deadline passed (fail them back, never forward them).
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#cltv_expiry_delta-selection
 *
 * Does not: watch the chain or decide to relay; the caller asks at each new block.
 */
import { latestRemoteCommit, mirror } from './spec.js';
import type { CommitSpec, Commitments, DirectedHtlc } from './types.js';

/**
 * `G`: blocks after an offered HTLC's `cltv_expiry` we wait for the peer to fail it before failing the
 * channel ("1 or 2 blocks is reasonable").
 */
export const OFFERED_HTLC_GRACE_BLOCKS = 2;

/**
 * `2R+G+S`: blocks before a received HTLC's `cltv_expiry` by which a fulfilled HTLC must be off the
 * commitments, or we go on chain to claim it ("18 blocks is reasonable").
 */
export const FULFILL_SAFETY_BLOCKS = 18;

/** What is due at a block height. Ids are the HTLC ids of the side that offered them. */
export interface HtlcDeadlines {
  /** Our HTLCs past `cltv_expiry + G` still in a commitment: fail the channel. */
  readonly offeredPastDeadline: readonly bigint[];
  /** Their HTLCs we fulfilled, still in a commitment at `cltv_expiry - (2R+G+S)`: fail the channel. */
  readonly fulfilledPastDeadline: readonly bigint[];
  /** Their HTLCs we have not fulfilled, at or past the fulfillment deadline: fail them, do not forward. */
  readonly receivedToFail: readonly bigint[];
  /** True when either of the first two lists is non-empty. */
  readonly mustFailChannel: boolean;
}

/** HTLCs of `spec` (our point of view) in `direction`. */
function ours(spec: CommitSpec, direction: 'offered' | 'received'): DirectedHtlc[] {
  return spec.htlcs.filter((h) => h.direction === direction);
}

/** The deadlines of every HTLC at `blockHeight` (see {@link HtlcDeadlines}). */
export function htlcDeadlines(c: Commitments, blockHeight: number, graceBlocks = OFFERED_HTLC_GRACE_BLOCKS, fulfillSafetyBlocks = FULFILL_SAFETY_BLOCKS): HtlcDeadlines {
  // Every unrevoked commitment, seen from our side.
  const specs = [c.localCommit.spec, mirror(c.remoteCommit.spec), mirror(latestRemoteCommit(c).spec)];
  const inAny = (direction: 'offered' | 'received') => {
    const byId = new Map<bigint, DirectedHtlc>();
    for (const s of specs) for (const h of ours(s, direction)) byId.set(h.add.id, h);
    return [...byId.values()];
  };
  const l = c.localChanges;
  const fulfilled = new Set([...l.proposed, ...l.signed, ...l.acked].flatMap((u) => (u.kind === 'fulfill' ? [u.id] : [])));
  const removing = new Set([...l.proposed, ...l.signed, ...l.acked].flatMap((u) => (u.kind === 'fail' || u.kind === 'failMalformed' ? [u.id] : [])));
  // BOLT #2: - if an HTLC which it offered is in either node's current
  // commitment transaction, AND is past this timeout deadline:
  // - SHOULD send an `error` to the receiving peer (if connected).
  // - MUST fail the channel.
  const offeredPastDeadline = inAny('offered').filter((h) => blockHeight >= h.add.cltvExpiry + graceBlocks).map((h) => h.add.id);
  const received = inAny('received');
  const due = (h: DirectedHtlc) => blockHeight >= h.add.cltvExpiry - fulfillSafetyBlocks;
  // BOLT #2: - if an HTLC it has fulfilled is in either node's current commitment
  // transaction, AND is past this fulfillment deadline:
  // - SHOULD send an `error` to the offering peer (if connected).
  // - MUST fail the channel.
  const fulfilledPastDeadline = received.filter((h) => fulfilled.has(h.add.id) && due(h)).map((h) => h.add.id);
  // BOLT #2: - MUST fail (and not forward) an HTLC whose fulfillment deadline is already past.
  const receivedToFail = received.filter((h) => !fulfilled.has(h.add.id) && !removing.has(h.add.id) && due(h)).map((h) => h.add.id);
  return { offeredPastDeadline, fulfilledPastDeadline, receivedToFail, mustFailChannel: offeredPastDeadline.length + fulfilledPastDeadline.length > 0 };
}
