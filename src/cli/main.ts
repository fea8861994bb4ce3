#!/usr/bin/env node
/**
 * @module cli/main
 * The `lnfleet` command: one entry point for every role and tool.
 *
 * Tour: `lnfleet <command> [args]` looks the command up in its table and imports only that command, answers `--help` (globally and
 * per command), runs it and exits with its code. Usage errors exit 2 with the command's usage; any other
 * `LnfleetError` exits 1 with its code and message; anything else is a bug and prints a stack.
 *
 * Does not: parse config (each command does, through `src/config`), or hold daemon logic.
 */
import { CliUsageError, type CliIo, type Command } from './command.js';
import { LnfleetError } from '../errors.js';

/**
 * Every subcommand by name, in the order `lnfleet --help` lists them. Each is imported only when it
 * runs: a daemon started by systemd loads its own modules and not every tool's (a board's front and
 * first boot start several times faster under emulation, docs/boards.md "Boot time").
 */
const LOADERS: readonly (readonly [name: string, load: () => Promise<Command>])[] = [
  ['dev', async () => (await import('./dev.js')).devCommand],
  ['back', async () => (await import('./back.js')).backCommand],
  ['front', async () => (await import('./front.js')).frontCommand],
  ['status', async () => (await import('./api-client.js')).statusCommand],
  ['peers', async () => (await import('./api-client.js')).peersCommand],
  ['connect', async () => (await import('./api-client.js')).connectCommand],
  ['disconnect', async () => (await import('./api-client.js')).disconnectCommand],
  ['channels', async () => (await import('./channels.js')).channelsCommand],
  ['open', async () => (await import('./channels.js')).openCommand],
  ['close', async () => (await import('./channels.js')).closeCommand],
  ['provision', async () => (await import('./provision.js')).provisionCommand],
  ['config', async () => (await import('./config.js')).configCommand],
  ['gen', async () => (await import('./gen.js')).genCommand],
  ['board', async () => (await import('./board.js')).boardCommand],
  ['selftest', async () => (await import('./selftest.js')).selftestCommand],
  ['version', async () => (await import('./version.js')).versionCommand],
];

/** The command names, in help order. */
export const COMMAND_NAMES: readonly string[] = LOADERS.map(([n]) => n);

/** Imports every command (global `--help` and tests); rejects a table entry whose command has another name. */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(LOADERS.map(([name]) => loadCommand(name) as Promise<Command>));
}

async function loadCommand(name: string): Promise<Command | undefined> {
  const entry = LOADERS.find(([n]) => n === name);
  if (entry === undefined) return undefined;
  const cmd = await entry[1]();
  if (cmd.name !== name) throw new Error(`cli/main: table entry ${name} loads command ${cmd.name}`);
  return cmd;
}

function globalUsage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: lnfleet <command> [options]   (lnfleet <command> --help for details)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script path); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(globalUsage(await loadCommands()));
    return name === undefined ? 2 : 0;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`lnfleet: unknown command '${name}'\n\n${globalUsage(await loadCommands())}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.helpFor?.(rest) ?? cmd.usage);
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
