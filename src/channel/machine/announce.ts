/**
 * @module channel/machine/announce
 * `announcement_signatures` for a public channel (`announce_channel` set): once both `channel_ready`s
 * are exchanged and the funding has {@link ANNOUNCE_MIN_DEPTH} confirmations, each side signs the
 * `channel_announcement` with its node key (through `ctx.signWithNodeKey`: the node key never enters the
 * channel code) and its funding key; with both pairs the machine emits the complete announcement as an
 * event for the backend's gossip.
 * Spec: https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#the-announcement_signatures-message
 *
 * Does not: sign channel_update (the backend's gossip does, from the channel's scid and policy), or
 * handle splice announcements.
 */
import type { AnnouncementSignatures, ChannelAnnouncement } from '../../wire/index.js';
import { encodeMessage, gossipSigningHash } from '../../wire/index.js';
import { compareBytes } from '../scripts.js';
import { engineOf, send, stay, warnAndDisconnect, withSecrets } from './common.js';
import type { ChannelAction, ChannelContext, ChannelState, ChannelStepResult } from './types.js';

type Normal = Extract<ChannelState, { kind: 'normal' }>;

// BOLT #7: - If the funding transaction has at least 6 confirmations:
//       - SHOULD queue the `channel_announcement` message for its peers.
/** Confirmations before we sign the announcement: a reorg deeper than this would change the scid. */
export const ANNOUNCE_MIN_DEPTH = 6;

/** The unsigned `channel_announcement` of a channel (node and bitcoin keys in node-id order). */
function unsignedAnnouncement(s: Normal, ctx: ChannelContext, scid: bigint): ChannelAnnouncement {
  const p = s.commitments.params;
  const localFirst = compareBytes(ctx.localNodeId, s.remoteNodeId) < 0;
  const zero = new Uint8Array(64);
  return {
    name: 'channel_announcement',
    nodeSignature1: zero,
    nodeSignature2: zero,
    bitcoinSignature1: zero,
    bitcoinSignature2: zero,
    features: new Uint8Array(0),
    chainHash: p.chainHash,
    shortChannelId: scid,
    nodeId1: localFirst ? ctx.localNodeId : s.remoteNodeId,
    nodeId2: localFirst ? s.remoteNodeId : ctx.localNodeId,
    bitcoinKey1: localFirst ? p.local.fundingPubkey : p.remote.fundingPubkey,
    bitcoinKey2: localFirst ? p.remote.fundingPubkey : p.local.fundingPubkey,
    extra: new Uint8Array(0),
  };
}

function digest(a: ChannelAnnouncement): Uint8Array {
  return gossipSigningHash(encodeMessage(a));
}

/** Whether BOLT 7's timing allows our `announcement_signatures` now. */
function mayAnnounce(s: Normal): s is Normal & { shortChannelId: bigint } {
  return s.commitments.params.announce && s.shortChannelId !== undefined && s.fundingDepth >= ANNOUNCE_MIN_DEPTH && s.connected;
}

function ours(s: Normal & { shortChannelId: bigint }, ctx: ChannelContext): AnnouncementSignatures {
  const h = digest(unsignedAnnouncement(s, ctx, s.shortChannelId));
  const bitcoinSignature = withSecrets(ctx, s.keyIndex, (sec) => engineOf(ctx).sign(h, sec.fundingPrivkey));
  return { name: 'announcement_signatures', channelId: s.commitments.channelId, shortChannelId: s.shortChannelId, nodeSignature: ctx.signWithNodeKey(h), bitcoinSignature, tlvs: {} };
}

/** After a depth update or reconnection in `normal`: send ours if the timing allows and we have not yet. */
export function maybeAnnounce(s: Normal, ctx: ChannelContext): ChannelStepResult {
  // BOLT #7: - If the `open_channel` message has the `announce_channel` bit set AND a `shutdown` message has not been sent:
  //     - After `channel_ready` has been sent and received AND the funding transaction has enough confirmations to ensure that it won't be reorganized:
  //       - MUST send `announcement_signatures` for the funding transaction.
  if (s.announcement.sent || !mayAnnounce(s)) return stay(s);
  return { state: { ...s, announcement: { ...s.announcement, sent: true } }, actions: [send(ours(s, ctx))] };
}

/** The peer's `announcement_signatures` in `normal`. */
export function onAnnouncementSignatures(s: Normal, m: AnnouncementSignatures, ctx: ChannelContext): ChannelStepResult {
  if (!s.commitments.params.announce) return stay(s, { kind: 'event', event: { kind: 'protocolViolation', text: 'announcement_signatures for a private channel' } });
  // Not deep enough for us yet: ignore; the peer retransmits on reconnection, and we answer then.
  if (!mayAnnounce(s)) return stay(s);
  // BOLT #7: - If the `short_channel_id` doesn't match one of its funding transactions:
  //     - SHOULD send a `warning`.
  if (m.shortChannelId !== s.shortChannelId) return warnAndDisconnect(s, 'announcement_signatures for another short_channel_id');
  const unsigned = unsignedAnnouncement(s, ctx, s.shortChannelId);
  const h = digest(unsigned);
  const e = engineOf(ctx);
  // BOLT #7: - If the `node_signature` OR the `bitcoin_signature` is NOT correct:
  //     - MAY send a `warning` and close the connection, or send an `error` and fail the channel.
  if (!e.verify(m.nodeSignature, h, s.remoteNodeId) || !e.verify(m.bitcoinSignature, h, s.commitments.params.remote.fundingPubkey)) {
    return warnAndDisconnect(s, 'announcement_signatures signature is not valid');
  }
  const actions: ChannelAction[] = [];
  // BOLT #7: - If it receives `announcement_signatures` for the funding transaction:
  //       - MUST respond with its own `announcement_signatures` message.
  const mine = ours(s, ctx);
  if (!s.announcement.sent || s.announcement.received) actions.push(send(mine));
  const localFirst = unsigned.nodeId1 === ctx.localNodeId;
  const full: ChannelAnnouncement = {
    ...unsigned,
    nodeSignature1: localFirst ? mine.nodeSignature : m.nodeSignature,
    nodeSignature2: localFirst ? m.nodeSignature : mine.nodeSignature,
    bitcoinSignature1: localFirst ? mine.bitcoinSignature : m.bitcoinSignature,
    bitcoinSignature2: localFirst ? m.bitcoinSignature : mine.bitcoinSignature,
  };
  actions.push({ kind: 'event', event: { kind: 'channelAnnouncement', message: full } });
  return { state: { ...s, announcement: { sent: true, received: true } }, actions };
}
