/**
 * @module gossip/verify-selfcheck
 * `lnfleet selftest`'s check of the gossip verification threads (`verify-pool.ts`): one thread is
 * started from the worker file this build ships (in the board image, the worker's own bundle), loads
 * the active engine, and must tell a valid node_announcement from a broken one; then the thread is
 * killed with the same two in flight and the inline fallback must give the same verdicts.
 *
 * Spec: BOLT #7 node_announcement signature (`verify.ts`).
 * Does not: print (the CLI does), or keep the thread (it is closed before returning).
 */
import type { Logger } from '../log.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import type { SelfCheckItem } from '../crypto/selfcheck.js';
import { encodeMessage } from '../wire/registry.js';
import { gossipSigningHash } from '../wire/signed.js';
import type { VerifyJob } from './verify-batch.js';
import { VerifyPool } from './verify-pool.js';

/**
 * Longest wait for the thread's answers (ms). A thread starts in well under a second on a board; under
 * qemu-user emulation at image build time loading the engine takes several seconds.
 */
export const VERIFY_SELFCHECK_TIMEOUT_MS = 60_000;

/** A node_announcement signed with a fixed test key (public test value, not a node key), and a broken copy. */
function jobs(engine: Secp256k1Engine): VerifyJob[] {
  const priv = new Uint8Array(32).fill(0x11);
  const m = {
    name: 'node_announcement' as const, signature: new Uint8Array(64), features: new Uint8Array(0), timestamp: 1_700_000_000,
    nodeId: engine.publicKey(priv), rgbColor: Uint8Array.of(1, 2, 3), alias: new Uint8Array(32), addresses: [], extra: new Uint8Array(0),
  };
  const valid = encodeMessage({ ...m, signature: engine.sign(gossipSigningHash(encodeMessage(m)), priv) });
  const broken = Uint8Array.from(valid);
  broken[broken.length - 1]! ^= 1;
  return [{ raw: valid, signer: undefined }, { raw: broken, signer: undefined }];
}

function verdicts(pool: VerifyPool, js: readonly VerifyJob[], kill: boolean): Promise<boolean[]> {
  return new Promise((resolve, reject) => {
    const out: boolean[] = [];
    let left = js.length;
    for (const [i, job] of js.entries()) {
      const taken = pool.submit(job, (ok) => {
        out[i] = ok;
        if (--left === 0) resolve(out);
      });
      if (!taken) return reject(new Error('the pool took no job (no thread started)'));
    }
    if (kill) {
      void pool.crashThread(0); // read by the thread before the batch below: the batch is never answered there
    }
    pool.flush();
  });
}

/** Runs the check; never throws (a failure is in the result). */
export async function checkVerifyThread(engine: Secp256k1Engine, log: Logger, timeoutMs = VERIFY_SELFCHECK_TIMEOUT_MS): Promise<SelfCheckItem> {
  const name = `gossip signatures on a verification thread (${engine.name})`;
  const pool = new VerifyPool({ threads: 1, engine, log }).start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const js = jobs(engine);
    const onThread = await Promise.race([verdicts(pool, js, false), timeout]);
    if (onThread.join() !== 'true,false') return { name, ok: false, detail: `thread verdicts ${onThread.join()}, want true,false` };
    const thread = pool.stats().perThread[0]!;
    if (thread.jobs !== 2) return { name, ok: false, detail: `the thread did not answer (it is ${thread.state}; answered inline)` };
    const afterKill = await Promise.race([verdicts(pool, js, true), timeout]);
    if (afterKill.join() !== 'true,false') return { name, ok: false, detail: `verdicts after killing the thread ${afterKill.join()}, want true,false` };
    const inline = pool.stats().inlineAfterFailure;
    if (inline !== js.length) return { name, ok: false, detail: `${inline} of ${js.length} jobs were verified inline after the thread died, want all` };
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    clearTimeout(timer);
    await pool.close();
  }
}
