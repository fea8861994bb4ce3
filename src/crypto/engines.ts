/**
 * @module crypto/engines
 * Picks the secp256k1 engine once at start and says which one runs and why (`lnfleet selftest`).
 *
 * `auto` tries native → wasm → noble and takes the first that loads. An engine asked for by name
 * (argument or the `LNFLEET_SECP256K1_ENGINE` environment variable, which wins over the argument so an
 * operator can override the config on a board) must load, or selection throws: a silent fallback would
 * hide a 35× slowdown (DESIGN §12).
 *
 * Does not: run self checks (see `./selfcheck.ts`) or choose the AEAD engine (see `./aead.ts`).
 */
import { CryptoError } from './errors.js';
import type { EngineName, Secp256k1Engine } from './secp256k1.js';
import { loadNativeEngine } from './engine-native.js';
import { loadWasmEngine } from './engine-wasm.js';
import { loadNobleEngine } from './engine-noble.js';

/** What the caller may ask for. */
export type EnginePreference = 'auto' | EngineName;

/** Environment variable that overrides the configured engine preference. */
export const ENGINE_ENV_VAR = 'LNFLEET_SECP256K1_ENGINE';

/** Order `auto` tries engines in: fastest first (DESIGN §10: ~17.6 k, ~4 k, ~360 verify/s). */
export const AUTO_ORDER: readonly EngineName[] = ['native', 'wasm', 'noble'];

/** Which engine runs and why; printed by `lnfleet selftest`. */
export interface EngineReport {
  /** The engine in use. */
  readonly name: EngineName;
  /** What was asked for, after the environment override. */
  readonly requested: EnginePreference;
  /** Where the request came from. */
  readonly source: 'argument' | 'environment' | 'default';
  /** One human sentence: why this engine (e.g. "auto: native did not load (…), using wasm"). */
  readonly reason: string;
  /** Engines that were tried and failed, with the loader's message (no secrets involved). */
  readonly failed: readonly { readonly name: EngineName; readonly error: string }[];
}

const LOADERS: Record<EngineName, () => Secp256k1Engine> = {
  native: loadNativeEngine,
  wasm: loadWasmEngine,
  noble: loadNobleEngine,
};

let active: { engine: Secp256k1Engine; report: EngineReport } | undefined;

function parsePreference(value: string, source: string): EnginePreference {
  if (value === 'auto' || value === 'native' || value === 'wasm' || value === 'noble') return value;
  throw new CryptoError('unknownEngine', `${source}: unknown secp256k1 engine "${value}" (use auto, native, wasm or noble)`);
}

function describe(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message.split('\n')[0]}` : '';
  return `${e instanceof Error ? e.message : String(e)}${cause}`;
}

/**
 * Choose and remember the secp256k1 engine. `preference` defaults to `auto`; a non-empty
 * `env[LNFLEET_SECP256K1_ENGINE]` overrides it. Throws `CryptoError` (`engineUnavailable` or
 * `unknownEngine`) when a named engine cannot load or the name is wrong.
 */
export function selectEngine(preference?: EnginePreference, env: Readonly<Record<string, string | undefined>> = process.env): Secp256k1Engine {
  const fromEnv = env[ENGINE_ENV_VAR];
  const source: EngineReport['source'] = fromEnv ? 'environment' : preference !== undefined ? 'argument' : 'default';
  const requested = fromEnv ? parsePreference(fromEnv, ENGINE_ENV_VAR) : parsePreference(preference ?? 'auto', 'selectEngine');
  const failed: { name: EngineName; error: string }[] = [];
  if (requested !== 'auto') {
    const engine = LOADERS[requested](); // throws engineUnavailable: no silent fallback
    active = { engine, report: { name: requested, requested, source, reason: `${requested} requested (${source})`, failed } };
    return engine;
  }
  for (const name of AUTO_ORDER) {
    try {
      const engine = LOADERS[name]();
      const skipped = failed.map((f) => `${f.name} did not load (${f.error})`).join('; ');
      const reason = skipped ? `auto: ${skipped}; using ${name}` : `auto: ${name} loaded (fastest available)`;
      active = { engine, report: { name, requested, source, reason, failed } };
      return engine;
    } catch (e) {
      failed.push({ name, error: describe(e) });
    }
  }
  throw new CryptoError('engineUnavailable', `no secp256k1 engine loaded: ${failed.map((f) => `${f.name}: ${f.error}`).join('; ')}`);
}

/** The selected engine; selects with `auto` (and the environment override) on first use. */
export function activeEngine(): Secp256k1Engine {
  return (active ?? { engine: selectEngine() }).engine;
}

/** Name of the engine in use and why; selects one first if nobody has. */
export function engineReport(): EngineReport {
  if (active === undefined) selectEngine();
  return active!.report;
}

/** Load one named engine without making it the active one (tests, benchmarks, differential checks). */
export function loadEngine(name: EngineName): Secp256k1Engine {
  return LOADERS[name]();
}
