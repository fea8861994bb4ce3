/**
 * @module channel/onchain
 * BOLT 5 on-chain handling, pure and sans-I/O: recognise what spent a channel's funding output
 * (`classifySpend`), plan its resolution with signed claims (`planResolution`), and drive the plan over
 * blocks and spends with a plain-data resolver (`resolverStep`). See docs/channels.md "On-chain
 * resolution (BOLT 5)" and the header of `./resolver.ts` for how the backend drives it.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Does not: watch the chain, broadcast, persist, or pick wallet coins (`fundAnchorHtlcTx` takes them).
 */
export * from './types.js';
export * from './rebuild.js';
export * from './sweep.js';
export * from './classify.js';
export * from './claims.js';
export * from './revoked-htlcs.js';
export * from './plans.js';
export * from './constants.js';
export * from './followups.js';
export * from './resolver.js';
export * from './from-ledger.js';
export * from './anchor-fees.js';
