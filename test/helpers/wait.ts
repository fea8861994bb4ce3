/**
 * Bounded waiting for asynchronous conditions (HTTP probes, process state): polls `check`, awaiting
 * each result, until it yields a value other than `undefined`, or fails after `timeoutMs` naming
 * `what`. A check that throws is retried (a daemon restarting refuses connections for a while); the
 * last error is reported on timeout. The timeout only bounds the wait; tests assert on state.
 */

/** Poll period, ms: short enough not to slow tests, long enough not to busy-loop a 2-core box. */
export const EVENTUALLY_POLL_MS = 50;

export async function eventually<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, EVENTUALLY_POLL_MS));
  }
}
