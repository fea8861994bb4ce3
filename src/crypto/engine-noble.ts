/**
 * @module crypto/engine-noble
 * The `noble` secp256k1 engine: `@noble/secp256k1` v3, pure JS and audited. The reference the other
 * engines are tested against, and the last fallback (about 50× slower to verify than native, DESIGN §10).
 *
 * noble's synchronous `sign`/`verify` need hash hooks; we install `@noble/hashes` SHA-256 and
 * HMAC-SHA256 (an implementation independent of OpenSSL, which keeps this engine a real reference)
 * unless the application installed its own. Digests are passed with `prehash: false`: lnfleet signs
 * and verifies 32-byte hashes it computed itself.
 *
 * Does not: decide whether this engine is used (see `./engines.ts`).
 */
import * as secp from '@noble/secp256k1';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from './hash.js';
import { CryptoError } from './errors.js';
import { bigIntTo32, bytesToBigInt, CURVE_N, expectLength, expectTweak, type Secp256k1Engine } from './secp256k1.js';

type NoblePoint = InstanceType<typeof secp.Point>;

function installHashes(): void {
  const h = secp.hashes as { sha256?: unknown; hmacSha256?: unknown };
  if (typeof h.sha256 !== 'function') secp.hashes.sha256 = nobleSha256;
  if (typeof h.hmacSha256 !== 'function') secp.hashes.hmacSha256 = (k, m) => hmac(nobleSha256, k, m);
}

/** Build the noble engine (cannot fail short of a broken install, which throws `engineUnavailable`). */
export function loadNobleEngine(): Secp256k1Engine {
  try {
    installHashes();
  } catch (cause) {
    throw new CryptoError('engineUnavailable', '@noble/secp256k1 could not be initialised', { cause });
  }
  return nobleEngine;
}

const isPub = (p: Uint8Array): boolean =>
  p instanceof Uint8Array && p.length === 33 && secp.utils.isValidPublicKey(p, true);
const isPriv = (k: Uint8Array): boolean => k instanceof Uint8Array && k.length === 32 && secp.utils.isValidSecretKey(k);

function point(p: Uint8Array): NoblePoint {
  expectLength(p, 33, 'public key');
  try {
    return secp.Point.fromBytes(p);
  } catch (cause) {
    throw new CryptoError('invalidPublicKey', 'public key is not a valid secp256k1 point', { cause });
  }
}
function scalar(k: Uint8Array): bigint {
  expectLength(k, 32, 'private key');
  if (!secp.utils.isValidSecretKey(k)) throw new CryptoError('invalidPrivateKey', 'private key is out of range');
  return bytesToBigInt(k);
}
function encode(p: NoblePoint): Uint8Array {
  if (p.is0()) throw new CryptoError('invalidTweak', 'tweak gives the point at infinity');
  return p.toBytes(true);
}

const nobleEngine: Secp256k1Engine = {
  name: 'noble',
  verify(sig64, msg32, pub33) {
    if (sig64.length !== 64 || msg32.length !== 32 || !isPub(pub33)) return false;
    try {
      return secp.verify(sig64, msg32, pub33, { prehash: false, lowS: true });
    } catch {
      return false;
    }
  },
  sign(msg32, priv32) {
    expectLength(msg32, 32, 'message hash');
    scalar(priv32);
    return secp.sign(msg32, priv32, { prehash: false, lowS: true });
  },
  ecdh(pub33, priv32) {
    point(pub33);
    scalar(priv32);
    const shared = secp.getSharedSecret(priv32, pub33, true);
    const out = sha256(shared);
    shared.fill(0);
    return out;
  },
  publicKey(priv32) {
    scalar(priv32);
    return secp.getPublicKey(priv32, true);
  },
  privateKeyTweakAdd(priv32, tweak32) {
    const d = scalar(priv32);
    const r = (d + expectTweak(tweak32, true)) % CURVE_N;
    if (r === 0n) throw new CryptoError('invalidTweak', 'tweak gives the zero key');
    return bigIntTo32(r);
  },
  privateKeyTweakMul(priv32, tweak32) {
    const d = scalar(priv32);
    return bigIntTo32((d * expectTweak(tweak32, false)) % CURVE_N);
  },
  publicKeyTweakAdd(pub33, tweak32) {
    const p = point(pub33);
    const t = expectTweak(tweak32, true);
    return encode(t === 0n ? p : p.add(secp.Point.BASE.multiply(t)));
  },
  publicKeyTweakMul(pub33, tweak32) {
    return encode(point(pub33).multiply(expectTweak(tweak32, false)));
  },
  publicKeyCombine(pubs33) {
    if (pubs33.length === 0) throw new CryptoError('invalidInput', 'publicKeyCombine needs at least one key');
    let acc = secp.Point.ZERO;
    for (const p of pubs33) acc = acc.add(point(p));
    return encode(acc);
  },
  isValidPublicKey: isPub,
  isValidPrivateKey: isPriv,
};
