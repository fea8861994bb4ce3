/**
 * @module noise/transport
 * The BOLT 8 transport after the handshake: `encrypt` frames one message, `push` takes TCP chunks
 * split anywhere (several messages per chunk, or one byte at a time) and returns the messages they
 * complete. Sans-I/O (STYLE rule 2): bytes in, bytes out; the socket lives in `front/`/`back/`.
 *
 * Frame: `lc || c` = encrypted 2-byte big-endian length + tag (18 bytes), then the encrypted body +
 * tag. A length is used only after its tag verifies; it is a u16, so no unauthenticated value can
 * make us allocate more than 65535 + 16 bytes. Any MAC failure is final: the transport fails and
 * every later call throws the same error (the stream cannot be resynchronised; disconnect).
 *
 * Spec: <https://github.com/lightning/bolts/blob/master/08-transport.md#lightning-message-specification>.
 * Does not: parse Lightning messages, apply backpressure, or log plaintext.
 */
import type { AeadEngine } from '../crypto/aead.js';
import { assertNever } from '../errors.js';
import { CipherState } from './cipher.js';
import { LENGTH_HEADER_LEN, MAC_LEN, MAX_MESSAGE_LEN } from './constants.js';
import { NoiseError } from './errors.js';

/** What the decoder waits for next. `bodyLen` exists only once a length has been authenticated. */
type DecoderState =
  | { readonly kind: 'awaitLength' }
  | { readonly kind: 'awaitBody'; readonly bodyLen: number }
  | { readonly kind: 'failed'; readonly error: NoiseError }
  | { readonly kind: 'closed' };

/** Encrypting and decrypting side of an established BOLT 8 session. */
export class Transport {
  readonly #send: CipherState;
  readonly #recv: CipherState;
  readonly #lenBuf = new Uint8Array(2);
  #state: DecoderState = { kind: 'awaitLength' };
  /** Unconsumed received bytes: `#chunks[0]` from `#head` on, then the other chunks whole. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #buffered = 0;

  /**
   * Build from the handshake's final keys. `sk`/`rk` are this side's sending/receiving keys and `ck`
   * the final chaining key, which seeds both `sck` and `rck`. Copies are taken.
   */
  constructor(sk: Uint8Array, rk: Uint8Array, ck: Uint8Array, aead: AeadEngine) {
    // BOLT #8: `rck = sck = ck`
    this.#send = new CipherState(sk, ck, aead);
    this.#recv = new CipherState(rk, ck, aead);
  }

  /** Received bytes not yet forming a whole message. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Encrypt one Lightning message into a frame of `18 + msg.length + 16` bytes.
   * Throws `NoiseError('messageTooLong')` above 65535 bytes (nothing is encrypted, no nonce is used).
   */
  encrypt(msg: Uint8Array): Uint8Array {
    // BOLT #8: The *maximum* size of _any_ Lightning message MUST NOT exceed `65535` bytes.
    if (msg.length > MAX_MESSAGE_LEN) {
      throw new NoiseError('messageTooLong', `message of ${msg.length} bytes exceeds the BOLT 8 maximum of ${MAX_MESSAGE_LEN}`);
    }
    if (this.#state.kind === 'failed') throw this.#state.error;
    if (this.#state.kind === 'closed') throw new NoiseError('badState', 'transport is closed');
    // Exact-size memory of its own, not `pooledBytes`: a frame may wait long in a slow peer's send
    // queue, and a view of Node's pool would keep a whole 8 KiB block (other peers' frames) alive with it.
    const out = new Uint8Array(LENGTH_HEADER_LEN + msg.length + MAC_LEN);
    // BOLT #8: Serialize `l` into 2 bytes encoded as a big-endian integer.
    this.#lenBuf[0] = msg.length >>> 8;
    this.#lenBuf[1] = msg.length & 0xff;
    this.#send.sealInto(this.#lenBuf, out, 0);
    // BOLT #8: Finally, encrypt the message itself (`m`) using the same procedure used to
    // encrypt the length prefix.
    this.#send.sealInto(msg, out, LENGTH_HEADER_LEN);
    return out;
  }

  /**
   * Feed received bytes; returns the decrypted messages they complete (possibly none), in order.
   * Keeps a reference to the unconsumed tail of `chunk`: do not modify it after the call.
   * Throws `NoiseError('badMac')` on a tampered frame; the transport is then failed for good.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    for (;;) {
      const state = this.#state;
      switch (state.kind) {
        case 'awaitLength':
          // BOLT #8: Read _exactly_ 18 bytes from the network buffer.
          if (this.#buffered < LENGTH_HEADER_LEN) return out;
          this.#readLength(this.#take(LENGTH_HEADER_LEN));
          break;
        case 'awaitBody': {
          // BOLT #8: Read _exactly_ `l+16` bytes from the network buffer, and let the bytes be
          // known as `c`.
          const need = state.bodyLen + MAC_LEN;
          if (this.#buffered < need) return out;
          out.push(this.#readBody(this.#take(need)));
          break;
        }
        case 'failed':
          throw state.error;
        case 'closed':
          throw new NoiseError('badState', 'transport is closed');
        default:
          return assertNever(state, 'transport state');
      }
    }
  }

  /** The peer closed the stream: throws `shortRead` if a partial frame was pending. */
  end(): void {
    if (this.#buffered > 0 || this.#state.kind === 'awaitBody') {
      this.#fail(new NoiseError('shortRead', `stream ended inside a frame (${this.#buffered} bytes pending)`));
    }
  }

  /** Zero both directions' keys and drop buffered bytes; further use throws `badState`. */
  destroy(): void {
    this.#send.destroy();
    this.#recv.destroy();
    this.#chunks = [];
    this.#buffered = 0;
    this.#state = { kind: 'closed' };
  }

  #readLength(lc: Uint8Array): void {
    // BOLT #8: Decrypt `lc` (using `ChaCha20-Poly1305`, `rn`, and `rk`), to obtain the size of
    // the encrypted packet `l`.
    const l = this.#recv.open(lc);
    if (l === null) this.#fail(new NoiseError('badMac', 'length prefix MAC check failed'));
    this.#state = { kind: 'awaitBody', bodyLen: (l[0]! << 8) | l[1]! };
  }

  #readBody(c: Uint8Array): Uint8Array {
    // BOLT #8: Decrypt `c` (using `ChaCha20-Poly1305`, `rn`, and `rk`), to obtain decrypted
    // plaintext packet `p`.
    const p = this.#recv.open(c);
    if (p === null) this.#fail(new NoiseError('badMac', 'message MAC check failed'));
    this.#state = { kind: 'awaitLength' };
    return p;
  }

  #fail(error: NoiseError): never {
    this.#state = { kind: 'failed', error };
    this.#send.destroy();
    this.#recv.destroy();
    this.#chunks = [];
    this.#buffered = 0;
    throw error;
  }

  /** Remove and return the next `n` buffered bytes (n ≤ bufferedBytes); a view when contiguous. */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0]!;
    this.#buffered -= n;
    if (first.length - this.#head >= n) {
      const view = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(n - filled, c.length - this.#head);
      out.set(c.subarray(this.#head, this.#head + k), filled);
      filled += k;
      this.#head += k;
      if (this.#head === c.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }
}
