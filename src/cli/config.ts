/**
 * @module cli/config
 * `lnfleet config check --role R [--file F]`: validates the configuration a process of role R would
 * load (file + env) and prints it with secrets redacted, or every problem found (exit 1).
 * `lnfleet config describe`: prints the schema table as Markdown (the source of docs/operations.md).
 *
 * Does not: check that configured files exist (the daemons report that when they open them).
 */
import { ConfigError, ROLES, describeConfig, describeSchemaMarkdown, formatProblem, loadConfig, type Role } from '../config/index.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';

const USAGE = `usage: lnfleet config check --role back|front|dev [--file F]
       lnfleet config describe

  check     validate file + environment (LNFLEET_CONF, BACKEND_IP, …) and print the effective
            configuration with secrets redacted, or every problem (exit 1)
  describe  print every key as a Markdown table`;

/** Builds the command; `env` is injectable for tests. */
export function makeConfigCommand(deps: { env?: () => Readonly<Record<string, string | undefined>> } = {}): Command {
  return {
    name: 'config',
    summary: 'check a configuration or describe every key',
    usage: USAGE,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const [sub, ...rest] = args;
      const parsed = parseArgs(rest, { options: sub === 'check' ? ['role', 'file'] : [] });
      if (sub === undefined || sub === '--help' || parsed.flags.has('help')) {
        io.out(USAGE);
        return sub === undefined ? 2 : 0;
      }
      if (parsed.positionals.length > 0) throw new CliUsageError(`unexpected argument ${parsed.positionals[0]}`);
      if (sub === 'describe') {
        io.out(describeSchemaMarkdown());
        return 0;
      }
      if (sub !== 'check') throw new CliUsageError(`unknown config subcommand ${sub}`);
      const role = parsed.options.get('role');
      if (role === undefined || !(ROLES as readonly string[]).includes(role)) throw new CliUsageError(`--role must be one of ${ROLES.join(', ')}`);
      const file = parsed.options.get('file');
      try {
        const config = loadConfig(role as Role, { env: (deps.env ?? (() => process.env))(), ...(file === undefined ? {} : { file }) });
        io.out(describeConfig(config));
        return 0;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        io.err(`configuration for role ${role} is invalid (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'}):`);
        for (const p of e.problems) io.err(`  [${p.code}] ${formatProblem(p)}`);
        return 1;
      }
    },
  };
}

/** `lnfleet config`, registered by `cli/main.ts`. */
export const configCommand: Command = makeConfigCommand();
