/**
 * @module keys/node-key
 * The node key as an object that can be used but not read (DESIGN §5, STYLE rule 11): `NodeKey` offers
 * the node id, BOLT 8 static-key ECDH and digest signing, while the 32 private bytes live only in a
 * closure. There is no accessor, `toJSON` and `util.inspect` print the node id only, and `destroy()`
 * zeroes the closure's buffer.
 *
 * `createNodeKey(priv32, provider)` takes ownership of `priv32`: it copies it into the closure and zeroes
 * the caller's buffer, so there is exactly one copy of the key in our heap. (The secp256k1 engine may
 * copy it transiently into its own memory during a call; that is outside our reach.)
 *
 * Does not: load keys from anywhere (see `./providers.ts`), or log. Errors never contain key bytes.
 */
import { activeEngine, CryptoError, type Secp256k1Engine } from '../crypto/index.js';
import { hmacSha256 } from '../crypto/hash.js';
import { LnfleetError } from '../errors.js';

/** Why a node key could not be loaded or used; `code` says which, the message says what to do. */
export type KeyErrorCode =
  /** No key where the provider looks (unset env var, missing file, empty secret). */
  | 'KEY_MISSING'
  /** Key material of the wrong shape (not 32 bytes / 64 hex characters, not a valid scalar). */
  | 'KEY_INVALID'
  /** A key or seed file readable by group or others. */
  | 'KEY_PERMISSIONS'
  /** The loaded key's public key is not `node.pub-key` / `NODE_PUB_KEY`. */
  | 'KEY_MISMATCH'
  /** The provider could not be asked (file system error, AWS error, network). */
  | 'KEY_PROVIDER'
  /** The key was used after `destroy()`. */
  | 'KEY_DESTROYED';

/** Error of `src/keys`. Messages name files, env vars and secret names, never key bytes. */
export class KeyError extends LnfleetError<KeyErrorCode> {}

/** Which provider loaded a key (for logs and status). */
export type KeyProviderName = 'seed' | 'env' | 'file' | 'aws-sm';

/** The node key, usable but not readable. */
export interface NodeKey {
  /** The node id: the compressed public key, 33 bytes (a fresh copy on each read). */
  readonly nodeId: Uint8Array;
  /** The node id as lowercase hex. */
  readonly nodeIdHex: string;
  /** Which provider loaded the key. */
  readonly provider: KeyProviderName;
  /**
   * BOLT 8 ECDH with the node key: SHA256 of the compressed shared point. Throws `CryptoError`
   * (`invalidPublicKey`) for a point not on the curve, `KeyError` after `destroy()`.
   */
  ecdh(point33: Uint8Array): Uint8Array;
  /** Low-S RFC 6979 ECDSA signature (64 bytes, r || s) of a 32-byte digest with the node key. */
  sign(digest32: Uint8Array): Uint8Array;
  /**
   * The channel master seed (32 bytes): HMAC-SHA256 keyed by the node private key over
   * {@link CHANNEL_SEED_LABEL}. Every channel's secrets derive from it and a key index
   * (`src/channel/params.ts` deriveChannelSecrets), so a restored node key restores them. A fresh copy
   * per call: the caller zeroes it after use.
   */
  channelMasterSeed(): Uint8Array;
  /** Zeroes the private key; every later `ecdh`/`sign` throws `KEY_DESTROYED`. */
  destroy(): void;
}

/**
 * Label of the channel master seed derivation. Fixed forever: changing it would change every channel's
 * keys, losing the funds of open channels.
 */
export const CHANNEL_SEED_LABEL = new TextEncoder().encode('lnfleet/channel-master-seed/v1');

/** What `NodeKey.ecdh` throws for a point that is not a compressed secp256k1 public key. */
function invalidEcdhPoint(): CryptoError {
  return new CryptoError('invalidPublicKey', 'ECDH point is not a valid compressed secp256k1 public key');
}

/**
 * Builds a `NodeKey` from 32 private-key bytes and zeroes `priv32`. Throws `KEY_INVALID` (and still
 * zeroes the input) if the bytes are not a valid secp256k1 scalar (1..n-1).
 */
export function createNodeKey(priv32: Uint8Array, provider: KeyProviderName, engine: Secp256k1Engine = activeEngine()): NodeKey {
  const secret = Uint8Array.from(priv32);
  priv32.fill(0);
  if (secret.length !== 32 || !engine.isValidPrivateKey(secret)) {
    secret.fill(0);
    throw new KeyError('KEY_INVALID', `the ${provider} key provider gave a value that is not a valid secp256k1 private key (need 32 bytes in 1..n-1)`);
  }
  const pub = engine.publicKey(secret);
  const hex = Buffer.from(pub).toString('hex');
  let destroyed = false;
  const live = (): Uint8Array => {
    if (destroyed) throw new KeyError('KEY_DESTROYED', 'the node key was used after it was destroyed (process shutting down)');
    return secret;
  };
  const key: NodeKey = {
    get nodeId() { return Uint8Array.from(pub); },
    nodeIdHex: hex,
    provider,
    ecdh(point33: Uint8Array): Uint8Array {
      if (!(point33 instanceof Uint8Array) || point33.length !== 33) throw invalidEcdhPoint();
      // Once per handshake on the backend: the engine parses (and so checks) the point itself; a separate
      // check first would parse it twice.
      try {
        return engine.ecdh(point33, live());
      } catch (e) {
        throw e instanceof CryptoError && e.kind === 'invalidPublicKey' ? invalidEcdhPoint() : e;
      }
    },
    sign: (digest32) => engine.sign(digest32, live()),
    channelMasterSeed: () => hmacSha256(live(), CHANNEL_SEED_LABEL),
    destroy() {
      secret.fill(0);
      destroyed = true;
    },
  };
  // What a logger, JSON.stringify or console.log sees: the node id, never the closure.
  const shown = { nodeId: hex, provider };
  Object.defineProperty(key, 'toJSON', { value: () => shown, enumerable: false });
  Object.defineProperty(key, Symbol.for('nodejs.util.inspect.custom'), { value: () => `NodeKey(${hex}, ${provider})`, enumerable: false });
  return Object.freeze(key);
}
