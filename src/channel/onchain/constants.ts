/**
 * @module channel/onchain/constants
 * The depths the on-chain resolver waits for (STYLE rule 7), with their reasons.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md#general-nomenclature
 *
 * Does not: hold fee policy (the caller passes a feerate per call).
 */

/**
 * Depth (blocks, counting the confirming block as 1) at which a resolving transaction makes its output
 * *irrevocably resolved* (BOLT 5: "at least 100 deep"); the resolver is done when all are.
 */
export const IRREVOCABLE_DEPTH = 100;

/**
 * "Reasonable depth" (blocks) after which an HTLC we offered is failed upstream when its output was
 * timed out (or never existed): 6, as LDK's `ANTI_REORG_DELAY`. A reorg deeper than this could bring
 * back an HTLC output the peer claims with the preimage; BOLT 5 leaves the number to the implementation.
 */
export const HTLC_FAIL_DEPTH = 6;
