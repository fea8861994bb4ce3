/**
 * @module noise/handshake
 * BOLT 8 authenticated key exchange (Noise_XK_secp256k1_ChaChaPoly_SHA256, prologue "lightning") as a
 * sans-I/O state machine for both roles. Acts in, acts out; the result is a {@link Transport}.
 *
 * The two ECDHs with the node's static private key go through a {@link StaticEcdh} callback, so the
 * key may live elsewhere (DESIGN §5: the backend answers it over the cluster link):
 *   - responder, act one: `es = ECDH(s.priv, re)`;
 *   - initiator, act three: `se = ECDH(s.priv, re)`.
 * The ephemeral ECDHs (`es` of the initiator, `ee`, `se` of the responder) use a key generated here
 * (injectable for the test vectors) and the selected secp256k1 engine.
 *
 * Two ways to drive it: act by act (`actOne`, `receiveActOne`, `receiveActTwo`, `receiveActThree`),
 * or `push(chunk)`/`end()` with arbitrary TCP chunks; bytes after the last act go to the transport.
 *
 * Spec: <https://github.com/lightning/bolts/blob/master/08-transport.md#authenticated-key-exchange-handshake-specification>.
 * Does not: open sockets, time out (the caller owns the clock), or check the remote node id against
 * a policy (the result reports it).
 */
import { randomBytes } from 'node:crypto';
import { selectAead, type AeadEngine } from '../crypto/aead.js';
import { activeEngine } from '../crypto/engines.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { assertNever } from '../errors.js';
import { ACT_ONE_LEN, ACT_THREE_LEN, ACT_TWO_LEN } from './constants.js';
import { asNoiseError, checkActFrame, checkTag, parseEphemeralAct, VERSION } from './acts.js';
import { concat } from '../bytes.js';
import { NoiseError, type Act } from './errors.js';
import { decryptWithAD, encryptWithAD, INITIAL_CK, INITIAL_H, mixHash, mixKey, NONCE_0, NONCE_1, splitKeys, wipe } from './symmetric.js';
import { Transport } from './transport.js';

/**
 * ECDH with the node's static private key: returns SHA256(compressed(priv × theirPoint)), 32 bytes.
 * May answer asynchronously (remote key holder). The handshake zeroes the returned buffer after use.
 */
export type StaticEcdh = (theirPoint: Uint8Array) => Promise<Uint8Array> | Uint8Array;

/** Options common to both roles. */
export interface HandshakeOptions {
  /** Our node's compressed static public key (`ls.pub`). */
  readonly localStatic: Uint8Array;
  /** ECDH with our node's static private key. */
  readonly staticEcdh: StaticEcdh;
  /** secp256k1 engine for the ephemeral key (default: the active engine). */
  readonly engine?: Secp256k1Engine;
  /** AEAD engine (default: node:crypto when available). */
  readonly aead?: AeadEngine;
  /** Fixed ephemeral private key, for test vectors only. Default: fresh from `crypto.randomBytes`. */
  readonly ephemeralPrivateKey?: Uint8Array;
}

/** Initiator options: we must know the responder's node id. */
export interface InitiatorOptions extends HandshakeOptions {
  /** The responder's compressed static public key (`rs.pub`, its node id). */
  readonly remoteStatic: Uint8Array;
}

/** A finished handshake. */
export interface HandshakeResult {
  /** Encrypt/decrypt for the rest of the session. */
  readonly transport: Transport;
  /** The peer's static public key (its node id): known in advance by the initiator, learned by the responder. */
  readonly remoteStatic: Uint8Array;
}

/** What one `push` produced: acts to send, and the result once the handshake completes. */
export interface HandshakeOutput {
  /** Bytes to write to the peer, in order. */
  readonly send: Uint8Array[];
  /** Set when the handshake finished; `messages` are transport messages that arrived in the same chunks. */
  readonly done?: HandshakeResult & { readonly messages: Uint8Array[] };
}

/** An ephemeral key pair. */
interface KeyPair {
  readonly priv: Uint8Array;
  readonly pub: Uint8Array;
}

/** Handshake states; each carries exactly the secrets valid at that point. */
type State =
  | { readonly kind: 'initiatorStart'; readonly h: Uint8Array; readonly rs: Uint8Array }
  | { readonly kind: 'responderAwaitActOne'; readonly h: Uint8Array }
  | { readonly kind: 'initiatorAwaitActTwo'; readonly h: Uint8Array; readonly ck: Uint8Array; readonly e: KeyPair; readonly rs: Uint8Array }
  | { readonly kind: 'responderAwaitActThree'; readonly h: Uint8Array; readonly ck: Uint8Array; readonly tempK2: Uint8Array; readonly e: KeyPair }
  | { readonly kind: 'computing'; readonly act: Act }
  | { readonly kind: 'complete' }
  | { readonly kind: 'failed'; readonly error: NoiseError };

/** Name of a handshake state, for callers that want to report progress. */
export type HandshakeStateName = State['kind'];

/** One BOLT 8 handshake, as initiator or responder. Create with {@link NoiseHandshake.initiator} or {@link NoiseHandshake.responder}. */
export class NoiseHandshake {
  /** Which side we are. */
  readonly role: 'initiator' | 'responder';
  #state: State;
  readonly #ls: Uint8Array;
  readonly #ecdh: StaticEcdh;
  readonly #engine: Secp256k1Engine;
  readonly #aead: AeadEngine;
  readonly #ephemeral: Uint8Array | undefined;
  #buf: Uint8Array = new Uint8Array(0);
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(role: 'initiator' | 'responder', state: State, opts: HandshakeOptions) {
    this.role = role;
    this.#state = state;
    this.#ls = Uint8Array.from(opts.localStatic);
    this.#ecdh = opts.staticEcdh;
    this.#engine = opts.engine ?? activeEngine();
    this.#aead = opts.aead ?? selectAead();
    this.#ephemeral = opts.ephemeralPrivateKey && Uint8Array.from(opts.ephemeralPrivateKey);
    if (state.kind === 'initiatorStart' && !this.#engine.isValidPublicKey(state.rs)) {
      throw new NoiseError('badPublicKey', 'remote static key is not a valid compressed point', 1);
    }
  }

  /** Start a handshake towards `opts.remoteStatic`. Call {@link actOne} (or {@link start}) next. */
  static initiator(opts: InitiatorOptions): NoiseHandshake {
    // BOLT #8: The initiating node mixes in the responding node's static public key
    // serialized in Bitcoin's compressed format:
    return new NoiseHandshake('initiator', { kind: 'initiatorStart', h: mixHash(INITIAL_H, opts.remoteStatic), rs: Uint8Array.from(opts.remoteStatic) }, opts);
  }

  /** Wait for an initiator's act one. */
  static responder(opts: HandshakeOptions): NoiseHandshake {
    // BOLT #8: The responding node mixes in their local static public key
    // serialized in Bitcoin's compressed format:
    return new NoiseHandshake('responder', { kind: 'responderAwaitActOne', h: mixHash(INITIAL_H, opts.localStatic) }, opts);
  }

  /** Current state name. */
  get state(): HandshakeStateName {
    return this.#state.kind;
  }

  /** Bytes of the act expected next (50, 50 or 66), or 0 when no act is expected now. */
  get bytesWanted(): number {
    const s = this.#state;
    switch (s.kind) {
      case 'responderAwaitActOne':
        return ACT_ONE_LEN;
      case 'initiatorAwaitActTwo':
        return ACT_TWO_LEN;
      case 'responderAwaitActThree':
        return ACT_THREE_LEN;
      case 'initiatorStart':
      case 'computing':
      case 'complete':
      case 'failed':
        return 0;
      default:
        return assertNever(s, 'handshake state');
    }
  }

  /** Initiator: produce act one (50 bytes). Same as {@link start}. */
  actOne(): Uint8Array {
    const s = this.#expect('initiatorStart', 1);
    return this.#guard(1, () => {
      const e = this.#newEphemeral();
      // BOLT #8: `h = SHA-256(h || e.pub.serializeCompressed())`
      let h = mixHash(s.h, e.pub);
      // BOLT #8: `es = ECDH(e.priv, rs)`
      const [ck, k1] = mixKey(INITIAL_CK, this.#engine.ecdh(s.rs, e.priv));
      // BOLT #8: `c = encryptWithAD(temp_k1, 0, h, zero)`
      const c = encryptWithAD(this.#aead, k1, NONCE_0, h);
      wipe(k1);
      h = mixHash(h, c);
      this.#state = { kind: 'initiatorAwaitActTwo', h, ck, e, rs: s.rs };
      // BOLT #8: Send `m = 0 || e.pub.serializeCompressed() || c` to the responder over the network buffer.
      return concat(VERSION, e.pub, c);
    });
  }

  /** Initiator: the bytes to send first (act one). For symmetry with {@link push}. */
  start(): Uint8Array {
    return this.actOne();
  }

  /** Responder: check act one (exactly 50 bytes) and produce act two. */
  async receiveActOne(m: Uint8Array): Promise<Uint8Array> {
    const s = this.#expect('responderAwaitActOne', 1);
    return this.#guardAsync(1, async () => {
      const re = parseEphemeralAct(m, ACT_ONE_LEN, 1, this.#engine);
      // BOLT #8: `h = SHA-256(h || re.serializeCompressed())`
      let h = mixHash(s.h, re);
      // BOLT #8: `es = ECDH(s.priv, re)`
      const [ck1, k1] = mixKey(INITIAL_CK, await this.#staticEcdh(re, 1));
      // BOLT #8: If the MAC check in this operation fails, then the initiator does _not_
      // know the responder's static public key.
      const c = m.subarray(34, 50);
      checkTag(decryptWithAD(this.#aead, k1, NONCE_0, h, c), 1);
      wipe(k1);
      h = mixHash(h, c);
      // Act two, sender side.
      const e = this.#newEphemeral();
      h = mixHash(h, e.pub);
      // BOLT #8: `ee = ECDH(e.priv, re)`
      const [ck, tempK2] = mixKey(ck1, this.#engine.ecdh(re, e.priv));
      wipe(ck1);
      // BOLT #8: `c = encryptWithAD(temp_k2, 0, h, zero)`
      const c2 = encryptWithAD(this.#aead, tempK2, NONCE_0, h);
      h = mixHash(h, c2);
      this.#state = { kind: 'responderAwaitActThree', h, ck, tempK2, e };
      return concat(VERSION, e.pub, c2);
    });
  }

  /** Initiator: check act two (exactly 50 bytes); produce act three and the finished session. */
  async receiveActTwo(m: Uint8Array): Promise<{ actThree: Uint8Array; result: HandshakeResult }> {
    const s = this.#expect('initiatorAwaitActTwo', 2);
    return this.#guardAsync(2, async () => {
      const re = parseEphemeralAct(m, ACT_TWO_LEN, 2, this.#engine);
      let h = mixHash(s.h, re);
      // BOLT #8: `ee = ECDH(e.priv, re)`
      const [ck2, k2] = mixKey(s.ck, this.#engine.ecdh(re, s.e.priv));
      wipe(s.ck, s.e.priv);
      const c = m.subarray(34, 50);
      // BOLT #8: If the MAC check in this operation fails, then the initiator MUST
      // terminate the connection without any further messages.
      checkTag(decryptWithAD(this.#aead, k2, NONCE_0, h, c), 2);
      h = mixHash(h, c);
      // BOLT #8: `c = encryptWithAD(temp_k2, 1, h, s.pub.serializeCompressed())`
      const c3 = encryptWithAD(this.#aead, k2, NONCE_1, h, this.#ls);
      wipe(k2);
      h = mixHash(h, c3);
      // BOLT #8: `se = ECDH(s.priv, re)`
      const [ck, k3] = mixKey(ck2, await this.#staticEcdh(re, 2));
      wipe(ck2);
      // BOLT #8: `t = encryptWithAD(temp_k3, 0, h, zero)`
      const t = encryptWithAD(this.#aead, k3, NONCE_0, h);
      wipe(k3);
      // BOLT #8: `sk, rk = HKDF(ck, zero)`
      const [sk, rk] = splitKeys(ck);
      const transport = new Transport(sk, rk, ck, this.#aead);
      wipe(sk, rk, ck);
      this.#state = { kind: 'complete' };
      // BOLT #8: Send `m = 0 || c || t` over the network buffer.
      return { actThree: concat(VERSION, c3, t), result: { transport, remoteStatic: s.rs } };
    });
  }

  /** Responder: check act three (exactly 66 bytes); the finished session, with the initiator's node id. */
  receiveActThree(m: Uint8Array): HandshakeResult {
    const s = this.#expect('responderAwaitActThree', 3);
    return this.#guard(3, () => {
      checkActFrame(m, ACT_THREE_LEN, 3);
      const c = m.subarray(1, 50);
      const t = m.subarray(50, 66);
      // BOLT #8: `rs = decryptWithAD(temp_k2, 1, h, c)`
      const rs = decryptWithAD(this.#aead, s.tempK2, NONCE_1, s.h, c);
      wipe(s.tempK2);
      if (rs === null) throw new NoiseError('badCiphertext', 'act three: static key ciphertext failed its MAC check', 3);
      if (!this.#engine.isValidPublicKey(rs)) throw new NoiseError('badPublicKey', 'act three: static key is not a valid point', 3);
      // BOLT #8: `h = SHA-256(h || c)`
      const h = mixHash(s.h, c);
      // BOLT #8: `se = ECDH(e.priv, rs)`
      const [ck, k3] = mixKey(s.ck, this.#engine.ecdh(rs, s.e.priv));
      wipe(s.ck, s.e.priv);
      // BOLT #8: `p = decryptWithAD(temp_k3, 0, h, t)`
      checkTag(decryptWithAD(this.#aead, k3, NONCE_0, h, t), 3);
      wipe(k3);
      // BOLT #8: `rk, sk = HKDF(ck, zero)`
      const [rk, sk] = splitKeys(ck);
      const transport = new Transport(sk, rk, ck, this.#aead);
      wipe(sk, rk, ck);
      this.#state = { kind: 'complete' };
      return { transport, remoteStatic: rs };
    });
  }

  /**
   * Feed received bytes in any split. Returns the acts to send and, once finished, the session plus
   * any transport messages that arrived after the last act. Calls are queued, so they may overlap.
   * Throws `NoiseError` (disconnect).
   */
  push(chunk: Uint8Array): Promise<HandshakeOutput> {
    const run = this.#tail.then(() => this.#drive(chunk));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  /** The peer closed the stream. Throws `shortRead` for the act we were waiting for, if any. */
  end(): void {
    const want = this.bytesWanted;
    if (want === 0) return;
    const act: Act = want === ACT_THREE_LEN ? 3 : this.role === 'responder' ? 1 : 2;
    this.#fail(new NoiseError('shortRead', `act ${act}: stream ended after ${this.#buf.length} of ${want} bytes`, act));
  }

  async #drive(chunk: Uint8Array): Promise<HandshakeOutput> {
    this.#buf = this.#buf.length === 0 ? chunk : concat(this.#buf, chunk);
    const send: Uint8Array[] = [];
    for (;;) {
      const want = this.bytesWanted;
      if (want === 0 || this.#buf.length < want) return { send };
      const act = this.#buf.subarray(0, want);
      this.#buf = this.#buf.subarray(want);
      const s = this.#state;
      switch (s.kind) {
        case 'responderAwaitActOne':
          send.push(await this.receiveActOne(act));
          break;
        case 'initiatorAwaitActTwo': {
          const { actThree, result } = await this.receiveActTwo(act);
          send.push(actThree);
          return { send, done: this.#finish(result) };
        }
        case 'responderAwaitActThree':
          return { send, done: this.#finish(this.receiveActThree(act)) };
        case 'initiatorStart':
        case 'computing':
        case 'complete':
        case 'failed':
          return { send }; // unreachable: bytesWanted is 0 in these states
        default:
          return assertNever(s, 'handshake state');
      }
    }
  }

  #finish(result: HandshakeResult): HandshakeResult & { messages: Uint8Array[] } {
    const rest = this.#buf;
    this.#buf = new Uint8Array(0);
    return { ...result, messages: rest.length > 0 ? result.transport.push(rest) : [] };
  }

  #expect<K extends State['kind']>(kind: K, act: Act): Extract<State, { kind: K }> {
    const s = this.#state;
    if (s.kind === 'failed') throw s.error;
    if (s.kind !== kind) throw new NoiseError('badState', `act ${act} is not expected in state ${s.kind}`, act);
    return s as Extract<State, { kind: K }>;
  }

  #guard<T>(act: Act, f: () => T): T {
    try {
      return f();
    } catch (e) {
      this.#fail(asNoiseError(e, act));
    }
  }

  async #guardAsync<T>(act: Act, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      this.#fail(asNoiseError(e, act));
    }
  }

  async #staticEcdh(point: Uint8Array, act: Act): Promise<Uint8Array> {
    const prev = this.#state;
    this.#state = { kind: 'computing', act };
    let ss: Uint8Array;
    try {
      ss = await this.#ecdh(point);
    } catch (cause) {
      throw new NoiseError('badEcdhResult', `act ${act}: static-key ECDH failed`, act, { cause });
    } finally {
      this.#state = prev; // so a failure still wipes the secrets of `prev`
    }
    if (!(ss instanceof Uint8Array) || ss.length !== 32) {
      throw new NoiseError('badEcdhResult', `act ${act}: static-key ECDH returned a value that is not 32 bytes`, act);
    }
    return ss;
  }

  #newEphemeral(): KeyPair {
    // BOLT #8: For each session, a node MUST generate a
    // new ephemeral key with strong cryptographic randomness.
    let priv = this.#ephemeral ?? randomBytes(32);
    while (!this.#engine.isValidPrivateKey(priv)) priv = randomBytes(32); // fails with probability ~2^-128
    const pair = { priv: Uint8Array.from(priv), pub: this.#engine.publicKey(priv) };
    priv.fill(0); // our copy of the injected key, or the random buffer
    return pair;
  }

  #fail(error: NoiseError): never {
    const s = this.#state;
    switch (s.kind) {
      case 'initiatorAwaitActTwo':
        wipe(s.ck, s.e.priv);
        break;
      case 'responderAwaitActThree':
        wipe(s.ck, s.tempK2, s.e.priv);
        break;
      case 'initiatorStart':
      case 'responderAwaitActOne':
      case 'computing':
      case 'complete':
      case 'failed':
        break;
      default:
        assertNever(s, 'handshake state');
    }
    this.#ephemeral?.fill(0);
    this.#buf = new Uint8Array(0);
    this.#state = { kind: 'failed', error };
    throw error;
  }
}
