#!/usr/bin/env node
/**
 * @module cli/main
 * The `lnfleet` command: one entry point for every role and tool.
 *
 * Tour: `lnfleet <command> [args]` looks the command up in `COMMANDS`, answers `--help` (globally and
 * per command), runs it and exits with its code. Usage errors exit 2 with the command's usage; any other
 * `LnfleetError` exits 1 with its code and message; anything else is a bug and prints a stack.
 *
 * Does not: parse config (each command does, through `src/config`), or hold daemon logic.
 */
import { CliUsageError, type CliIo, type Command } from './command.js';
import { LnfleetError } from '../errors.js';
import { versionCommand } from './version.js';
import { selftestCommand } from './selftest.js';
import { provisionCommand } from './provision.js';
import { configCommand } from './config.js';
import { genCommand } from './gen.js';
import { boardCommand } from './board.js';
import { backCommand } from './back.js';
import { frontCommand } from './front.js';
import { devCommand } from './dev.js';
import { connectCommand, disconnectCommand, peersCommand, statusCommand } from './api-client.js';
import { channelsCommand, closeCommand, openCommand } from './channels.js';

/** Every subcommand, in the order `lnfleet --help` lists them. */
export const COMMANDS: readonly Command[] = [
  devCommand,
  backCommand,
  frontCommand,
  statusCommand,
  peersCommand,
  connectCommand,
  disconnectCommand,
  channelsCommand,
  openCommand,
  closeCommand,
  provisionCommand,
  configCommand,
  genCommand,
  boardCommand,
  selftestCommand,
  versionCommand,
];

function globalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: lnfleet <command> [options]   (lnfleet <command> --help for details)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script path); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(globalUsage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`lnfleet: unknown command '${name}'\n\n${globalUsage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(`lnfleet ${cmd.name}: ${e.message}\n\n${cmd.usage}`);
      return 2;
    }
    if (e instanceof LnfleetError) {
      io.err(`lnfleet ${cmd.name}: [${e.code}] ${e.message}`);
      return 1;
    }
    throw e;
  }
}

// A closed pipe (`lnfleet … | head`) is not an error worth a stack trace.
for (const s of [process.stdout, process.stderr]) {
  s.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); else throw e; });
}

// A daemon started by `lnfleet dev` (or any supervisor) with an IPC channel stops cleanly when its parent
// goes away, even if the parent was killed outright: losing the channel counts as a SIGTERM.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

const stdio: CliIo = { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') };

// Run only when executed directly (tests import `main`).
const invokedAs = process.argv[1] ?? '';
if (invokedAs.endsWith('/cli/main.js') || invokedAs.endsWith('/lnfleet')) {
  main(process.argv.slice(2), stdio).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { console.error(e); process.exitCode = 70; },
  );
}
