/**
 * @module gossip/verify-pipeline
 * The ordering stage between a front's peers and its `FrontRouter` when signatures are checked ahead of
 * time on other threads (docs/gossip.md "Verification pipeline"):
 *
 *   gossip(conn, raw) ─▶ router.verifyNeed(raw): nothing to check │ announcement │ node │ update+signer
 *                     ─▶ verifier.submit(job)  (same bytes already in flight: share that job)
 *                     ─▶ FIFO in arrival order; an entry is ready when it has no job or its verdict came
 *   head ready ───────▶ router.handle({ type: 'gossip', …, pre: verdict }) ─▶ apply(actions)
 *
 * Results reach the router strictly in arrival order, so a peer's channel_announcement is routed
 * before its channel_updates, exactly as without the pipeline. An update's signer comes from the router
 * (graph copy, pending channels) or, failing that, from an announcement still in this FIFO; the router
 * uses the verdict only when that signer is the one it looks up itself (`FrontRouter` module comment).
 *
 * Release: every entry counts against its peer's read credit until the router has it. A peer that
 * closes loses its entries at once (nothing is left to release to, and nothing of it is forwarded);
 * `backendLost` releases every entry (as `release` actions) before the router's own `backendLost`, so
 * nothing received before a link loss is forwarded after it. Verdicts for dropped entries are ignored.
 * Without a verifier (`front.verify-threads` = 0) each message goes to the router at once, as before.
 *
 * Does not: run threads (`verify-pool.ts`), or pause peers (the front service does, by read credit).
 */
import { annNodeId, annUpdateSigner, nodeKey } from './raw.js';
import { CountedSet } from './counted-set.js';
import type { FrontRouter, PreVerdict, RouterAction } from './front-router.js';
import type { VerifyDone } from './verify-pool.js';
import type { VerifyJob } from './verify-batch.js';

/** What the pipeline needs of a verifier: the pool, or a test's stand-in. */
export interface Verifier {
  /** Takes a job and calls `done` once, later, with its verdict; false if it cannot take it now. */
  submit(job: VerifyJob, done: VerifyDone): boolean;
}

/** A job shared by every entry with the same bytes (and, for updates, the same signer). */
interface Job {
  readonly key: string;
  readonly signer: Uint8Array | undefined;
  verdict: boolean | undefined;
  /** Entries in the FIFO that wait on it. */
  refs: number;
}

/** One received message, in arrival order. */
interface Entry {
  readonly conn: number;
  readonly raw: Uint8Array;
  readonly job: Job | undefined;
  /** Set on a channel_announcement with a job: its scid and node keys, while it is in the FIFO. */
  readonly ann: { readonly scid: bigint; readonly nodes: readonly [string, string] } | undefined;
}

/** The ordering stage of one front. */
export class VerifyPipeline {
  readonly #router: FrontRouter;
  readonly #verifier: Verifier | undefined;
  readonly #apply: (actions: readonly RouterAction[]) => void;
  readonly #now: () => number;
  #fifo: Entry[] = [];
  #head = 0;
  #draining = false;
  /** Jobs of entries in the FIFO by job key, so the same bytes are verified once. */
  readonly #jobs = new Map<string, Job>();
  /** Announcements in the FIFO: scid → the first one's entry, node key → how many name it. */
  readonly #anns = new Map<bigint, Entry>();
  readonly #annNodes = new CountedSet<string>();

  /**
   * `apply` carries out the router's actions (and the `release`s of dropped entries); `verifier`
   * undefined sends every message to the router at once.
   */
  constructor(router: FrontRouter, verifier: Verifier | undefined, apply: (actions: readonly RouterAction[]) => void, now: () => number) {
    this.#router = router;
    this.#verifier = verifier;
    this.#apply = apply;
    this.#now = now;
  }

  /** Messages received and not yet handed to the router. */
  get size(): number {
    return this.#fifo.length - this.#head;
  }

  /** A gossip message from connection `conn` (it already counts against the peer's read credit). */
  gossip(conn: number, raw: Uint8Array): void {
    if (this.#verifier === undefined) return this.#apply(this.#router.handle({ type: 'gossip', conn, raw, now: this.#now() }));
    const need = this.#router.verifyNeed(raw);
    let job: Job | undefined;
    let ann: Entry['ann'];
    switch (need.check) {
      case 'none':
        break;
      case 'channel_announcement':
        job = this.#job(raw, need.key, undefined);
        if (job !== undefined) ann = { scid: need.scid, nodes: [nodeKey(annNodeId(raw, 1)), nodeKey(annNodeId(raw, 2))] };
        break;
      case 'node_announcement':
        if (need.known || this.#annNodes.has(nodeKey(need.nodeId))) job = this.#job(raw, need.key, undefined);
        break;
      case 'channel_update': {
        const signer = need.signer ?? this.#inFlightSigner(need.scid, need.direction);
        if (signer !== undefined) job = this.#job(raw, `${need.key}:${nodeKey(signer)}`, signer);
        break;
      }
    }
    const e: Entry = { conn, raw, job, ann };
    this.#fifo.push(e);
    if (ann !== undefined) {
      if (!this.#anns.has(ann.scid)) this.#anns.set(ann.scid, e);
      for (const n of ann.nodes) this.#annNodes.add(n);
    }
    this.#drain();
  }

  /** The peer's socket is gone: its entries leave the FIFO unrouted, then the router forgets it. */
  peerClosed(conn: number): void {
    this.#dropWhere((e) => e.conn === conn);
    this.#apply(this.#router.handle({ type: 'peerClosed', conn }));
  }

  /** The link is lost: every entry is released unrouted, then the router releases what it holds. */
  backendLost(): void {
    const released = new Map<number, number>();
    this.#dropWhere((e) => {
      released.set(e.conn, (released.get(e.conn) ?? 0) + 1);
      return true;
    });
    this.#apply([...released].map(([conn, count]): RouterAction => ({ type: 'release', conn, count })));
    this.#apply(this.#router.handle({ type: 'backendLost' }));
  }

  /** The job for these bytes: shared with an entry still in the FIFO, or a new one the verifier took. */
  #job(raw: Uint8Array, key: string, signer: Uint8Array | undefined): Job | undefined {
    const shared = this.#jobs.get(key);
    if (shared !== undefined) {
      shared.refs += 1;
      return shared;
    }
    const job: Job = { key, signer, verdict: undefined, refs: 1 };
    const done = (ok: boolean): void => {
      job.verdict = ok;
      this.#drain();
    };
    if (!this.#verifier!.submit({ raw, signer }, done)) return undefined;
    this.#jobs.set(key, job);
    return job;
  }

  /** The signer of an update from an announcement of its channel that is still in the FIFO. */
  #inFlightSigner(scid: bigint, direction: 0 | 1): Uint8Array | undefined {
    const e = this.#anns.get(scid);
    return e === undefined ? undefined : annUpdateSigner(e.raw, direction);
  }

  /** Hands ready entries at the head to the router, in order. Re-entrant calls leave it to the outer loop. */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#head < this.#fifo.length) {
        const e = this.#fifo[this.#head]!;
        if (e.job !== undefined && e.job.verdict === undefined) break;
        this.#fifo[this.#head++] = undefined as unknown as Entry; // let it go; compacted below
        this.#leave(e);
        const pre: PreVerdict | undefined = e.job === undefined ? undefined : { ok: e.job.verdict!, signer: e.job.signer };
        this.#apply(this.#router.handle({ type: 'gossip', conn: e.conn, raw: e.raw, now: this.#now(), pre }));
      }
      if (this.#head > 0 && this.#head * 2 >= this.#fifo.length) {
        this.#fifo = this.#fifo.slice(this.#head);
        this.#head = 0;
      }
    } finally {
      this.#draining = false;
    }
  }

  /** Removes matching entries from the FIFO (unrouted) and what they hold. */
  #dropWhere(drop: (e: Entry) => boolean): void {
    const kept: Entry[] = [];
    for (let i = this.#head; i < this.#fifo.length; i++) {
      const e = this.#fifo[i]!;
      if (drop(e)) this.#leave(e);
      else kept.push(e);
    }
    this.#fifo = kept;
    this.#head = 0;
    this.#drain(); // the new head may be ready
  }

  /** An entry leaves the FIFO: its share of the job and its announcement tracking go. */
  #leave(e: Entry): void {
    const job = e.job;
    if (job !== undefined && --job.refs === 0 && this.#jobs.get(job.key) === job) this.#jobs.delete(job.key);
    const ann = e.ann;
    if (ann === undefined) return;
    if (this.#anns.get(ann.scid) === e) this.#anns.delete(ann.scid);
    for (const n of ann.nodes) this.#annNodes.remove(n);
  }
}
