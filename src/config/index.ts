/**
 * @module config
 * Public surface of `src/config`: the schema table, the typed configuration, pure resolution from
 * text + env, the file loader, and the redacted dump. See each module's header for details.
 */
export { CONFIG_KEYS, ROLES, SCHEMA, SECRET_SOURCE_ENV, defaultFor, isConfigKey, specOf } from './schema.js';
export type { ConfigKey, ConfigValue, ConfigValues, KeySpec, Role } from './schema.js';
export { typeLabel, parseValue } from './types.js';
export type { HostPort, TypeSpec } from './types.js';
export { ConfigError, ConfigErrorCode, formatProblem, formatSource } from './errors.js';
export type { ConfigProblem, ConfigSource } from './errors.js';
export { confEnvForRole, parseConfig, resolveConfig } from './resolve.js';
export type { LoadedConfig, ResolveInput, ResolveResult } from './resolve.js';
export { loadConfig } from './load.js';
export type { LoadOptions } from './load.js';
export { REDACTED, describeConfig, describeSchemaMarkdown, displayValue, formatValue } from './describe.js';
export { parseConfEnv, parseConfigText } from './syntax.js';
