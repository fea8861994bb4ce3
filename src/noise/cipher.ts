/**
 * @module noise/cipher
 * One direction of BOLT 8 transport encryption: a ChaCha20-Poly1305 key, its 64-bit nonce and its own
 * chaining key, rotated every 1000 uses ("Lightning Message Key Rotation").
 *
 * The 12-byte nonce buffer is allocated once and updated in place (hot path). Old keys are zeroed
 * when they rotate out and on `destroy()`.
 *
 * Spec: <https://github.com/lightning/bolts/blob/master/08-transport.md#lightning-message-key-rotation>.
 * Does not: frame messages (see `./transport.ts`) or know which direction it serves.
 */
import { hkdf } from '../crypto/hash.js';
import type { AeadEngine } from '../crypto/aead.js';
import { KEY_ROTATION_INTERVAL } from './constants.js';

const EMPTY = new Uint8Array(0);

/** A sending or receiving cipher state: key `k`, nonce `n`, chaining key `ck` (`sck` or `rck`). */
export class CipherState {
  #k: Uint8Array;
  #ck: Uint8Array;
  #n = 0;
  readonly #nonce = new Uint8Array(12);
  readonly #nonceView = new DataView(this.#nonce.buffer);
  readonly #aead: AeadEngine;

  /** Takes ownership of copies of `k` and `ck` (the caller may zero its own). */
  constructor(k: Uint8Array, ck: Uint8Array, aead: AeadEngine) {
    this.#k = Uint8Array.from(k); // not k.slice(): on a Buffer that is a view, and we zero ours
    this.#ck = Uint8Array.from(ck);
    this.#aead = aead;
  }

  /** Number of times the current key has been used (0..999). */
  get nonce(): number {
    return this.#n;
  }

  /** Encrypt `plaintext` with empty AD into `out` at `offset` (plaintext.length + 16 bytes), then advance. */
  sealInto(plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    this.#aead.sealInto(this.#k, this.#nonce, EMPTY, plaintext, out, offset);
    this.#advance();
  }

  /** Check and decrypt `sealed` (ciphertext || tag) with empty AD, then advance; `null` on a bad MAC. */
  open(sealed: Uint8Array): Uint8Array | null {
    const pt = this.#aead.open(this.#k, this.#nonce, EMPTY, sealed);
    if (pt !== null) this.#advance();
    return pt;
  }

  /** Zero the key and chaining key; the state is unusable afterwards. */
  destroy(): void {
    this.#k.fill(0);
    this.#ck.fill(0);
  }

  #advance(): void {
    // BOLT #8: The nonce `sn` MUST be incremented after this step.
    //
    // BOLT #8: A key
    // is to be rotated after a party encrypts or decrypts 1000 times with it (i.e. every 500 messages).
    // This can be properly accounted for by rotating the key once the nonce dedicated
    // to it reaches 1000.
    if (++this.#n === KEY_ROTATION_INTERVAL) this.#rotate();
    // BOLT #8: with nonce `n` encoded as 32 zero bits,
    // followed by a *little-endian* 64-bit value.
    //
    // n < 1000, so the upper 32 bits of the 64-bit counter (bytes 8..11) stay zero.
    this.#nonceView.setUint32(4, this.#n, true);
  }

  #rotate(): void {
    // BOLT #8: `ck', k' = HKDF(ck, k)`
    const [ck, k] = hkdf(this.#ck, this.#k);
    this.#ck.fill(0);
    this.#k.fill(0);
    this.#ck = ck;
    this.#k = k;
    // BOLT #8: Reset the nonce for the key to `n = 0`.
    this.#n = 0;
  }
}
