/**
 * @module gossip/verify
 * Signature checks of BOLT 7 gossip, the work fronts take off the backend (DESIGN §4, §9): every
 * signature of a `channel_announcement`, the `node_announcement` signature, and a `channel_update`
 * signature against the node id of its direction.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md). Each check hashes
 * the signed range once (`gossipSigningHash`: SHA256(SHA256(bytes after the signatures))) and runs the
 * engine's low-S verify. Pure and synchronous; the engine is passed in so benchmarks and tests can pick.
 *
 * `verifyRawGossip` makes the same checks from the bytes alone, without decoding (the verification
 * workers of `verify-pool.ts` run it; it agrees with the decoded checks on every well-formed message).
 *
 * Does not: check the chain (the backend does), timestamps, or whether a channel is known.
 */
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { WireDecodeError } from '../wire/errors.js';
import { gossipSigningHash } from '../wire/signed.js';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../wire/messages/gossip.js';
import { GOSSIP_TYPE, annSignatureKeys, leadingSignature, nodeAnnNodeId, rawType } from './raw.js';

/** Which signature failed; `ok` when all hold. */
export type SignatureVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly failed: 'nodeSignature1' | 'nodeSignature2' | 'bitcoinSignature1' | 'bitcoinSignature2' | 'signature';
    };

const OK: SignatureVerdict = { ok: true };

/**
 * Verifies the four signatures of a `channel_announcement`. `raw` is the whole message as received
 * (type included): the signed range is taken from it, so unknown trailing fields stay covered.
 */
export function verifyChannelAnnouncement(raw: Uint8Array, m: ChannelAnnouncement, engine: Secp256k1Engine): SignatureVerdict {
  // BOLT #7: - MUST verify the integrity AND authenticity of the message by verifying the signatures.
  const h = gossipSigningHash(raw);
  // BOLT #7: - if `bitcoin_signature_1`, `bitcoin_signature_2`, `node_signature_1` OR `node_signature_2` are invalid OR NOT correct:
  if (!engine.verify(m.nodeSignature1, h, m.nodeId1)) return { ok: false, failed: 'nodeSignature1' };
  if (!engine.verify(m.nodeSignature2, h, m.nodeId2)) return { ok: false, failed: 'nodeSignature2' };
  if (!engine.verify(m.bitcoinSignature1, h, m.bitcoinKey1)) return { ok: false, failed: 'bitcoinSignature1' };
  if (!engine.verify(m.bitcoinSignature2, h, m.bitcoinKey2)) return { ok: false, failed: 'bitcoinSignature2' };
  return OK;
}

/** Verifies a `node_announcement` signature against its own `node_id`. */
export function verifyNodeAnnouncement(raw: Uint8Array, m: NodeAnnouncement, engine: Secp256k1Engine): SignatureVerdict {
  // BOLT #7: - if `signature` is NOT a valid signature (using `node_id` of the double-SHA256 of the entire message following the `signature` field, including any future fields appended to the end):
  return engine.verify(m.signature, gossipSigningHash(raw), m.nodeId) ? OK : { ok: false, failed: 'signature' };
}

/**
 * Verifies a `channel_update` signature against `nodeId`, the node at the end the update's direction
 * bit names (node_id_1 for direction 0, node_id_2 for 1) — the caller looks it up in its graph.
 */
export function verifyChannelUpdate(raw: Uint8Array, m: ChannelUpdate, nodeId: Uint8Array, engine: Secp256k1Engine): SignatureVerdict {
  // BOLT #7: - if `signature` is not a valid signature, using `node_id` of the double-SHA256 of the entire message following the `signature` field (including unknown fields following `fee_proportional_millionths`):
  return engine.verify(m.signature, gossipSigningHash(raw), nodeId) ? OK : { ok: false, failed: 'signature' };
}

/**
 * The checks above from the message bytes alone (no decoding): a channel_announcement's four
 * signatures, a node_announcement's signature against its `node_id`, a channel_update's against
 * `signer` (which the caller looked up). False for a message too short to hold its fields, another
 * type, or an update without a signer. The router only uses this verdict for a message that decodes.
 */
export function verifyRawGossip(raw: Uint8Array, signer: Uint8Array | undefined, engine: Secp256k1Engine): boolean {
  try {
    switch (rawType(raw)) {
      case GOSSIP_TYPE.channelAnnouncement: {
        const h = gossipSigningHash(raw);
        return annSignatureKeys(raw).every(([sig, key]) => engine.verify(sig, h, key));
      }
      case GOSSIP_TYPE.nodeAnnouncement:
        return engine.verify(leadingSignature(raw), gossipSigningHash(raw), nodeAnnNodeId(raw));
      case GOSSIP_TYPE.channelUpdate:
        return signer !== undefined && engine.verify(leadingSignature(raw), gossipSigningHash(raw), signer);
      default:
        return false;
    }
  } catch (e) {
    if (e instanceof WireDecodeError) return false;
    throw e;
  }
}
