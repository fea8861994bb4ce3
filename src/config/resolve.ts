/**
 * @module config/resolve
 * Turns file text + an env object into a validated, typed configuration, without any I/O.
 *
 * Precedence, lowest first: schema defaults (per role) < the role's file < `LNFLEET_CONF` < the
 * specific env vars of the schema (`BACKEND_IP`, `LOCAL_IP`, `NODE_PUB_KEY`,
 * `CLUSTER_TLS_PASSWORD`/`AKKA_TLS_PASSWORD`, …). Empty env vars count as unset (container tools pass
 * them empty). Env vars for keys the role does not use are ignored (they are ambient on a host); the
 * same keys in a file or `LNFLEET_CONF` are errors, as are unknown keys and a key set twice in one
 * source. An empty value unsets a key that has no default.
 *
 * `NODE_PRIV_KEY` is a secret *source* read by key providers, not configuration: it is never read here,
 * and trying to set the private key as a config key is refused with a pointer to the env var.
 *
 * Does not: read files (see `config/load`), or check that paths exist.
 */
import { ConfigError, type ConfigProblem, type ConfigSource } from './errors.js';
import { checkRules } from './rules.js';
import {
  CONFIG_KEYS, defaultFor, isConfigKey, specOf,
  type ConfigKey, type ConfigValue, type ConfigValues, type Role,
} from './schema.js';
import { suggestKey } from './suggest.js';
import { parseConfEnv, parseConfigText, splitEntries, type Assignment } from './syntax.js';
import { parseValue } from './types.js';

/** A validated configuration for one role. */
export interface LoadedConfig {
  readonly role: Role;
  /** Every key, typed: `values['cluster.port']` is a `number`. */
  readonly values: ConfigValues;
  /** Where each value came from. */
  readonly sources: { readonly [K in ConfigKey]: ConfigSource };
  /** Typed accessor, same as `values[key]`. */
  get<K extends ConfigKey>(key: K): ConfigValue<K>;
}

/** Inputs of `resolveConfig`: everything that `loadConfig` reads, as plain data. */
export interface ResolveInput {
  readonly role: Role;
  /** Text of the role's config file, if any. */
  readonly fileText?: string;
  /** Name used for that file in messages (default `config file`). */
  readonly fileName?: string;
  /** The environment (normally `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Outcome of `resolveConfig`. */
export type ResolveResult = { readonly ok: true; readonly config: LoadedConfig } | { readonly ok: false; readonly error: ConfigError };

/** Longest value text echoed in a message (values of secret keys are never echoed). */
const MAX_ECHO_CHARS = 60;

interface Chosen { raw: string; source: ConfigSource }

function unknownKey(a: Assignment): ConfigProblem {
  if (/priv(ate)?[-_.]?key|seed/i.test(a.key)) {
    return { code: 'CONFIG_UNKNOWN_KEY', key: a.key, source: a.source, detail: 'the node private key is not configuration: use node.key-provider (seed, env NODE_PRIV_KEY, aws-sm); remove this entry' };
  }
  const s = suggestKey(a.key);
  const hint = s === undefined ? '' : s.viaEnv !== undefined ? `; did you mean ${s.key} (env ${s.viaEnv} sets it)?` : `; did you mean ${s.key}?`;
  return { code: 'CONFIG_UNKNOWN_KEY', key: a.key, source: a.source, detail: `is not a configuration key${hint}` };
}

/** Applies one file or LNFLEET_CONF layer onto `chosen`. */
function applyLayer(role: Role, layer: readonly Assignment[], chosen: Map<ConfigKey, Chosen>, problems: ConfigProblem[]): void {
  const seen = new Map<string, ConfigSource>();
  for (const a of layer) {
    if (!isConfigKey(a.key)) {
      problems.push(unknownKey(a));
      continue;
    }
    const first = seen.get(a.key);
    if (first !== undefined) {
      const at = first.kind === 'file' ? `line ${first.line}` : first.kind === 'LNFLEET_CONF' ? `entry ${first.entry}` : 'before';
      problems.push({ code: 'CONFIG_DUPLICATE_KEY', key: a.key, source: a.source, detail: `is already set at ${at}; keep one` });
      continue;
    }
    seen.set(a.key, a.source);
    if (!specOf(a.key).roles.includes(role)) {
      problems.push({ code: 'CONFIG_WRONG_ROLE', key: a.key, source: a.source, detail: `is not used by role ${role} (used by ${specOf(a.key).roles.join(', ')}); remove it` });
      continue;
    }
    chosen.set(a.key, { raw: a.raw, source: a.source });
  }
}

/** Applies the specific env vars of the schema. Aliases of one key must agree if several are set. */
function applyEnv(role: Role, env: Readonly<Record<string, string | undefined>>, chosen: Map<ConfigKey, Chosen>, problems: ConfigProblem[]): void {
  for (const key of CONFIG_KEYS) {
    const spec = specOf(key);
    if (spec.env === undefined || !spec.roles.includes(role)) continue;
    const set = spec.env.filter((name) => (env[name] ?? '') !== '');
    const [first, ...others] = set;
    if (first === undefined) continue;
    const differing = others.filter((name) => env[name] !== env[first]);
    if (differing.length > 0) {
      problems.push({ code: 'CONFIG_CONFLICT', key, source: { kind: 'env', name: differing[0]! }, detail: `differs from env ${first}; set only one of ${spec.env.join(', ')}` });
    }
    chosen.set(key, { raw: env[first]!.trim(), source: { kind: 'env', name: first } });
  }
}

/** Parses each key's chosen text (or its default). */
function parseAll(role: Role, chosen: ReadonlyMap<ConfigKey, Chosen>, problems: ConfigProblem[]): { values: Record<string, unknown>; sources: Record<string, ConfigSource> } {
  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const key of CONFIG_KEYS) {
    const spec = specOf(key);
    const dflt = defaultFor(key, role);
    const c = chosen.get(key) ?? { raw: dflt, source: { kind: 'default' } as const };
    sources[key] = c.source;
    if (c.raw === null || (c.raw.trim() === '' && dflt === null)) {
      values[key] = undefined;
      continue;
    }
    if (c.raw.trim() === '' && spec.type.kind !== 'string' && spec.type.kind !== 'list') {
      problems.push({ code: 'CONFIG_INVALID_VALUE', key, source: c.source, detail: `is empty; remove it to use the default (${dflt})` });
      continue;
    }
    const r = parseValue(spec.type, c.raw);
    if (r.ok) {
      values[key] = r.value;
    } else {
      // URLs may carry credentials or tokens (userinfo, query): treated like secrets in messages.
      const shown = spec.secret === true || spec.type.kind === 'url' ? 'the value' : JSON.stringify(c.raw.length > MAX_ECHO_CHARS ? `${c.raw.slice(0, MAX_ECHO_CHARS)}…` : c.raw);
      problems.push({ code: 'CONFIG_INVALID_VALUE', key, source: c.source, detail: `${shown} ${r.problem}` });
    }
  }
  return { values, sources };
}

/** Validates everything and returns the typed config, or a `ConfigError` listing every problem. */
export function resolveConfig(input: ResolveInput): ResolveResult {
  const { role } = input;
  const env = input.env ?? {};
  const problems: ConfigProblem[] = [];
  const chosen = new Map<ConfigKey, Chosen>();
  if (input.fileText !== undefined) {
    const f = parseConfigText(input.fileText, input.fileName ?? 'config file');
    problems.push(...f.problems);
    applyLayer(role, f.assignments, chosen, problems);
  }
  const conf = env.LNFLEET_CONF;
  if (conf !== undefined && conf.trim() !== '') {
    const c = parseConfEnv(conf);
    problems.push(...c.problems);
    applyLayer(role, c.assignments, chosen, problems);
  }
  applyEnv(role, env, chosen, problems);
  const { values, sources } = parseAll(role, chosen, problems);
  // Safe: parseAll filled every key with a value parsed by the spec of that key (or undefined where
  // the key has no default); the casts are the one place the table's typing meets the runtime.
  const v = values as ConfigValues;
  const src = sources as { [K in ConfigKey]: ConfigSource };
  if (problems.length === 0) problems.push(...checkRules({ role, v, src }));
  const [first, ...rest] = problems;
  if (first !== undefined) return { ok: false, error: new ConfigError([first, ...rest]) };
  const config: LoadedConfig = Object.freeze({ role, values: Object.freeze(v), sources: Object.freeze(src), get: <K extends ConfigKey>(key: K) => v[key] });
  return { ok: true, config };
}

/** Like `resolveConfig`, but throws the `ConfigError`. */
export function parseConfig(input: ResolveInput): LoadedConfig {
  const r = resolveConfig(input);
  if (!r.ok) throw r.error;
  return r.config;
}

/**
 * `LNFLEET_CONF` as role `role` should see it when one environment starts several roles (`lnfleet dev`
 * gives every child the operator's environment): an entry setting a known key of other roles only is
 * emptied, so it is not that role's error, and the remaining entries keep their numbers in messages.
 * Everything else stays for the role to report: unknown keys, broken entries, duplicates.
 */
export function confEnvForRole(value: string, role: Role): string {
  return splitEntries(value)
    .map((text) => {
      const key = text.slice(0, Math.max(0, text.indexOf('='))).trim();
      return isConfigKey(key) && !specOf(key).roles.includes(role) ? '' : text;
    })
    .join(';');
}
