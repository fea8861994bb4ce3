/**
 * @module crypto/engine-native
 * The `native` secp256k1 engine: libsecp256k1 through the `secp256k1` npm addon (v5).
 *
 * The binding is loaded directly (`secp256k1/bindings`), not through the package index, which falls
 * back to pure-JS `elliptic` without a word when the addon did not build (DESIGN §12: there is no
 * linux-arm64 prebuild and the install script swallows build failures). A missing build is therefore a
 * loud `CryptoError('engineUnavailable')`.
 *
 * Facts checked in `test/crypto/engines.test.ts`: libsecp256k1's `secp256k1_ecdsa_verify` rejects
 * high-S signatures by itself; the addon's default ECDH hash (`secp256k1_ecdh_hash_function_sha256`)
 * is SHA256(0x02|0x03 || x), exactly BOLT 8's `ECDH`.
 *
 * Does not: decide whether this engine is used (see `./engines.ts`).
 */
import { createRequire } from 'node:module';
import { CryptoError } from './errors.js';
import { expectLength, expectTweak, type Secp256k1Engine } from './secp256k1.js';

/** The subset of the addon's (wrapped) API we call. Mutating calls get copies. */
interface NativeSecp {
  privateKeyVerify(seckey: Uint8Array): boolean;
  publicKeyVerify(pubkey: Uint8Array): boolean;
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
  privateKeyTweakAdd(seckey: Uint8Array, tweak: Uint8Array): Uint8Array;
  privateKeyTweakMul(seckey: Uint8Array, tweak: Uint8Array): Uint8Array;
  publicKeyTweakAdd(pubkey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyTweakMul(pubkey: Uint8Array, tweak: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyCombine(pubkeys: Uint8Array[], compressed: boolean): Uint8Array;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  ecdh(pubkey: Uint8Array, seckey: Uint8Array): Uint8Array;
}

/** Load the compiled addon or throw `engineUnavailable` (with the loader's error as `cause`). */
export function loadNativeEngine(): Secp256k1Engine {
  let lib: NativeSecp;
  try {
    lib = createRequire(import.meta.url)('secp256k1/bindings') as NativeSecp;
  } catch (cause) {
    throw new CryptoError(
      'engineUnavailable',
      'native secp256k1 addon did not load (no prebuild or failed build for this platform); rebuild it with `npm rebuild secp256k1` or select the wasm engine',
      { cause },
    );
  }
  return nativeEngine(lib);
}

function nativeEngine(lib: NativeSecp): Secp256k1Engine {
  const pub = (p: Uint8Array): void => {
    expectLength(p, 33, 'public key');
    if (!lib.publicKeyVerify(p)) throw new CryptoError('invalidPublicKey', 'public key is not a valid secp256k1 point');
  };
  const priv = (k: Uint8Array): void => {
    expectLength(k, 32, 'private key');
    if (!lib.privateKeyVerify(k)) throw new CryptoError('invalidPrivateKey', 'private key is out of range');
  };
  const tweaked = (f: () => Uint8Array): Uint8Array => {
    try {
      return f();
    } catch (cause) {
      throw new CryptoError('invalidTweak', 'tweak is out of range or gives the zero key', { cause });
    }
  };
  return {
    name: 'native',
    verify(sig64, msg32, pub33) {
      if (sig64.length !== 64 || msg32.length !== 32 || pub33.length !== 33) return false;
      try {
        return lib.ecdsaVerify(sig64, msg32, pub33); // libsecp256k1 rejects high-S itself
      } catch {
        return false; // unparsable signature (r or s ≥ n) or public key
      }
    },
    sign(msg32, priv32) {
      expectLength(msg32, 32, 'message hash');
      priv(priv32);
      return lib.ecdsaSign(msg32, priv32).signature;
    },
    ecdh(pub33, priv32) {
      // Hot path (every handshake, and the front's ECDH service): no separate validation calls, which
      // would parse the point twice; the addon rejects bad keys itself and we classify on failure.
      expectLength(pub33, 33, 'public key');
      expectLength(priv32, 32, 'private key');
      try {
        return lib.ecdh(pub33, priv32); // default hash = SHA256(0x02|0x03 || x)
      } catch {
        pub(pub33);
        priv(priv32);
        throw new CryptoError('invalidPrivateKey', 'ECDH failed'); // not reached: one of the two threw
      }
    },
    publicKey(priv32) {
      priv(priv32);
      return lib.publicKeyCreate(priv32, true);
    },
    privateKeyTweakAdd(priv32, tweak32) {
      priv(priv32);
      expectTweak(tweak32, true);
      return tweaked(() => lib.privateKeyTweakAdd(Uint8Array.from(priv32), tweak32)); // the addon mutates its first argument
    },
    privateKeyTweakMul(priv32, tweak32) {
      priv(priv32);
      expectTweak(tweak32, false);
      return tweaked(() => lib.privateKeyTweakMul(Uint8Array.from(priv32), tweak32));
    },
    publicKeyTweakAdd(pub33, tweak32) {
      pub(pub33);
      expectTweak(tweak32, true);
      return tweaked(() => lib.publicKeyTweakAdd(pub33, tweak32, true));
    },
    publicKeyTweakMul(pub33, tweak32) {
      pub(pub33);
      expectTweak(tweak32, false);
      return tweaked(() => lib.publicKeyTweakMul(pub33, tweak32, true));
    },
    publicKeyCombine(pubs33) {
      if (pubs33.length === 0) throw new CryptoError('invalidInput', 'publicKeyCombine needs at least one key');
      for (const p of pubs33) pub(p);
      return tweaked(() => lib.publicKeyCombine([...pubs33], true));
    },
    isValidPublicKey(pub33) {
      return pub33 instanceof Uint8Array && pub33.length === 33 && lib.publicKeyVerify(pub33);
    },
    isValidPrivateKey(priv32) {
      return priv32 instanceof Uint8Array && priv32.length === 32 && lib.privateKeyVerify(priv32);
    },
  };
}
