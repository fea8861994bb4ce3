/**
 * @module config/load
 * The thin I/O shell around `resolveConfig`: reads the role's file (if any) and takes the env.
 *
 * Does not: watch the file (configuration is read once at start; restart to apply changes), or read
 * secrets such as `NODE_PRIV_KEY` (key providers do).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';
import { parseConfig, type LoadedConfig } from './resolve.js';
import type { Role } from './schema.js';

/** Options of `loadConfig`. */
export interface LoadOptions {
  /** The role's config file; no file means defaults + env only. */
  readonly file?: string;
  /** The environment; defaults to `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Loads and validates the configuration of `role`; throws `ConfigError` (code `CONFIG_IO` if the file cannot be read). */
export function loadConfig(role: Role, opts: LoadOptions = {}): LoadedConfig {
  let fileText: string | undefined;
  if (opts.file !== undefined) {
    try {
      fileText = readFileSync(opts.file, 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? 'read error';
      throw new ConfigError([{ code: 'CONFIG_IO', detail: `cannot read config file ${opts.file} (${why})` }], { cause: e });
    }
  }
  return parseConfig({ role, env: opts.env ?? process.env, ...(fileText === undefined ? {} : { fileText, fileName: opts.file }) });
}
