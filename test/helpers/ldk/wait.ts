/**
 * @module test/helpers/ldk/wait
 * Bounded waiting: poll a condition until it holds or a deadline passes. Every timer is cleared on
 * both paths. They stay ref'd on purpose: an awaited wait must keep the event loop alive (node:test
 * cancels a test whose loop empties while it awaits), and the deadline caps how long that can be.
 *
 * Does not: measure time for assertions. A timeout here only bounds a wait; tests assert on state.
 */
import { WAIT_POLL_MS } from './constants.js';
import { LdkHarnessError } from './errors.js';

/**
 * Resolves with the first non-`undefined` value `check` returns, re-checking every `WAIT_POLL_MS`;
 * rejects with `LdkHarnessError(kind 'timeout')` naming `what` after `timeoutMs`, or with whatever
 * `check` throws.
 */
export function waitUntil<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let poll: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      clearTimeout(poll);
      reject(new LdkHarnessError('timeout', `timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const attempt = (): void => {
      let value: T | undefined;
      try {
        value = check();
      } catch (err) {
        clearTimeout(deadline);
        reject(err);
        return;
      }
      if (value !== undefined) {
        clearTimeout(deadline);
        resolve(value);
        return;
      }
      poll = setTimeout(attempt, WAIT_POLL_MS);
    };
    attempt();
  });
}
