/**
 * Test harness for the FrontRouter: several fronts (routers with their own graph copies) sharing one
 * scripted backend that records forwards and, when told, sends decisions to the fronts that forwarded
 * and graph events to every front. Not a test file.
 */
import { sha256 } from '../../src/crypto/hash.js';
import { loadEngine } from '../../src/crypto/engines.js';
import { FrontRouter, type RouterAction } from '../../src/gossip/front-router.js';
import { GraphCopy, type GraphEvent } from '../../src/gossip/graph.js';
import { rawType } from '../../src/gossip/raw.js';
import {
  MAINNET_CHAIN,
  channelAnnouncement,
  channelUpdate,
  keyPair,
  nodeAnnouncement,
  scidFromParts,
  signerOf,
} from '../helpers/gossip-builders.js';

export const engine = loadEngine('native');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The eclair FrontRouterSpec cast: nodes a, b, c; channel a–b; updates; node announcements. */
export const a = keyPair(engine, 'a');
export const b = keyPair(engine, 'b');
export const c = keyPair(engine, 'c');
export const d = keyPair(engine, 'd');
export const scidAB = scidFromParts(600_000, 1, 0);
export const scidBC = scidFromParts(600_001, 2, 0);
export const scidCD = scidFromParts(600_002, 3, 0);
export const chanAB = channelAnnouncement(engine, { scid: scidAB, a, b });
export const chanCD = channelAnnouncement(engine, { scid: scidCD, a: c, b: d });
const dirOf = (x: typeof a, y: typeof a) => (signerOf(x, y, 0) === x ? 0 : 1);
export const updAB = (ts = 1_700_000_000, extra: { dontForward?: boolean } = {}) =>
  channelUpdate(engine, a, { scid: scidAB, timestamp: ts, direction: dirOf(a, b), ...extra });
export const updBA = (ts = 1_700_000_000) => channelUpdate(engine, b, { scid: scidAB, timestamp: ts, direction: dirOf(b, a) });
export const updBC = channelUpdate(engine, b, { scid: scidBC, timestamp: 1_700_000_000, direction: dirOf(b, c) });
export const updCD = (ts = 1_700_000_000) => channelUpdate(engine, c, { scid: scidCD, timestamp: ts, direction: dirOf(c, d) });
export const annA = (ts = 1_700_000_000) => nodeAnnouncement(engine, a, ts, 'a');
export const annB = (ts = 1_700_000_000) => nodeAnnouncement(engine, b, ts, 'b');
export const annC = (ts = 1_700_000_000) => nodeAnnouncement(engine, c, ts, 'c');

/** One front: its router, graph copy and everything it has emitted. */
export class Front {
  readonly graph = new GraphCopy();
  readonly router: FrontRouter;
  readonly log: RouterAction[] = [];
  readonly backend: Backend;
  constructor(backend: Backend) {
    this.backend = backend;
    this.router = new FrontRouter({ chainHash: MAINNET_CHAIN, engine, graph: this.graph, ourNodeId: a.pub });
    backend.fronts.push(this);
  }
  /** Runs one event; forwards go to the backend. Returns this call's actions. */
  run(actions: RouterAction[]): RouterAction[] {
    for (const x of actions) {
      this.log.push(x);
      if (x.type === 'forwardToBackend') this.backend.received(this, x.msg);
    }
    return actions;
  }
  send(conn: number, raw: Uint8Array, now = 0): RouterAction[] {
    return this.run(this.router.handle({ type: 'gossip', conn, raw, now }));
  }
  /** Credits released to `conn` so far. */
  released(conn: number): number {
    return this.log.reduce((s, x) => s + (x.type === 'release' && x.conn === conn ? x.count : 0), 0);
  }
  forwards(): Uint8Array[] {
    return this.log.flatMap((x) => (x.type === 'forwardToBackend' ? [x.msg] : []));
  }
  rebroadcasts(): { raw: Uint8Array; origins: number[] }[] {
    return this.log.flatMap((x) => (x.type === 'rebroadcast' ? [{ raw: x.raw, origins: [...x.origins].sort() }] : []));
  }
}

/** The scripted backend: decisions are taken when the test says so. */
export class Backend {
  readonly fronts: Front[] = [];
  /** hash → fronts that forwarded it (in order) and the message. */
  readonly pending = new Map<string, { msg: Uint8Array; fronts: Front[] }>();
  readonly forwardCount = new Map<string, number>();
  /** A front forwarded a message it already had pending at the backend (must stay 0). */
  doubleForwards = 0;
  received(f: Front, msg: Uint8Array): void {
    const k = hex(sha256(msg));
    this.forwardCount.set(k, (this.forwardCount.get(k) ?? 0) + 1);
    const p = this.pending.get(k) ?? { msg, fronts: [] };
    if (p.fronts.includes(f)) this.doubleForwards++;
    p.fronts.push(f);
    this.pending.set(k, p);
  }
  /** Decides `msg`: the decision to each front that forwarded it, then (accepted) a graph event to all. */
  decide(msg: Uint8Array, accepted: boolean, opts: { eventFirst?: boolean; noEvent?: boolean } = {}): void {
    const hash = sha256(msg);
    const p = this.pending.get(hex(hash));
    this.pending.delete(hex(hash));
    const decide = () => {
      for (const f of p?.fronts ?? []) {
        f.run(f.router.handle({ type: 'decision', decision: accepted ? { hash, accepted } : { hash, accepted, reason: 'no' }, now: 0 }));
      }
    };
    const events = () => {
      if (!accepted || opts.noEvent) return;
      for (const f of this.fronts) f.run(f.router.handle({ type: 'graph', event: toEvent(msg), now: 0 }));
    };
    if (opts.eventFirst) {
      events();
      decide();
    } else {
      decide();
      events();
    }
  }
}

/** The graph event the backend sends for accepted `msg`. */
export function toEvent(msg: Uint8Array): GraphEvent {
  switch (rawType(msg)) {
    case 256:
      return { kind: 'channelAdded', announcement: msg, capacitySat: 1_000_000 };
    case 258:
      return { kind: 'channelUpdated', update: msg };
    default:
      return { kind: 'nodeUpdated', announcement: msg };
  }
}

export const same = (x: Uint8Array, y: Uint8Array) => Buffer.from(x).equals(Buffer.from(y));
