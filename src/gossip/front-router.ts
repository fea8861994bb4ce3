/**
 * @module gossip/front-router
 * The incoming-gossip pipeline of one front (DESIGN §4, §9), a sans-I/O state machine: events in
 * (a peer's gossip, the backend's decision, graph events, ticks), actions out (forward to the backend,
 * release a peer's read credit, warn, disconnect, rebroadcast).
 *
 * Per message from a connection: chain hash → parse → dedup against what is pending or just accepted
 * (by message hash) → dedup against the graph copy (updates and node announcements by timestamp) →
 * verify signatures → forward one copy, hold it until its channel's decision, or release at once.
 * **Every received message is released exactly once** (property-tested): when dropped, when a duplicate
 * comes from the same peer, when it arrives after acceptance, when its decision comes, when the backend
 * link is lost. That fixes eclair-front's stuck peers (a duplicate in the "accepted" window was never
 * acked) and its dropping of newer node_announcements for known nodes.
 *
 * Signature checks may be done ahead of time, off the main thread (`verify-pipeline.ts`): a `gossip`
 * event then carries a verdict computed on exactly its bytes (`pre`). The router takes it only where it
 * cannot be wrong: for the self-contained announcements whenever present, for a channel_update only when
 * it was checked against the very signer the router looks up now; otherwise it verifies inline. A stale
 * guess costs time, never correctness. `verifyNeed` tells the pipeline what the router would check; it
 * reads the router's private maps, which is why it lives here and this file runs past ~400 lines.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Learned from eclair's `FrontRouter.scala`; written from scratch.
 * Does not: answer queries (`queries.ts`), batch rebroadcasts (`rebroadcast.ts`), touch sockets, or check
 * the chain (the backend's decision does).
 */
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { sha256 } from '../crypto/hash.js';
import { assertNever } from '../errors.js';
import { WireDecodeError } from '../wire/errors.js';
import { decodeMessage } from '../wire/registry.js';
import type { ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../wire/messages/gossip.js';
import { verifyChannelAnnouncement, verifyChannelUpdate, verifyNodeAnnouncement } from './verify.js';
import type { GraphCopy, GraphEvent } from './graph.js';
import {
  GOSSIP_TYPE,
  annChainHash,
  annNodeId,
  annScid,
  annUpdateSigner,
  bytesEqual,
  nodeAnnNodeId,
  nodeAnnTimestamp,
  nodeKey,
  rawType,
  updChainHash,
  updDirection,
  updDontForward,
  updScid,
  updTimestamp,
} from './raw.js';
import { CountedSet } from './counted-set.js';
import { RouterMetrics, type GossipKind } from './router-metrics.js';
import {
  ACCEPTED_WINDOW_MS,
  BAD_SIGNATURE_DISCONNECT_THRESHOLD,
  MALFORMED_DISCONNECT_THRESHOLD,
  MAX_HELD_MESSAGES,
  MAX_PENDING_AT_BACKEND,
} from './limits.js';

export { RouterMetrics, type GossipKind, type GossipStatus, type SignatureCheckWhere } from './router-metrics.js';

/** The backend's verdict on one forwarded message, keyed by SHA256 of its bytes. */
export type GossipDecision =
  | { readonly hash: Uint8Array; readonly accepted: true }
  | { readonly hash: Uint8Array; readonly accepted: false; readonly reason: string };

/**
 * A signature verdict computed ahead of time on exactly the bytes of a `gossip` event: `ok` for all of
 * the message's signatures; `signer`, for a channel_update, is the node id it was checked against.
 */
export interface PreVerdict {
  readonly ok: boolean;
  readonly signer?: Uint8Array | undefined;
}

/**
 * What the router would verify if `raw` arrived now (`FrontRouter.verifyNeed`). `none`: it would drop or
 * merge the message without a signature check (malformed, another chain, a duplicate of a pending or
 * just-accepted message, known or stale in the graph copy). `key` is the router's message key.
 */
export type VerifyNeed =
  | { readonly check: 'none' }
  | { readonly check: 'channel_announcement'; readonly key: string; readonly scid: bigint }
  /** `known`: the node is in the graph copy or on a pending channel (else only an announcement not yet routed can make it known). */
  | { readonly check: 'node_announcement'; readonly key: string; readonly nodeId: Uint8Array; readonly known: boolean }
  /** `signer`: from the graph copy or a pending channel; undefined when the router knows no such channel. */
  | { readonly check: 'channel_update'; readonly key: string; readonly scid: bigint; readonly direction: 0 | 1; readonly signer: Uint8Array | undefined };

const NO_CHECK: VerifyNeed = { check: 'none' };

/** Inputs of the FrontRouter. `now` is ms since the epoch (any monotonic clock works). */
export type RouterEvent =
  /** `pre`: a verdict computed ahead of time on exactly `raw` (see the module comment for when it is used). */
  | { readonly type: 'gossip'; readonly conn: number; readonly raw: Uint8Array; readonly now: number; readonly pre?: PreVerdict | undefined }
  | { readonly type: 'decision'; readonly decision: GossipDecision; readonly now: number }
  | { readonly type: 'graph'; readonly event: GraphEvent; readonly now: number }
  | { readonly type: 'peerChannels'; readonly conn: number; readonly hasChannels: boolean }
  | { readonly type: 'peerClosed'; readonly conn: number }
  | { readonly type: 'backendLost' }
  | { readonly type: 'tick'; readonly now: number };

/** Outputs of the FrontRouter, in the order they must be carried out. */
export type RouterAction =
  /** Send one `gossip_forward` (`verified` false only for updates of a channel peer's private channel). */
  | { readonly type: 'forwardToBackend'; readonly msg: Uint8Array; readonly origin: number; readonly verified: boolean }
  /** Give `count` read credits back to the connection (its messages are done with). */
  | { readonly type: 'release'; readonly conn: number; readonly count: number }
  | { readonly type: 'sendWarning'; readonly conn: number; readonly text: string }
  | { readonly type: 'disconnect'; readonly conn: number; readonly reason: string }
  /** Accepted gossip for the rebroadcast planner; `origins` must not get it back; `own`: our node's gossip. */
  | { readonly type: 'rebroadcast'; readonly raw: Uint8Array; readonly origins: readonly number[]; readonly own: boolean };

/** What a message waits on. A discriminated union: `held` entries have no backend copy yet. */
type Pending =
  | { state: 'atBackend'; kind: GossipKind; raw: Uint8Array; origins: Set<number>; eventSeen: boolean; held: string[] }
  | { state: 'held'; kind: GossipKind; raw: Uint8Array; origins: Set<number>; channel: string };

/** FrontRouter settings. */
export interface FrontRouterOptions {
  /** The chain we serve; gossip for any other chain is ignored. */
  readonly chainHash: Uint8Array;
  /** secp256k1 engine for signature checks (native on boards that built it). */
  readonly engine: Secp256k1Engine;
  /** The front's graph copy (shared with query answering). */
  readonly graph: GraphCopy;
  /** Our node id, to flag our own gossip (always relayed, BOLT 7). */
  readonly ourNodeId?: Uint8Array;
}

const KIND_BY_TYPE: Record<string, GossipKind> = {
  channel_announcement: 'channel_announcement',
  channel_update: 'channel_update',
  node_announcement: 'node_announcement',
};

/** Collects actions; releases are merged per connection and emitted last. */
class Out {
  readonly actions: RouterAction[] = [];
  readonly #releases = new Map<number, number>();
  push(a: RouterAction): void {
    this.actions.push(a);
  }
  release(conn: number, n = 1): void {
    this.#releases.set(conn, (this.#releases.get(conn) ?? 0) + n);
  }
  done(): RouterAction[] {
    for (const [conn, count] of this.#releases) if (count > 0) this.actions.push({ type: 'release', conn, count });
    return this.actions;
  }
}

const hex = (b: Uint8Array): string => nodeKey(b);

/** The FrontRouter of one front. Call `handle` with each event; carry out the returned actions. */
export class FrontRouter {
  readonly metrics = new RouterMetrics();
  readonly #o: FrontRouterOptions;
  /** By message hash (hex): forwarded and awaiting a decision, or held for a pending channel. */
  readonly #pending = new Map<string, Pending>();
  /** Pending channel_announcements: scid → message hash. */
  readonly #pendingChannels = new Map<bigint, string>();
  /** Nodes of pending channels: node key → the pending channel's hash. */
  readonly #pendingNodes = new Map<string, string>();
  /** Accepted but no graph event yet: hash → senders (not to get it back) and expiry. */
  readonly #accepted = new Map<string, { origins: Set<number>; expires: number }>();
  /**
   * Channels whose announcement the backend accepted before our copy got its `channelAdded` event:
   * scid → announcement and expiry; and their nodes (node key → how many such channels name it). The
   * backend sends the event first, except while it streams this front a snapshot (it holds events until
   * the final chunk, not decisions), and a stand-in backend may answer in either order. Until the event
   * the channel counts as known, so its updates and its nodes' announcements are forwarded, not dropped
   * as `no-related-channel` / `no-known-channel` in between.
   */
  readonly #awaitingEvent = new Map<bigint, { raw: Uint8Array; expires: number }>();
  readonly #awaitingNodes = new CountedSet<string>();
  readonly #badSignatures = new Map<number, number>();
  readonly #malformed = new Map<number, number>();
  readonly #channelPeers = new Set<number>();
  /**
   * Message keys `verifyNeed` computed, taken by `handle` for the same bytes (one SHA-256 per message,
   * not two). Keyed by the array object: gossip bytes never change once received (the router already
   * keeps and forwards them later as they are).
   */
  readonly #keys = new WeakMap<Uint8Array, string>();
  #heldCount = 0;

  constructor(options: FrontRouterOptions) {
    this.#o = options;
  }

  /** Messages awaiting a decision or held (for status pages and tests). */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Handles one event and returns the actions to carry out. */
  handle(ev: RouterEvent): RouterAction[] {
    const out = new Out();
    switch (ev.type) {
      case 'gossip':
        this.#onGossip(ev.conn, ev.raw, ev.pre, out);
        break;
      case 'decision':
        this.#onDecision(ev.decision, ev.now, out);
        break;
      case 'graph':
        this.#onGraphEvent(ev.event, out);
        break;
      case 'peerChannels':
        if (ev.hasChannels) this.#channelPeers.add(ev.conn);
        else this.#channelPeers.delete(ev.conn);
        break;
      case 'peerClosed':
        this.#onPeerClosed(ev.conn);
        break;
      case 'backendLost':
        this.#onBackendLost(out);
        break;
      case 'tick':
        for (const [h, a] of this.#accepted) if (a.expires <= ev.now) this.#accepted.delete(h);
        for (const [scid, w] of this.#awaitingEvent) if (w.expires <= ev.now) this.#eventArrived(scid);
        break;
      default:
        assertNever(ev, 'router event');
    }
    return out.done();
  }

  // ---- incoming gossip ---------------------------------------------------------------------------

  /**
   * What `handle` would verify if `raw` came now. It changes no routing state or metric (it only
   * caches the message key for `handle`). It reads the few fields it needs from the bytes, so a message
   * that would not decode may still get a check: `handle` drops such a message before any verdict.
   */
  verifyNeed(raw: Uint8Array): VerifyNeed {
    try {
      switch (rawType(raw)) {
        case GOSSIP_TYPE.channelAnnouncement:
          return this.#annNeed(raw);
        case GOSSIP_TYPE.channelUpdate:
          return this.#updNeed(raw);
        case GOSSIP_TYPE.nodeAnnouncement:
          return this.#nodeNeed(raw);
        default:
          return NO_CHECK;
      }
    } catch (e) {
      if (e instanceof WireDecodeError) return NO_CHECK; // malformed: handle() warns without verifying
      throw e;
    }
  }

  /** The message key of `raw`, or undefined when handle() would merge it with a pending or accepted copy. */
  #newKey(raw: Uint8Array): string | undefined {
    const key = this.#keys.get(raw) ?? hex(sha256(raw));
    this.#keys.set(raw, key);
    return this.#pending.has(key) || this.#accepted.has(key) ? undefined : key;
  }

  #annNeed(raw: Uint8Array): VerifyNeed {
    if (!bytesEqual(annChainHash(raw), this.#o.chainHash)) return NO_CHECK;
    const scid = annScid(raw);
    if (this.#channelKnownOrPending(scid)) return NO_CHECK;
    const key = this.#newKey(raw);
    return key === undefined ? NO_CHECK : { check: 'channel_announcement', key, scid };
  }

  #updNeed(raw: Uint8Array): VerifyNeed {
    if (!bytesEqual(updChainHash(raw), this.#o.chainHash)) return NO_CHECK;
    const scid = updScid(raw);
    const direction = updDirection(raw);
    const c = this.#o.graph.channel(scid);
    if (c !== undefined && c.updateTimestamp(direction) >= updTimestamp(raw) && c.update(direction) !== undefined) return NO_CHECK;
    const key = this.#newKey(raw);
    return key === undefined ? NO_CHECK : { check: 'channel_update', key, scid, direction, signer: this.#signerOf(scid, direction) };
  }

  #nodeNeed(raw: Uint8Array): VerifyNeed {
    const nodeId = nodeAnnNodeId(raw);
    const n = this.#o.graph.node(nodeId);
    if (n !== undefined && n.announcement !== undefined && n.timestamp >= nodeAnnTimestamp(raw)) return NO_CHECK;
    const key = this.#newKey(raw);
    if (key === undefined) return NO_CHECK;
    const node = nodeKey(nodeId);
    const chanKey = this.#pendingNodes.get(node);
    const known = n !== undefined || this.#awaitingNodes.has(node) || (chanKey !== undefined && this.#pending.has(chanKey));
    return { check: 'node_announcement', key, nodeId, known };
  }

  /** The node that must have signed an update of `scid` in `direction`: from the graph copy, else a pending channel. */
  #signerOf(scid: bigint, direction: 0 | 1): Uint8Array | undefined {
    const c = this.#o.graph.channel(scid);
    if (c !== undefined) return annUpdateSigner(c.announcement, direction);
    const accepted = this.#awaitingEvent.get(scid);
    if (accepted !== undefined) return annUpdateSigner(accepted.raw, direction);
    const chanKey = this.#pendingChannels.get(scid);
    const chan = chanKey === undefined ? undefined : this.#pending.get(chanKey);
    return chan === undefined ? undefined : annUpdateSigner(chan.raw, direction);
  }

  /** `pre` when it applies (see the module comment), else the inline check; counts which one ran. */
  #signatureOk(pre: PreVerdict | undefined, signer: Uint8Array | undefined, inline: () => boolean): boolean {
    const usable = pre !== undefined && (signer === undefined || (pre.signer !== undefined && bytesEqual(pre.signer, signer)));
    this.metrics.signatureCheck(usable ? 'ahead' : 'inline');
    return usable ? pre.ok : inline();
  }

  #onGossip(conn: number, raw: Uint8Array, pre: PreVerdict | undefined, out: Out): void {
    let m;
    try {
      m = decodeMessage(raw);
    } catch (e) {
      out.release(conn);
      this.#fault(conn, this.#malformed, MALFORMED_DISCONNECT_THRESHOLD, `malformed gossip: ${(e as Error).message}`, out);
      this.metrics.count('malformed', 'unknown');
      return;
    }
    const kind = KIND_BY_TYPE[m.name];
    if (kind === undefined) throw new TypeError(`FrontRouter got ${m.name}: route only gossip broadcasts here`);
    out.release(conn); // every path below releases exactly once, now or later; undo when deferring
    // BOLT #7: - if the specified `chain_hash` is unknown to the receiver:
    //     - MUST ignore the message.
    if (m.name !== 'node_announcement' && !bytesEqual((m as ChannelUpdate).chainHash, this.#o.chainHash)) {
      return this.metrics.count('wrong-chain', kind);
    }
    const key = this.#keys.get(raw) ?? hex(sha256(raw));
    this.#keys.delete(raw);
    if (this.#aggregate(conn, key, kind, out)) return;
    switch (m.name) {
      case 'channel_announcement':
        return this.#onChannelAnnouncement(conn, raw, m as ChannelAnnouncement, key, pre, out);
      case 'channel_update':
        return this.#onChannelUpdate(conn, raw, m as ChannelUpdate, key, pre, out);
      case 'node_announcement':
        return this.#onNodeAnnouncement(conn, raw, m as NodeAnnouncement, key, pre, out);
    }
  }

  /** The same bytes are already pending or just accepted: merge the sender. True if handled. */
  #aggregate(conn: number, key: string, kind: GossipKind, out: Out): boolean {
    const p = this.#pending.get(key);
    if (p !== undefined) {
      if (p.origins.has(conn)) {
        this.metrics.count('duplicate', kind); // same peer twice: acked at once, the first waits
      } else {
        p.origins.add(conn);
        this.#defer(conn, out);
        this.metrics.count('stashed', kind);
      }
      return true;
    }
    const a = this.#accepted.get(key);
    if (a !== undefined) {
      a.origins.add(conn); // released now (eclair never acked these), still not sent back to it
      this.metrics.count('stashed-accepted', kind);
      return true;
    }
    return false;
  }

  /** Takes back the release issued at the top of `#onGossip`: the message now waits for a decision. */
  #defer(conn: number, out: Out): void {
    out.release(conn, -1);
  }

  #onChannelAnnouncement(conn: number, raw: Uint8Array, m: ChannelAnnouncement, key: string, pre: PreVerdict | undefined, out: Out): void {
    const scid = m.shortChannelId;
    if (this.#channelKnownOrPending(scid)) return this.metrics.count('dropped', 'channel_announcement');
    // BOLT #7: - MUST verify the integrity AND authenticity of the message by verifying the
    //   signatures.
    if (!this.#signatureOk(pre, undefined, () => verifyChannelAnnouncement(raw, m, this.#o.engine).ok)) return this.#badSignature(conn, 'channel_announcement', out);
    if (!this.#forward(conn, raw, 'channel_announcement', key, true, out)) return;
    this.#pendingChannels.set(scid, key);
    this.#pendingNodes.set(nodeKey(m.nodeId1), key);
    this.#pendingNodes.set(nodeKey(m.nodeId2), key);
  }

  #onChannelUpdate(conn: number, raw: Uint8Array, m: ChannelUpdate, key: string, pre: PreVerdict | undefined, out: Out): void {
    const dir = updDirection(raw);
    const c = this.#o.graph.channel(m.shortChannelId);
    // BOLT #7: - if `timestamp` is lower than that of the last-received
    //   `channel_update` for this `short_channel_id` AND for `node_id`:
    //     - SHOULD ignore the message.
    if (c !== undefined && c.updateTimestamp(dir) >= m.timestamp && c.update(dir) !== undefined) return this.metrics.count('dropped', 'channel_update');
    const signer = this.#signerOf(m.shortChannelId, dir);
    if (signer !== undefined) {
      if (!this.#signatureOk(pre, signer, () => verifyChannelUpdate(raw, m, signer, this.#o.engine).ok)) return this.#badSignature(conn, 'channel_update', out);
      if (c !== undefined || this.#awaitingEvent.has(m.shortChannelId)) this.#forward(conn, raw, 'channel_update', key, true, out);
      else this.#hold(conn, raw, 'channel_update', key, this.#pendingChannels.get(m.shortChannelId)!, out);
      return;
    }
    // BOLT #7: - SHOULD accept `channel_update`s for its own channels (even if non-public),
    //   in order to learn the associated origin nodes' forwarding parameters.
    if (this.#channelPeers.has(conn)) {
      this.#forward(conn, raw, 'channel_update', key, false, out); // the backend knows its private channels
      return;
    }
    this.metrics.count('no-related-channel', 'channel_update');
  }

  #onNodeAnnouncement(conn: number, raw: Uint8Array, m: NodeAnnouncement, key: string, pre: PreVerdict | undefined, out: Out): void {
    const n = this.#o.graph.node(m.nodeId);
    // BOLT #7: - if `node_id` is NOT previously known from a `channel_announcement` message,
    //   OR if `timestamp` is NOT greater than the last-received `node_announcement`
    //   from this `node_id`:
    //     - SHOULD ignore the message.
    if (n !== undefined && n.announcement !== undefined && n.timestamp >= m.timestamp) return this.metrics.count('dropped', 'node_announcement');
    // Known from the copy or from a channel accepted awaiting its event: forward; from a pending channel: hold.
    const node = nodeKey(m.nodeId);
    const chanKey = this.#pendingNodes.get(node);
    const known = n !== undefined || this.#awaitingNodes.has(node);
    if (!known && (chanKey === undefined || !this.#pending.has(chanKey))) return this.metrics.count('no-known-channel', 'node_announcement');
    if (!this.#signatureOk(pre, undefined, () => verifyNodeAnnouncement(raw, m, this.#o.engine).ok)) return this.#badSignature(conn, 'node_announcement', out);
    if (known) this.#forward(conn, raw, 'node_announcement', key, true, out);
    else this.#hold(conn, raw, 'node_announcement', key, chanKey!, out);
  }

  /** Sends one copy to the backend; false if the backlog is full (then released at once). */
  #forward(conn: number, raw: Uint8Array, kind: GossipKind, key: string, verified: boolean, out: Out): boolean {
    if (this.#pending.size - this.#heldCount >= MAX_PENDING_AT_BACKEND) {
      this.metrics.count('overloaded', kind);
      return false;
    }
    this.#pending.set(key, { state: 'atBackend', kind, raw, origins: new Set([conn]), eventSeen: false, held: [] });
    this.#defer(conn, out);
    out.push({ type: 'forwardToBackend', msg: raw, origin: conn, verified });
    this.metrics.count(verified ? 'forwarded' : 'forwarded-unverified', kind);
    return true;
  }

  /** Keeps a verified message until the pending channel `chanKey` is decided. */
  #hold(conn: number, raw: Uint8Array, kind: GossipKind, key: string, chanKey: string, out: Out): void {
    const chan = this.#pending.get(chanKey);
    if (chan === undefined || chan.state !== 'atBackend' || this.#heldCount >= MAX_HELD_MESSAGES) {
      return this.metrics.count('overloaded', kind);
    }
    this.#pending.set(key, { state: 'held', kind, raw, origins: new Set([conn]), channel: chanKey });
    chan.held.push(key);
    this.#heldCount++;
    this.#defer(conn, out);
    this.metrics.count('held', kind);
  }

  #badSignature(conn: number, kind: GossipKind, out: Out): void {
    this.metrics.count('bad-signature', kind);
    this.#fault(conn, this.#badSignatures, BAD_SIGNATURE_DISCONNECT_THRESHOLD, `invalid signature in ${kind}`, out);
  }

  /** Warns, counts against the connection, disconnects past the threshold. The release is already queued. */
  #fault(conn: number, counts: Map<number, number>, threshold: number, text: string, out: Out): void {
    const n = (counts.get(conn) ?? 0) + 1;
    counts.set(conn, n);
    out.push({ type: 'sendWarning', conn, text });
    if (n === threshold + 1) out.push({ type: 'disconnect', conn, reason: `${text} (${n} faults, limit ${threshold})` });
  }

  // ---- decisions, graph events, peers ------------------------------------------------------------

  #onDecision(d: GossipDecision, now: number, out: Out): void {
    const key = hex(d.hash);
    const p = this.#pending.get(key);
    if (p === undefined || p.state !== 'atBackend') return this.metrics.count('unknown-decision', 'unknown');
    this.#pending.delete(key);
    for (const conn of p.origins) out.release(conn);
    this.metrics.count(d.accepted ? 'accepted' : 'rejected', p.kind);
    if (d.accepted && !p.eventSeen) this.#accepted.set(key, { origins: p.origins, expires: now + ACCEPTED_WINDOW_MS });
    if (p.kind !== 'channel_announcement') return;
    this.#forgetPendingChannel(key, p.raw);
    if (d.accepted && !p.eventSeen) this.#awaitEvent(p.raw, now + ACCEPTED_WINDOW_MS);
    // The channel may be known although our copy was refused: another front's copy of the same
    // announcement won the race and its graph event arrived first (the backend calls ours a duplicate).
    // What waited for the channel goes on in that case too, or it would be lost.
    const channelKnown = d.accepted || this.#o.graph.channel(annScid(p.raw)) !== undefined;
    for (const h of p.held) {
      const held = this.#pending.get(h);
      if (held === undefined || held.state !== 'held') continue;
      this.#heldCount--;
      if (channelKnown) {
        // The channel is known now: forward what waited for it, with all its senders.
        this.#pending.set(h, { state: 'atBackend', kind: held.kind, raw: held.raw, origins: held.origins, eventSeen: false, held: [] });
        out.push({ type: 'forwardToBackend', msg: held.raw, origin: held.origins.values().next().value!, verified: true });
        this.metrics.count('forwarded', held.kind);
      } else {
        this.#pending.delete(h);
        for (const conn of held.origins) out.release(conn);
        this.metrics.count(held.kind === 'channel_update' ? 'no-related-channel' : 'no-known-channel', held.kind);
      }
    }
  }

  /** The graph copy has the channel, or its announcement is pending or accepted awaiting its event. */
  #channelKnownOrPending(scid: bigint): boolean {
    return this.#o.graph.channel(scid) !== undefined || this.#pendingChannels.has(scid) || this.#awaitingEvent.has(scid);
  }

  /** The backend accepted announcement `raw` and our copy has no event for it yet (see `#awaitingEvent`). */
  #awaitEvent(raw: Uint8Array, expires: number): void {
    const scid = annScid(raw);
    if (this.#awaitingEvent.has(scid)) return;
    this.#awaitingEvent.set(scid, { raw, expires });
    for (const side of [1, 2] as const) this.#awaitingNodes.add(nodeKey(annNodeId(raw, side)));
  }

  /** The copy heard about channel `scid` (or the wait expired): it no longer needs the record. */
  #eventArrived(scid: bigint): void {
    const w = this.#awaitingEvent.get(scid);
    if (w === undefined) return;
    this.#awaitingEvent.delete(scid);
    for (const side of [1, 2] as const) this.#awaitingNodes.remove(nodeKey(annNodeId(w.raw, side)));
  }

  /** Drops the pending-channel entries of announcement `raw` (hash `key`): its scid and its two nodes. */
  #forgetPendingChannel(key: string, raw: Uint8Array): void {
    // By the announcement's own scid and node ids, not a scan of the maps (that was linear in what is
    // pending, per decision). A node entry may already name a newer pending channel: keep that one.
    const scid = annScid(raw);
    if (this.#pendingChannels.get(scid) === key) this.#pendingChannels.delete(scid);
    for (const side of [1, 2] as const) {
      const n = nodeKey(annNodeId(raw, side));
      if (this.#pendingNodes.get(n) === key) this.#pendingNodes.delete(n);
    }
  }

  #onGraphEvent(ev: GraphEvent, out: Out): void {
    const result = this.#o.graph.apply(ev);
    if (ev.kind === 'channelAdded') this.#eventArrived(annScid(ev.announcement));
    else if (ev.kind === 'channelRemoved') this.#eventArrived(ev.scid);
    if (result !== 'applied') return;
    const raw = ev.kind === 'channelAdded' || ev.kind === 'nodeUpdated' ? ev.announcement : ev.kind === 'channelUpdated' ? ev.update : undefined;
    if (raw === undefined) return;
    // BOLT #7: - SHOULD queue the message for rebroadcasting.
    if (ev.kind === 'channelUpdated' && updDontForward(raw)) return;
    const key = hex(sha256(raw));
    const origins = new Set<number>();
    const p = this.#pending.get(key);
    if (p !== undefined) {
      for (const c of p.origins) origins.add(c);
      if (p.state === 'atBackend') p.eventSeen = true;
    }
    const a = this.#accepted.get(key);
    if (a !== undefined) {
      for (const c of a.origins) origins.add(c);
      this.#accepted.delete(key);
    }
    out.push({ type: 'rebroadcast', raw, origins: [...origins], own: this.#isOwn(ev, raw) });
  }

  #isOwn(ev: GraphEvent, raw: Uint8Array): boolean {
    const us = this.#o.ourNodeId;
    if (us === undefined) return false;
    switch (ev.kind) {
      case 'channelAdded':
        return bytesEqual(annNodeId(raw, 1), us) || bytesEqual(annNodeId(raw, 2), us);
      case 'channelUpdated': {
        const c = this.#o.graph.channel(updScid(raw));
        return c !== undefined && bytesEqual(annUpdateSigner(c.announcement, updDirection(raw)), us);
      }
      case 'nodeUpdated':
        return bytesEqual(nodeAnnNodeId(raw), us);
      case 'channelRemoved':
      case 'nodeRemoved':
        return false;
      default:
        return assertNever(ev, 'graph event');
    }
  }

  #onPeerClosed(conn: number): void {
    for (const p of this.#pending.values()) p.origins.delete(conn); // nothing left to release to
    for (const a of this.#accepted.values()) a.origins.delete(conn);
    this.#badSignatures.delete(conn);
    this.#malformed.delete(conn);
    this.#channelPeers.delete(conn);
  }

  /** The link dropped: no decision will come, so every waiting sender is released now. */
  #onBackendLost(out: Out): void {
    for (const p of this.#pending.values()) for (const conn of p.origins) out.release(conn);
    this.metrics.count('abandoned', 'unknown', this.#pending.size);
    this.#pending.clear();
    this.#pendingChannels.clear();
    this.#pendingNodes.clear();
    this.#accepted.clear();
    this.#awaitingEvent.clear();
    this.#awaitingNodes.clear();
    this.#heldCount = 0;
  }
}
