/**
 * @module channel/onchain/revoked-htlcs
 * Finds the HTLC outputs of a revoked peer commitment. Their scripts commit to each HTLC's payment
 * hash and expiry, which the current channel state no longer holds, so the candidates are every HTLC
 * the backend remembers for the peer (`remoteHtlcHistory`) plus the ones still in flight; each is tried
 * as offered and as received with the revoked commitment's keys and matched against the outputs.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md#revoked-transaction-close-handling
 *
 * Does not: build the penalties (see `./claims.ts`).
 */
import type { CommitmentKeys } from '../keys.js';
import { offeredHtlcScript, p2wsh, receivedHtlcScript } from '../scripts.js';
import type { Transaction } from '../tx.js';
import { hexOf, type HtlcInfo, type HtlcRef, type OnchainChannel } from './types.js';

/** A revoked HTLC output: which HTLC, and the witness script it pays to. */
export interface RevokedHtlcMatch {
  readonly htlc: HtlcRef;
  readonly witnessScript: Uint8Array;
}

/** Every HTLC hash/expiry we know for this channel, deduplicated. */
function candidates(ch: OnchainChannel): HtlcInfo[] {
  const all: HtlcInfo[] = [...(ch.remoteHtlcHistory ?? []), ...ch.remote.htlcs, ...(ch.remoteNext?.htlcs ?? []), ...ch.local.htlcs];
  const seen = new Set<string>();
  return all.filter((h) => {
    const k = `${hexOf(h.paymentHash)}:${h.cltvExpiry}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The HTLC outputs of revoked commitment `tx` (keys: the peer's at the revoked point), by output index. */
export function matchRevokedHtlcs(ch: OnchainChannel, keys: CommitmentKeys, tx: Transaction): Map<number, RevokedHtlcMatch> {
  const anchors = ch.params.format === 'anchors';
  const byScript = new Map<string, RevokedHtlcMatch>();
  for (const h of candidates(ch)) {
    // On the peer's commitment an HTLC the peer offered is an offered-HTLC script; one we offered is received.
    const offered = offeredHtlcScript(keys, h.paymentHash, anchors);
    const received = receivedHtlcScript(keys, h.paymentHash, h.cltvExpiry, anchors);
    byScript.set(hexOf(p2wsh(offered)), { htlc: { offeredByUs: false, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry }, witnessScript: offered });
    byScript.set(hexOf(p2wsh(received)), { htlc: { offeredByUs: true, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry }, witnessScript: received });
  }
  const out = new Map<number, RevokedHtlcMatch>();
  tx.outputs.forEach((o, vout) => {
    const m = byScript.get(hexOf(o.script));
    if (m !== undefined) out.set(vout, m);
  });
  return out;
}
