/**
 * @module gossip/verify-pool
 * Worker threads that check incoming gossip signatures for a front (docs/gossip.md "Verification
 * pipeline"). Signature checks were about half of a front's gossip ingest time on its one thread; a
 * board has four cores.
 *
 *   submit(job, done) ──▶ this turn's jobs, per thread (least signatures outstanding first)
 *   setImmediate flush ──▶ one packed ArrayBuffer per thread, transferred (`verify-batch.ts`)
 *   worker: SHA256d of the signed part + engine.verify ──▶ one verdict byte per job ──▶ done(ok)
 *
 * Every submitted job's `done` is called exactly once while the pool is open, whatever happens to its
 * thread: when a thread errors or exits, its unanswered jobs are verified inline here (same engine) and
 * the thread is restarted after a delay that doubles per failed start; a thread that dies before it is
 * ready `VERIFY_WORKER_MAX_FAILED_STARTS` times in a row stays down, and when none is left the pool says
 * so in one log line and takes no more jobs (`submit` returns false: the caller verifies inline).
 * Threads start with `start()` (the front calls it at its first link-up, off its start-up path; gossip
 * cannot arrive before). Idle threads are unref'd (they never keep the process alive); `close()`
 * terminates them.
 *
 * Does not: decide what to verify or in which order results are used (`verify-pipeline.ts`), or choose
 * the engine (the front's, loaded by name in each thread).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import type { EngineName, Secp256k1Engine } from '../crypto/secp256k1.js';
import { jobSignatures, packBatch, packedSize, type VerifyJob, type VerifyReply, type VerifyRequest, type VerifyWorkerData } from './verify-batch.js';
import { verifyRawGossip } from './verify.js';
import {
  AUTO_VERIFY_THREADS_MAX,
  MAX_VERIFY_BYTES_IN_FLIGHT,
  VERIFY_WORKER_MAX_FAILED_STARTS,
  VERIFY_WORKER_RESTART_MAX_MS,
  VERIFY_WORKER_RESTART_MS,
  VERIFY_WORKER_STOP_GRACE_MS,
} from './limits.js';

/**
 * V8 heap limits of a verification thread. It keeps nothing between batches (one packed buffer in, one
 * verdict array out), so small heaps do; V8's defaults sized each thread's isolate at ≈ 13 MB RSS on an
 * idle front, which counts on a small board with three threads.
 */
const WORKER_HEAP_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } as const;

/**
 * The worker's entry file. Written as `../gossip/` so it names the same file from this module
 * (dist/src/gossip/) and from the board image's one-file CLI (dist/src/cli/main.js, whose
 * `import.meta.url` this expression gets there); `firmware-image/bundle.mjs` writes the worker's own
 * bundle to that path.
 */
export const VERIFY_WORKER_URL = new URL('../gossip/verify-worker.js', import.meta.url);

/** Called once with a job's verdict: true when every signature holds. */
export type VerifyDone = (ok: boolean) => void;

/** Pool settings. */
export interface VerifyPoolOptions {
  /** Worker threads (≥ 1). */
  readonly threads: number;
  /** The front's engine: each thread loads the same one by name; used inline for a dead thread's jobs. */
  readonly engine: Secp256k1Engine;
  readonly log: Logger;
  /** Another worker entry file (tests). */
  readonly workerUrl?: URL | undefined;
}

/** One thread's state and counters, for status pages. */
export interface VerifyThreadStats {
  readonly state: SlotState['name'];
  /** Messages verified by this thread (over its restarts), in how many batches, with how many signatures. */
  readonly jobs: number;
  readonly batches: number;
  readonly signatures: number;
  readonly restarts: number;
}

/** What `stats()` reports (the front's status and metrics). */
export interface VerifyPoolStats {
  readonly threads: number;
  /** `workers` while a thread runs, starts or will restart; `inline` once they all failed, or closed. */
  readonly mode: 'workers' | 'inline';
  readonly engine: EngineName;
  readonly perThread: readonly VerifyThreadStats[];
  /** Jobs verified inline because their thread died first. */
  readonly inlineAfterFailure: number;
}

/** A thread slot's state: the worker exists only while starting or ready. `idle`: before `start()`. */
type SlotState =
  | { readonly name: 'idle' }
  | { readonly name: 'starting' | 'ready'; readonly worker: Worker }
  | { readonly name: 'restarting'; readonly timer: NodeJS.Timeout }
  | { readonly name: 'failed' }
  | { readonly name: 'closed' };

/** Jobs with their callbacks: this turn's for a slot, or a posted batch. */
interface Jobs {
  readonly jobs: VerifyJob[];
  readonly done: VerifyDone[];
  signatures: number;
  bytes: number;
}

class Slot {
  state: SlotState = { name: 'idle' };
  jobs = 0;
  batches = 0;
  signatures = 0;
  restarts = 0;
  /** Deaths since the thread last said `ready`. */
  failedStarts = 0;
  /** Signatures posted or queued and not answered: the least-loaded choice. */
  outstanding = 0;
  lastError: string | undefined;
  /** Jobs of this event-loop turn, posted by the next flush. */
  turn: Jobs | undefined;
  readonly index: number;
  constructor(index: number) {
    this.index = index;
  }
  get live(): boolean {
    return this.state.name === 'starting' || this.state.name === 'ready';
  }
}

/** Resolves when `worker` has exited, whatever it emitted before (`events.once` would reject on its 'error'). */
function exitOf(worker: Worker): Promise<void> {
  return new Promise((resolve) => worker.once('exit', () => resolve()));
}

/**
 * Asks a thread to end after what it was sent (`stop`), and terminates it only if it has not ended within
 * `VERIFY_WORKER_STOP_GRACE_MS`: never while it is inside a native call, short of a hang.
 */
async function stopWorker(worker: Worker): Promise<void> {
  if (worker.threadId === -1) return; // already gone
  const exited = exitOf(worker);
  worker.postMessage({ type: 'stop' } satisfies VerifyRequest);
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), VERIFY_WORKER_STOP_GRACE_MS); });
  if ((await Promise.race([exited, grace])) === 'late') await worker.terminate();
  clearTimeout(timer);
}

/** The front's signature-verification threads. */
export class VerifyPool {
  readonly engine: Secp256k1Engine;
  readonly #log: Logger;
  readonly #url: URL;
  readonly #slots: Slot[];
  readonly #batches = new Map<number, Jobs & { readonly slot: Slot }>();
  #nextId = 1;
  #bytesInFlight = 0;
  #flushScheduled = false;
  #closed = false;
  #inlineAfterFailure = 0;

  constructor(o: VerifyPoolOptions) {
    if (!Number.isInteger(o.threads) || o.threads < 1) throw new RangeError(`VerifyPool needs at least one thread, got ${o.threads}`);
    this.engine = o.engine;
    this.#log = o.log;
    this.#url = o.workerUrl ?? VERIFY_WORKER_URL;
    this.#slots = Array.from({ length: o.threads }, (_, i) => new Slot(i));
  }

  /** Starts the threads (once; later calls do nothing). Until then `submit` takes no job. */
  start(): this {
    if (!this.#closed) for (const s of this.#slots) if (s.state.name === 'idle') this.#spawn(s);
    return this;
  }

  /** True while a thread runs or starts: `submit` may take jobs. */
  get available(): boolean {
    return !this.#closed && this.#slots.some((s) => s.live);
  }

  /**
   * Queues one job for this turn's batch; `done` is called once with its verdict, never inside this call.
   * False (and `done` never called) when the pool is closed, has no thread left, or
   * `MAX_VERIFY_BYTES_IN_FLIGHT` is reached: the caller verifies inline then.
   */
  submit(job: VerifyJob, done: VerifyDone): boolean {
    if (this.#closed) return false;
    const bytes = packedSize(job);
    if (this.#bytesInFlight + bytes > MAX_VERIFY_BYTES_IN_FLIGHT) return false;
    let slot: Slot | undefined;
    for (const s of this.#slots) if (s.live && (slot === undefined || s.outstanding < slot.outstanding)) slot = s;
    if (slot === undefined) return false;
    const signatures = jobSignatures(job);
    const turn = (slot.turn ??= { jobs: [], done: [], signatures: 0, bytes: 0 });
    turn.jobs.push(job);
    turn.done.push(done);
    turn.signatures += signatures;
    turn.bytes += bytes;
    slot.outstanding += signatures;
    this.#bytesInFlight += bytes;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  /** Posts this turn's jobs now: one packed buffer per thread (normally run once per event-loop turn). */
  flush(): void {
    this.#flushScheduled = false;
    for (const slot of this.#slots) {
      const turn = slot.turn;
      if (turn === undefined) continue;
      slot.turn = undefined;
      if (slot.state.name !== 'starting' && slot.state.name !== 'ready') {
        this.#inline(slot, turn); // died since the jobs were queued
        continue;
      }
      const id = this.#nextId++;
      this.#batches.set(id, { ...turn, slot });
      const batch = packBatch(turn.jobs);
      if (slot.outstanding === turn.signatures) slot.state.worker.ref(); // work in flight keeps the process up
      slot.state.worker.postMessage({ type: 'batch', id, batch } satisfies VerifyRequest, [batch]);
    }
  }

  /** Threads, their counters and the mode, for status pages and metrics. */
  stats(): VerifyPoolStats {
    return {
      threads: this.#slots.length,
      mode: !this.#closed && this.#slots.some((s) => s.state.name !== 'failed') ? 'workers' : 'inline',
      engine: this.engine.name,
      perThread: this.#slots.map((s) => ({ state: s.state.name, jobs: s.jobs, batches: s.batches, signatures: s.signatures, restarts: s.restarts })),
      inlineAfterFailure: this.#inlineAfterFailure,
    };
  }

  /**
   * Makes thread `index` crash (it throws when it reads this request; the pool is not told it was asked):
   * batches posted after this call are never answered by it, so they are verified inline, and it restarts.
   * Resolves once it has exited. For tests and `lnfleet selftest`, which prove that path.
   */
  async crashThread(index: number): Promise<void> {
    const s = this.#slots[index];
    if (s === undefined || !s.live || !('worker' in s.state)) return;
    const worker = s.state.worker;
    const exited = exitOf(worker);
    worker.postMessage({ type: 'crash' } satisfies VerifyRequest);
    await exited;
  }

  /**
   * Stops every thread once it has answered what it was sent (a thread is terminated only if it does not
   * end within `VERIFY_WORKER_STOP_GRACE_MS`); answers arriving meanwhile are dropped, as are jobs not
   * answered yet (their `done` is never called).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const ending: Promise<void>[] = [];
    for (const s of this.#slots) {
      if (s.state.name === 'restarting') clearTimeout(s.state.timer);
      if (s.state.name === 'starting' || s.state.name === 'ready') ending.push(stopWorker(s.state.worker));
      s.state = { name: 'closed' };
      s.turn = undefined;
    }
    this.#batches.clear();
    this.#bytesInFlight = 0;
    await Promise.all(ending);
  }

  #spawn(slot: Slot): void {
    const worker = new Worker(this.#url, { workerData: { engine: this.engine.name } satisfies VerifyWorkerData, resourceLimits: WORKER_HEAP_LIMITS });
    worker.unref();
    slot.state = { name: 'starting', worker };
    worker.on('message', (m: VerifyReply) => this.#onMessage(slot, worker, m));
    worker.on('error', (e: Error) => { slot.lastError = e.message; });
    worker.on('exit', (code: number) => this.#onExit(slot, worker, code));
  }

  #onMessage(slot: Slot, worker: Worker, m: VerifyReply): void {
    if (slot.state.name === 'closed' || !('worker' in slot.state) || slot.state.worker !== worker) return;
    if (m.type === 'ready') {
      slot.state = { name: 'ready', worker };
      slot.failedStarts = 0;
      return;
    }
    const b = this.#batches.get(m.id);
    if (b === undefined) return;
    if (m.verdicts.length !== b.jobs.length) {
      this.#log.error({ thread: slot.index, jobs: b.jobs.length, verdicts: m.verdicts.length }, 'gossip verification thread answered a batch with the wrong verdict count; verified it inline');
      return this.#settleInline(m.id, b);
    }
    this.#settled(m.id, b);
    slot.jobs += b.jobs.length;
    slot.batches += 1;
    slot.signatures += b.signatures;
    if (slot.outstanding === 0) worker.unref();
    for (let i = 0; i < b.done.length; i++) b.done[i]!(m.verdicts[i] === 1);
  }

  #onExit(slot: Slot, worker: Worker, code: number): void {
    if (this.#closed || !('worker' in slot.state) || slot.state.worker !== worker) return;
    const wasReady = slot.state.name === 'ready';
    slot.failedStarts += 1;
    slot.state = { name: 'failed' };
    for (const [id, b] of this.#batches) if (b.slot === slot) this.#settleInline(id, b);
    if (slot.turn !== undefined) {
      this.#inline(slot, slot.turn);
      slot.turn = undefined;
    }
    const why = { thread: slot.index, code, error: slot.lastError, engine: this.engine.name, wasReady };
    if (slot.failedStarts >= VERIFY_WORKER_MAX_FAILED_STARTS) {
      this.#log.warn({ ...why, failedStarts: slot.failedStarts }, 'gossip verification thread keeps dying before it is ready; not restarting it');
      if (this.#slots.every((s) => s.state.name === 'failed')) {
        this.#log.error({ threads: this.#slots.length, engine: this.engine.name, error: slot.lastError }, 'gossip signature verification threads all failed: verifying on the main thread from now on');
      }
      return;
    }
    const delay = Math.min(VERIFY_WORKER_RESTART_MS * 2 ** (slot.failedStarts - 1), VERIFY_WORKER_RESTART_MAX_MS);
    this.#log.warn({ ...why, restartInMs: delay }, 'gossip verification thread died: its messages were verified inline; restarting it');
    const timer = setTimeout(() => {
      slot.restarts += 1;
      this.#spawn(slot);
    }, delay);
    timer.unref();
    slot.state = { name: 'restarting', timer };
  }

  /** A posted batch is answered or given up on: it no longer counts as in flight. */
  #settled(id: number, b: Jobs & { readonly slot: Slot }): void {
    this.#batches.delete(id);
    this.#unload(b.slot, b);
  }

  #settleInline(id: number, b: Jobs & { readonly slot: Slot }): void {
    this.#settled(id, b);
    this.#verifyInline(b);
  }

  /** This turn's jobs of a slot that died before the flush. */
  #inline(slot: Slot, turn: Jobs): void {
    this.#unload(slot, turn);
    this.#verifyInline(turn);
  }

  #unload(slot: Slot, j: Jobs): void {
    this.#bytesInFlight -= j.bytes;
    slot.outstanding -= j.signatures;
  }

  #verifyInline(j: Jobs): void {
    this.#inlineAfterFailure += j.jobs.length;
    for (let i = 0; i < j.jobs.length; i++) j.done[i]!(verifyRawGossip(j.jobs[i]!.raw, j.jobs[i]!.signer, this.engine));
  }
}

/**
 * Verification threads for `front.verify-threads`: the configured number, or when unset
 * min(`AUTO_VERIFY_THREADS_MAX`, cores − 1) (one core stays with the main thread).
 */
export function verifyThreadsFor(configured: number | undefined, cores: number): number {
  return configured ?? Math.max(0, Math.min(AUTO_VERIFY_THREADS_MAX, cores - 1));
}

/** The stats of a front that verifies inline (no pool). */
export function inlineStats(engine: EngineName): VerifyPoolStats {
  return { threads: 0, mode: 'inline', engine, perThread: [], inlineAfterFailure: 0 };
}
