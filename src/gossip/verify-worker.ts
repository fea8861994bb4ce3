/**
 * @module gossip/verify-worker
 * Entry file of one signature-verification worker thread (`verify-pool.ts` starts it). It loads the
 * front's secp256k1 engine by name (`workerData.engine`), says `ready`, then answers each packed batch
 * of gossip messages with one verdict byte per message (`verify-batch.ts`).
 *
 * A load failure or any throw ends the thread with an error: the pool verifies that thread's batches
 * inline and restarts it, so no message is lost and no verdict is made up here.
 * In the board image this file is its own esbuild bundle at the same path (`firmware-image/bundle.mjs`).
 *
 * Does not: decide anything about the messages, or keep state between batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { assertNever } from '../errors.js';
import { loadEngine } from '../crypto/engines.js';
import { verifyBatch, type VerifyReply, type VerifyRequest, type VerifyWorkerData } from './verify-batch.js';

const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread (started by VerifyPool)');
const engine = loadEngine((workerData as VerifyWorkerData).engine);
port.on('message', (m: VerifyRequest) => {
  switch (m.type) {
    case 'batch': {
      const verdicts = verifyBatch(m.batch, engine);
      port.postMessage({ type: 'verdicts', id: m.id, verdicts } satisfies VerifyReply, [verdicts.buffer]);
      return;
    }
    case 'stop':
      port.close(); // nothing else keeps the thread alive: it ends here, between native calls
      return;
    case 'crash':
      throw new Error('crash drill: this verification thread was told to die');
    default:
      assertNever(m, 'verify request');
  }
});
port.postMessage({ type: 'ready', engine: engine.name } satisfies VerifyReply);
