/**
 * @module cli/front
 * `lnfleet front [--config FILE] [--wait-for PATH]`: loads the configuration for role `front` (file +
 * env such as `BACKEND_IP`, `LNFLEET_CONF`), starts the front daemon, logs its id and ports, and stops
 * cleanly on SIGINT/SIGTERM (exit 0). A bad configuration prints every problem and exits 1.
 *
 * `--wait-for PATH` (the board image's unit): the process has loaded its code when `run` is called;
 * it then waits until PATH exists before it reads the configuration or opens any port. The image's
 * nftables drop-in creates PATH once the ruleset is loaded, so Node's start overlaps first boot and the
 * firewall instead of following them. If the config file is still missing after the wait (a card
 * flashed without a bundle), it says so and exits 0, which systemd does not restart.
 *
 * Does not: register itself (`cli/main.ts` does), or daemonise (systemd runs it in the foreground).
 */
import { existsSync } from 'node:fs';
import { ConfigError, formatProblem, loadConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { startFront } from '../front/index.js';
import { waitForStopSignal } from './signals.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';

const USAGE = `usage: lnfleet front [--config FILE] [--wait-for PATH]

  Runs a front: accepts peers on front.listen (BOLT 8 + BOLT 1), dials the backend over the cluster
  link (cluster.backend-address / BACKEND_IP, else found by mDNS when cluster.mdns is on), serves
  /healthz, /readyz and /metrics on front.health-listen (plus POST /vrrp for keepalived's hook) and on
  metrics.listen when metrics.enabled. Stops on SIGINT or SIGTERM.

  --config FILE   the front's configuration file (default: defaults + environment only)
  --wait-for PATH wait until PATH exists before reading the config or opening a port (the board
                  image passes the marker its nftables unit writes once the firewall is loaded);
                  then, if the --config file does not exist, exit 0 saying the board has no config`;

/** How often `--wait-for` looks for its path, and how often it says it is still waiting (ms). */
export const WAIT_FOR_POLL_MS = 100;
export const WAIT_FOR_REMIND_MS = 60_000;

/** Resolves once `path` exists; says so at the start and every `WAIT_FOR_REMIND_MS`. */
async function waitForPath(path: string, io: CliIo): Promise<void> {
  if (existsSync(path)) return;
  io.out(`front: waiting for ${path} before reading the config or opening a port`);
  let waited = 0;
  while (!existsSync(path)) {
    await new Promise((r) => setTimeout(r, WAIT_FOR_POLL_MS));
    waited += WAIT_FOR_POLL_MS;
    if (waited % WAIT_FOR_REMIND_MS === 0) io.out(`front: still waiting for ${path} (${waited / 1000} s)`);
  }
}

/** Builds the command; `env` and `waitForStop` are injectable for tests. */
export function makeFrontCommand(deps: {
  env?: () => Readonly<Record<string, string | undefined>>;
  waitForStop?: () => Promise<string>;
} = {}): Command {
  return {
    name: 'front',
    summary: 'run a front (peer connections, BOLT 8/1, cluster link client)',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, { options: ['config', 'wait-for'] });
      if (parsed.flags.has('help')) {
        io.out(USAGE);
        return 0;
      }
      if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument ${parsed.positionals[0]}`);
      const file = parsed.options.get('config');
      const waitFor = parsed.options.get('wait-for');
      if (waitFor !== undefined) {
        await waitForPath(waitFor, io);
        if (file !== undefined && !existsSync(file)) {
          io.out(`front: ${file} does not exist: this board has no config (flash it with a board bundle, docs/boards.md); not starting`);
          return 0;
        }
      }
      let config;
      try {
        config = loadConfig('front', { env: (deps.env ?? (() => process.env))(), ...(file === undefined ? {} : { file }) });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        io.err(`front configuration is invalid (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):`);
        for (const p of e.problems) io.err(`  [${p.code}] ${formatProblem(p)}`);
        return 1;
      }
      const logger = createLogger('front', config.values['log.level']);
      const front = await startFront(config, { logger });
      io.out(`front ${front.id} listening for peers on port ${front.peerPort}, health on port ${front.healthPort}`);
      const signal = await (deps.waitForStop ?? waitForSignal)();
      logger.info({ signal }, 'stopping');
      await front.close();
      return 0;
    },
  };
}

function waitForSignal(): Promise<string> {
  return waitForStopSignal();
}

/** `lnfleet front`, registered by `cli/main.ts`. */
export const frontCommand: Command = makeFrontCommand();
