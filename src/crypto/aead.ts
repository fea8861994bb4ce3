/**
 * @module crypto/aead
 * ChaCha20-Poly1305 (RFC 8439 §2.8, the IETF variant with a 96-bit nonce) behind one small interface,
 * with these engines:
 * - `node`: OpenSSL through `node:crypto`. Fast per byte, but every call builds an OpenSSL cipher context
 *   (≈ 6–8 µs whatever the size).
 * - `noble`: `@noble/ciphers`, pure JS; where OpenSSL lacks the cipher, and the cross-check in tests.
 * - `small+node` (the default) and `small+noble`: `crypto/chacha-small` (our context-free TypeScript,
 *   ≈ 1 µs for a BOLT 8 length header) for texts up to {@link SMALL_AEAD_MAX} bytes, the other engine
 *   above. The threshold is below where the two cross on the dev machine (≈ 700 bytes; `npm run bench`
 *   row `aead-small` measures both); under it fall most Lightning messages (headers, pings, HTLC updates,
 *   gossip).
 *
 * `open` authenticates before it releases anything: on a bad tag it returns `null` and releases no
 * plaintext. Tag comparison happens inside OpenSSL (`CRYPTO_memcmp`), noble (`equalBytes`) and
 * chacha-small (OR of byte differences), all constant time.
 *
 * Spec: RFC 8439 <https://www.rfc-editor.org/rfc/rfc8439>; BOLT 8 requires it for the transport.
 * Does not: build BOLT 8 nonces or rotate keys (see `src/noise/cipher.ts`), or keep any state.
 */
import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { CryptoError } from './errors.js';
import { openSmall, sealSmall } from './chacha-small.js';

/** Poly1305 tag length in bytes (RFC 8439 §2.5). */
export const AEAD_TAG_LEN = 16;
/** ChaCha20 key length in bytes (RFC 8439 §2.3). */
export const AEAD_KEY_LEN = 32;
/** IETF nonce length in bytes (RFC 8439 §2.3). */
export const AEAD_NONCE_LEN = 12;

/** An authenticated cipher with associated data. All calls are stateless. */
export interface AeadEngine {
  /** Which implementation runs. */
  readonly name: 'node' | 'noble' | 'small+node' | 'small+noble';
  /** Encrypt `plaintext`; returns `ciphertext || tag` (plaintext.length + 16 bytes). */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Like {@link seal} but writes `ciphertext || tag` into `out` at `offset` (no extra copy of the frame). */
  sealInto(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /** Check the tag of `sealed = ciphertext || tag` and decrypt; `null` if the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | null;
}

const ALGO = 'chacha20-poly1305';
const OPTS = { authTagLength: AEAD_TAG_LEN } as const;

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== AEAD_KEY_LEN) throw new CryptoError('invalidInput', 'AEAD key must be 32 bytes');
  if (nonce.length !== AEAD_NONCE_LEN) throw new CryptoError('invalidInput', 'AEAD nonce must be 12 bytes');
}

/** `seal` through the engine's `sealInto`, into a new array of the exact size. */
function sealFresh(e: AeadEngine, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(plaintext.length + AEAD_TAG_LEN);
  e.sealInto(key, nonce, ad, plaintext, out, 0);
  return out;
}

/** RFC 8439 ChaCha20-Poly1305 from OpenSSL via `node:crypto`. */
export const nodeAead: AeadEngine = {
  name: 'node',
  seal(key, nonce, ad, plaintext) {
    return sealFresh(this, key, nonce, ad, plaintext);
  },
  sealInto(key, nonce, ad, plaintext, out, offset) {
    checkSizes(key, nonce);
    const c = createCipheriv(ALGO, key, nonce, OPTS);
    if (ad.length > 0) c.setAAD(ad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    c.final();
    out.set(body, offset);
    out.set(c.getAuthTag(), offset + body.length);
  },
  open(key, nonce, ad, sealed) {
    checkSizes(key, nonce);
    if (sealed.length < AEAD_TAG_LEN) return null;
    const ctLen = sealed.length - AEAD_TAG_LEN;
    const d = createDecipheriv(ALGO, key, nonce, OPTS);
    d.setAuthTag(sealed.subarray(ctLen));
    if (ad.length > 0) d.setAAD(ad, { plaintextLength: ctLen });
    const pt = d.update(sealed.subarray(0, ctLen));
    try {
      d.final(); // throws on a bad tag; nothing is returned before this line
    } catch {
      pt.fill(0);
      return null;
    }
    return new Uint8Array(pt.buffer, pt.byteOffset, pt.length);
  },
};

/** RFC 8439 ChaCha20-Poly1305 from `@noble/ciphers` (pure JS, audited; DESIGN §10 measured 14 k frames/s against 36 k for node:crypto). */
export const nobleAead: AeadEngine = {
  name: 'noble',
  seal(key, nonce, ad, plaintext) {
    checkSizes(key, nonce);
    return chacha20poly1305(key, nonce, ad.length > 0 ? ad : undefined).encrypt(plaintext);
  },
  sealInto(key, nonce, ad, plaintext, out, offset) {
    out.set(this.seal(key, nonce, ad, plaintext), offset);
  },
  open(key, nonce, ad, sealed) {
    checkSizes(key, nonce);
    if (sealed.length < AEAD_TAG_LEN) return null;
    try {
      return chacha20poly1305(key, nonce, ad.length > 0 ? ad : undefined).decrypt(sealed);
    } catch {
      return null; // noble checks the tag (equalBytes) before decrypting
    }
  },
};

/** Texts (plaintext or ciphertext without tag) up to this many bytes go to `crypto/chacha-small`. */
export const SMALL_AEAD_MAX = 512;

/** `crypto/chacha-small` up to {@link SMALL_AEAD_MAX} bytes, `large` above. */
function withSmall(large: AeadEngine): AeadEngine {
  return {
    name: large.name === 'node' ? 'small+node' : 'small+noble',
    seal(key, nonce, ad, plaintext) {
      return sealFresh(this, key, nonce, ad, plaintext);
    },
    sealInto(key, nonce, ad, plaintext, out, offset) {
      if (plaintext.length > SMALL_AEAD_MAX) return large.sealInto(key, nonce, ad, plaintext, out, offset);
      checkSizes(key, nonce);
      sealSmall(key, nonce, ad, plaintext, out, offset);
    },
    open(key, nonce, ad, sealed) {
      if (sealed.length > SMALL_AEAD_MAX + AEAD_TAG_LEN) return large.open(key, nonce, ad, sealed);
      checkSizes(key, nonce);
      return openSmall(key, nonce, ad, sealed);
    },
  };
}

/** chacha-small for small texts, OpenSSL above: the default where OpenSSL has the cipher. */
export const smallNodeAead: AeadEngine = withSmall(nodeAead);
/** chacha-small for small texts, `@noble/ciphers` above: where OpenSSL lacks the cipher. */
export const smallNobleAead: AeadEngine = withSmall(nobleAead);

/** `true` when this Node's OpenSSL offers ChaCha20-Poly1305 (absent e.g. in FIPS-only builds). */
export function nodeHasChaCha(): boolean {
  return getCiphers().includes(ALGO);
}

let selected: AeadEngine | undefined;

/**
 * The AEAD engine to use: `small+node` when OpenSSL has the cipher, else `small+noble`. Decided once per
 * process (every BOLT 8 handshake asks; OpenSSL's cipher list does not change while we run).
 */
export function selectAead(): AeadEngine {
  return (selected ??= nodeHasChaCha() ? smallNodeAead : smallNobleAead);
}
