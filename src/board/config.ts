/**
 * @module board/config
 * Reads only the few keys the `lnfleet board` commands need (`front.health-listen`, `board.health.*`,
 * `board.gpio.*`),
 * with the same precedence as `src/config` (default < file < LNFLEET_CONF < the key's env vars) and
 * the same per-type parsers.
 *
 * Why not `loadConfig('front')`: that validates the whole front configuration, including cross-key
 * rules such as "ca mode needs cluster.tls.*". keepalived's notify hook must light the right LED even
 * on a board whose unrelated keys are incomplete, and `board status` must work on a bare dev box.
 * Problems in *these* keys are still errors (a `ConfigError` naming key and source).
 *
 * Does not: check role membership, duplicates or unknown keys in the file (`lnfleet config check` and
 * the front itself do), or read secrets.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR } from '../deploy/constants.js';
import {
  ConfigError, defaultFor, parseConfEnv, parseConfigText, parseValue, specOf,
  type ConfigKey, type ConfigProblem, type ConfigSource, type ConfigValue, type LoadedConfig,
} from '../config/index.js';

/** The keys `lnfleet board` reads. */
export const BOARD_CLI_KEYS = [
  'front.health-listen', 'board.health.interval-ms', 'board.health.max-cpu-temp-c', 'board.health.max-load',
  'board.health.max-mem-percent', 'board.health.max-disk-percent',
  // The notify hook drives the pins itself when the front is not running (cli/board.ts).
  'board.gpio.enabled', 'board.gpio.led-ok', 'board.gpio.led-warn', 'board.gpio.led-fault', 'board.gpio.status-pin',
  'board.gpio.active-low',
] as const satisfies readonly ConfigKey[];

/** The front's config file when `--file` is not given (where the image installs it; the unit reads it too). */
export const DEFAULT_FRONT_CONFIG = join(CONFIG_DIR, 'front.conf');

/** Where to read from. */
export interface BoardConfigInput {
  /** Config file; when undefined, `DEFAULT_FRONT_CONFIG` is used if it exists. */
  readonly file?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'read error';
    throw new ConfigError([{ code: 'CONFIG_IO', detail: `cannot read config file ${file} (${why})` }], { cause: e });
  }
}

/**
 * Resolves `BOARD_CLI_KEYS` for role front. `get` of any other key throws (a programming error).
 * Throws `ConfigError` if one of these keys has a bad value.
 */
export function readBoardConfig(input: BoardConfigInput): Pick<LoadedConfig, 'get'> {
  const file = input.file ?? (existsSync(DEFAULT_FRONT_CONFIG) ? DEFAULT_FRONT_CONFIG : undefined);
  const chosen = new Map<string, { raw: string; source: ConfigSource }>();
  if (file !== undefined) for (const a of parseConfigText(readText(file), file).assignments) chosen.set(a.key, a);
  const conf = input.env.LNFLEET_CONF;
  if (conf !== undefined && conf.trim() !== '') for (const a of parseConfEnv(conf).assignments) chosen.set(a.key, a);
  const values = new Map<string, unknown>();
  const problems: ConfigProblem[] = [];
  for (const key of BOARD_CLI_KEYS) {
    const spec = specOf(key);
    const envName = spec.env?.find((n) => (input.env[n] ?? '') !== '');
    const c = envName !== undefined
      ? { raw: input.env[envName]!.trim(), source: { kind: 'env', name: envName } as const }
      : chosen.get(key) ?? { raw: defaultFor(key, 'front'), source: { kind: 'default' } as const };
    if (c.raw === null) { values.set(key, undefined); continue; } // unset key without a default (a GPIO pin)
    const r = parseValue(spec.type, c.raw.trim());
    if (r.ok) values.set(key, r.value);
    else problems.push({ code: 'CONFIG_INVALID_VALUE', key, source: c.source, detail: `${JSON.stringify(c.raw)} ${r.problem}` });
  }
  const [first, ...rest] = problems;
  if (first !== undefined) throw new ConfigError([first, ...rest]);
  return {
    get<K extends ConfigKey>(key: K): ConfigValue<K> {
      if (!values.has(key)) throw new Error(`readBoardConfig does not resolve ${key}`);
      return values.get(key) as ConfigValue<K>;
    },
  };
}
