/**
 * @module cli/back
 * `lnfleet back [--config FILE]`: runs the backend daemon (src/back) until SIGINT or SIGTERM.
 *
 * Loads the configuration for role `back` (file + environment, see `lnfleet config describe`), starts
 * the backend, prints the node id and the bound ports, and on a signal closes everything (links, API,
 * metrics) and zeroes the node key before exiting 0. A configuration problem prints every problem and
 * exits 1, like `lnfleet config check`.
 *
 * Does not: daemonise or write pid files (systemd does), or import `src/front`.
 */
import { startBackend, type BackendHandle } from '../back/index.js';
import { ConfigError, formatProblem, loadConfig } from '../config/index.js';
import { waitForStopSignal } from './signals.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';

const USAGE = `usage: lnfleet back [--config FILE]

  Runs the backend: node key, cluster link server (fronts connect here), HTTP API and metrics.
  --config FILE   configuration file for role back (default: none; defaults + environment)
  Environment: NODE_PRIV_KEY (key provider env), NODE_PUB_KEY, LNFLEET_API_PASSWORD, LNFLEET_CONF, …
  Stops cleanly on SIGINT or SIGTERM.`;

/** Dependencies, injectable for tests. */
export interface BackCommandDeps {
  readonly env?: () => Readonly<Record<string, string | undefined>>;
  /** Resolves when the daemon should stop (default: the first SIGINT or SIGTERM). */
  readonly stopSignal?: (handle: BackendHandle) => Promise<string>;
}

function waitForSignal(): Promise<string> {
  return waitForStopSignal();
}

/** Builds the `back` command. */
export function makeBackCommand(deps: BackCommandDeps = {}): Command {
  return {
    name: 'back',
    summary: 'run the backend daemon (node key, cluster link, API)',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, { options: ['config'] });
      if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument ${parsed.positionals[0]}`);
      const file = parsed.options.get('config');
      const env = (deps.env ?? (() => process.env))();
      let config;
      try {
        config = loadConfig('back', { env, ...(file === undefined ? {} : { file }) });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        io.err(`configuration for role back is invalid (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):`);
        for (const p of e.problems) io.err(`  [${p.code}] ${formatProblem(p)}`);
        return 1;
      }
      const handle = await startBackend(config, { env });
      io.out(`backend running: node id ${handle.nodeId}`);
      io.out(`  cluster link port ${handle.linkPort}, API port ${handle.apiPort}${handle.metricsPort === undefined ? '' : `, metrics port ${handle.metricsPort}`}`);
      const sig = await (deps.stopSignal ?? waitForSignal)(handle);
      io.out(`${sig}: stopping backend`);
      await handle.close();
      return 0;
    },
  };
}

/** `lnfleet back`, registered by `cli/main.ts`. */
export const backCommand: Command = makeBackCommand();
