/**
 * @module test/helpers/ldk/events
 * Turns LDK `Event`s into plain, printable records that tests can assert on, and LDK `APIError`s into
 * their text.
 *
 * Does not: act on events (the inbound-channel policy lives in `ldk-node.ts`).
 */
import * as ldk from 'lightningdevkit';
import { toDisplayHex } from '../../../src/chain/bitcoin.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A recorded LDK event. `kind: 'other'` keeps the binding class name of events tests do not use yet. */
export type LdkEventRecord =
  | {
    readonly kind: 'openChannelRequest';
    readonly counterpartyNodeId: string;
    readonly temporaryChannelId: string;
    readonly fundingSats: bigint;
  }
  | {
    readonly kind: 'channelClosed';
    readonly channelId: string;
    /** Absent only for events serialised before LDK 0.0.117 (never here). */
    readonly counterpartyNodeId: string | null;
    /** LDK's description of the `ClosureReason`. */
    readonly reason: string;
    /** The counterparty's `error` text when it closed the channel (`ClosureReason::CounterpartyForceClosed`). */
    readonly counterpartyMessage: string | null;
  }
  | { readonly kind: 'fundingGenerationReady'; readonly temporaryChannelId: string; readonly counterpartyNodeId: string }
  | {
    readonly kind: 'channelPending';
    readonly channelId: string;
    readonly formerTemporaryChannelId: string;
    readonly counterpartyNodeId: string;
    /** Display-hex funding txid and output index. */
    readonly fundingTxid: string;
    readonly fundingVout: number;
    /** Negotiated channel type. */
    readonly channelType: LdkChannelType;
  }
  | { readonly kind: 'channelReady'; readonly channelId: string; readonly counterpartyNodeId: string }
  | { readonly kind: 'spendableOutputs'; readonly channelId: string; readonly outputs: number }
  /** Anchor channels: LDK wants the force-close commitment broadcast (and bumped). */
  | { readonly kind: 'bumpChannelClose'; readonly channelId: string; readonly commitmentFeeSats: bigint }
  | { readonly kind: 'other'; readonly name: string };

/** The channel types the harness can run: BOLT 2 `option_static_remotekey`, or `option_anchors`. */
export type LdkChannelType = 'staticRemoteKey' | 'anchors' | 'other';

/** Which of {@link LdkChannelType} LDK's `ChannelTypeFeatures` are (booleans come over as 0/1). */
export function channelTypeOf(t: ldk.ChannelTypeFeatures): LdkChannelType {
  if (t.requires_anchors_zero_fee_htlc_tx()) return 'anchors';
  if (t.requires_static_remote_key()) return 'staticRemoteKey';
  return 'other';
}

/** Hex of an optional channel id field ('' when LDK gives none). */
const optId = (id: ldk.ChannelId | null): string => (id === null ? '' : hex(id.get_a()));

/** The record of one LDK event. */
export function recordEvent(event: ldk.Event): LdkEventRecord {
  if (event instanceof ldk.Event_OpenChannelRequest) {
    return {
      kind: 'openChannelRequest',
      counterpartyNodeId: hex(event.counterparty_node_id),
      temporaryChannelId: hex(event.temporary_channel_id.get_a()),
      fundingSats: event.funding_satoshis,
    };
  }
  if (event instanceof ldk.Event_ChannelClosed) {
    const reason = event.reason;
    const peerNodeId = event.counterparty_node_id as Uint8Array | null;
    return {
      kind: 'channelClosed',
      channelId: hex(event.channel_id.get_a()),
      counterpartyNodeId: peerNodeId !== null && peerNodeId.length === 33 ? hex(peerNodeId) : null,
      reason: reason.to_str(),
      counterpartyMessage: reason instanceof ldk.ClosureReason_CounterpartyForceClosed ? reason.peer_msg.get_a() : null,
    };
  }
  if (event instanceof ldk.Event_FundingGenerationReady) {
    return {
      kind: 'fundingGenerationReady',
      temporaryChannelId: hex(event.temporary_channel_id.get_a()),
      counterpartyNodeId: hex(event.counterparty_node_id),
    };
  }
  if (event instanceof ldk.Event_ChannelPending) {
    return {
      kind: 'channelPending',
      channelId: hex(event.channel_id.get_a()),
      formerTemporaryChannelId: optId(event.former_temporary_channel_id),
      counterpartyNodeId: hex(event.counterparty_node_id),
      fundingTxid: toDisplayHex(event.funding_txo.get_txid()),
      fundingVout: event.funding_txo.get_index(),
      channelType: channelTypeOf(event.channel_type),
    };
  }
  if (event instanceof ldk.Event_ChannelReady) {
    return { kind: 'channelReady', channelId: hex(event.channel_id.get_a()), counterpartyNodeId: hex(event.counterparty_node_id) };
  }
  if (event instanceof ldk.Event_SpendableOutputs) {
    return { kind: 'spendableOutputs', channelId: optId(event.channel_id), outputs: event.outputs.length };
  }
  if (event instanceof ldk.Event_BumpTransaction) {
    const ev = event.bump_transaction;
    return ev instanceof ldk.BumpTransactionEvent_ChannelClose
      ? { kind: 'bumpChannelClose', channelId: hex(ev.channel_id.get_a()), commitmentFeeSats: ev.commitment_tx_fee_satoshis }
      : { kind: 'other', name: 'BumpTransactionEvent_HTLCResolution' };
  }
  return { kind: 'other', name: event.constructor.name };
}

/** A type guard for records of one kind, for `waitForEvent(what, isEvent('channelReady'))`. */
export function isEvent<K extends LdkEventRecord['kind']>(kind: K, match: (e: Extract<LdkEventRecord, { kind: K }>) => boolean = () => true) {
  return (e: LdkEventRecord): e is Extract<LdkEventRecord, { kind: K }> =>
    e.kind === kind && match(e as Extract<LdkEventRecord, { kind: K }>);
}

/** The human text of an LDK `APIError` (its `err` field where the variant has one). */
export function apiErrorText(err: ldk.APIError): string {
  if ('err' in err && typeof err.err === 'string') return `${err.constructor.name}: ${err.err}`;
  return err.constructor.name;
}
