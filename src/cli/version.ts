/**
 * @module cli/version
 * `lnfleet version`: prints the package version, Node version and platform.
 * Does not: check dependencies (that is `lnfleet selftest`).
 */
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { CliUsageError, parseArgs } from './command.js';

/** The version in package.json (read once; dist/src/cli → ../../../package.json). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export const versionCommand: Command = {
  name: 'version',
  summary: 'print the lnfleet version',
  usage: 'usage: lnfleet version\n\nPrints the lnfleet version, the Node.js version and the platform.',
  async run(args, io) {
    if (parseArgs(args).positionals.length > 0) throw new CliUsageError('version takes no arguments');
    io.out(`lnfleet ${packageVersion()} (node ${process.version}, ${process.platform}-${process.arch})`);
    return 0;
  },
};
