/**
 * @module channel/shachain
 * Per-commitment secrets: generation from a seed (`generate_from_seed`) and the compact storage of the
 * secrets a peer reveals (49 buckets, `insert_secret` / `derive_old_secret`), BOLT 3 "Per-commitment
 * Secret Requirements" and "Efficient Per-commitment Secret Storage".
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#efficient-per-commitment-secret-storage
 *
 * Indexes are 48-bit integers held in `number` (exact up to 2^53); the first secret is index 2^48 - 1
 * and the index counts down. Commitment number n uses index 2^48 - 1 - n.
 *
 * Does not: persist anything (callers save {@link PerCommitmentSecretStore.entries} and restore with
 * {@link PerCommitmentSecretStore.fromEntries}, or keep the plain entry list themselves and use
 * {@link insertSecretEntry} / {@link deriveSecretFromEntries}, as the commitments ledger does), or check a secret against a `per_commitment_point`
 * (BOLT 2 `revoke_and_ack` does that with `./keys.ts`).
 */
import { sha256 } from '../crypto/hash.js';
import { COMMITMENT_NUMBER_BITS, MAX_COMMITMENT_INDEX } from './constants.js';
import { ChannelTxError, expectBytes } from './errors.js';

/** Secret length in bytes. */
const SECRET_BYTES = 32;
/** Number of storage buckets: one per possible count of trailing zero bits (0..48). */
export const SHACHAIN_BUCKETS = COMMITMENT_NUMBER_BITS + 1;

function expectIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_COMMITMENT_INDEX) {
    throw new ChannelTxError('invalidIndex', `per-commitment index must be an integer in 0..2^48-1, got ${index}`);
  }
}

/** Bit `b` (0 = least significant) of a 48-bit index held in a number (bitwise operators are 32-bit). */
function bitSet(index: number, b: number): boolean {
  return Math.floor(index / 2 ** b) % 2 === 1;
}

/** `index` with its low `bits` bits cleared. */
function maskLow(index: number, bits: number): number {
  return index - (index % 2 ** bits);
}

/** `derive_secret(base, bits, I)`: the I'th secret from a base whose index agrees with I on bits..47. */
function deriveSecret(base: Uint8Array, bits: number, index: number): Uint8Array {
  let p: Uint8Array = Uint8Array.from(base);
  for (let b = bits - 1; b >= 0; b--) {
    if (!bitSet(index, b)) continue;
    // BOLT #3: Where "flip(B)" alternates the (B mod 8) bit of the (B div 8)
    // byte of the value.
    p[b >> 3]! ^= 1 << (b & 7);
    const next = sha256(p);
    p.fill(0);
    p = next;
  }
  return p;
}

/**
 * The secret with index `index` generated from `seed` (`generate_from_seed`). Commitment number n
 * uses `index = 2^48 - 1 - n`.
 */
export function generateFromSeed(seed: Uint8Array, index: number): Uint8Array {
  expectBytes(seed, SECRET_BYTES, 'seed');
  expectIndex(index);
  // BOLT #3: The I'th secret P:
  // - MUST match the output of this algorithm:
  return deriveSecret(seed, COMMITMENT_NUMBER_BITS, index);
}

/** The index used for commitment number `commitmentNumber` (0 for the first commitment). */
export function commitmentIndex(commitmentNumber: number): number {
  expectIndex(commitmentNumber);
  // BOLT #3: The first secret used:
  // - MUST be index 281474976710655,
  // - and from there, the index is decremented.
  return MAX_COMMITMENT_INDEX - commitmentNumber;
}

/** `where_to_put_secret(I)`: the number of trailing zero bits of I (48 for I = 0, the seed). */
export function whereToPutSecret(index: number): number {
  expectIndex(index);
  for (let b = 0; b < COMMITMENT_NUMBER_BITS; b++) if (bitSet(index, b)) return b;
  return COMMITMENT_NUMBER_BITS;
}

/** One stored secret: its index and value. */
export interface ShachainEntry {
  readonly index: number;
  readonly secret: Uint8Array;
}

/**
 * The compact store of the secrets a peer revealed: at most 49 (index, secret) pairs, from which every
 * received secret can be derived. Mutable; not thread-shared. Secrets must arrive in order
 * 2^48-1, 2^48-2, … (one per revoked commitment).
 */
export class PerCommitmentSecretStore {
  readonly #known: (ShachainEntry | undefined)[] = new Array<ShachainEntry | undefined>(SHACHAIN_BUCKETS).fill(undefined);
  #lowest: number | undefined;

  /** The smallest index inserted so far (`undefined` when empty). */
  get lowestIndex(): number | undefined {
    return this.#lowest;
  }

  /** The index the next {@link insert} must use. */
  get nextIndex(): number {
    return this.#lowest === undefined ? MAX_COMMITMENT_INDEX : this.#lowest - 1;
  }

  /**
   * `insert_secret(secret, I)`. Throws `secretOutOfOrder` unless `index` is {@link nextIndex} (the
   * first insert may start anywhere, e.g. when restoring), and `secretMismatch` if the secret does not
   * derive the secrets already stored (they were not generated from the same seed). The store is
   * unchanged when it throws.
   */
  insert(index: number, secret: Uint8Array): void {
    expectIndex(index);
    expectBytes(secret, SECRET_BYTES, 'per_commitment_secret');
    if (this.#lowest !== undefined && index !== this.#lowest - 1) {
      throw new ChannelTxError('secretOutOfOrder', `expected the secret for index ${this.#lowest - 1}, got index ${index}`);
    }
    const bucket = whereToPutSecret(index);
    // BOLT #3: A double-check, that all previous secrets derive correctly, is needed;
    // if this check fails, the secrets were not generated from the same seed:
    //
    // The spec's pseudocode writes `for b in 0 to B`; bucket B itself is the slot being replaced (its
    // index has a different prefix), so only the buckets below B are checked, as LDK and CLN do.
    for (let b = 0; b < bucket; b++) {
      const known = this.#known[b];
      if (known === undefined) continue;
      const derived = deriveSecret(secret, bucket, known.index);
      const same = equal(derived, known.secret);
      derived.fill(0);
      if (!same) throw new ChannelTxError('secretMismatch', `the secret for index ${index} does not derive the secret for index ${known.index}`);
    }
    this.#known[bucket]?.secret.fill(0);
    this.#known[bucket] = { index, secret: Uint8Array.from(secret) };
    this.#lowest = index;
  }

  /**
   * `derive_old_secret(I)`: the secret for any index received so far. Throws `secretUnknown` if
   * `index` was not received yet (its commitment is not revoked).
   */
  derive(index: number): Uint8Array {
    expectIndex(index);
    for (let b = 0; b < SHACHAIN_BUCKETS; b++) {
      const known = this.#known[b];
      // BOLT #3: the mask and compare simply checks if the index
      // at each bucket is a prefix of the desired index.
      if (known !== undefined && maskLow(index, b) === known.index) return deriveSecret(known.secret, b, index);
    }
    throw new ChannelTxError('secretUnknown', `index ${index} hasn't been received yet`);
  }

  /** The stored (index, secret) pairs, for persistence. The secrets are copies. */
  entries(): ShachainEntry[] {
    return this.#known.filter((e): e is ShachainEntry => e !== undefined).map((e) => ({ index: e.index, secret: Uint8Array.from(e.secret) }));
  }

  /**
   * Rebuilds a store from {@link entries}. Entries are re-inserted from the highest index down, so a
   * corrupted set fails with `secretMismatch` like a lying peer would.
   */
  static fromEntries(entries: readonly ShachainEntry[]): PerCommitmentSecretStore {
    const store = new PerCommitmentSecretStore();
    const sorted = [...entries].sort((a, b) => b.index - a.index);
    for (const e of sorted) {
      expectIndex(e.index);
      expectBytes(e.secret, SECRET_BYTES, 'stored secret');
      const bucket = whereToPutSecret(e.index);
      if (store.#known[bucket] !== undefined) throw new ChannelTxError('invalidInput', `two stored secrets share bucket ${bucket}`);
      for (let b = 0; b < bucket; b++) {
        const known = store.#known[b];
        if (known !== undefined && !equal(deriveSecret(e.secret, bucket, known.index), known.secret)) {
          throw new ChannelTxError('secretMismatch', `stored secret ${e.index} does not derive stored secret ${known.index}`);
        }
      }
      store.#known[bucket] = { index: e.index, secret: Uint8Array.from(e.secret) };
      store.#lowest = store.#lowest === undefined ? e.index : Math.min(store.#lowest, e.index);
    }
    return store;
  }

  /** Zeroes every stored secret and empties the store. */
  clear(): void {
    for (const e of this.#known) e?.secret.fill(0);
    this.#known.fill(undefined);
    this.#lowest = undefined;
  }
}

/**
 * `insert_secret` on a plain entry list (as {@link PerCommitmentSecretStore.entries} returns it): the
 * same order and derivation checks as {@link PerCommitmentSecretStore.insert}, same error kinds, but
 * returns a new list (the input is not changed; entries it keeps are shared, not copied). Costs at most
 * 48 derivations, where rebuilding a store with `fromEntries` re-checks every stored pair.
 */
export function insertSecretEntry(entries: readonly ShachainEntry[], index: number, secret: Uint8Array): ShachainEntry[] {
  expectIndex(index);
  expectBytes(secret, SECRET_BYTES, 'per_commitment_secret');
  if (entries.length > 0) {
    const lowest = Math.min(...entries.map((e) => e.index));
    if (index !== lowest - 1) throw new ChannelTxError('secretOutOfOrder', `expected the secret for index ${lowest - 1}, got index ${index}`);
  }
  const bucket = whereToPutSecret(index);
  const kept: ShachainEntry[] = [];
  for (const known of entries) {
    const b = whereToPutSecret(known.index);
    if (b >= bucket) continue; // bucket B is replaced; higher buckets stay but are not derivable from this secret
    const derived = deriveSecret(secret, bucket, known.index);
    const same = equal(derived, known.secret);
    derived.fill(0);
    if (!same) throw new ChannelTxError('secretMismatch', `the secret for index ${index} does not derive the secret for index ${known.index}`);
  }
  for (const known of entries) if (whereToPutSecret(known.index) !== bucket) kept.push(known);
  kept.push({ index, secret: Uint8Array.from(secret) });
  return kept.sort((a, b) => b.index - a.index);
}

/** `derive_old_secret(I)` on a plain entry list; throws `secretUnknown` like {@link PerCommitmentSecretStore.derive}. */
export function deriveSecretFromEntries(entries: readonly ShachainEntry[], index: number): Uint8Array {
  expectIndex(index);
  for (const known of entries) {
    const b = whereToPutSecret(known.index);
    if (maskLow(index, b) === known.index) return deriveSecret(known.secret, b, index);
  }
  throw new ChannelTxError('secretUnknown', `index ${index} hasn't been received yet`);
}

/** Byte equality; secrets compared here are both already known to us, so timing leaks nothing new. */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
