/**
 * @module cli/command
 * The shape of one `lnfleet` subcommand and a small, strict argument parser shared by all of them.
 *
 * Each subcommand module exports a `Command`; `cli/main.ts` registers them in one table. Every command
 * answers `--help` with its usage text. Errors in arguments are `CliUsageError`s: main prints the
 * message plus the usage and exits 2.
 *
 * Does not: read config files (see `src/config`) or start daemons by itself.
 */
import { LnfleetError } from '../errors.js';

/** Where a command writes; injected so tests can capture output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** One subcommand of `lnfleet`. `run` resolves to the process exit code. */
export interface Command {
  /** The word after `lnfleet`, e.g. `selftest`. */
  readonly name: string;
  /** One line for `lnfleet --help`. */
  readonly summary: string;
  /** Full usage text printed for `lnfleet NAME --help` and after a usage error. */
  readonly usage: string;
  /**
   * The usage text for `lnfleet NAME ARGS… --help` when it depends on ARGS (a subcommand's own help,
   * e.g. `lnfleet provision init --help`); undefined = `usage`. The command is never run for --help.
   */
  helpFor?(args: readonly string[]): string | undefined;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A bad command line: unknown flag, missing value, wrong count of positionals. */
export class CliUsageError extends LnfleetError<'CLI_USAGE'> {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

/** Parsed arguments: `--name value` / `--name=value` options, `--flag` booleans, positionals. */
export interface ParsedArgs {
  readonly options: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/**
 * Parses `args` against the declared option names (which take a value) and flag names (which do not).
 * Anything else starting with `--` is a usage error naming it.
 */
export function parseArgs(
  args: readonly string[],
  spec: { options?: readonly string[]; flags?: readonly string[] } = {},
): ParsedArgs {
  const takesValue = new Set(spec.options ?? []);
  const isFlag = new Set([...(spec.flags ?? []), 'help']);
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--') || a === '--') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq === -1 ? undefined : eq);
    if (isFlag.has(name) && eq === -1) {
      flags.add(name);
    } else if (takesValue.has(name)) {
      const value = eq === -1 ? args[++i] : a.slice(eq + 1);
      if (value === undefined) throw new CliUsageError(`option --${name} needs a value`);
      options.set(name, value);
    } else {
      throw new CliUsageError(`unknown option --${name}`);
    }
  }
  return { options, flags, positionals };
}
