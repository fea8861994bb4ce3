/**
 * @module config/describe
 * Text views of the configuration: the effective config of a process with secrets redacted
 * (`describeConfig`, printed by `lnfleet config check` and at daemon start), and the schema table as
 * Markdown (`describeSchemaMarkdown`, printed by `lnfleet config describe` for docs/operations.md).
 *
 * Pure. Secret values are replaced by `<redacted>` before any string is built from them.
 */
import { formatSource } from './errors.js';
import type { LoadedConfig } from './resolve.js';
import { CONFIG_KEYS, ROLES, defaultFor, specOf, type ConfigKey } from './schema.js';
import { typeLabel, type HostPort } from './types.js';

/** What `describeConfig` prints instead of a secret that is set. */
export const REDACTED = '<redacted>';

function isHostPort(x: unknown): x is HostPort {
  return typeof x === 'object' && x !== null && 'host' in x && 'port' in x;
}

/** Config-file text of one value (host:port, comma lists, true/false). */
export function formatValue(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (isHostPort(value)) return value.host.includes(':') ? `[${value.host}]:${value.port}` : `${value.host}:${value.port}`;
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  return String(value);
}

/** The value of `key` as it may be shown: secrets that are set become `<redacted>`. */
export function displayValue(config: LoadedConfig, key: ConfigKey): string {
  const value: unknown = config.values[key];
  return specOf(key).secret === true && value !== undefined ? REDACTED : formatValue(value);
}

/**
 * The effective configuration of `config.role`, one `key = value` line per key the role uses, with
 * its source after `#`. Secrets are redacted.
 */
export function describeConfig(config: LoadedConfig): string {
  const keys = CONFIG_KEYS.filter((k) => specOf(k).roles.includes(config.role));
  const rows = keys.map((k) => [`${k} = ${displayValue(config, k)}`, formatSource(config.sources[k])] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return [
    `# effective configuration, role ${config.role} (secrets redacted)`,
    ...rows.map(([l, s]) => `${l.padEnd(width)}  # ${s}`),
  ].join('\n');
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

/** The schema as a Markdown table: key, type, default, roles, env, description. */
export function describeSchemaMarkdown(): string {
  const head = ['| key | type | default | roles | env | description |', '|---|---|---|---|---|---|'];
  const rows = CONFIG_KEYS.map((k) => {
    const s = specOf(k);
    const perRole = ROLES.filter((r) => s.roleDefaults?.[r] !== undefined).map((r) => `${r}: \`${defaultFor(k, r)}\``);
    const dflt = s.default === null ? '(unset)' : s.default === '' ? '(empty)' : `\`${s.default}\``;
    const type = s.type.kind === 'enum' ? s.type.values.join(' \\| ') : cell(typeLabel(s.type));
    const env = (s.env ?? []).map((e) => `\`${e}\``).join(', ');
    const doc = cell(s.doc) + (s.secret === true ? ' **Secret**: never printed.' : '');
    return `| \`${k}\` | ${type} | ${[dflt, ...perRole].join('; ')} | ${s.roles.join(', ')} | ${env} | ${doc} |`;
  });
  const notes = [
    '',
    'Precedence, lowest first: default, the role\'s file (`key = value` lines), `LNFLEET_CONF`',
    '(`a.b=value;c.d=value`), then the env vars listed above. `NODE_PRIV_KEY` is a secret source read by',
    'the key provider, never configuration.',
  ];
  return [...head, ...rows, ...notes].join('\n');
}
