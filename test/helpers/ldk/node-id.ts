/**
 * @module test/helpers/ldk/node-id
 * Checked conversions of node ids and channel ids from hex to the bytes LDK takes.
 *
 * The WASM bindings turn an invalid public key into a Rust panic (`RuntimeError: unreachable`), which
 * can leave LDK's state poisoned, so every id is checked here before it reaches LDK.
 *
 * Does not: check that the node or channel exists.
 */
import { ECDH } from 'node:crypto';
import * as ldk from 'lightningdevkit';
import { LdkHarnessError } from './errors.js';

/** Node id hex → bytes, checked to be a compressed point on secp256k1 first. */
export function parseNodeId(nodeIdHex: string): Uint8Array {
  const bad = (): LdkHarnessError =>
    new LdkHarnessError('badNodeId', `not a compressed secp256k1 node id: ${nodeIdHex.slice(0, 70)}`);
  if (!/^(02|03)[0-9a-f]{64}$/i.test(nodeIdHex)) throw bad();
  try {
    ECDH.convertKey(nodeIdHex, 'secp256k1', 'hex', 'hex', 'uncompressed');
  } catch {
    throw bad();
  }
  return new Uint8Array(Buffer.from(nodeIdHex, 'hex'));
}

/** Channel id hex (32 bytes) → LDK `ChannelId`. */
export function parseChannelId(channelIdHex: string): ldk.ChannelId {
  if (!/^[0-9a-f]{64}$/i.test(channelIdHex)) {
    throw new LdkHarnessError('badChannelId', `not a 32-byte channel id: ${channelIdHex.slice(0, 70)}`);
  }
  return ldk.ChannelId.constructor_new(new Uint8Array(Buffer.from(channelIdHex, 'hex')));
}
