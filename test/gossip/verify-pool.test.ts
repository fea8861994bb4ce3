/**
 * The signature-verification threads (`VerifyPool`), real worker threads and real engines: one batch per
 * thread per turn, bad signatures found in the threads, a thread killed with work in flight (every job
 * answered once, inline, and the thread restarted), threads that cannot start (one log line, inline from
 * then on), `close()`. Then the whole path: the verification pipeline on real threads in front of a
 * router, in arrival order. No timing assertions: waits are bounded polls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadEngine } from '../../src/crypto/index.js';
import { packBatch, unpackBatch, verifyBatch, type VerifyJob } from '../../src/gossip/verify-batch.js';
import { VerifyPool, verifyThreadsFor } from '../../src/gossip/verify-pool.js';
import { verifyRawGossip } from '../../src/gossip/verify.js';
import { VERIFY_WORKER_STOP_GRACE_MS } from '../../src/gossip/limits.js';
import { captureLogger, waitFor } from '../helpers/cluster-fixtures.js';
import { hex, readRepoText } from '../helpers/vectors.js';
import { Backend, Front, a, annA, annC, b, chanAB, engine, updAB, updBA, updBC } from './router-harness.js';

const MAINNET = readRepoText('test/data/channel_announcements.mainnet.hex').split('\n').filter((l) => l.length > 0).map(hex);

/** Valid and broken announcements, updates with the right and the wrong signer, node announcements. */
function mixedJobs(): { job: VerifyJob; ok: boolean }[] {
  const out: { job: VerifyJob; ok: boolean }[] = [];
  for (const [i, raw] of MAINNET.entries()) {
    out.push({ job: { raw, signer: undefined }, ok: true });
    const bad = Uint8Array.from(raw);
    bad[2 + (i % 256)]! ^= 1; // one of the four signatures
    out.push({ job: { raw: bad, signer: undefined }, ok: false });
  }
  out.push({ job: { raw: updBA(), signer: b.pub }, ok: true });
  out.push({ job: { raw: updBA(), signer: a.pub }, ok: false });
  out.push({ job: { raw: annA(), signer: undefined }, ok: true });
  out.push({ job: { raw: chanAB.subarray(0, 120), signer: undefined }, ok: false });
  return out;
}

/** Submits every job in one turn; resolves with how often each `done` ran and the verdicts. */
function submitAll(pool: VerifyPool, jobs: readonly VerifyJob[], afterSubmit?: () => void): Promise<{ calls: number[]; verdicts: boolean[] }> {
  const calls = jobs.map(() => 0);
  const verdicts: boolean[] = [];
  let left = jobs.length;
  return new Promise((resolve) => {
    jobs.forEach((job, i) => {
      const taken = pool.submit(job, (ok) => {
        calls[i]! += 1;
        verdicts[i] = ok;
        if (--left === 0) resolve({ calls, verdicts });
      });
      assert.ok(taken, `job ${i} taken`);
    });
    afterSubmit?.();
  });
}

test('a packed batch round-trips and verifies to one verdict per job', () => {
  const jobs = mixedJobs();
  const unpacked = unpackBatch(packBatch(jobs.map((j) => j.job)));
  assert.equal(unpacked.length, jobs.length);
  unpacked.forEach((u, i) => {
    assert.deepEqual(u.raw, jobs[i]!.job.raw);
    assert.deepEqual(u.signer, jobs[i]!.job.signer);
  });
  assert.deepEqual([...verifyBatch(packBatch(jobs.map((j) => j.job)), engine)], jobs.map((j) => (j.ok ? 1 : 0)));
  assert.throws(() => unpackBatch(packBatch(jobs.map((j) => j.job)).slice(0, 500)), RangeError);
});

test('front.verify-threads: unset = min(3, cores - 1); a number is taken as it is', () => {
  assert.deepEqual([1, 2, 4, 8].map((cores) => verifyThreadsFor(undefined, cores)), [0, 1, 3, 3]);
  assert.equal(verifyThreadsFor(0, 8), 0);
  assert.equal(verifyThreadsFor(5, 2), 5);
});

test('one turn of jobs is one batch per thread; valid and bad signatures are told apart in the threads', async () => {
  const { logger } = captureLogger('warn');
  const pool = new VerifyPool({ threads: 2, engine, log: logger }).start();
  try {
    const jobs = mixedJobs();
    const r = await submitAll(pool, jobs.map((j) => j.job));
    assert.deepEqual(r.calls, jobs.map(() => 1), 'each done once');
    assert.deepEqual(r.verdicts, jobs.map((j) => j.ok));
    const s = pool.stats();
    assert.equal(s.mode, 'workers');
    assert.equal(s.inlineAfterFailure, 0);
    assert.deepEqual(s.perThread.map((t) => t.batches), [1, 1], 'one batch per thread for the turn');
    assert.equal(s.perThread[0]!.jobs + s.perThread[1]!.jobs, jobs.length);
    assert.ok(s.perThread.every((t) => t.jobs > 0), 'both threads got work');
  } finally {
    await pool.close();
  }
});

test('the threads load the front\'s engine by name (wasm here)', async () => {
  const wasm = loadEngine('wasm');
  const pool = new VerifyPool({ threads: 1, engine: wasm, log: captureLogger('warn').logger }).start();
  try {
    const jobs = mixedJobs().slice(0, 20);
    const r = await submitAll(pool, jobs.map((j) => j.job));
    assert.deepEqual(r.verdicts, jobs.map((j) => j.ok));
    assert.equal(pool.stats().engine, 'wasm');
    assert.equal(pool.stats().perThread[0]!.jobs, 20);
  } finally {
    await pool.close();
  }
});

test('a thread that crashes with work in flight: every job answered once (inline), the thread restarts and works again', async () => {
  const log = captureLogger('warn');
  const pool = new VerifyPool({ threads: 1, engine, log: log.logger }).start();
  try {
    await waitFor('thread ready', () => pool.stats().perThread[0]!.state === 'ready');
    const jobs = mixedJobs();
    const r = await submitAll(pool, jobs.map((j) => j.job), () => {
      void pool.crashThread(0); // the thread reads this first and dies…
      pool.flush(); // …with this batch posted to it and never answered there
    });
    assert.deepEqual(r.calls, jobs.map(() => 1), 'each done exactly once');
    assert.deepEqual(r.verdicts, jobs.map((j) => j.ok), 'the same verdicts, from the inline checks');
    const { inlineAfterFailure, perThread } = pool.stats();
    assert.equal(inlineAfterFailure, jobs.length, 'all answered inline');
    assert.equal(perThread[0]!.jobs, 0);
    assert.ok(log.lines.some((l) => String(l.msg).includes('verification thread died')));
    await waitFor('thread restarted', () => pool.stats().perThread[0]!.state === 'ready', 20_000);
    assert.equal(pool.stats().perThread[0]!.restarts, 1);
    const again = await submitAll(pool, jobs.slice(0, 10).map((j) => j.job));
    assert.deepEqual(again.verdicts, jobs.slice(0, 10).map((j) => j.ok));
    assert.equal(pool.stats().perThread[0]!.jobs, 10, 'verified by the new thread');
  } finally {
    await pool.close();
  }
});

test('threads that die before they are ready: restarted with backoff, then one log line and inline from then on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-verify-'));
  const broken = join(dir, 'broken-worker.mjs');
  writeFileSync(broken, "throw new Error('this engine does not load in a thread here');\n");
  const log = captureLogger('warn');
  const pool = new VerifyPool({ threads: 2, engine, log: log.logger, workerUrl: pathToFileURL(broken) }).start();
  try {
    const jobs = mixedJobs().slice(0, 30);
    const r = await submitAll(pool, jobs.map((j) => j.job)); // taken while starting; the threads die
    assert.deepEqual(r.verdicts, jobs.map((j) => j.ok));
    assert.deepEqual(r.calls, jobs.map(() => 1));
    await waitFor('pool gave up on its threads', () => pool.stats().mode === 'inline', 30_000);
    assert.deepEqual(pool.stats().perThread.map((t) => [t.state, t.restarts]), [['failed', 2], ['failed', 2]]);
    const fallback = log.lines.filter((l) => String(l.msg).includes('verifying on the main thread from now on'));
    assert.equal(fallback.length, 1, 'one clear line');
    assert.match(String(fallback[0]!.error), /does not load in a thread/);
    assert.equal(pool.available, false);
    assert.equal(pool.submit(jobs[0]!.job, () => assert.fail('never called')), false, 'the caller verifies inline');
  } finally {
    await pool.close();
  }
});

test('no thread before start(); close() terminates every thread; later jobs are refused', async () => {
  const pool = new VerifyPool({ threads: 2, engine, log: captureLogger('warn').logger });
  assert.deepEqual(pool.stats().perThread.map((t) => t.state), ['idle', 'idle']);
  assert.equal(pool.submit({ raw: chanAB, signer: undefined }, () => assert.fail('never called')), false, 'not started: the caller verifies inline');
  pool.start();
  await waitFor('threads ready', () => pool.stats().perThread.every((t) => t.state === 'ready'));
  await pool.close();
  assert.deepEqual(pool.stats().perThread.map((t) => t.state), ['closed', 'closed']);
  assert.equal(pool.stats().mode, 'inline');
  assert.equal(pool.submit({ raw: chanAB, signer: undefined }, () => assert.fail('never called')), false);
  await pool.close(); // twice is fine
});

test('close() lets a busy thread answer what it was sent and end by itself; a hung thread is terminated after the grace period', async () => {
  const pool = new VerifyPool({ threads: 1, engine, log: captureLogger('warn').logger }).start();
  await waitFor('thread ready', () => pool.stats().perThread[0]!.state === 'ready');
  for (const j of mixedJobs()) pool.submit(j.job, () => {});
  pool.flush(); // a batch in the thread's hands…
  await pool.close(); // …and close() waits for the thread to end between native calls
  assert.deepEqual(pool.stats().perThread.map((t) => t.state), ['closed']);

  // A thread that never reads its messages again (a hang) is terminated once the grace period is over.
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-verify-'));
  const hung = join(dir, 'hung-worker.mjs');
  writeFileSync(hung, "import { parentPort } from 'node:worker_threads';\n" +
    "parentPort.on('message', () => { for (;;) { /* hang */ } });\n" +
    "parentPort.postMessage({ type: 'ready', engine: 'native' });\n");
  const stuck = new VerifyPool({ threads: 1, engine, log: captureLogger('warn').logger, workerUrl: pathToFileURL(hung) }).start();
  await waitFor('thread ready', () => stuck.stats().perThread[0]!.state === 'ready');
  stuck.submit(mixedJobs()[0]!.job, () => {});
  stuck.flush();
  const t0 = Date.now();
  await stuck.close();
  assert.ok(Date.now() - t0 >= VERIFY_WORKER_STOP_GRACE_MS - 50, 'waited for the grace period before terminating');
  rmSync(dir, { recursive: true, force: true });
});

test('the pipeline on real threads: the router gets the messages in arrival order with the threads\' verdicts', async () => {
  const pool = new VerifyPool({ threads: 2, engine, log: captureLogger('warn').logger }).start();
  try {
    const be = new Backend();
    const f = new Front(be, { verifier: pool });
    const badUpdate = Uint8Array.from(updAB(5));
    badUpdate[10]! ^= 1;
    // The announcement, then updates and node announcements that need it (their signer comes from the
    // announcement still in the pipeline), an unrelated update and node, and a broken update.
    const sent = [chanAB, updBA(), updAB(), annA(), updBC, annC(), badUpdate];
    for (const raw of sent) f.send(1, raw);
    await waitFor('pipeline drained', () => f.pipeline.size === 0);
    assert.deepEqual(f.routed, sent, 'arrival order');
    assert.equal(f.forwards().length, 1);
    assert.equal(f.router.metrics.get('held', 'channel_update'), 2);
    assert.equal(f.router.metrics.get('held', 'node_announcement'), 1);
    assert.equal(f.router.metrics.get('no-related-channel', 'channel_update'), 1);
    assert.equal(f.router.metrics.get('no-known-channel', 'node_announcement'), 1);
    assert.equal(f.router.metrics.get('bad-signature', 'channel_update'), 1);
    assert.deepEqual(f.router.metrics.signatureChecks(), { ahead: 5, inline: 0 });
    assert.equal(f.released(1), 3, 'the unrelated update, node and the broken update');
    be.decide(chanAB, true);
    for (const raw of [updBA(), updAB(), annA()]) be.decide(raw, true);
    assert.equal(f.released(1), sent.length);
    assert.equal(pool.stats().perThread.reduce((n, t) => n + t.jobs, 0), 5);
  } finally {
    await pool.close();
  }
});

test('verifyRawGossip is what the threads run', () => {
  for (const { job, ok } of mixedJobs()) assert.equal(verifyRawGossip(job.raw, job.signer, engine), ok);
});
