/**
 * @module channel/keys
 * BOLT 3 key derivation: the per-commitment keys (`localpubkey`, `local_htlcpubkey`,
 * `remote_htlcpubkey`, `local_delayedpubkey`, `remote_delayedpubkey`) from a basepoint and a
 * `per_commitment_point`, their private keys, and the blinded `revocationpubkey` / `revocationprivkey`.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#key-derivation
 *
 * Every function takes the secp256k1 engine as its last argument (default: the active engine), so a
 * test can run the same derivations on native, wasm and noble. Intermediate secret scalars are zeroed
 * before returning (STYLE rule 11); the caller owns and zeroes the inputs and outputs.
 *
 * Does not: store or generate per-commitment secrets (see `./shachain.ts`), or hold any key.
 */
import { activeEngine } from '../crypto/engines.js';
import { sha256 } from '../crypto/hash.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { ChannelTxError, expectBytes } from './errors.js';

/** Compressed public key length (bytes). */
const PUBKEY_BYTES = 33;
/** Private key / secret length (bytes). */
const SECRET_BYTES = 32;

function wrap<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ChannelTxError) throw e;
    throw new ChannelTxError('invalidInput', `${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** The point of a per-commitment secret. */
export function perCommitmentPoint(perCommitmentSecret: Uint8Array, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  expectBytes(perCommitmentSecret, SECRET_BYTES, 'per_commitment_secret');
  // BOLT #3: per_commitment_point = per_commitment_secret * G
  return wrap('per_commitment_point', () => engine.publicKey(perCommitmentSecret));
}

/**
 * `localpubkey`, `local_htlcpubkey`, `remote_htlcpubkey`, `local_delayedpubkey` or
 * `remote_delayedpubkey` from the matching basepoint and the commitment's `per_commitment_point`.
 */
export function derivePubkey(basepoint: Uint8Array, perCommitmentPoint: Uint8Array, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  expectBytes(basepoint, PUBKEY_BYTES, 'basepoint');
  expectBytes(perCommitmentPoint, PUBKEY_BYTES, 'per_commitment_point');
  // BOLT #3: pubkey = basepoint + SHA256(per_commitment_point || basepoint) * G
  return wrap('derived pubkey', () => engine.publicKeyTweakAdd(basepoint, sha256(perCommitmentPoint, basepoint)));
}

/** The private key of {@link derivePubkey}'s result, given the basepoint's secret. */
export function derivePrivkey(basepointSecret: Uint8Array, perCommitmentPoint: Uint8Array, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  expectBytes(basepointSecret, SECRET_BYTES, 'basepoint secret');
  expectBytes(perCommitmentPoint, PUBKEY_BYTES, 'per_commitment_point');
  return wrap('derived privkey', () => {
    const basepoint = engine.publicKey(basepointSecret);
    const tweak = sha256(perCommitmentPoint, basepoint);
    // BOLT #3: privkey = basepoint_secret + SHA256(per_commitment_point || basepoint)
    const out = engine.privateKeyTweakAdd(basepointSecret, tweak);
    tweak.fill(0);
    return out;
  });
}

/**
 * The `revocationpubkey` of a commitment: our `revocation_basepoint` blinded with the owner's
 * `per_commitment_point`, so neither side alone knows its private key.
 */
export function revocationPubkey(revocationBasepoint: Uint8Array, perCommitmentPoint: Uint8Array, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  expectBytes(revocationBasepoint, PUBKEY_BYTES, 'revocation_basepoint');
  expectBytes(perCommitmentPoint, PUBKEY_BYTES, 'per_commitment_point');
  return wrap('revocationpubkey', () => {
    // BOLT #3: revocationpubkey = revocation_basepoint * SHA256(revocation_basepoint || per_commitment_point) + per_commitment_point * SHA256(per_commitment_point || revocation_basepoint)
    const a = engine.publicKeyTweakMul(revocationBasepoint, sha256(revocationBasepoint, perCommitmentPoint));
    const b = engine.publicKeyTweakMul(perCommitmentPoint, sha256(perCommitmentPoint, revocationBasepoint));
    return engine.publicKeyCombine([a, b]);
  });
}

/**
 * The `revocationprivkey`, computable once the owner of the commitment revealed its
 * `per_commitment_secret` (it revoked the commitment) and we hold `revocation_basepoint_secret`.
 */
export function revocationPrivkey(
  revocationBasepointSecret: Uint8Array,
  perCommitmentSecret: Uint8Array,
  engine: Secp256k1Engine = activeEngine(),
): Uint8Array {
  expectBytes(revocationBasepointSecret, SECRET_BYTES, 'revocation_basepoint_secret');
  expectBytes(perCommitmentSecret, SECRET_BYTES, 'per_commitment_secret');
  return wrap('revocationprivkey', () => {
    const basepoint = engine.publicKey(revocationBasepointSecret);
    const point = engine.publicKey(perCommitmentSecret);
    // BOLT #3: revocationprivkey = revocation_basepoint_secret * SHA256(revocation_basepoint || per_commitment_point) + per_commitment_secret * SHA256(per_commitment_point || revocation_basepoint)
    const a = engine.privateKeyTweakMul(revocationBasepointSecret, sha256(basepoint, point));
    const b = engine.privateKeyTweakMul(perCommitmentSecret, sha256(point, basepoint));
    const out = engine.privateKeyTweakAdd(a, b);
    a.fill(0);
    b.fill(0);
    return out;
  });
}

/**
 * The keys one commitment transaction (and its HTLC transactions) uses, from the point of view of the
 * commitment's owner ("local"). Build it with {@link commitmentKeys}, or fill it directly.
 */
export interface CommitmentKeys {
  /** `revocationpubkey`: the other side's revocation basepoint blinded with our per-commitment point. */
  readonly revocationPubkey: Uint8Array;
  /** `local_delayedpubkey`: the owner's delayed key (to_local, HTLC-tx outputs). */
  readonly localDelayedPubkey: Uint8Array;
  /** `local_htlcpubkey`. */
  readonly localHtlcPubkey: Uint8Array;
  /** `remote_htlcpubkey`. */
  readonly remoteHtlcPubkey: Uint8Array;
  /** `remotepubkey`: with `option_static_remotekey` simply the other side's `payment_basepoint`. */
  readonly remotePaymentPubkey: Uint8Array;
}

/** The basepoints of one side, as sent in `open_channel` / `accept_channel`. */
export interface Basepoints {
  readonly revocationBasepoint: Uint8Array;
  readonly paymentBasepoint: Uint8Array;
  readonly delayedPaymentBasepoint: Uint8Array;
  readonly htlcBasepoint: Uint8Array;
}

/**
 * All keys of the commitment owned by `owner` at `perCommitmentPoint` (the owner's point), with
 * `option_static_remotekey` (`remotepubkey` is the other side's `payment_basepoint`).
 */
export function commitmentKeys(owner: Basepoints, other: Basepoints, perCommitmentPoint: Uint8Array, engine: Secp256k1Engine = activeEngine()): CommitmentKeys {
  return {
    revocationPubkey: revocationPubkey(other.revocationBasepoint, perCommitmentPoint, engine),
    localDelayedPubkey: derivePubkey(owner.delayedPaymentBasepoint, perCommitmentPoint, engine),
    localHtlcPubkey: derivePubkey(owner.htlcBasepoint, perCommitmentPoint, engine),
    remoteHtlcPubkey: derivePubkey(other.htlcBasepoint, perCommitmentPoint, engine),
    // BOLT #3: The `remotepubkey` is simply the remote node's `payment_basepoint`.
    remotePaymentPubkey: other.paymentBasepoint,
  };
}
