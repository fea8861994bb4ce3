/**
 * Test harness for the FrontRouter: several fronts (routers with their own graph copies) sharing one
 * scripted backend that records forwards and, when told, sends decisions to the fronts that forwarded
 * and graph events to every front. Gossip and peer closes go through each front's `VerifyPipeline`:
 * with no verifier (the default) straight to the router, else ahead-of-time checks by the verifier
 * given (`SyncVerifier`, `HeldVerifier`, or a real `VerifyPool`). Not a test file.
 */
import { sha256 } from '../../src/crypto/hash.js';
import { loadEngine } from '../../src/crypto/engines.js';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { FrontRouter, type RouterAction } from '../../src/gossip/front-router.js';
import { VerifyPipeline, type Verifier } from '../../src/gossip/verify-pipeline.js';
import type { VerifyDone } from '../../src/gossip/verify-pool.js';
import type { VerifyJob } from '../../src/gossip/verify-batch.js';
import { verifyRawGossip } from '../../src/gossip/verify.js';
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

/** Verifies each job at once with the real engine (the verdict still arrives through `done`). */
export class SyncVerifier implements Verifier {
  submit(job: VerifyJob, done: VerifyDone): boolean {
    done(verifyRawGossip(job.raw, job.signer, engine));
    return true;
  }
}

/** Computes verdicts with the real engine but keeps them until the test lets one arrive (any order). */
export class HeldVerifier implements Verifier {
  readonly held: { job: VerifyJob; done: VerifyDone }[] = [];
  submit(job: VerifyJob, done: VerifyDone): boolean {
    this.held.push({ job, done });
    return true;
  }
  /** Lets the verdict of held job `i` (modulo the count) arrive; false if none is held. */
  arrive(i: number): boolean {
    if (this.held.length === 0) return false;
    const [h] = this.held.splice(i % this.held.length, 1);
    h!.done(verifyRawGossip(h!.job.raw, h!.job.signer, engine));
    return true;
  }
}

/** Front options: the engine the router verifies inline with, and a verifier for the pipeline. */
export interface FrontOptions {
  readonly engine?: Secp256k1Engine;
  readonly verifier?: Verifier;
}

/** One front: its router, pipeline, graph copy and everything it has emitted. */
export class Front {
  readonly graph = new GraphCopy();
  readonly router: FrontRouter;
  readonly pipeline: VerifyPipeline;
  readonly log: RouterAction[] = [];
  /** The bytes of every gossip event the router got, in order (the same array objects as sent). */
  readonly routed: Uint8Array[] = [];
  readonly backend: Backend;
  constructor(backend: Backend, o: FrontOptions = {}) {
    this.backend = backend;
    this.router = new FrontRouter({ chainHash: MAINNET_CHAIN, engine: o.engine ?? engine, graph: this.graph, ourNodeId: a.pub });
    const handle = this.router.handle.bind(this.router);
    this.router.handle = (ev) => {
      if (ev.type === 'gossip') this.routed.push(ev.raw);
      return handle(ev);
    };
    this.pipeline = new VerifyPipeline(this.router, o.verifier, (x) => this.run(x), () => 0);
    backend.fronts.push(this);
  }
  /** Records actions; forwards go to the backend. Returns them. */
  run(actions: readonly RouterAction[]): RouterAction[] {
    for (const x of actions) {
      this.log.push(x);
      if (x.type === 'forwardToBackend') this.backend.received(this, x.msg);
    }
    return [...actions];
  }
  /** A message from `conn` through the pipeline. Returns the actions this call caused. */
  send(conn: number, raw: Uint8Array): RouterAction[] {
    const before = this.log.length;
    this.pipeline.gossip(conn, raw);
    return this.log.slice(before);
  }
  /** The link to the backend is lost (and comes back at once): the backend forgets what this front sent. */
  lose(): void {
    this.pipeline.backendLost();
    this.backend.forget(this);
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
  /** `f` lost its link: nothing it forwarded will be decided for it. */
  forget(f: Front): void {
    for (const [k, p] of this.pending) {
      const fronts = p.fronts.filter((x) => x !== f);
      if (fronts.length === 0) this.pending.delete(k);
      else this.pending.set(k, { msg: p.msg, fronts });
    }
  }
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
