/**
 * @module wire
 * Public surface of `src/wire`: BOLT 1/2/7/9 codecs, pure and I/O-free. Import from here.
 *
 * Spec: BOLT #1, #7, #9 at lightning/bolts a3772650 (see test/vectors/bolt/README.md).
 * Does not: frame or encrypt (BOLT 8, `src/noise`), verify signatures, or hold peer policy.
 */
export * from './errors.js';
export * from './reader.js';
export * from './codec.js';
export * from './bigsize.js';
export * from './tlv.js';
export * from './scid.js';
export * from './address.js';
export * from './features.js';
export * from './feature-vector.js';
export * from './checksum.js';
export * from './signed.js';
export * from './messages/define.js';
export * from './messages/setup.js';
export * from './messages/gossip.js';
export * from './messages/queries.js';
export * from './messages/channel.js';
export * from './registry.js';
