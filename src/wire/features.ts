/**
 * @module wire/features
 * The BOLT 9 feature table, written by hand from `test/vectors/bolt/bolt09-features.json` (pinned BOLT
 * commit a3772650). `test/wire/features.test.ts` checks every row against that file.
 *
 * Spec: BOLT #9 (https://github.com/lightning/bolts/blob/master/09-features.md#assigned-features-flags).
 * Contexts: `I` init, `N` node_announcement, `C` channel_announcement (`C-` always odd, `C+` always
 * even), `9` BOLT 11 invoice, `B` blinded path allowed_features, `T` channel_type.
 * ASSUMED features have an empty context today; `legacyContext` keeps the context they had before, so
 * we can still set and accept them where older peers expect them (LDK requires several in `init`).
 * Does not: operate on bit vectors (see `feature-vector.ts`).
 */

/** One presentation context letter (or `C-`/`C+`). */
export type FeatureContext = 'I' | 'N' | 'C' | 'C-' | 'C+' | '9' | 'B' | 'T';

/** One assigned feature pair. */
export interface FeatureInfo {
  /** Spec name, e.g. `option_zeroconf`. */
  readonly name: string;
  /** The even (required) bit; the odd (optional) bit is `evenBit + 1`. */
  readonly evenBit: number;
  /** Where the spec lets it appear today. */
  readonly context: readonly FeatureContext[];
  /** Names of the features it depends on. */
  readonly dependencies: readonly string[];
  /** True for ASSUMED features (every node supports them). */
  readonly assumed: boolean;
  /** Context before the feature became ASSUMED or context-free (from the spec's git history). */
  readonly legacyContext?: readonly FeatureContext[];
}

const f = (
  name: string,
  evenBit: number,
  context: string,
  dependencies: string[] = [],
  assumed = false,
  legacyContext?: string,
): FeatureInfo => ({
  name,
  evenBit,
  context: [...context] as FeatureContext[],
  dependencies,
  assumed,
  ...(legacyContext === undefined ? {} : { legacyContext: [...legacyContext] as FeatureContext[] }),
});

/** Every assigned feature pair in BOLT 9 at the pinned commit, by even bit. */
export const FEATURES: readonly FeatureInfo[] = [
  f('option_data_loss_protect', 0, '', [], true, 'IN'),
  f('option_upfront_shutdown_script', 4, 'IN'),
  // Not ASSUMED, but context-free since 2024 ("peer has useful gossip to share"); still sent in init/node_announcement.
  f('gossip_queries', 6, '', [], false, 'IN'),
  f('var_onion_optin', 8, '', [], true, 'IN9'),
  f('gossip_queries_ex', 10, 'IN'),
  f('option_static_remotekey', 12, '', [], true, 'IN'),
  f('payment_secret', 14, '', [], true, 'IN9'),
  f('basic_mpp', 16, 'IN9', ['payment_secret']),
  f('option_support_large_channel', 18, 'IN'),
  f('option_anchors', 22, 'INT'),
  f('option_route_blinding', 24, 'IN9'),
  f('option_shutdown_anysegwit', 26, 'IN'),
  f('option_dual_fund', 28, 'IN'),
  f('option_quiesce', 34, 'IN'),
  f('option_attribution_data', 36, 'IN9'),
  f('option_onion_messages', 38, 'IN'),
  f('option_provide_storage', 42, 'IN'),
  f('option_channel_type', 44, '', [], true, 'IN'),
  f('option_scid_alias', 46, 'INT'),
  f('option_payment_metadata', 48, '9'),
  f('option_zeroconf', 50, 'INT', ['option_scid_alias']),
  f('option_simple_close', 60, 'IN', ['option_shutdown_anysegwit']),
  f('option_splice', 62, 'IN'),
];

/** Feature pair by spec name. */
export const FEATURE_BY_NAME: ReadonlyMap<string, FeatureInfo> = new Map(FEATURES.map((x) => [x.name, x]));

const FEATURE_BY_EVEN_BIT: ReadonlyMap<number, FeatureInfo> = new Map(FEATURES.map((x) => [x.evenBit, x]));

/** Feature pair by either of its bits. */
export function featureForBit(bit: number): FeatureInfo | undefined {
  return FEATURE_BY_EVEN_BIT.get(bit - (bit % 2));
}
