/**
 * @module test/helpers/gossip-fronts
 * Real fronts for the cluster gossip tests (not a test file): each linked to `linkPort` with a
 * certificate from `pki` named `name`, its config from `frontConfig` plus `extra`, ephemeral peer and
 * health ports, `warn` logs, and rebroadcast batches short enough for a test (`QUICK_REBROADCAST`).
 * Each is closed after the test; the call resolves once every front is ready (its graph snapshot is in).
 */
import { startFront, type FrontHandle } from '../../src/front/index.js';
import { captureLogger, frontConfig, waitFor, type TempPki } from './cluster-fixtures.js';

/** Rebroadcast batches of 200 ms with at most 50 ms of per-peer delay (the daemon's default is 60 s). */
export const QUICK_REBROADCAST = { intervalMs: 200, maxPeerDelayMs: 50 } as const;

/** One front to start: its certificate name and config keys on top of `frontConfig`'s. */
export interface GossipFrontSpec {
  readonly name: string;
  readonly extra?: Record<string, string>;
}

/** Starts the fronts in order, then waits until all are ready. */
export async function startGossipFronts(
  t: { after(fn: () => Promise<void>): void },
  pki: TempPki,
  linkPort: number,
  specs: readonly GossipFrontSpec[],
): Promise<FrontHandle[]> {
  const fronts: FrontHandle[] = [];
  for (const s of specs) {
    const f = await startFront(frontConfig(pki, await pki.issue('front', s.name), linkPort, s.extra), {
      logger: captureLogger('warn').logger, peerListen: { host: '127.0.0.1', port: 0 }, healthListen: { host: '127.0.0.1', port: 0 },
      rebroadcast: QUICK_REBROADCAST,
    });
    t.after(() => f.close());
    fronts.push(f);
  }
  for (const f of fronts) await waitFor(`front ${f.id} ready`, () => f.status().ready);
  return fronts;
}

/** One front named `name` (see `startGossipFronts`), ready. */
export async function startGossipFront(t: { after(fn: () => Promise<void>): void }, pki: TempPki, linkPort: number, name: string): Promise<FrontHandle> {
  return (await startGossipFronts(t, pki, linkPort, [{ name }]))[0]!;
}
