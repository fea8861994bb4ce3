/**
 * @module test/helpers/ldk/init-requirements
 * What LDK 0.1 (npm `lightningdevkit` 0.1.0) expects of a peer's BOLT 1 `init`, written down for the
 * node under test, plus the chain hashes LDK puts in its own `networks` TLV.
 *
 * LDK's `PeerManager` (lightning/src/ln/peer_handler.rs, 0.1) handles the first message after the
 * BOLT 8 handshake like this, and disconnects (no `error`, just a TCP close) on any failure:
 *  1. The first message must be `init` (type 16); anything else disconnects.
 *  2. If the peer's `init` has a `networks` TLV (init_tlvs type 1, a list of 32-byte chain hashes), it
 *     must contain LDK's chain hash (for regtest {@link CHAIN_HASH_HEX}.regtest), else "Peer does not
 *     support any of our supported chains" (the harness test shows a regtest/bitcoin pair dropping
 *     each other). As we read peer_handler.rs a missing TLV is not checked (untested here); our node
 *     always sends it (BOLT 1: a node SHOULD list the chains it will gossip or open channels for).
 *  3. The peer must not require (even bit) a feature LDK does not know.
 *  4. The peer must offer (either bit) every feature LDK *requires* (sets the even bit for), else
 *     "We require features unknown to our peer". In 0.1 those are exactly
 *     {@link LDK_REQUIRED_INIT_FEATURES}: data_loss_protect (0), var_onion_optin (8),
 *     static_remotekey (12) and payment_secret (14). `ChannelManager.peer_connected` checks
 *     static_remotekey once more. The test `ldk-harness.test.ts` re-derives this list from LDK's
 *     own `provided_init_features`, so an LDK upgrade that changes it fails loudly.
 * Features LDK only offers (odd bits, 0.1): upfront_shutdown_script 5, gossip_queries 7 (from
 * P2PGossipSync), basic_mpp 17, wumbo 19, route_blinding 25, shutdown_anysegwit 27, channel_type 45,
 * scid_alias 47, zero_conf 51.
 *
 * Chain hashes are in wire (internal) byte order: the genesis block hash as serialised, i.e. the
 * reverse of the hex that block explorers print.
 *
 * Does not: encode an `init` (that is the wire codec's job in src/), or check what LDK does after
 * `init` (gossip_timestamp_filter, pings: see DESIGN §12).
 */

/** BOLT 9 feature bit pairs (even = required, odd = optional) that LDK 0.1 requires of a peer. */
export const LDK_REQUIRED_INIT_FEATURES = [
  { name: 'option_data_loss_protect', evenBit: 0 },
  { name: 'var_onion_optin', evenBit: 8 },
  { name: 'option_static_remotekey', evenBit: 12 },
  { name: 'payment_secret', evenBit: 14 },
] as const;

/** Networks the harness can run LDK on; the names follow bitcoind's `-chain=` values. */
export const LDK_NETWORKS = ['bitcoin', 'testnet', 'regtest', 'signet'] as const;

/** One of {@link LDK_NETWORKS}. */
export type LdkNetworkName = (typeof LDK_NETWORKS)[number];

/**
 * Genesis block hash per network, wire byte order (what goes in `init`'s `networks` TLV and in every
 * `chain_hash` field). Checked against LDK's `BestBlock.from_network` in the harness test.
 */
export const CHAIN_HASH_HEX: Readonly<Record<LdkNetworkName, string>> = {
  bitcoin: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
};

/**
 * Bit numbers set in a BOLT 9 feature field given in LDK's little-endian byte order
 * (`Features.le_flags()`): byte 0 holds bits 0..7.
 */
export function featureBitsFromLeFlags(le: Uint8Array): number[] {
  const bits: number[] = [];
  for (let i = 0; i < le.length; i++) {
    for (let b = 0; b < 8; b++) if ((le[i]! >> b) & 1) bits.push(i * 8 + b);
  }
  return bits;
}
