/**
 * @module noise
 * Public surface of the BOLT 8 layer: the handshake state machine, the transport it produces, the
 * typed error and the protocol constants. Sans-I/O throughout.
 *
 * Does not: open sockets (see `src/front`, `src/back`).
 */
export * from './constants.js';
export * from './errors.js';
export { CipherState } from './cipher.js';
export { Transport } from './transport.js';
export * from './handshake.js';
