/**
 * Test helpers for the front (not a test file): node keys, a chain hash, and a pure driver that runs a
 * BOLT 8 initiator from `src/noise` against a `PeerConnection` without any socket.
 */
import { randomBytes } from 'node:crypto';
import { activeEngine } from '../../src/crypto/engines.js';
import { CreditLedger } from '../../src/cluster/session.js';
import { NoiseHandshake, type Transport } from '../../src/noise/index.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/wire/index.js';
import { PeerConnection, type PeerAction, type PeerTimings } from '../../src/front/peer-fsm.js';

/** A secp256k1 key pair with a local ECDH. */
export interface TestKey {
  readonly priv: Uint8Array;
  readonly pub: Uint8Array;
  ecdh(point: Uint8Array): Uint8Array;
}

/** A fresh random key. */
export function newKey(): TestKey {
  const engine = activeEngine();
  let priv = randomBytes(32);
  while (!engine.isValidPrivateKey(priv)) priv = randomBytes(32);
  const p = Uint8Array.from(priv);
  return { priv: p, pub: engine.publicKey(p), ecdh: (point) => engine.ecdh(point, p) };
}

/** Bitcoin regtest genesis hash in wire order (any 32 bytes would do for the front). */
export const REGTEST = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));
/** Another chain, for the wrong-network case. */
export const MAINNET = Uint8Array.from(Buffer.from('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000', 'hex'));

/** Our init features in tests: var_onion_optin (9), static_remotekey (13), payment_secret (15), all optional. */
export const OUR_FEATURES = Uint8Array.from([0xa2, 0x00]);

/** Short timings for the pure tests (the clock is injected, so values are arbitrary). */
export const TIMINGS: PeerTimings = { pingIntervalMs: 30_000, pongTimeoutMs: 10_000, handshakeTimeoutMs: 5_000, initTimeoutMs: 5_000 };

/** Encodes a message. */
export const enc = (m: Message): Uint8Array => encodeMessage(m);

/** A raw message of any type (type + payload). */
export function raw(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(2 + payload.length);
  out[0] = type >> 8;
  out[1] = type & 0xff;
  out.set(payload, 2);
  return out;
}

/** The bytes of every `write` action, concatenated. */
export function writes(actions: readonly PeerAction[]): Uint8Array {
  return Buffer.concat(actions.filter((a) => a.kind === 'write').map((a) => (a as { bytes: Uint8Array }).bytes));
}

/** Actions of one kind. */
export function ofKind<K extends PeerAction['kind']>(actions: readonly PeerAction[], kind: K): Extract<PeerAction, { kind: K }>[] {
  return actions.filter((a): a is Extract<PeerAction, { kind: K }> => a.kind === kind);
}

/** A `PeerConnection` (inbound) with a test peer that finished the handshake; nothing else done yet. */
export interface Driven {
  readonly fsm: PeerConnection;
  readonly credit: CreditLedger;
  readonly node: TestKey;
  readonly peerKey: TestKey;
  /** The peer's side of the transport. */
  readonly peer: Transport;
  /** Actions that came with the end of the handshake (our init). */
  readonly first: PeerAction[];
  /** The messages in `first`, already read by the peer (our init). */
  readonly firstMessages: Message[];
  /** Sends messages from the peer at `now`; returns the core's actions. */
  send(now: number, ...messages: Uint8Array[]): Promise<PeerAction[]>;
  /** Decrypts the writes in `actions` as the peer and decodes them. */
  read(actions: readonly PeerAction[]): Message[];
}

/** Runs the handshake between a test initiator and a fresh inbound core at time 0. */
export async function drive(opts: { chainHash?: Uint8Array; features?: Uint8Array } = {}): Promise<Driven> {
  const node = newKey();
  const peerKey = newKey();
  const credit = new CreditLedger();
  const fsm = PeerConnection.inbound({
    conn: 7, localNodeId: node.pub, staticEcdh: node.ecdh, timings: TIMINGS,
    ourInit: { features: opts.features ?? OUR_FEATURES, chainHash: opts.chainHash ?? REGTEST }, credit, now: 0,
  });
  const hs = NoiseHandshake.initiator({ localStatic: peerKey.pub, staticEcdh: peerKey.ecdh, remoteStatic: node.pub });
  const actTwo = writes(await fsm.receive(hs.actOne(), 0));
  const out = await hs.push(actTwo);
  if (!out.done) throw new Error('handshake did not finish');
  const peer = out.done.transport;
  const first = await fsm.receive(Buffer.concat(out.send), 0);
  const read = (actions: readonly PeerAction[]) => {
    const w = writes(actions);
    return w.length === 0 ? [] : peer.push(w).map((m) => decodeMessage(m));
  };
  const send = (now: number, ...messages: Uint8Array[]) => fsm.receive(Buffer.concat(messages.map((m) => peer.encrypt(m))), now);
  const firstMessages = read(first);
  return { fsm, credit, node, peerKey, peer, first, firstMessages, send, read };
}

/** A valid peer init on `chain` with optional features. */
export function peerInit(chain: Uint8Array = REGTEST, features: Uint8Array = OUR_FEATURES): Uint8Array {
  return enc({ name: 'init', globalfeatures: new Uint8Array(0), features, tlvs: { networks: [chain] } });
}
