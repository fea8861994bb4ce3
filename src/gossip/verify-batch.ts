/**
 * @module gossip/verify-batch
 * What the front's main thread and its signature-verification workers (`verify-pool.ts`,
 * `verify-worker.ts`) say to each other, and the one-buffer batch format: the jobs of one event-loop
 * turn travel as a single transferable `ArrayBuffer` (one `postMessage`, no structured clone of many
 * small arrays), the answer is one byte per job.
 *
 * Batch layout (big-endian): u32 job count, then per job: u32 message length, u8 signer length (0 or
 * 33), the message bytes (type included), the signer's node id.
 *
 * Spec: BOLT #7 signature checks (`verify.ts`, `verifyRawGossip`).
 * Does not: start threads (`verify-pool.ts`) or choose what to verify (`verify-pipeline.ts`).
 */
import type { EngineName, Secp256k1Engine } from '../crypto/secp256k1.js';
import { GOSSIP_TYPE, rawType } from './raw.js';
import { verifyRawGossip } from './verify.js';

/** One message to verify: its bytes and, for a channel_update, the node id that must have signed it. */
export interface VerifyJob {
  readonly raw: Uint8Array;
  readonly signer: Uint8Array | undefined;
}

/** `workerData` of a verification worker: the engine to load (the front's own, by name). */
export interface VerifyWorkerData {
  readonly engine: EngineName;
}

/**
 * Main thread → worker: one packed batch; `stop`: end once the messages before it are answered (`close()`);
 * `crash`: throw, as a crashing thread would (`crashThread()`, the drill of tests and `lnfleet selftest`).
 * The pool never terminates a busy thread: a thread terminated inside a native secp256k1 call can abort
 * the whole process (node-addon-api rethrows an exception it cannot hand to a terminating thread).
 */
export type VerifyRequest =
  | { readonly type: 'batch'; readonly id: number; readonly batch: ArrayBuffer }
  | { readonly type: 'stop' }
  | { readonly type: 'crash' };

/** Worker → main thread: its engine loaded, or the verdicts of one batch (1 = every signature holds). */
export type VerifyReply =
  | { readonly type: 'ready'; readonly engine: EngineName }
  | { readonly type: 'verdicts'; readonly id: number; readonly verdicts: Uint8Array };

/** Signatures one job checks: four for a channel_announcement, one otherwise (the pool balances by it). */
export function jobSignatures(job: VerifyJob): number {
  return job.raw.length >= 2 && rawType(job.raw) === GOSSIP_TYPE.channelAnnouncement ? 4 : 1;
}

/** Bytes `packBatch` needs for `job`. */
export function packedSize(job: VerifyJob): number {
  return 5 + job.raw.length + (job.signer?.length ?? 0);
}

/** Packs jobs into one buffer (layout in the module comment), ready to transfer. */
export function packBatch(jobs: readonly VerifyJob[]): ArrayBuffer {
  let size = 4;
  for (const j of jobs) size += packedSize(j);
  const buf = new ArrayBuffer(size);
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  view.setUint32(0, jobs.length);
  let o = 4;
  for (const j of jobs) {
    const signer = j.signer ?? EMPTY;
    view.setUint32(o, j.raw.length);
    view.setUint8(o + 4, signer.length);
    bytes.set(j.raw, o + 5);
    bytes.set(signer, o + 5 + j.raw.length);
    o += 5 + j.raw.length + signer.length;
  }
  return buf;
}
const EMPTY = new Uint8Array(0);

/** The jobs of a packed batch (views into `buf`). Throws `RangeError` on a truncated batch. */
export function unpackBatch(buf: ArrayBuffer): VerifyJob[] {
  const bytes = new Uint8Array(buf);
  const view = new DataView(buf);
  const n = view.getUint32(0);
  const jobs: VerifyJob[] = [];
  let o = 4;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(o);
    const signerLen = view.getUint8(o + 4);
    const end = o + 5 + len + signerLen;
    if (end > bytes.length) throw new RangeError(`verify batch truncated at job ${i}`);
    jobs.push({ raw: bytes.subarray(o + 5, o + 5 + len), signer: signerLen === 0 ? undefined : bytes.subarray(o + 5 + len, end) });
    o = end;
  }
  return jobs;
}

/** Verifies every job of a packed batch (what a worker does): one byte per job, 1 = valid. */
export function verifyBatch(buf: ArrayBuffer, engine: Secp256k1Engine): Uint8Array<ArrayBuffer> {
  const jobs = unpackBatch(buf);
  const verdicts = new Uint8Array(jobs.length);
  for (let i = 0; i < jobs.length; i++) verdicts[i] = verifyRawGossip(jobs[i]!.raw, jobs[i]!.signer, engine) ? 1 : 0;
  return verdicts;
}
