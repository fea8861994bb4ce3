/**
 * @module channel
 * Public surface of `src/channel` (BOLT 3 transactions, pure): key derivation, per-commitment secrets,
 * scripts, the transaction model with sighashes and DER, fees and trimming, commitment and HTLC
 * transactions, and funding output checks (see docs/channels.md "Transactions (BOLT 3)"); and BOLT 5 on-chain resolution (`./onchain/`: classify a funding spend, plan and drive its claims).
 *
 * The BOLT 2 commitments ledger (`./commitments/`) is re-exported here too.
 *
 * Does not: run the channel state machine (BOLT 2) or watch the chain and broadcast (the backend does).
 */
export * from './errors.js';
export * from './constants.js';
export * from './keys.js';
export * from './shachain.js';
export * from './scripts.js';
export * from './tx.js';
export * from './fees.js';
export * from './commitment.js';
export * from './htlc.js';
export * from './funding.js';
export * from './params.js';
export * from './commitments/index.js';
export * from './onchain/index.js';
export * from './closing.js';
export * from './machine/index.js';
