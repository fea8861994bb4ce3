/**
 * @module wire/feature-vector
 * Feature bit vectors (BOLT 9): parse from bytes, set/test bits, minimal encoding, and the receiver
 * checks: unknown required (even) bits, missing dependencies, bits outside their context, channel_type.
 *
 * Spec: BOLT #9 (https://github.com/lightning/bolts/blob/master/09-features.md) and BOLT #1 "The init Message".
 * Bits count from the least-significant bit of the LAST byte (big-endian bitmap).
 * Does not: decide what we support (the caller passes its own table) or negotiate channel types.
 */
import { WireDecodeError, WireEncodeError } from './errors.js';
import type { FeatureContext, FeatureInfo } from './features.js';
import { FEATURE_BY_NAME, FEATURES, featureForBit } from './features.js';

/** How a feature is offered: `required` (even bit; wins if both are set), `optional` (odd bit only). */
export type FeatureSupport = 'required' | 'optional';

/**
 * Is `bit` set in the big-endian feature bitmap `b`? Reads the bitmap in place, for hot paths that test one
 * bit of a peer's `init` (a `FeatureVector` builds a set of every bit first).
 */
export function bitmapHas(b: Uint8Array, bit: number): boolean {
  const i = b.length - 1 - (bit >> 3);
  return i >= 0 && (b[i]! & (1 << (bit & 7))) !== 0;
}

/** A set of feature bits. Mutable with `set`/`clear`; `toBytes()` gives the minimal encoding. */
export class FeatureVector {
  private readonly on = new Set<number>();

  /** From a big-endian feature bitmap (any length, leading zero bytes allowed). */
  static fromBytes(b: Uint8Array): FeatureVector {
    const v = new FeatureVector();
    for (let i = 0; i < b.length; i++) {
      const byte = b[b.length - 1 - i]!;
      for (let j = 0; j < 8; j++) if (byte & (1 << j)) v.on.add(i * 8 + j);
    }
    return v;
  }

  /** From a list of bit numbers. */
  static fromBits(bits: Iterable<number>): FeatureVector {
    const v = new FeatureVector();
    for (const b of bits) v.set(b);
    return v;
  }

  /** The bitwise OR of several vectors (BOLT 1: globalfeatures | features in init). */
  static union(...vs: FeatureVector[]): FeatureVector {
    return FeatureVector.fromBits(vs.flatMap((v) => v.bits()));
  }

  /** Is this bit set? */
  has(bit: number): boolean {
    return this.on.has(bit);
  }

  /** Sets a bit. */
  set(bit: number): this {
    if (!Number.isInteger(bit) || bit < 0 || bit > 0xffff * 8) throw new WireEncodeError(`bad feature bit ${bit}`);
    this.on.add(bit);
    return this;
  }

  /** Clears a bit. */
  clear(bit: number): this {
    this.on.delete(bit);
    return this;
  }

  /** Set bits, ascending. */
  bits(): number[] {
    return [...this.on].sort((a, b) => a - b);
  }

  // BOLT #9: The receiving node:
  //   * if both the optional and the mandatory feature bits in a pair are set,
  //   the feature should be treated as mandatory.
  /** How the pair containing `bit` (or named feature) is offered, if at all. */
  support(feature: number | string): FeatureSupport | undefined {
    const even = typeof feature === 'string' ? FEATURE_BY_NAME.get(feature)?.evenBit : feature - (feature % 2);
    if (even === undefined) throw new WireEncodeError(`unknown feature ${feature}`);
    return this.on.has(even) ? 'required' : this.on.has(even + 1) ? 'optional' : undefined;
  }

  /** Minimal big-endian encoding (no leading zero bytes; empty when no bits are set). */
  toBytes(): Uint8Array {
    const bits = this.bits();
    const len = bits.length === 0 ? 0 : Math.floor(bits[bits.length - 1]! / 8) + 1;
    const out = new Uint8Array(len);
    for (const b of bits) out[len - 1 - Math.floor(b / 8)]! |= 1 << b % 8;
    return out;
  }
}

/**
 * Even bits set whose pair is not in `known` (default: every BOLT 9 feature). BOLT 1: "upon receiving
 * unknown _even_ feature bits that are non-zero: MUST close the connection".
 */
export function unknownRequiredBits(v: FeatureVector, known: readonly FeatureInfo[] = FEATURES): number[] {
  const evens = new Set(known.map((k) => k.evenBit));
  return v.bits().filter((b) => b % 2 === 0 && !evens.has(b));
}

/** Throws `WireDecodeError('unknownRequiredFeature')` if {@link unknownRequiredBits} finds any. */
export function assertNoUnknownRequired(v: FeatureVector, known: readonly FeatureInfo[] = FEATURES): void {
  const bad = unknownRequiredBits(v, known);
  if (bad.length > 0) throw new WireDecodeError('unknownRequiredFeature', `unknown required feature bit(s) ${bad.join(', ')}`);
}

/** A feature that is set while one of its dependencies is not. */
export interface MissingDependency {
  readonly feature: string;
  readonly missing: string;
}

// BOLT #1: - if the feature vector does not set all known, transitive dependencies:
//     - MUST close the connection.
/**
 * Dependencies not met. An ASSUMED dependency counts as met unless `strictAssumed` is set: every node
 * supports it, so a peer that omits it (e.g. `payment_secret` under `basic_mpp`) is not wrong in practice.
 */
export function missingDependencies(v: FeatureVector, opts: { strictAssumed?: boolean } = {}): MissingDependency[] {
  const out: MissingDependency[] = [];
  for (const feat of FEATURES) {
    if (v.support(feat.evenBit) === undefined) continue;
    for (const dep of transitive(feat)) {
      const d = FEATURE_BY_NAME.get(dep)!;
      if (v.support(d.evenBit) === undefined && (opts.strictAssumed || !d.assumed)) out.push({ feature: feat.name, missing: dep });
    }
  }
  return out;
}

function transitive(feat: FeatureInfo, seen = new Set<string>()): string[] {
  for (const d of feat.dependencies) {
    if (!seen.has(d)) {
      seen.add(d);
      transitive(FEATURE_BY_NAME.get(d)!, seen);
    }
  }
  return [...seen];
}

// BOLT #9: * MUST NOT set feature bits in fields not specified by the table above.
/**
 * Known bits set that the spec does not allow in `ctx`. ASSUMED and context-free features are accepted
 * in their `legacyContext` unless `strict` (older peers still send them; LDK insists on some in init).
 * `C-`/`C+` restrict which bit of the pair may appear. Unknown bits are not reported here.
 */
export function bitsOutOfContext(v: FeatureVector, ctx: 'I' | 'N' | 'C' | '9' | 'B' | 'T', opts: { strict?: boolean } = {}): number[] {
  return v.bits().filter((bit) => {
    const feat = featureForBit(bit);
    if (!feat) return false;
    const ctxs: readonly FeatureContext[] = opts.strict ? feat.context : [...feat.context, ...(feat.legacyContext ?? [])];
    if (ctx !== 'C') return !ctxs.includes(ctx);
    if (ctxs.includes('C')) return false;
    if (ctxs.includes('C-')) return bit % 2 === 0;
    if (ctxs.includes('C+')) return bit % 2 === 1;
    return true;
  });
}

// BOLT #2: Channel types are an explicit enumeration: for convenience of future
// definitions they reuse even feature bits, but they are not an
// arbitrary combination (they represent the persistent features which
// affect the channel operation).
//
// The basic types are static_remotekey (12) and anchors (22 + 12); each may add scid_alias (46) and/or zeroconf (50).
const CHANNEL_TYPE_BASES = [[12], [12, 22]];
const CHANNEL_TYPE_VARIATIONS = [46, 50];

/**
 * Checks a `channel_type` (BOLT 2 open_channel TLV): minimal encoding and one of the defined types.
 * Throws `WireDecodeError` (`nonCanonical` / `invalidValue`); returns the set bits, ascending.
 */
export function parseChannelType(b: Uint8Array): number[] {
  if (b.length > 0 && b[0] === 0) throw new WireDecodeError('nonCanonical', 'channel_type has a leading zero byte');
  const bits = FeatureVector.fromBytes(b).bits();
  const base = bits.filter((bit) => !CHANNEL_TYPE_VARIATIONS.includes(bit));
  if (!CHANNEL_TYPE_BASES.some((t) => t.length === base.length && t.every((x, i) => x === base[i]))) {
    throw new WireDecodeError('invalidValue', `channel_type bits ${bits.join(', ')} are not a defined channel type`);
  }
  return bits;
}
