/**
 * @module test/channel/machine-harness
 * Two channel state machines talking in memory: every `send` is encoded with the wire registry, queued,
 * and decoded on the other side (so the real codecs carry every message); `fundTx` is answered by a
 * fake wallet (one dummy input, the funding output, a change output); broadcasts, events and closes are
 * recorded. Each state is checked to be plain data before it is accepted. Not a test file.
 */
import assert from 'node:assert/strict';
import { deriveChannelSecrets, p2wpkh, serializeTx, txid } from '../../src/channel/index.js';
import type { Transaction } from '../../src/channel/index.js';
import { DEFAULT_CHANNEL_POLICY } from '../../src/channel/constants.js';
import { initialState, step } from '../../src/channel/machine/index.js';
import type { ChannelAction, ChannelContext, ChannelEvent, ChannelInput, ChannelPeerMessage, ChannelPolicy, ChannelState, NegotiatedFeatures } from '../../src/channel/machine/index.js';
import { activeEngine } from '../../src/crypto/engines.js';
import { sha256 } from '../../src/crypto/hash.js';
import { decodeMessage, encodeMessage } from '../../src/wire/index.js';

/** Regtest genesis hash (serialised order), the chain both test nodes run on. */
export const CHAIN = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));

/** Every feature on. */
export const ALL_FEATURES: NegotiatedFeatures = { upfrontShutdownScript: true, shutdownAnySegwit: true, simpleClose: false, anchors: true, largeChannel: false };

/** Throws unless `v` is plain data (objects, arrays, bigint, number, string, boolean, Uint8Array, undefined). */
export function assertPlain(v: unknown, path = 'state'): void {
  if (v === undefined || v === null || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return;
  if (v instanceof Uint8Array) return;
  if (Array.isArray(v)) return v.forEach((x, i) => assertPlain(x, `${path}[${i}]`));
  assert.equal(typeof v, 'object', `${path} is a ${typeof v}`);
  const proto = Object.getPrototypeOf(v);
  assert.ok(proto === Object.prototype || proto === null, `${path} is not a plain object`);
  for (const [k, x] of Object.entries(v as object)) assertPlain(x, `${path}.${k}`);
}

/** One node's side of one channel; the peer is the side with seed 2 for seed 1, else seed 1 (its node id is derived the same way). */
export class Side {
  state: ChannelState;
  readonly ctx: ChannelContext;
  readonly outbox: Uint8Array[] = [];
  readonly broadcasts: { raw: Uint8Array; what: string }[] = [];
  readonly events: ChannelEvent[] = [];
  readonly actions: ChannelAction[] = [];
  fundRequests = 0;
  closedReason: string | undefined;

  readonly name: string;

  constructor(name: string, seedByte: number, features: NegotiatedFeatures, policy: Partial<ChannelPolicy> = {}, closingFeeratePerKw = 1000) {
    this.name = name;
    const engine = activeEngine();
    const master = new Uint8Array(32).fill(seedByte);
    const nodeKey = sha256(Uint8Array.of(seedByte, 1));
    this.ctx = {
      now: 1_700_000_000_000,
      policy: { ...DEFAULT_CHANNEL_POLICY, ...policy },
      chainHash: CHAIN,
      secrets: (i) => deriveChannelSecrets(master, i),
      localNodeId: engine.publicKey(nodeKey),
      signWithNodeKey: (d) => engine.sign(d, nodeKey),
      closingFeeratePerKw,
      defaultShutdownScript: p2wpkh(engine.publicKey(sha256(Uint8Array.of(seedByte, 2)))),
    };
    this.state = initialState({ remoteNodeId: engine.publicKey(sha256(Uint8Array.of(seedByte === 1 ? 2 : 1, 1))), features, keyIndex: BigInt(seedByte), connected: true });
  }

  /** One step; records everything, queues encoded messages. */
  apply(input: ChannelInput): ChannelAction[] {
    const r = step(this.state, input, this.ctx);
    assertPlain(r.state);
    this.state = r.state;
    for (const a of r.actions) {
      this.actions.push(a);
      switch (a.kind) {
        case 'send':
          this.outbox.push(encodeMessage(a.message));
          break;
        case 'fundTx':
          this.fundRequests++;
          this.pendingFund = a.request;
          break;
        case 'broadcast':
          this.broadcasts.push({ raw: a.raw, what: a.what });
          break;
        case 'event':
          this.events.push(a.event);
          break;
        case 'closed':
          this.closedReason = a.reason.kind;
          break;
        case 'watch':
        case 'channelIdAssigned':
        case 'disconnect':
          break;
      }
    }
    return [...r.actions];
  }

  pendingFund: { script: Uint8Array; amountSat: bigint; feeratePerKw: number } | undefined;

  /** Answers the pending `fundTx` like a wallet: one input, the funding output at index 1, change at 0. */
  fund(): Transaction {
    const req = this.pendingFund;
    assert.ok(req, `${this.name} asked for no funding tx`);
    const tx: Transaction = {
      version: 2,
      inputs: [{ txid: new Uint8Array(32).fill(7), vout: 0, scriptSig: new Uint8Array(0), sequence: 0xfffffffd, witness: [new Uint8Array(71), new Uint8Array(33).fill(2)] }],
      outputs: [{ value: 50_000n, script: this.ctx.defaultShutdownScript }, { value: req.amountSat, script: req.script }],
      locktime: 0,
    };
    this.apply({ kind: 'fundingTx', raw: serializeTx(tx), txid: txid(tx), vout: 1 });
    return tx;
  }

  /** Messages decoded from the outbox (without draining it). */
  peek(): ChannelPeerMessage[] {
    return this.outbox.map((b) => decodeMessage(b) as ChannelPeerMessage);
  }

  /** The state kind (a method, so assertions on it do not narrow the field for later reads). */
  kind(): ChannelState['kind'] {
    return this.state.kind;
  }

  has(kind: ChannelEvent['kind']): boolean {
    return this.events.some((e) => e.kind === kind);
  }
}

/** Delivers queued messages both ways until both outboxes are empty (bounded). Returns the names delivered, in order. */
export function pump(a: Side, b: Side, opts: { max?: number; filter?: (from: Side, m: ChannelPeerMessage) => ChannelPeerMessage | undefined } = {}): string[] {
  const seen: string[] = [];
  const max = opts.max ?? 200;
  for (let i = 0; i < max && (a.outbox.length > 0 || b.outbox.length > 0); i++) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const bytes = from.outbox.shift();
      if (bytes === undefined) continue;
      let m = decodeMessage(bytes) as ChannelPeerMessage;
      if (opts.filter) {
        const f = opts.filter(from, m);
        if (f === undefined) continue;
        m = f;
      }
      seen.push(`${from.name}:${m.name}`);
      to.apply({ kind: 'peerMessage', message: m });
    }
  }
  if (opts.max === undefined) assert.equal(a.outbox.length + b.outbox.length, 0, 'conversation did not settle');
  return seen;
}

/** Opens a channel from `a` to `b`, confirms it and exchanges channel_ready. */
export function openChannel(a: Side, b: Side, o: { fundingSat?: bigint; pushMsat?: bigint; format?: 'anchors' | 'staticRemoteKey'; feeratePerKw?: number } = {}): void {
  a.apply({ kind: 'command', command: { kind: 'open', params: {
    fundingSat: o.fundingSat ?? 1_000_000n, pushMsat: o.pushMsat ?? 100_000_000n, commitmentFeeratePerKw: o.feeratePerKw ?? 2500, fundingFeeratePerKw: 2000,
    announce: false, format: o.format ?? 'anchors', temporaryChannelId: new Uint8Array(32).fill(a.ctx.localNodeId[1]!),
  } } });
  pump(a, b);
  a.fund();
  pump(a, b);
  confirm(a, b);
}

/** Confirms the funding on both sides and lets channel_ready through. */
export function confirm(a: Side, b: Side, depth = 3): void {
  a.apply({ kind: 'fundingDepth', depth, shortChannelId: 0x0000010000020001n });
  b.apply({ kind: 'fundingDepth', depth, shortChannelId: 0x0000010000020001n });
  pump(a, b);
}

/** A 1366-byte onion (opaque to the channel). */
export const ONION = new Uint8Array(1366).fill(9);

/** Offers an HTLC from `from` and signs it. */
export function addHtlc(from: Side, preimage: Uint8Array, amountMsat: bigint): void {
  from.apply({ kind: 'command', command: { kind: 'addHtlc', amountMsat, paymentHash: sha256(preimage), cltvExpiry: 800_144, onionRoutingPacket: ONION } });
  from.apply({ kind: 'command', command: { kind: 'sign' } });
}
