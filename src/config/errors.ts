/**
 * @module config/errors
 * Where a configuration value came from (`ConfigSource`) and the one error type of `src/config`.
 *
 * A `ConfigError` carries every problem found in one pass (an operator fixes them all at once); its
 * `code` is the code of the first problem, and each problem has its own code, key, source and text.
 * Messages name the key, the source (file:line, LNFLEET_CONF entry, env NAME) and the problem, and
 * never contain a secret value: the resolver only echoes values of non-secret keys.
 *
 * Does not: print or log (the CLI and daemons do).
 */
import { LnfleetError } from '../errors.js';

/** Where a value came from, in increasing precedence. */
export type ConfigSource =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'LNFLEET_CONF'; readonly entry: number }
  | { readonly kind: 'env'; readonly name: string };

/** Human form of a source: `front.conf:12`, `LNFLEET_CONF entry 2`, `env BACKEND_IP`, `default`. */
export function formatSource(s: ConfigSource): string {
  switch (s.kind) {
    case 'default': return 'default';
    case 'file': return `${s.file}:${s.line}`;
    case 'LNFLEET_CONF': return `LNFLEET_CONF entry ${s.entry}`;
    case 'env': return `env ${s.name}`;
  }
}

/** Stable codes of configuration problems. */
export const ConfigErrorCode = {
  /** A line or LNFLEET_CONF entry is not `key = value`, or a quote is unterminated. */
  syntax: 'CONFIG_SYNTAX',
  /** The key is not in the schema. */
  unknownKey: 'CONFIG_UNKNOWN_KEY',
  /** The key is set twice in the same source. */
  duplicateKey: 'CONFIG_DUPLICATE_KEY',
  /** The key exists but the role being loaded does not use it. */
  wrongRole: 'CONFIG_WRONG_ROLE',
  /** The value does not parse as the key's type or is out of range. */
  invalidValue: 'CONFIG_INVALID_VALUE',
  /** A key required by another key's value is unset. */
  missing: 'CONFIG_MISSING',
  /** Two settings contradict each other. */
  conflict: 'CONFIG_CONFLICT',
  /** The config file could not be read. */
  io: 'CONFIG_IO',
} as const;
/** One of the `ConfigErrorCode` values. */
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One problem: what is wrong, with which key, set where. */
export interface ConfigProblem {
  readonly code: ConfigErrorCode;
  readonly key?: string;
  readonly source?: ConfigSource;
  /** What is wrong and, where possible, what to do. Never contains a secret. */
  readonly detail: string;
}

/** One line for a problem: `cluster.port (front.conf:3): must be between 1 and 65535`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.source === undefined ? '' : ` (${formatSource(p.source)})`;
  const subject = p.key ?? (p.source === undefined ? 'config' : formatSource(p.source));
  return p.key === undefined ? `${subject}: ${p.detail}` : `${subject}${where}: ${p.detail}`;
}

/** The configuration could not be loaded; `problems` lists everything found. */
export class ConfigError extends LnfleetError<ConfigErrorCode> {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly [ConfigProblem, ...ConfigProblem[]], options?: { cause?: unknown }) {
    const lines = problems.map(formatProblem);
    super(problems[0].code, problems.length === 1 ? `invalid configuration: ${lines[0]}` : `invalid configuration (${problems.length} problems):\n  ${lines.join('\n  ')}`, options);
    this.problems = problems;
  }

  /** The key of the first problem, if it concerns one key. */
  get key(): string | undefined {
    return this.problems[0]?.key;
  }

  /** The source of the first problem. */
  get source(): ConfigSource | undefined {
    return this.problems[0]?.source;
  }
}
