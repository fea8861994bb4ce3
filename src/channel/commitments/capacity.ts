/**
 * @module channel/commitments/capacity
 * How large an HTLC we could offer right now: the largest `amount_msat` that {@link sendAdd} accepts
 * (reserve, funder fees with the spike buffer, in-flight and count limits, dust exposure), for the relay
 * to pick a channel and for listings.
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md#adding-an-htlc-update_add_htlc
 *
 * Acceptance is monotonic in the amount within each region (trimmed HTLCs add no fee but count as dust
 * exposure; untrimmed ones add a fee), so the search runs above the trim threshold first, then below.
 *
 * Does not: reserve anything (the answer is stale after the next update), or look at the peer's
 * pending updates beyond what `sendAdd` does.
 */
import { MSAT_PER_SAT } from '../constants.js';
import { htlcSuccessFeeSat, htlcTimeoutFeeSat } from '../fees.js';
import { ONION_PACKET_BYTES } from './constants.js';
import { remoteNextView } from './spec.js';
import type { Commitments } from './types.js';
import { sendAdd } from './updates.js';

/** A probe's onion and hash: contents are irrelevant to the checks. */
const PROBE_ONION = new Uint8Array(ONION_PACKET_BYTES);
const PROBE_HASH = new Uint8Array(32);
/** Any block height below the timestamp threshold. */
const PROBE_CLTV = 1;

function accepts(c: Commitments, amountMsat: bigint): boolean {
  return sendAdd(c, { amountMsat, paymentHash: PROBE_HASH, cltvExpiry: PROBE_CLTV, onionRoutingPacket: PROBE_ONION }).ok;
}

/** The largest amount in `[lo, hi]` accepted, if `lo` is (binary search, at most 64 probes). */
function largest(c: Commitments, lo: bigint, hi: bigint): bigint | undefined {
  if (hi < lo || !accepts(c, lo)) return undefined;
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b + 1n) / 2n;
    if (accepts(c, mid)) a = mid;
    else b = mid - 1n;
  }
  return a;
}

/** The largest `amount_msat` {@link sendAdd} would accept now, or 0 if none. */
export function maxSendableMsat(c: Commitments): bigint {
  const p = c.params;
  const view = remoteNextView(c);
  const ours = view.toRemoteMsat;
  const min = p.remote.htlcMinimumMsat > 1n ? p.remote.htlcMinimumMsat : 1n;
  // Below this an offered HTLC is trimmed from one of the two commitments.
  const trimBelow = MSAT_PER_SAT * [
    p.remote.dustLimitSat + htlcSuccessFeeSat(view.feeratePerKw, p.format),
    p.local.dustLimitSat + htlcTimeoutFeeSat(view.feeratePerKw, p.format),
  ].reduce((m, x) => (x > m ? x : m), 0n);
  const start = trimBelow > min ? trimBelow : min;
  return largest(c, start, ours) ?? largest(c, min, start - 1n) ?? 0n;
}
