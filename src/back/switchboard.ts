/**
 * @module back/switchboard
 * The peer registry (DESIGN §2): one peer per node id, one live connection per peer, wherever it is.
 * A connection is (front, conn). Like eclair's Switchboard:
 *  - `peer_attached` for a node id that already has a connection (same front or another) replaces it:
 *    the old one gets `disconnect` "connection replaced" (eclair's ConnectionReplaced);
 *  - `peer_attach_ack` accepts the peer (refused only for our own node id), says whether it has
 *    channels with us (asked of the owner: the channel manager) and grants `INITIAL_CREDIT`; when a
 *    peer's first channel appears while it is attached, `markHasChannels` sends the ack again with
 *    `hasChannels` true (the front then drops that peer if the link is lost; the credit window restarts);
 *  - `peer_detached`, a `disconnect` we send, or the front's link going down → the peer is gone.
 * Flow control (docs/cluster.md): we re-grant credit in batches of `CREDIT_REGRANT_BATCH` as we process
 * a connection's messages; for our sends we start each connection with `INITIAL_CREDIT` (the implicit
 * initial grant of `hello_ack.initialCredit`) and add what the front's `credit` frames give; without credit
 * messages wait, up to `MAX_PENDING_TO_FRONT`, past which the connection is dropped.
 * Incoming peer messages go to the owner (`onPeerMessage`: the channel manager); `sendTo` sends to a
 * peer's current connection, whatever front it is on.
 *
 * Does not: dial (see `connector.ts`), or decide channel matters.
 */
import type { Logger } from '../log.js';
import type { LinkMessageNamed } from '../cluster/messages.js';
import { decodeMessage } from '../wire/index.js';
import { CREDIT_REGRANT_BATCH, INITIAL_CREDIT, MAX_PENDING_TO_FRONT } from './constants.js';
import type { Front } from './fronts.js';

/** One live connection of a peer. */
interface Connection {
  readonly nodeId: string;
  readonly front: Front;
  readonly conn: number;
  readonly remoteAddress: string;
  readonly outbound: boolean;
  readonly attachedAt: number;
  /** Both `init` messages as the front saw them (raw, type included). */
  readonly theirInit: Uint8Array;
  readonly ourInit: Uint8Array;
  /** Messages we may still send to the front for this connection. */
  toFrontCredit: number;
  /** Messages waiting for credit. */
  readonly pending: Uint8Array[];
  /** Messages processed since we last granted credit. */
  processedSinceGrant: number;
}

/** What `/peers` shows of a connected peer. */
export interface PeerInfo {
  readonly nodeId: string;
  readonly state: 'connected';
  readonly front: string;
  readonly conn: number;
  readonly remoteAddress: string;
  readonly outbound: boolean;
  readonly connectedAt: string;
}

/** Callbacks to the owner. */
export interface SwitchboardEvents {
  onPeerUp(nodeId: string, front: Front, conn: number): void;
  onPeerDown(nodeId: string, reason: string): void;
  /** One Lightning message (type included) from a connected peer. */
  onPeerMessage?(nodeId: string, message: Uint8Array): void;
  /** Whether `nodeId` has channels with us (for `peer_attach_ack.hasChannels`). */
  hasChannels?(nodeId: string): boolean;
}

/**
 * The odd message type the benchmark-only echo returns (`BackendOptions.benchEcho`): 32769 = 0x8001, odd
 * so a peer may send it to any node ("it's ok to be odd"), and outside every BOLT type.
 */
export const BENCH_ECHO_TYPE = 32769;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** globalfeatures OR features of a raw `init` (BOLT 1: both fields carry feature bits); empty if it does not parse. */
function initFeatures(raw: Uint8Array): Uint8Array {
  try {
    const m = decodeMessage(raw);
    if (m.name !== 'init') return new Uint8Array(0);
    const n = Math.max(m.globalfeatures.length, m.features.length);
    const out = new Uint8Array(n);
    out.set(m.globalfeatures, n - m.globalfeatures.length);
    const off = n - m.features.length;
    m.features.forEach((b, i) => { out[off + i]! |= b; });
    return out;
  } catch {
    return new Uint8Array(0);
  }
}
const connKey = (front: Front, conn: number): string => `${front.id}/${conn}`;

/** The peer registry. */
export class Switchboard {
  readonly #byNode = new Map<string, Connection>();
  readonly #byConn = new Map<string, Connection>();
  readonly #log: Logger;
  readonly #ourNodeId: string;
  readonly #events: SwitchboardEvents;
  readonly #now: () => number;
  readonly #benchEcho: boolean;

  /** `benchEcho`: benchmark only (see `BENCH_ECHO_TYPE`); never set by the daemons. */
  constructor(ourNodeId: string, log: Logger, now: () => number, events: SwitchboardEvents, benchEcho = false) {
    this.#ourNodeId = ourNodeId;
    this.#log = log;
    this.#now = now;
    this.#events = events;
    this.#benchEcho = benchEcho;
  }

  /** Connected peers. */
  get size(): number {
    return this.#byNode.size;
  }

  /** Whether `nodeId` (hex) has a live connection. */
  isConnected(nodeId: string): boolean {
    return this.#byNode.has(nodeId);
  }

  /** Where `nodeId` is connected. */
  where(nodeId: string): { front: string; conn: number } | undefined {
    const c = this.#byNode.get(nodeId);
    return c === undefined ? undefined : { front: c.front.id, conn: c.conn };
  }

  /** `peer_attached` from `front`. */
  attached(front: Front, m: LinkMessageNamed<'peer_attached'>): void {
    const nodeId = hex(m.nodeId);
    const ack = (accepted: boolean, credit: number) =>
      front.link.send({ name: 'peer_attach_ack', conn: m.conn, accepted, hasChannels: accepted && this.#events.hasChannels?.(nodeId) === true, credit, tlvs: {} });
    if (nodeId === this.#ourNodeId) {
      this.#log.warn({ front: front.id, conn: m.conn }, 'refusing a connection to our own node id');
      ack(false, 0);
      return;
    }
    const sameSlot = this.#byConn.get(connKey(front, m.conn));
    if (sameSlot !== undefined) this.#drop(sameSlot, 'front reused the connection id', sameSlot.nodeId !== nodeId);
    const old = this.#byNode.get(nodeId);
    if (old !== undefined) {
      this.#log.info({ peer: nodeId, old: connKey(old.front, old.conn), new: connKey(front, m.conn) }, 'connection replaced');
      old.front.link.send({ name: 'disconnect', conn: old.conn, reason: 'connection replaced', tlvs: {} });
      this.#drop(old, 'connection replaced', false);
    }
    const c: Connection = {
      nodeId, front, conn: m.conn, remoteAddress: m.remoteAddress, outbound: m.outbound, attachedAt: this.#now(), theirInit: m.theirInit, ourInit: m.ourInit,
      toFrontCredit: INITIAL_CREDIT, pending: [], processedSinceGrant: 0,
    };
    this.#byNode.set(nodeId, c);
    this.#byConn.set(connKey(front, m.conn), c);
    front.conns.add(m.conn);
    ack(true, INITIAL_CREDIT);
    this.#log.info({ peer: nodeId, front: front.id, conn: m.conn, remote: m.remoteAddress, outbound: m.outbound }, 'peer connected');
    this.#events.onPeerUp(nodeId, front, m.conn);
  }

  /** `peer_detached` from `front`. */
  detached(front: Front, m: LinkMessageNamed<'peer_detached'>): void {
    const c = this.#byConn.get(connKey(front, m.conn));
    if (c === undefined) return; // already replaced or disconnected by us
    this.#drop(c, `detached: ${m.reason}`, true);
  }

  /** `peer_message` from `front`. */
  message(front: Front, m: LinkMessageNamed<'peer_message'>): void {
    const c = this.#byConn.get(connKey(front, m.conn));
    if (c === undefined) {
      this.#log.debug({ front: front.id, conn: m.conn }, 'peer_message for an unknown connection ignored');
      return;
    }
    c.processedSinceGrant += 1;
    if (c.processedSinceGrant >= CREDIT_REGRANT_BATCH) {
      front.link.send({ name: 'credit', conn: c.conn, messages: c.processedSinceGrant, tlvs: {} });
      c.processedSinceGrant = 0;
    }
    // Benchmark only (bench/cluster.ts "link-forward"), off unless `startBackend({ benchEcho: true })`:
    // a `BENCH_ECHO_TYPE` message goes back to the same connection unchanged, through the normal credit path.
    if (this.#benchEcho && m.message.length >= 2 && ((m.message[0]! << 8) | m.message[1]!) === BENCH_ECHO_TYPE) {
      this.#sendToPeer(c, m.message);
      return;
    }
    if (this.#events.onPeerMessage !== undefined) this.#events.onPeerMessage(c.nodeId, m.message);
    else this.#log.debug({ peer: c.nodeId, type: m.message.length >= 2 ? (m.message[0]! << 8) | m.message[1]! : undefined }, 'peer message ignored (no handler)');
  }

  /**
   * The feature bits of both `init`s of `nodeId`'s connection (globalfeatures OR features, BOLT 1), or
   * undefined if it is not connected. An init that does not parse counts as no features.
   */
  features(nodeId: string): { ours: Uint8Array; theirs: Uint8Array } | undefined {
    const c = this.#byNode.get(nodeId);
    return c === undefined ? undefined : { ours: initFeatures(c.ourInit), theirs: initFeatures(c.theirInit) };
  }

  /** Sends a Lightning message to `nodeId`'s current connection (any front). False if not connected. */
  sendTo(nodeId: string, message: Uint8Array): boolean {
    const c = this.#byNode.get(nodeId);
    if (c === undefined) return false;
    this.#sendToPeer(c, message);
    return true;
  }

  /**
   * `nodeId` now has a channel: tell its front (a second `peer_attach_ack` with `hasChannels` true), so a
   * lost link drops it (DESIGN §6). The front restarts the credit window at `INITIAL_CREDIT`; so do we.
   */
  markHasChannels(nodeId: string): void {
    const c = this.#byNode.get(nodeId);
    if (c === undefined) return;
    c.processedSinceGrant = 0;
    c.front.link.send({ name: 'peer_attach_ack', conn: c.conn, accepted: true, hasChannels: true, credit: INITIAL_CREDIT, tlvs: {} });
  }

  /** `credit` from `front`: more messages we may send on that connection. */
  credit(front: Front, m: LinkMessageNamed<'credit'>): void {
    const c = this.#byConn.get(connKey(front, m.conn));
    if (c === undefined) return;
    c.toFrontCredit += m.messages;
    while (c.toFrontCredit > 0 && c.pending.length > 0) {
      c.toFrontCredit -= 1;
      front.link.send({ name: 'peer_message', conn: c.conn, message: c.pending.shift()!, tlvs: {} });
    }
  }

  /** The front's link went down: every connection on it is gone, now. */
  frontDown(front: Front, reason: string): void {
    for (const conn of [...front.conns]) {
      const c = this.#byConn.get(connKey(front, conn));
      if (c !== undefined) this.#drop(c, `front ${front.id} link lost (${reason})`, true);
    }
    front.conns.clear();
  }

  /** Asks the front to close `nodeId`'s connection; the peer is gone at once. False if not connected. */
  disconnect(nodeId: string, reason: string): boolean {
    const c = this.#byNode.get(nodeId);
    if (c === undefined) return false;
    c.front.link.send({ name: 'disconnect', conn: c.conn, reason, tlvs: {} });
    this.#drop(c, reason, true);
    return true;
  }

  /** Status rows of connected peers. */
  list(): PeerInfo[] {
    return [...this.#byNode.values()].map((c) => ({
      nodeId: c.nodeId, state: 'connected', front: c.front.id, conn: c.conn, remoteAddress: c.remoteAddress,
      outbound: c.outbound, connectedAt: new Date(c.attachedAt).toISOString(),
    }));
  }

  #sendToPeer(c: Connection, message: Uint8Array): void {
    if (c.toFrontCredit > 0 && c.pending.length === 0) {
      c.toFrontCredit -= 1;
      c.front.link.send({ name: 'peer_message', conn: c.conn, message, tlvs: {} });
      return;
    }
    c.pending.push(message);
    if (c.pending.length > MAX_PENDING_TO_FRONT) {
      this.#log.warn({ peer: c.nodeId, pending: c.pending.length }, 'front gives no credit for this peer: disconnecting it');
      this.disconnect(c.nodeId, 'peer not reading (no link credit)');
    }
  }

  /** Forgets a connection; `notify` = the peer is now down (not replaced). */
  #drop(c: Connection, reason: string, notify: boolean): void {
    this.#byConn.delete(connKey(c.front, c.conn));
    c.front.conns.delete(c.conn);
    if (this.#byNode.get(c.nodeId) === c) this.#byNode.delete(c.nodeId);
    if (!notify) return;
    this.#log.info({ peer: c.nodeId, front: c.front.id, conn: c.conn, reason }, 'peer disconnected');
    this.#events.onPeerDown(c.nodeId, reason);
  }
}
