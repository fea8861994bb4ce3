/**
 * @module back/channels/our-gossip
 * Gossip for our own channels: the signed `channel_announcement` the state machine emits at 6
 * confirmations is published as accepted gossip (stored, `graph_event` to every front, which rebroadcast
 * it; that also releases our held node_announcement), and our side's `channel_update` is signed here with
 * the node key: published with the announcement for a public channel, sent only to the peer
 * (`dont_forward`) for a private one or a public one not yet announced, and re-signed with a newer
 * timestamp when the channel becomes disabled (peer disconnected, closing) or enabled again, at most once
 * per {@link UPDATE_MIN_INTERVAL_MS} per channel.
 *
 * Spec: BOLT #7 "The channel_update Message"
 * (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#the-channel_update-message).
 * Does not: decide or verify gossip (the backend's GossipService does, through `publish`), keep the
 * previous fees accepted for 10 minutes after a fee change (fees come from config at start), use scid
 * aliases, or persist timestamps (they are wall-clock based and kept strictly increasing in memory).
 */
import { compareBytes } from '../../channel/scripts.js';
import type { ChannelAnnouncement } from '../../wire/index.js';
import { encodeMessage, gossipSigningHash, scidToString } from '../../wire/index.js';
import { CHANNEL_FLAGS, MESSAGE_FLAGS } from '../../wire/messages/gossip.js';

/**
 * Least time between two of our channel_updates for one channel, in ms: 60 s. Peers rate-limit
 * updates (BOLT 7 "SHOULD NOT create redundant channel_updates"), so a flapping connection must not
 * make us spam; a change inside the window is signed when it ends, if still current.
 */
export const UPDATE_MIN_INTERVAL_MS = 60_000;

/** Our routing policy for a channel (`channels.fee-base-msat`, `channels.fee-ppm`, `channels.cltv-expiry-delta`). */
export interface OurUpdatePolicy {
  readonly cltvExpiryDelta: number;
  readonly feeBaseMsat: number;
  readonly feeProportionalMillionths: number;
}

/** One channel of ours as the update needs it. */
export interface OurChannel {
  readonly shortChannelId: bigint;
  readonly remoteNodeId: Uint8Array;
  readonly capacitySat: bigint;
  /** The peer's `htlc_minimum_msat` (what the peer accepts). */
  readonly remoteHtlcMinimumMsat: bigint;
  /** The peer's `max_htlc_value_in_flight_msat`. */
  readonly remoteMaxHtlcValueInFlightMsat: bigint;
  /** Whether the channel was opened with `announce_channel`. */
  readonly public: boolean;
}

/** What one update says. */
export interface UpdateParams {
  readonly chainHash: Uint8Array;
  readonly localNodeId: Uint8Array;
  readonly channel: OurChannel;
  readonly policy: OurUpdatePolicy;
  /** Seconds. */
  readonly timestamp: number;
  readonly disabled: boolean;
  /** Private update for the peer only. */
  readonly dontForward: boolean;
}

/** 0 if we are `node_id_1` (the lesser node id), else 1. */
export function ourDirection(localNodeId: Uint8Array, remoteNodeId: Uint8Array): 0 | 1 {
  return compareBytes(localNodeId, remoteNodeId) < 0 ? 0 : 1;
}

/** Our signed `channel_update`; `sign` signs a 32-byte digest with the node key. */
export function signChannelUpdate(sign: (digest32: Uint8Array) => Uint8Array, p: UpdateParams): Uint8Array {
  const c = p.channel;
  // BOLT #7: - MUST set `htlc_maximum_msat` to the maximum value it will send through this channel for a single HTLC.
  //     - MUST set this to less than or equal to the channel capacity.
  //     - MUST set this to less than or equal to `max_htlc_value_in_flight_msat` it received from the peer.
  const capMsat = c.capacitySat * 1000n;
  const htlcMaximumMsat = capMsat < c.remoteMaxHtlcValueInFlightMsat ? capMsat : c.remoteMaxHtlcValueInFlightMsat;
  // BOLT #7: - MUST set `htlc_minimum_msat` to the minimum HTLC value (in millisatoshi)
  //   that the channel peer will accept.
  //     - MUST set `htlc_minimum_msat` to less than or equal to `htlc_maximum_msat`.
  const htlcMinimumMsat = c.remoteHtlcMinimumMsat < htlcMaximumMsat ? c.remoteHtlcMinimumMsat : htlcMaximumMsat;
  // BOLT #7: - if the origin node is `node_id_1` in the message:
  //     - MUST set the `direction` bit of `channel_flags` to 0.
  //   - otherwise:
  //     - MUST set the `direction` bit of `channel_flags` to 1.
  const direction = ourDirection(p.localNodeId, c.remoteNodeId) === 0 ? 0 : CHANNEL_FLAGS.direction;
  // BOLT #7: - MUST set `must_be_one` in `message_flags` to 1.
  //     - MUST set `dont_forward` to 1 in `message_flags`
  const messageFlags = MESSAGE_FLAGS.mustBeOne | (p.dontForward ? MESSAGE_FLAGS.dontForward : 0);
  const m = {
    name: 'channel_update' as const, signature: new Uint8Array(64), chainHash: p.chainHash, shortChannelId: c.shortChannelId,
    timestamp: p.timestamp, messageFlags, channelFlags: direction | (p.disabled ? CHANNEL_FLAGS.disable : 0),
    cltvExpiryDelta: p.policy.cltvExpiryDelta, htlcMinimumMsat, feeBaseMsat: p.policy.feeBaseMsat,
    feeProportionalMillionths: p.policy.feeProportionalMillionths, htlcMaximumMsat, extra: new Uint8Array(0),
  };
  // BOLT #7: - MUST set `signature` to the signature of the double-SHA256 of the entire
  //   remaining packet after `signature`, using its own `node_id`.
  return encodeMessage({ ...m, signature: sign(gossipSigningHash(encodeMessage(m))) });
}

/** Dependencies of {@link OurGossip}. */
export interface OurGossipDeps {
  readonly chainHash: Uint8Array;
  readonly localNodeId: Uint8Array;
  readonly sign: (digest32: Uint8Array) => Uint8Array;
  readonly policy: OurUpdatePolicy;
  /** Hands a message of ours to the gossip service as gossip to store and send to every front. */
  readonly publish: (raw: Uint8Array) => void;
  /** Sends a message to a connected peer (hex node id); false if it is not connected. */
  readonly sendToPeer: (nodeIdHex: string, raw: Uint8Array) => boolean;
  /** Clock in ms. */
  readonly now: () => number;
  readonly log: { info(o: object, msg: string): void };
}

interface Tracked {
  channel: OurChannel;
  announced: boolean;
  /** What the channel is now. */
  disabled: boolean;
  /** What we last signed (undefined: nothing yet). */
  signed: { disabled: boolean; announced: boolean; timestamp: number; atMs: number; raw: Uint8Array } | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** Gossip of our own channels; see the module comment. */
export class OurGossip {
  readonly #d: OurGossipDeps;
  readonly #channels = new Map<bigint, Tracked>();

  constructor(deps: OurGossipDeps) {
    this.#d = deps;
  }

  /** Our latest signed update for a channel, if any. */
  latestUpdate(scid: bigint): Uint8Array | undefined {
    return this.#channels.get(scid)?.signed?.raw;
  }

  /**
   * A channel of ours with a short_channel_id after `channel_ready` (any state from normal to closing),
   * reported after each step: signs an update when there is none yet or its enabled state changed.
   * `announced`: the channel_announcement is known to be in the graph already (after a restart); once
   * announced, a channel stays so.
   */
  channel(c: OurChannel, enabled: boolean, announced = false): void {
    let t = this.#channels.get(c.shortChannelId);
    if (t === undefined) {
      t = { channel: c, announced, disabled: !enabled, signed: undefined, timer: undefined };
      this.#channels.set(c.shortChannelId, t);
    }
    t.channel = c;
    t.disabled = !enabled;
    t.announced ||= announced;
    this.#maybeSign(t);
  }

  /** The complete `channel_announcement` of a public channel of ours: publish it, then our update. */
  announced(a: ChannelAnnouncement, c: OurChannel, enabled: boolean): void {
    this.#d.publish(encodeMessage(a));
    this.channel(c, enabled);
    const t = this.#channels.get(c.shortChannelId)!;
    t.announced = true;
    this.#maybeSign(t);
  }

  /** A channel of ours is gone (closed on chain): forget it. */
  forget(scid: bigint): void {
    const t = this.#channels.get(scid);
    if (t?.timer !== undefined) clearTimeout(t.timer);
    this.#channels.delete(scid);
  }

  /** Stops pending timers. */
  close(): void {
    for (const t of this.#channels.values()) if (t.timer !== undefined) clearTimeout(t.timer);
  }

  #maybeSign(t: Tracked): void {
    const s = t.signed;
    // BOLT #7: - SHOULD NOT create redundant `channel_update`s
    if (s !== undefined && s.disabled === t.disabled && s.announced === t.announced) return;
    const now = this.#d.now();
    // A change of the enabled state inside the window waits for its end; the first public update does not.
    const wait = s === undefined || s.announced !== t.announced ? 0 : s.atMs + UPDATE_MIN_INTERVAL_MS - now;
    if (wait > 0) {
      t.timer ??= setTimeout(() => { t.timer = undefined; if (this.#channels.get(t.channel.shortChannelId) === t) this.#maybeSign(t); }, wait).unref();
      return;
    }
    this.#sign(t, now);
  }

  #sign(t: Tracked, now: number): void {
    const d = this.#d;
    // BOLT #7: - MUST set `timestamp` to greater than 0, AND to greater than any
    //   previously-sent `channel_update` for this `short_channel_id`.
    const timestamp = Math.max(Math.floor(now / 1000), (t.signed?.timestamp ?? 0) + 1);
    const raw = signChannelUpdate(d.sign, {
      chainHash: d.chainHash, localNodeId: d.localNodeId, channel: t.channel, policy: d.policy, timestamp, disabled: t.disabled, dontForward: !t.announced,
    });
    t.signed = { disabled: t.disabled, announced: t.announced, timestamp, atMs: now, raw };
    const peer = Buffer.from(t.channel.remoteNodeId).toString('hex');
    const scid = scidToString(t.channel.shortChannelId);
    if (t.announced) d.publish(raw);
    // BOLT #7: - MUST NOT forward such a `channel_update` to other peers, for privacy
    else d.sendToPeer(peer, raw);
    d.log.info({ scid, timestamp, disabled: t.disabled, public: t.announced }, t.announced ? 'our channel_update published' : 'our channel_update sent to the peer');
  }
}

/** The part of the backend's GossipService our gossip goes through. */
export interface GossipIntake {
  submitOwn(raw: Uint8Array, onRejected: (reason: string) => void): void;
}

/**
 * `publish` for {@link OurGossipDeps} over the GossipService's intake for our own gossip: the same
 * decision as peers' gossip (chain check of our funding, timestamps), then stored and sent as a
 * `graph_event` to every front. A rejection is logged (our own gossip rejected means a bug or a chain
 * source that lags).
 */
export function publishAsOwn(gossip: GossipIntake, log: { warn(o: object, msg: string): void }): (raw: Uint8Array) => void {
  return (raw) => gossip.submitOwn(raw, (reason) => log.warn({ reason }, 'our own gossip was not accepted'));
}
