/**
 * @module test/helpers/gossip-builders
 * Builds correctly signed BOLT 7 gossip (channel_announcement, channel_update, node_announcement) from
 * deterministic keys, for the gossip tests and the mainnet-scale fixture. Not a test file.
 *
 * Messages are encoded with zero signatures, hashed over their signed range, signed, and the signatures
 * patched in place (one encode per message: the fixture signs ~320 k times).
 */
import { compareBytes } from '../../src/channel/scripts.js';
import { sha256 } from '../../src/crypto/hash.js';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { encodeMessage, gossipSigningHash, scidFromParts } from '../../src/wire/index.js';

/** Bitcoin mainnet chain_hash as it appears on the wire. */
export const MAINNET_CHAIN = Uint8Array.from(Buffer.from('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000', 'hex'));
/** Regtest chain_hash (another chain for "ignored" tests). */
export const REGTEST_CHAIN = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));

/** A deterministic key pair: private = sha256(label), public from the engine. */
export interface KeyPair {
  readonly priv: Uint8Array;
  readonly pub: Uint8Array;
}
export function keyPair(engine: Secp256k1Engine, label: string): KeyPair {
  const priv = sha256(new TextEncoder().encode(label));
  return { priv, pub: engine.publicKey(priv) };
}

const ZERO_SIG = new Uint8Array(64);

/** Lexicographic byte comparison (node_id_1 must be the smaller): the one in src/channel. */
export { compareBytes };

/** A signed channel_announcement between `a` and `b` (ordered by node id), funding keys `fa`, `fb`. */
export function channelAnnouncement(
  engine: Secp256k1Engine,
  o: { chainHash?: Uint8Array; scid: bigint; a: KeyPair; b: KeyPair; fa?: KeyPair; fb?: KeyPair },
): Uint8Array {
  const swap = compareBytes(o.a.pub, o.b.pub) > 0;
  const [n1, n2] = swap ? [o.b, o.a] : [o.a, o.b];
  const fa = o.fa ?? o.a;
  const fb = o.fb ?? o.b;
  const [b1, b2] = swap ? [fb, fa] : [fa, fb];
  const raw = encodeMessage({
    name: 'channel_announcement',
    nodeSignature1: ZERO_SIG,
    nodeSignature2: ZERO_SIG,
    bitcoinSignature1: ZERO_SIG,
    bitcoinSignature2: ZERO_SIG,
    features: new Uint8Array(0),
    chainHash: o.chainHash ?? MAINNET_CHAIN,
    shortChannelId: o.scid,
    nodeId1: n1.pub,
    nodeId2: n2.pub,
    bitcoinKey1: b1.pub,
    bitcoinKey2: b2.pub,
    extra: new Uint8Array(0),
  });
  const h = gossipSigningHash(raw);
  [n1, n2, b1, b2].forEach((k, i) => raw.set(engine.sign(h, k.priv), 2 + 64 * i));
  return raw;
}

/** Fields of a channel_update that tests vary. */
export interface UpdateFields {
  chainHash?: Uint8Array;
  scid: bigint;
  timestamp: number;
  direction: 0 | 1;
  disabled?: boolean;
  dontForward?: boolean;
  cltvExpiryDelta?: number;
  htlcMinimumMsat?: bigint;
  feeBaseMsat?: number;
  feeProportionalMillionths?: number;
  htlcMaximumMsat?: bigint;
}

/** A channel_update signed by `signer` (the node of `direction`). */
export function channelUpdate(engine: Secp256k1Engine, signer: KeyPair, f: UpdateFields): Uint8Array {
  const raw = encodeMessage({
    name: 'channel_update',
    signature: ZERO_SIG,
    chainHash: f.chainHash ?? MAINNET_CHAIN,
    shortChannelId: f.scid,
    timestamp: f.timestamp,
    messageFlags: 1 | (f.dontForward ? 2 : 0),
    channelFlags: f.direction | (f.disabled ? 2 : 0),
    cltvExpiryDelta: f.cltvExpiryDelta ?? 144,
    htlcMinimumMsat: f.htlcMinimumMsat ?? 1000n,
    feeBaseMsat: f.feeBaseMsat ?? 1000,
    feeProportionalMillionths: f.feeProportionalMillionths ?? 1,
    htlcMaximumMsat: f.htlcMaximumMsat ?? 1_000_000_000n,
    extra: new Uint8Array(0),
  });
  raw.set(engine.sign(gossipSigningHash(raw), signer.priv), 2);
  return raw;
}

/** A node_announcement for `node`, signed. */
export function nodeAnnouncement(engine: Secp256k1Engine, node: KeyPair, timestamp: number, alias = ''): Uint8Array {
  const a = new Uint8Array(32);
  a.set(new TextEncoder().encode(alias).subarray(0, 32));
  const raw = encodeMessage({
    name: 'node_announcement',
    signature: ZERO_SIG,
    features: new Uint8Array(0),
    timestamp,
    nodeId: node.pub,
    rgbColor: new Uint8Array([1, 2, 3]),
    alias: a,
    addresses: [],
    extra: new Uint8Array(0),
  });
  raw.set(engine.sign(gossipSigningHash(raw), node.priv), 2);
  return raw;
}

/** The signer of direction `dir` of a channel between `a` and `b`. */
export function signerOf(a: KeyPair, b: KeyPair, dir: 0 | 1): KeyPair {
  const [n1, n2] = compareBytes(a.pub, b.pub) > 0 ? [b, a] : [a, b];
  return dir === 0 ? n1 : n2;
}

export { scidFromParts };
