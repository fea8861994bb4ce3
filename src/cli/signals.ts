/**
 * @module cli/signals
 * How the daemons stop: the first SIGINT or SIGTERM starts a clean shutdown; a second one while that
 * runs (Ctrl-C pressed again, or a supervisor losing patience) exits at once with status 130.
 *
 * Does not: close anything itself; the caller awaits the returned promise and closes its daemon.
 */

/** Resolves with the name of the first stop signal; later ones force an immediate exit. */
export function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const on = (sig: NodeJS.Signals): void => {
      if (stopping) process.exit(130);
      stopping = true;
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
