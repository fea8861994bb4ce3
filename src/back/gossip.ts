/**
 * @module back/gossip
 * The backend's gossip service (DESIGN §4, docs/gossip.md): owns the authoritative graph
 * (`GraphStore`, SQLite in data-dir) and the chain source, and talks to fronts over the link.
 *
 *  - `gossip_forward` from a front → decode → `decide` (chain check for announcements) → store →
 *    `gossip_decision` to that front, and on acceptance `graph_event` to **every** front (the sender
 *    included: its graph copy and rebroadcast planner learn the change from the event).
 *  - At link-up (`onFrontUp`, after `hello_ack`) the whole graph is streamed to the front as
 *    `graph_snapshot_chunk`s, paced by the link's queue (never above `SNAPSHOT_MAX_QUEUED_BYTES`),
 *    `final` on the last; the front accepts peers only after it.
 * While a front's snapshot streams, graph events for it are held and sent after the final chunk: the
 * snapshot reads the store ahead of what it has sent, so an event sent at once could overtake the chunk
 * holding the state it changes (a removal applied before the channel arrives would leave it in the copy).
 * Decisions are made one at a time in arrival order (a channel_announcement waits for the chain, and
 * the updates behind it must see its result), so the order of graph events is the order of acceptance.
 *
 *  - Our own node_announcement (`publishOwn`, signed by `own.sign`): stored and sent to every front as a
 *    `graph_event` like accepted gossip (fronts rebroadcast our own gossip always). The store keeps node
 *    announcements only for nodes with a channel, so until one of ours is accepted it is only held here
 *    (`ownAnnouncement()`) and published when a channel_announcement naming us is accepted.
 *
 * Spec: BOLT #7 (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md).
 * Does not: verify signatures (fronts did, see `src/gossip/decide.ts` on the trust boundary), prune
 * stale channels or watch funding spends (`chain-timers.ts`; removals come back through `channelRemoved`),
 * run the daily re-sign timer (index.ts).
 */
import type { Logger } from '../log.js';
import { sha256 } from '../crypto/hash.js';
import { assertNever } from '../errors.js';
import type { ChainSource } from '../chain/source.js';
import { decide, type Decision, type DecisionReason, type ForwardedGossip } from '../gossip/decide.js';
import type { GraphCounts, GraphStore } from '../gossip/store.js';
import { GOSSIP_REJECT, GRAPH_EVENT_KIND, type SnapshotEntry } from '../cluster/gossip-messages.js';
import type { LinkMessageNamed } from '../cluster/messages.js';
import { decodeMessage } from '../wire/registry.js';
import { updateDirection } from '../wire/messages/gossip.js';
import type { Front } from './fronts.js';

/**
 * Bytes of gossip per snapshot chunk: 256 KiB, a quarter of `MAX_LINK_FRAME_BYTES` (1 MiB) so an
 * entry of up to 64 KiB never pushes a chunk over the frame limit.
 */
export const SNAPSHOT_CHUNK_BYTES = 256 << 10;
/**
 * Link bytes queued before the snapshot waits for the front to read: 2 MiB, half of
 * `LINK_PAUSE_READ_BYTES`, so a streaming snapshot never makes the link pause reads or hit its hard cap.
 */
export const SNAPSHOT_MAX_QUEUED_BYTES = 2 << 20;
/**
 * Graph events held for one front while its snapshot streams: 200,000 (≈ a mainnet graph's worth of
 * updates; each is one raw message). Past it the front's link is closed: it relinks and starts over.
 */
export const MAX_EVENTS_DURING_SNAPSHOT = 200_000;
/** How long the snapshot waits before looking at the link queue again, in ms. */
const SNAPSHOT_RETRY_MS = 5;

/** Maps a decision reason to the `gossip_decision.reason` code the fronts know. */
export function rejectCode(reason: DecisionReason): number {
  switch (reason) {
    case 'accepted': return GOSSIP_REJECT.none;
    case 'duplicate': case 'stale': case 'tooOld': case 'futureTimestamp': return GOSSIP_REJECT.stale;
    case 'noKnownChannel': case 'noRelatedChannel': return GOSSIP_REJECT.noRelatedChannel;
    case 'fundingNotFound': case 'fundingSpent': case 'fundingScriptMismatch': case 'fundingBelowDust': case 'tooFewConfirmations':
      return GOSSIP_REJECT.invalidFunding;
    case 'unknownChain': case 'conflictingAnnouncement': return GOSSIP_REJECT.invalid;
    case 'chainUnavailable': return GOSSIP_REJECT.overloaded;
  }
  return assertNever(reason, 'decision reason');
}

/** Dependencies of the service. */
export interface GossipServiceDeps {
  readonly store: GraphStore;
  readonly chain: ChainSource;
  /** Our chain's `chain_hash`, wire order. */
  readonly chainHash: Uint8Array;
  /** Every live front (graph events go to all). */
  readonly fronts: () => readonly Front[];
  readonly log: Logger;
  /** Clock in ms. */
  readonly now: () => number;
  /** Counts one decision by reason (metrics). */
  readonly count?: (reason: DecisionReason) => void;
  /** Our node id and a signer of our node_announcement at a timestamp (seconds); absent: none published. */
  readonly own?: { readonly nodeId: Uint8Array; sign(timestamp: number): Uint8Array };
}

/** The backend's gossip service. */
/** A decision's text for `gossip_decision` and logs: empty when accepted, else the reason and its detail. */
function decisionText(d: Decision): string {
  if (d.accepted) return '';
  return d.detail === undefined ? d.reason : `${d.reason}: ${d.detail}`;
}

export class GossipService {
  readonly #d: GossipServiceDeps;
  /** Decisions run one after another (see the module comment). */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  /** Our latest signed node_announcement and whether the store took it (it needs a channel of ours). */
  #own: { raw: Uint8Array; timestamp: number; stored: boolean } | undefined;
  /** Events held per front while its snapshot streams (see the module comment). */
  readonly #held = new Map<Front, LinkMessageNamed<'graph_event'>[]>();

  constructor(deps: GossipServiceDeps) {
    this.#d = deps;
  }

  /** Graph sizes for status and metrics. */
  counts(): GraphCounts {
    return this.#d.store.counts();
  }

  /** Stops accepting work (pending decisions finish without replies). */
  close(): Promise<void> {
    this.#closed = true;
    return this.#queue;
  }

  /** Our latest signed node_announcement (undefined before `publishOwn`). */
  ownAnnouncement(): Uint8Array | undefined {
    return this.#own?.raw;
  }

  /**
   * Re-signs our node_announcement with timestamp = now, kept strictly above the previous one (ours in
   * memory and the stored one), stores it and sends it to every front if the store takes it. Queued behind
   * pending decisions; resolves with the new message.
   */
  publishOwn(): Promise<Uint8Array | undefined> {
    const r = this.#queue.then(() => this.#publishOwnNow());
    this.#queue = r.then(() => undefined, (e: unknown) => {
      this.#d.log.error({ err: (e as Error).message }, 'own node_announcement failed');
    });
    return r;
  }

  #publishOwnNow(): Uint8Array | undefined {
    const own = this.#d.own;
    if (own === undefined || this.#closed) return undefined;
    const prev = Math.max(this.#own?.timestamp ?? 0, this.#d.store.getNode(own.nodeId)?.timestamp ?? 0);
    const timestamp = Math.max(Math.floor(this.#d.now() / 1000), prev + 1);
    const raw = own.sign(timestamp);
    const o = this.#d.store.upsertNode({ nodeId: own.nodeId, timestamp, raw });
    const stored = o === 'inserted' || o === 'replaced';
    this.#own = { raw, timestamp, stored };
    if (stored) this.#sendEvent(GRAPH_EVENT_KIND.updated, raw, {});
    this.#d.log.info({ timestamp, stored }, stored ? 'own node_announcement published' : 'own node_announcement signed, held until a channel of ours is known');
    return raw;
  }

  /** Tells every front that a channel left the graph (stale pruning or spent funding). */
  channelRemoved(scid: bigint): void {
    this.#toFronts({ name: 'graph_event', kind: GRAPH_EVENT_KIND.removed, scid, message: new Uint8Array(0), tlvs: {} });
  }

  #sendEvent(kind: number, raw: Uint8Array, tlvs: { capacitySat?: bigint }): void {
    this.#toFronts({ name: 'graph_event', kind, scid: 0n, message: raw, tlvs });
  }

  /** Sends an event to every front, or holds it for a front whose snapshot is streaming. */
  #toFronts(m: LinkMessageNamed<'graph_event'>): void {
    for (const f of this.#d.fronts()) {
      const held = this.#held.get(f);
      if (held === undefined) {
        f.link.send(m);
        continue;
      }
      held.push(m);
      if (held.length > MAX_EVENTS_DURING_SNAPSHOT) {
        this.#held.delete(f);
        this.#d.log.warn({ front: f.id, held: held.length }, 'too many graph events during the snapshot: closing the link, the front will relink');
        f.link.close('graph events overflowed during the snapshot');
      }
    }
  }

  /** `gossip_forward` from `front`: decided in arrival order, the decision sent back to that front. */
  forward(front: Front, m: LinkMessageNamed<'gossip_forward'>): void {
    this.#enqueue(m.message, (hash, decision) => {
      front.link.send({ name: 'gossip_decision', hash, accepted: decision.accepted, reason: rejectCode(decision.reason), text: decisionText(decision), tlvs: {} });
    });
  }

  /**
   * Our own gossip (channel_announcement, channel_update of our channels): the same decision as peers'
   * gossip, in the same queue, stored and sent to every front when accepted; `onRejected` gets the
   * reason otherwise (a bug, or a chain source that lags).
   */
  submitOwn(raw: Uint8Array, onRejected: (reason: string) => void): void {
    this.#enqueue(raw, (_hash, decision) => {
      if (!decision.accepted) onRejected(decisionText(decision));
    });
  }

  /** Decides `raw` after everything queued before it, applies an acceptance, then calls `done`. */
  #enqueue(raw: Uint8Array, done: (hash: Uint8Array, decision: Decision) => void): void {
    this.#queue = this.#queue.then(async () => {
      const decision = await this.#decide(raw);
      if (decision !== undefined) done(sha256(raw), decision);
    }).catch((e: unknown) => {
      this.#d.log.error({ err: (e as Error).message }, 'gossip decision failed');
    });
  }

  async #decide(raw: Uint8Array): Promise<Decision | undefined> {
    if (this.#closed) return undefined;
    const g = this.#parse(raw);
    let decision: Decision;
    if (g === undefined) decision = { accepted: false, reason: 'unknownChain', detail: 'not a gossip message' };
    else decision = await decide(g, this.#d.store, { chainHash: this.#d.chainHash, now: Math.floor(this.#d.now() / 1000) }, this.#d.chain);
    if (this.#closed) return undefined;
    if (decision.accepted && g !== undefined) this.#apply(g, decision);
    this.#d.count?.(decision.reason);
    return decision;
  }

  #parse(raw: Uint8Array): ForwardedGossip | undefined {
    let m;
    try {
      m = decodeMessage(raw);
    } catch {
      return undefined;
    }
    switch (m.name) {
      case 'channel_announcement': case 'channel_update': case 'node_announcement':
        return { message: m, raw } as ForwardedGossip;
      default:
        return undefined;
    }
  }

  /** Stores an accepted message and tells every front. */
  #apply(g: ForwardedGossip, decision: Decision & { accepted: true }): void {
    const { store } = this.#d;
    const m = g.message;
    let capacitySat: bigint | undefined;
    let stored: boolean;
    switch (m.name) {
      case 'channel_announcement':
        capacitySat = decision.funding?.capacitySat;
        stored = store.addChannel({
          scid: m.shortChannelId, announcement: g.raw, nodeId1: m.nodeId1, nodeId2: m.nodeId2, bitcoinKey1: m.bitcoinKey1,
          bitcoinKey2: m.bitcoinKey2, capacitySat, funding: decision.funding && { txid: decision.funding.txid, vout: decision.funding.vout },
          firstSeen: Math.floor(this.#d.now() / 1000),
        });
        break;
      case 'channel_update': {
        const o = store.upsertChannelUpdate({ scid: m.shortChannelId, direction: updateDirection(m), timestamp: m.timestamp, messageFlags: m.messageFlags, channelFlags: m.channelFlags, raw: g.raw });
        stored = o === 'inserted' || o === 'replaced';
        break;
      }
      case 'node_announcement': {
        const o = store.upsertNode({ nodeId: m.nodeId, timestamp: m.timestamp, raw: g.raw });
        stored = o === 'inserted' || o === 'replaced';
        break;
      }
      default:
        return assertNever(m, 'gossip message');
    }
    if (!stored) return;
    const kind = m.name === 'channel_announcement' ? GRAPH_EVENT_KIND.added : GRAPH_EVENT_KIND.updated;
    this.#sendEvent(kind, g.raw, capacitySat === undefined ? {} : { capacitySat });
    // The first channel of ours makes our held announcement storable: publish it now, after the channel.
    const own = this.#d.own;
    if (m.name === 'channel_announcement' && own !== undefined && this.#own?.stored !== true
      && (Buffer.from(m.nodeId1).equals(own.nodeId) || Buffer.from(m.nodeId2).equals(own.nodeId))) this.#publishOwnNow();
  }

  /**
   * Streams the graph to a front that just completed `hello` (snapshot chunks, `final` on the last,
   * an empty final chunk for an empty graph). Resolves when the last chunk is queued or the link closed.
   */
  async sendSnapshot(front: Front): Promise<{ chunks: number; entries: number }> {
    this.#held.set(front, []);
    try {
      return await this.#streamSnapshot(front);
    } finally {
      const held = this.#held.get(front) ?? [];
      this.#held.delete(front);
      if (!front.link.closed) for (const m of held) front.link.send(m);
    }
  }

  async #streamSnapshot(front: Front): Promise<{ chunks: number; entries: number }> {
    let index = 0;
    let entries = 0;
    let batch: SnapshotEntry[] = [];
    let bytes = 0;
    const flush = async (final: boolean) => {
      while (!front.link.closed && front.link.queuedBytes > SNAPSHOT_MAX_QUEUED_BYTES) await new Promise((r) => setTimeout(r, SNAPSHOT_RETRY_MS));
      front.link.send({ name: 'graph_snapshot_chunk', index: index++, final, entries: batch, tlvs: {} });
      entries += batch.length;
      batch = [];
      bytes = 0;
    };
    for (const item of this.#d.store.snapshot()) {
      if (front.link.closed || this.#closed) return { chunks: index, entries };
      const capacitySat = item.type === 'channel_announcement' ? (this.#d.store.getChannel(item.scid)?.capacitySat ?? 0n) : 0n;
      batch.push({ capacitySat, message: item.raw });
      bytes += item.raw.length + 10;
      if (bytes >= SNAPSHOT_CHUNK_BYTES) await flush(false);
    }
    if (!front.link.closed) await flush(true);
    return { chunks: index, entries };
  }
}
