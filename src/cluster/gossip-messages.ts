/**
 * @module cluster/gossip-messages
 * The cluster link messages of the gossip service (DESIGN §3, §4), declared once with the `src/wire`
 * toolkit in the private range 0x8040–0x804f. The lead registers them in `LINK_MESSAGE_DEFS`
 * (`./messages.ts`); `docs/gossip.md` explains the flow.
 *
 * | type   | name                 | dir | carries                                                        |
 * |--------|----------------------|-----|----------------------------------------------------------------|
 * | 0x8040 | gossip_forward       | F→B | one verified gossip message + the connection/node it came from |
 * | 0x8041 | gossip_decision      | B→F | SHA256(message), accepted, reason code + text                  |
 * | 0x8042 | graph_snapshot_chunk | B→F | a batch of accepted gossip (capacity per announcement), final  |
 * | 0x8043 | graph_event          | B→F | one change: added / updated (raw message) or removed           |
 * | 0x8044 | sync_request         | B→F | run this query (qcr / qscid / timestamp filter) against a peer |
 *
 * Does not: decide anything, or carry secrets (gossip is public).
 */
import { WireDecodeError, WireEncodeError } from '../wire/errors.js';
import { point, u32, u64, u8, varBytes16, bytes, tu64, type Codec } from '../wire/codec.js';
import { tlvStream } from '../wire/tlv.js';
import { msg, type MessageOf } from '../wire/messages/define.js';
import { bool, str16 } from './codecs.js';
import type { GraphEvent } from '../gossip/graph.js';

const noTlvs = tlvStream('gossip_link_tlvs', []);

/**
 * One snapshot entry: a raw gossip message and, for a channel_announcement, its capacity (0 = unknown).
 * Decoded `message`s are views of the frame payload (copy what you keep).
 */
export interface SnapshotEntry {
  readonly capacitySat: bigint;
  readonly message: Uint8Array;
}

/** `[u32:count] count × ([u64:capacity_sat][u16:len][len*byte:message])`. */
export const snapshotEntries: Codec<SnapshotEntry[]> = {
  encode(w, vs) {
    if (vs.length > 0xffffffff) throw new WireEncodeError('too many snapshot entries');
    w.u32(vs.length);
    for (const v of vs) {
      u64.encode(w, v.capacitySat);
      varBytes16.encode(w, v.message);
    }
  },
  decode(r) {
    const at = r.offset;
    const n = r.u32();
    // Each entry is at least 10 bytes: refuse a count the frame cannot hold before allocating.
    if (n * 10 > r.remaining()) throw new WireDecodeError('badLength', `snapshot count ${n} exceeds the frame`, at);
    const out: SnapshotEntry[] = [];
    // Views of the frame, not copies: the front copies every entry into its graph slabs at once, and a
    // copy per entry (≈ 170 k for mainnet) only churned the native heap.
    for (let i = 0; i < n; i++) out.push({ capacitySat: u64.decode(r), message: r.bytesView(r.u16(), 'snapshot entry') });
    return out;
  },
};

/** `gossip_decision.reason` codes (0 when accepted). */
export const GOSSIP_REJECT = {
  none: 0,
  /** channel_announcement funding output missing, spent or not the 2-of-2 P2WSH. */
  invalidFunding: 1,
  /** channel_update / node_announcement with no known channel. */
  noRelatedChannel: 2,
  /** Not newer than what the backend has. */
  stale: 3,
  /** The backend's own checks found the message invalid (e.g. an unverified private update). */
  invalid: 4,
  /** The backend is shedding load. */
  overloaded: 5,
} as const;

/** `graph_event.kind` values. */
export const GRAPH_EVENT_KIND = { added: 0, updated: 1, removed: 2 } as const;

/** `sync_request.kind` values: which query the front sends (the message is in `query`). */
export const SYNC_KIND = { queryChannelRange: 0, queryShortChannelIds: 1, gossipTimestampFilter: 2 } as const;

/**
 * F→B: one gossip message the front verified (or, `verified` = false, a channel peer's update for a
 * channel the front cannot see), from connection `conn` of peer `nodeId`. The backend keys its decision
 * by SHA256(message). Later senders of the same message stay on the front (aggregation).
 */
export const gossipForward = msg(
  0x8040,
  'gossip_forward',
  [['conn', u32], ['nodeId', point], ['verified', bool], ['message', varBytes16]],
  noTlvs,
);

/** B→F: the decision for the forwarded message whose SHA256 is `hash`. */
export const gossipDecision = msg(
  0x8041,
  'gossip_decision',
  [['hash', bytes(32, 'hash')], ['accepted', bool], ['reason', u8], ['text', str16]],
  noTlvs,
);

/** B→F: part `index` (from 0) of the graph snapshot; `final` marks the last; the front is ready after it. */
export const graphSnapshotChunk = msg(
  0x8042,
  'graph_snapshot_chunk',
  [['index', u32], ['final', bool], ['entries', snapshotEntries]],
  noTlvs,
);

/** `graph_event` TLVs: the capacity of an added channel, the node of a removed node announcement. */
const graphEventTlvs = tlvStream('graph_event_tlvs', [
  [1, 'capacitySat', tu64],
  [3, 'removedNodeId', point],
] as const);

/**
 * B→F: one accepted change. `added`/`updated`: `message` is the raw channel_announcement,
 * channel_update or node_announcement (`scid` 0). `removed`: `scid` names the channel (empty message),
 * or the `removedNodeId` TLV names a node whose announcement is withdrawn.
 */
export const graphEvent = msg(0x8043, 'graph_event', [['kind', u8], ['scid', u64], ['message', varBytes16]], graphEventTlvs);

/**
 * B→F: the backend's own sync, executed through a front: send `query` (an encoded
 * query_channel_range, query_short_channel_ids or gossip_timestamp_filter) to connection `conn`.
 * Replies come back as ordinary `peer_message`s / `gossip_forward`s.
 */
export const syncRequest = msg(0x8044, 'sync_request', [['requestId', u32], ['conn', u32], ['kind', u8], ['query', varBytes16]], noTlvs);

/** The gossip link messages, in type order (for `LINK_MESSAGE_DEFS`). */
export const GOSSIP_LINK_MESSAGE_DEFS = [gossipForward, gossipDecision, graphSnapshotChunk, graphEvent, syncRequest] as const;

/** Any gossip link message. */
export type GossipLinkMessage = MessageOf<(typeof GOSSIP_LINK_MESSAGE_DEFS)[number]>;

/** Decoded `graph_event`. */
export type GraphEventMessage = MessageOf<typeof graphEvent>;

/**
 * The graph copy's event for a `graph_event` (undefined when it names nothing we keep): the message
 * type decides between channel added, channel updated and node updated.
 */
export function toGraphEvent(m: GraphEventMessage): GraphEvent | undefined {
  if (m.kind === GRAPH_EVENT_KIND.removed) {
    if (m.tlvs.removedNodeId !== undefined) return { kind: 'nodeRemoved', nodeId: m.tlvs.removedNodeId };
    return { kind: 'channelRemoved', scid: m.scid };
  }
  if (m.message.length < 2) return undefined;
  switch ((m.message[0]! << 8) | m.message[1]!) {
    case 256:
      return { kind: 'channelAdded', announcement: m.message, capacitySat: m.tlvs.capacitySat === undefined ? undefined : Number(m.tlvs.capacitySat) };
    case 257:
      return { kind: 'nodeUpdated', announcement: m.message };
    case 258:
      return { kind: 'channelUpdated', update: m.message };
    default:
      return undefined;
  }
}
