/**
 * @module config/suggest
 * "Did you mean …?" for unknown configuration keys: case and `_` slips, a missing prefix
 * (`port` → `cluster.port`), env var names written as keys (`BACKEND_IP`), and small typos
 * (Levenshtein distance ≤ 3).
 *
 * Pure. Does not: decide whether an unknown key is an error (it always is; see `config/resolve`).
 */
import { CONFIG_KEYS, SCHEMA, isConfigKey, type ConfigKey } from './schema.js';

/** Largest edit distance still offered as a suggestion; beyond it suggestions are mostly noise. */
const MAX_SUGGESTION_DISTANCE = 3;

/** Levenshtein distance of two short strings (keys are < 40 characters). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The key the user most likely meant, with a hint for env names; `undefined` if nothing is close. */
export function suggestKey(given: string): { key: ConfigKey; viaEnv?: string } | undefined {
  const viaEnv = CONFIG_KEYS.find((k) => (SCHEMA[k] as { env?: readonly string[] }).env?.includes(given.toUpperCase()));
  if (viaEnv !== undefined) return { key: viaEnv, viaEnv: given.toUpperCase() };
  const norm = given.toLowerCase().replace(/_/g, '-');
  if (isConfigKey(norm)) return { key: norm };
  const suffix = CONFIG_KEYS.filter((k) => k.endsWith(`.${norm}`));
  if (suffix.length === 1) return { key: suffix[0]! };
  let best: { key: ConfigKey; d: number } | undefined;
  for (const key of CONFIG_KEYS) {
    const d = distance(norm, key);
    if (d <= MAX_SUGGESTION_DISTANCE && (best === undefined || d < best.d)) best = { key, d };
  }
  return best === undefined ? undefined : { key: best.key };
}
