/**
 * @module channel/machine/deadlines
 * HTLC deadlines on every new block (BOLT 2 "Normal Operation", timeout deadlines): an HTLC we offered
 * that is still in a commitment {@link OFFERED_HTLC_GRACE_BLOCKS} blocks after its `cltv_expiry`, or one
 * we fulfilled that is still there {@link FULFILL_DEADLINE_BLOCKS} blocks before its `cltv_expiry`, fails
 * the channel so that it is timed out (or claimed with the preimage) on chain in time.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#normal-operation
 *
 * Does not: claim anything on chain (`../onchain/` does, from the broadcast commitment).
 */
import { htlcs } from '../commitments/index.js';
import type { Commitments } from '../commitments/types.js';
import { forceClose, stay } from './common.js';
import type { ChannelContext, ChannelState, ChannelStepResult } from './types.js';

// BOLT #2: 2. the deadline for offered HTLCs: the deadline after which the channel has to
//    be failed and timed out on-chain. This is `G` blocks after the HTLC's
//    `cltv_expiry`: 1 or 2 blocks is reasonable.
/** `G`: blocks after an offered HTLC's `cltv_expiry` at which we go on chain to time it out. */
export const OFFERED_HTLC_GRACE_BLOCKS = 2;

// BOLT #2: 3. the deadline for received HTLCs this node has fulfilled: the deadline after
//    which the channel has to be failed and the HTLC fulfilled on-chain before
//    its `cltv_expiry`. See steps 4-7 above, which imply a deadline of `2R+G+S`
//    blocks before `cltv_expiry`: 18 blocks is reasonable.
/** `2R+G+S`: blocks before a fulfilled incoming HTLC's `cltv_expiry` at which we claim it on chain. */
export const FULFILL_DEADLINE_BLOCKS = 18;

/** Ids of incoming HTLCs we sent a fulfill for that is not yet irrevocably committed. */
function fulfilledByUs(c: Commitments): Set<bigint> {
  const all = [...c.localChanges.proposed, ...c.localChanges.signed, ...c.localChanges.acked];
  return new Set(all.flatMap((u) => (u.kind === 'fulfill' ? [u.id] : [])));
}

/** The first HTLC past its deadline at `height`, described, or `undefined`. */
export function pastDeadline(c: Commitments, height: number): string | undefined {
  const fulfilled = fulfilledByUs(c);
  for (const h of htlcs(c)) {
    // BOLT #2: - if an HTLC which it offered is in either node's current
    //   commitment transaction, AND is past this timeout deadline:
    //     - SHOULD send an `error` to the receiving peer (if connected).
    //     - MUST fail the channel.
    if (h.direction === 'outgoing' && height >= h.add.cltvExpiry + OFFERED_HTLC_GRACE_BLOCKS) {
      return `offered HTLC ${h.add.id} expired at ${h.add.cltvExpiry}, now ${height}`;
    }
    // BOLT #2: - if an HTLC it has fulfilled is in either node's current commitment
    //   transaction, AND is past this fulfillment deadline:
    //     - SHOULD send an `error` to the offering peer (if connected).
    //     - MUST fail the channel.
    if (h.direction === 'incoming' && fulfilled.has(h.add.id) && height >= h.add.cltvExpiry - FULFILL_DEADLINE_BLOCKS) {
      return `fulfilled HTLC ${h.add.id} not removed ${FULFILL_DEADLINE_BLOCKS} blocks before its expiry ${h.add.cltvExpiry}, now ${height}`;
    }
  }
  return undefined;
}

/** A new block in a state with HTLCs: fail the channel if any HTLC is past its deadline. */
export function onBlock(s: Extract<ChannelState, { kind: 'normal' | 'shutdown' }>, height: number, ctx: ChannelContext): ChannelStepResult {
  const why = pastDeadline(s.commitments, height);
  return why === undefined ? stay(s) : forceClose(s, { kind: 'localForce', why }, ctx, true);
}
