/**
 * @module bench/ingest-backend-child
 * The stand-in backend of `gossip-ingest-front` in its own process (`bench/gossip.ts` spawns it): the
 * scripted backend (`test/front/scripted-backend.ts`) accepting every `gossip_forward` at once. Argv:
 * backend certificate, key, CA (PEM paths) and the forward counts to report, comma-separated and
 * ascending (the warm-up's, then the measured run's total). Prints `{ port, nodeId }` when listening
 * and `{ forwards }` each time the count of `gossip_forward`s received reaches the next of them, then
 * exits when stdin closes. In its own process so the backend's decoding, hashing and answers do
 * not count against the front (a real backend runs on another host).
 */
import { startScriptedBackend } from '../test/front/scripted-backend.js';
import type { TempPki } from '../test/helpers/cluster-fixtures.js';
import { MAINNET_CHAIN } from '../test/helpers/gossip-builders.js'; // the fixture is signed for mainnet


const [certPath, keyPath, caPath, wanted] = process.argv.slice(2);
const pki = { caPath, back: { certPath, keyPath } } as unknown as TempPki; // the scripted backend reads only these
const targets = wanted!.split(',').map(Number);
const backend = await startScriptedBackend(pki, { chainHash: MAINNET_CHAIN, autoAcceptGossip: true, initialCredit: 1000 });
process.stdout.write(`${JSON.stringify({ port: backend.port, nodeId: Buffer.from(backend.nodeKey.pub).toString('hex') })}\n`);
// Polls a counter (O(1)) every millisecond: the report is at most ~1 ms late on a run of seconds.
const poll = setInterval(() => {
  if (backend.gossipForwards < targets[0]!) return;
  targets.shift();
  if (targets.length === 0) clearInterval(poll);
  process.stdout.write(`${JSON.stringify({ forwards: backend.gossipForwards })}\n`);
}, 1);
process.stdin.resume();
process.stdin.on('end', () => { clearInterval(poll); void backend.close().then(() => process.exit(0)); });
