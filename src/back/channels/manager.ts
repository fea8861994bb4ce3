/**
 * @module back/channels/manager
 * The backend's channel manager: one state machine per channel (`MachinePort`, see `./port.ts`), driven by
 * peer messages, peer connects/disconnects, chain depth and operator commands, with every new state
 * committed to `channels.sqlite` (`./store.ts`) BEFORE any message, broadcast or wallet call of that step
 * leaves the backend. Steps of one channel run one after another (a promise chain per channel), so
 * concurrent messages never interleave; a throw or a bad message affects only that channel.
 *
 * Routing (BOLT 1 and 2): `open_channel` creates an inbound machine (unless `channels.accept-inbound` is
 * off or the peer is at `channels.max-per-peer`); any other message of types 32–255 goes to the peer's
 * channel named by its first field (channel_id, or temporary_channel_id before funding); an unknown one
 * is answered with `error` for that id. `error` with an all-zero channel_id fails all the peer's
 * channels. Messages go out through the peer's current connection, on whatever front it is now
 * (`PeerIo.sendTo`), so a peer that moves fronts just continues after `channel_reestablish`.
 *
 * Persisted per channel (the "envelope"): the machine's state, the funding watch, and transactions still
 * to broadcast (re-sent at start and on each block until confirmed), so a crash at any point resumes.
 *
 * Spec: https://github.com/lightning/bolts/blob/master/02-peer-protocol.md
 * Does not: decide BOLT 2 (the machine does), relay payments, or resolve closes on chain (BOLT 5).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../log.js';
import { deriveChannelSecrets } from '../../channel/params.js';
import { scidFromParts } from '../../wire/scid.js';
import type { UtxoChainSource, ChainSource } from '../../chain/source.js';
import { noWalletError, WalletError, type Wallet } from '../../chain/wallet.js';
import { encodeMessage } from '../../wire/index.js';
import { BackendError } from '../errors.js';
import type { ChannelStore } from './store.js';
import type { ChannelView, MachinePort, OpenParams, PeerFeatures, PortAction, PortInput, StepContext, StepResult } from './port.js';

/** A channel open waits this long for the peer (accept_channel, funding_signed) and the wallet, ms. */
export const OPEN_TIMEOUT_MS = 60_000;
/** Channel message types BOLT 1 tells us to answer with `error` when the channel is unknown. */
const CHANNEL_TYPE_MIN = 32;
const CHANNEL_TYPE_MAX = 255;
const TYPE_WARNING = 1;
const TYPE_ERROR = 17;
const TYPE_OPEN_CHANNEL = 32;
const TYPE_OPEN_CHANNEL2 = 64;
const ID_BYTES = 32;
const NO_FEATURES: PeerFeatures = { ours: new Uint8Array(0), theirs: new Uint8Array(0) };

/** How the manager reaches peers (the switchboard). */
export interface PeerIo {
  sendTo(nodeId: string, message: Uint8Array): boolean;
  /** Closes the peer's connection (the peer reconnects and re-establishes). */
  disconnect(nodeId: string, reason: string): void;
  /** The `init` features of the peer's current connection (theirs and ours), if connected. */
  features(nodeId: string): PeerFeatures | undefined;
  isConnected(nodeId: string): boolean;
  markHasChannels(nodeId: string): void;
  frontCount(): number;
}

/** The manager's settings (from `channels.*`). */
export interface ManagerPolicy {
  readonly acceptInbound: boolean;
  readonly maxPerPeer: number;
  readonly minFundingSat: bigint;
  readonly maxFundingSat: bigint;
}

/** Dependencies of the manager. */
export interface ManagerDeps<S> {
  readonly store: ChannelStore;
  readonly port: MachinePort<S>;
  /** A fresh copy of the channel master seed (NodeKey.channelMasterSeed); zeroed after each use. */
  readonly seed: () => Uint8Array;
  readonly wallet: Wallet | undefined;
  readonly chain: ChainSource;
  readonly peers: PeerIo;
  readonly policy: ManagerPolicy;
  readonly log: Logger;
  readonly now: () => number;
  /** Feerate for new steps, sat/kw (the wallet's estimate, or the floor without one). */
  readonly feerate: () => Promise<number>;
  /** Open timeout instead of `OPEN_TIMEOUT_MS` (tests). */
  readonly openTimeoutMs?: number;
}

/** What is persisted per channel. */
interface Envelope<S> {
  readonly machine: S;
  readonly watch?: { readonly txid: string; readonly vout: number; readonly untilDepth: number; readonly scid?: bigint };
  readonly pending: readonly { readonly txHex: string; readonly what: string }[];
}

interface Slot<S> {
  readonly id: number;
  readonly peer: string;
  readonly temporaryChannelId: string;
  readonly keyIndex: bigint;
  channelId: string | undefined;
  env: Envelope<S>;
  version: number;
  chain: Promise<void>;
  fault: string | undefined;
  closedReason: string | undefined;
  /** A `tick` (sign) is queued behind pending commands. */
  signQueued: boolean;
  /** Its funding output was spent on chain (`closedOnChain`): no more peer messages or commands. */
  onchainClosed?: string;
  /** Funding depth last given to the machine (in memory: after a restart it is given again once). */
  lastDepth: number | undefined;
  /** A depth lookup is running. */
  lookingUp: boolean;
  waiter: { resolve(v: OpenResult): void; reject(e: Error): void } | undefined;
}

/** A channel as `GET /channels` shows it. */
export interface ChannelInfo extends Omit<ChannelView, 'channelId'> {
  readonly id: number;
  readonly channelId: string | undefined;
  readonly temporaryChannelId: string;
  readonly peer: string;
  readonly peerConnected: boolean;
  readonly fault?: string;
  readonly closedReason?: string;
  /** On-chain resolution (BOLT 5) once the funding output is watched (`./onchain.ts` OnchainInfo). */
  readonly onchain?: unknown;
}

/** What `open` answers once the funding transaction is broadcast. */
export interface OpenResult {
  readonly id: number;
  readonly channelId: string | undefined;
  readonly temporaryChannelId: string;
  readonly fundingTxid: string | undefined;
  readonly fundingVout: number | undefined;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const typeOf = (m: Uint8Array): number | undefined => (m.length >= 2 ? (m[0]! << 8) | m[1]! : undefined);

/** The channel manager; see the module comment. */
export class ChannelManager<S> {
  readonly #d: ManagerDeps<S>;
  readonly #slots = new Map<number, Slot<S>>();
  readonly #byChannelId = new Map<string, Slot<S>>();
  /** `${peer}/${temporaryChannelId}` → slot, for messages before the channel_id is known. */
  readonly #byTemp = new Map<string, Slot<S>>();
  /** Inbound opens between `open_channel` and their row (the machine's first step is async): peer → temp ids. */
  readonly #starting = new Map<string, Set<string>>();
  #height = 0;
  #closed = false;

  constructor(deps: ManagerDeps<S>) {
    this.#d = deps;
  }

  /** Loads every stored channel; corrupt rows are logged by channel and left alone. */
  load(): void {
    const { rows, corrupt } = this.#d.store.loadAll();
    for (const c of corrupt) this.#d.log.error({ channel: c.id, err: c.error.message }, 'channel state unreadable: channel not loaded');
    for (const r of rows) {
      const env = r.state as Envelope<S>;
      const slot = this.#addSlot({ id: r.id, peer: hex(r.peer), temporaryChannelId: hex(r.temporaryChannelId), keyIndex: r.keyIndex, env, version: r.version });
      if (r.channelId !== undefined) this.#index(slot, hex(r.channelId));
    }
    this.#d.log.info({ channels: rows.length, corrupt: corrupt.length }, 'channels loaded');
  }

  /**
   * Re-sends transactions persisted as pending (after a restart), then looks up the depth of every watched
   * funding output at once: one that confirmed while we were down must not wait for the next block.
   */
  async resume(): Promise<void> {
    for (const s of this.#slots.values()) for (const p of s.env.pending) await this.#broadcast(s, p.txHex, p.what);
    const source = this.#d.chain;
    if (source.kind !== 'none') await Promise.all([...this.#slots.values()].map((s) => this.#lookDepth(s, source, false)));
  }

  /** Whether `nodeId` has channels that are not closed. */
  hasChannels(nodeId: string): boolean {
    for (const s of this.#slots.values()) if (s.peer === nodeId && this.#active(s)) return true;
    return false;
  }

  /** Every channel. */
  list(): ChannelInfo[] {
    return [...this.#slots.values()].map((s) => ({
      id: s.id, channelId: s.channelId, temporaryChannelId: s.temporaryChannelId, peer: s.peer,
      peerConnected: this.#d.peers.isConnected(s.peer), ...viewWithoutId(this.#d.port.view(s.env.machine)),
      ...(s.fault === undefined ? {} : { fault: s.fault }), ...(s.closedReason === undefined ? {} : { closedReason: s.closedReason }),
      ...withOnchain(this.onchainInfo?.(s.id)),
    }));
  }

  /** Hook for the on-chain driver (`./onchain.ts`): what a channel's listing shows of its on-chain resolution. */
  onchainInfo: ((channel: number) => unknown) | undefined;

  /** Every channel's machine state and key index (read by the on-chain driver each block). */
  machineStates(): { id: number; keyIndex: bigint; state: S }[] {
    return [...this.#slots.values()].map((s) => ({ id: s.id, keyIndex: s.keyIndex, state: s.env.machine }));
  }

  /** A peer connected (on any front): its channels re-establish. */
  onPeerUp(nodeId: string): void {
    for (const s of this.#slots.values()) if (s.peer === nodeId && this.#active(s)) this.#enqueue(s, { kind: 'connected' });
  }

  /** A peer's connection is gone (detached, replaced without a successor, or its front's link lost). */
  onPeerDown(nodeId: string): void {
    for (const s of this.#slots.values()) if (s.peer === nodeId && this.#active(s)) this.#enqueue(s, { kind: 'disconnected' });
  }

  /** A new block: feed the depth of watched funding outputs; re-send pending transactions. */
  onBlock(height: number): void {
    const newBlock = height > this.#height;
    this.#height = Math.max(this.#height, height);
    const source = this.#d.chain;
    if (source.kind === 'none') return;
    if (newBlock) void this.#d.feerate().then((f) => { this.#feerate = f; }, () => {});
    this.#d.log.debug({ height }, 'block');
    for (const s of this.#slots.values()) {
      if (newBlock && this.#active(s) && this.#d.port.view(s.env.machine).wantsBlocks === true) void this.#enqueue(s, { kind: 'block', height });
      if (s.env.watch === undefined) continue;
      void this.#lookDepth(s, source);
    }
  }

  /** One Lightning message from `nodeId`. */
  onPeerMessage(nodeId: string, message: Uint8Array): void {
    const type = typeOf(message);
    if (type === undefined || this.#closed) return;
    if (type === TYPE_WARNING) {
      this.#d.log.info({ peer: nodeId }, 'warning from peer');
      return;
    }
    if (type === TYPE_ERROR) return this.#onError(nodeId, message);
    if (type < CHANNEL_TYPE_MIN || type > CHANNEL_TYPE_MAX) return;
    if (message.length < 2 + ID_BYTES + (type === TYPE_OPEN_CHANNEL || type === TYPE_OPEN_CHANNEL2 ? ID_BYTES : 0)) {
      this.#d.log.info({ peer: nodeId, type }, 'channel message too short: ignored');
      return;
    }
    if (type === TYPE_OPEN_CHANNEL) return this.#onOpenChannel(nodeId, message);
    if (type === TYPE_OPEN_CHANNEL2) {
      this.#refuse(nodeId, message.subarray(2 + ID_BYTES, 2 + 2 * ID_BYTES), 'dual-funded channels (open_channel2) are not supported');
      return;
    }
    const id = hex(message.subarray(2, 2 + ID_BYTES));
    const slot = this.#lookup(nodeId, id);
    // BOLT #1: - SHOULD send `error` with the unknown `channel_id` in reply to messages of type `32`-`255` related to unknown channels.
    if (slot === undefined) {
      this.#refuse(nodeId, unhex(id), 'unknown channel');
      return;
    }
    if (slot.onchainClosed !== undefined) {
      this.#refuse(nodeId, unhex(id), `channel closed on chain: ${slot.onchainClosed}`);
      return;
    }
    this.#enqueue(slot, { kind: 'message', message });
  }

  /**
   * The on-chain driver (`./onchain.ts`) saw the funding output spent: BOLT 5 says fail the channel, so
   * from now on its peer messages are answered with `error` and commands refused (in memory: the driver
   * calls this again at every start for channels it is resolving).
   */
  closedOnChain(id: number, reason: string): void {
    const slot = this.#slots.get(id);
    if (slot === undefined || slot.onchainClosed !== undefined) return;
    slot.onchainClosed = reason;
    slot.closedReason ??= reason;
    this.#d.log.info({ channel: id, channelId: slot.channelId, reason }, 'channel closed on chain');
  }

  /** The on-chain driver is done with the channel's funding spend: its machine closes (idempotent). */
  resolvedOnChain(id: number): Promise<void> {
    const slot = this.#slots.get(id);
    if (slot === undefined || !this.#d.port.view(slot.env.machine).active) return Promise.resolve();
    return this.#enqueue(slot, { kind: 'onchainResolved' });
  }

  /** Opens a channel to a connected peer; resolves once the funding transaction is broadcast. */
  async open(req: { nodeId: string; sats: bigint; pushMsat: bigint; announce: boolean }): Promise<OpenResult> {
    if (this.#d.wallet === undefined) throw new BackendError('BACK_NO_WALLET', noWalletError().message);
    const p = this.#d.policy;
    if (req.sats < p.minFundingSat || req.sats > p.maxFundingSat) throw new BackendError('BACK_BAD_REQUEST', `sats must be within channels.min-funding-sat ${p.minFundingSat} and channels.max-funding-sat ${p.maxFundingSat}`);
    if (req.pushMsat > req.sats * 1000n) throw new BackendError('BACK_BAD_REQUEST', 'pushMsat is more than the channel holds');
    if (this.#d.peers.frontCount() === 0) throw new BackendError('BACK_NO_FRONT', 'no front is connected to the backend, so no peer is reachable; start a front (lnfleet front)');
    if (!this.#d.peers.isConnected(req.nodeId)) throw new BackendError('BACK_PEER_NOT_CONNECTED', `peer ${req.nodeId} is not connected; connect first (lnfleet connect <nodeid>@host:port)`);
    // Checked before anything is sent to the peer; the funding fee is checked when the wallet builds the transaction.
    const balance = await this.#d.wallet.balanceSat?.();
    if (balance !== undefined && balance < req.sats) throw new BackendError('BACK_INSUFFICIENT_FUNDS', `insufficient funds: the wallet holds ${balance} sat, the channel needs ${req.sats} sat plus the funding fee`);
    const temp = randomBytes(ID_BYTES);
    const features = this.#d.peers.features(req.nodeId) ?? NO_FEATURES;
    const open: OpenParams = { features, remoteNodeId: unhex(req.nodeId), fundingSat: req.sats, pushMsat: req.pushMsat, announce: req.announce, keyIndex: this.#d.store.allocateKeyIndex(), temporaryChannelId: Uint8Array.from(temp) };
    const result = new Promise<OpenResult>((resolve, reject) => {
      void this.#create(req.nodeId, open.keyIndex, open.temporaryChannelId, (ctx) => this.#d.port.openOutbound(open, ctx), { resolve, reject });
    });
    return withTimeout(result, this.#d.openTimeoutMs ?? OPEN_TIMEOUT_MS, () => new BackendError('BACK_CHANNEL_TIMEOUT', `peer ${req.nodeId} did not complete the open within ${(this.#d.openTimeoutMs ?? OPEN_TIMEOUT_MS) / 1000} s; see lnfleet channels`));
  }

  /** Starts closing a channel (by local id or channel_id hex); resolves with its listing after the step. */
  async close(channel: string, force: boolean): Promise<ChannelInfo> {
    const slot = /^[0-9]+$/.test(channel) ? this.#slots.get(Number(channel)) : this.#byChannelId.get(channel.toLowerCase());
    if (slot === undefined) throw new BackendError('BACK_UNKNOWN_CHANNEL', `no channel ${channel}; see lnfleet channels`);
    if (!force && !this.#d.peers.isConnected(slot.peer)) throw new BackendError('BACK_PEER_NOT_CONNECTED', `peer ${slot.peer} is not connected: a mutual close needs it (or use --force to close unilaterally)`);
    if (this.#d.wallet === undefined) throw new BackendError('BACK_NO_WALLET', noWalletError().message);
    const scriptPubkey = await this.#d.wallet.newScript();
    await this.#enqueue(slot, { kind: 'close', force, scriptPubkey });
    return this.list().find((c) => c.id === slot.id)!;
  }

  /**
   * Sends an operator/relay input to a channel (HTLCs); resolves once it was processed. Our updates are
   * signed in batches: after the queued commands of a channel, one `tick` (the machine's `sign`) follows.
   */
  command(id: number, input: PortInput): Promise<void> {
    const slot = this.#slots.get(id);
    if (slot === undefined) return Promise.reject(new BackendError('BACK_UNKNOWN_CHANNEL', `no channel ${id}`));
    if (slot.onchainClosed !== undefined) return Promise.reject(new BackendError('BACK_CHANNEL_FAILED', `channel ${id} is closed on chain: ${slot.onchainClosed}`));
    const done = this.#enqueue(slot, input);
    if ((input.kind === 'addHtlc' || input.kind === 'fulfillHtlc' || input.kind === 'failHtlc' || input.kind === 'updateFee') && !slot.signQueued) {
      slot.signQueued = true;
      // Cleared just before the tick runs: a command queued after this point gets its own tick.
      slot.chain = slot.chain.then(() => { slot.signQueued = false; });
      void this.#enqueue(slot, { kind: 'tick' });
    }
    return done;
  }

  /** Waits for every queued step, then refuses new work. */
  async stop(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#slots.values()].map((s) => s.chain));
  }

  // ── internals ──

  #active(s: Slot<S>): boolean {
    return s.closedReason === undefined && this.#d.port.view(s.env.machine).active;
  }

  #addSlot(r: { id: number; peer: string; temporaryChannelId: string; keyIndex: bigint; env: Envelope<S>; version: number }): Slot<S> {
    const slot: Slot<S> = { ...r, channelId: undefined, chain: Promise.resolve(), fault: undefined, closedReason: undefined, waiter: undefined, signQueued: false, lastDepth: undefined, lookingUp: false };
    this.#slots.set(r.id, slot);
    this.#byTemp.set(`${r.peer}/${r.temporaryChannelId}`, slot);
    return slot;
  }

  #index(slot: Slot<S>, channelId: string): void {
    slot.channelId = channelId;
    this.#byChannelId.set(channelId, slot);
  }

  #lookup(peer: string, id: string): Slot<S> | undefined {
    const byId = this.#byChannelId.get(id);
    if (byId !== undefined) return byId.peer === peer ? byId : undefined;
    return this.#byTemp.get(`${peer}/${id}`);
  }

  #refuse(nodeId: string, channelId: Uint8Array, why: string): void {
    this.#d.log.info({ peer: nodeId, channelId: hex(channelId), why }, 'channel message refused');
    this.#d.peers.sendTo(nodeId, encodeMessage({ name: 'error', channelId: Uint8Array.from(channelId), data: new TextEncoder().encode(why), tlvs: {} }));
  }

  #onError(nodeId: string, message: Uint8Array): void {
    if (message.length < 2 + ID_BYTES) return;
    const id = message.subarray(2, 2 + ID_BYTES);
    // BOLT #1: - if `channel_id` is all zero:
    // BOLT #1: - MUST fail all channels with the sending node.
    const targets = id.every((b) => b === 0)
      ? [...this.#slots.values()].filter((s) => s.peer === nodeId && this.#active(s))
      : [this.#lookup(nodeId, hex(id))].filter((s): s is Slot<S> => s !== undefined);
    // BOLT #1: - if no existing channel is referred to by `channel_id`:
    // BOLT #1: - MUST ignore the message.
    for (const s of targets) this.#enqueue(s, { kind: 'message', message });
  }

  #onOpenChannel(nodeId: string, message: Uint8Array): void {
    const temp = message.subarray(2 + ID_BYTES, 2 + 2 * ID_BYTES);
    if (!this.#d.policy.acceptInbound) return this.#refuse(nodeId, temp, 'this node does not accept incoming channels');
    const starting = this.#starting.get(nodeId) ?? new Set<string>();
    if (this.#byTemp.has(`${nodeId}/${hex(temp)}`) || starting.has(hex(temp))) return this.#refuse(nodeId, temp, 'temporary_channel_id already in use');
    const count = [...this.#slots.values()].filter((s) => s.peer === nodeId && this.#active(s)).length + starting.size;
    if (count >= this.#d.policy.maxPerPeer) return this.#refuse(nodeId, temp, `too many channels with this node (channels.max-per-peer ${this.#d.policy.maxPerPeer})`);
    starting.add(hex(temp));
    this.#starting.set(nodeId, starting);
    const keyIndex = this.#d.store.allocateKeyIndex();
    void this.#create(nodeId, keyIndex, Uint8Array.from(temp), (ctx) => this.#d.port.openInbound({ remoteNodeId: unhex(nodeId), keyIndex, message, features: this.#d.peers.features(nodeId) ?? NO_FEATURES }, ctx), undefined)
      .finally(() => {
        starting.delete(hex(temp));
        if (starting.size === 0) this.#starting.delete(nodeId);
      });
  }

  async #create(peer: string, keyIndex: bigint, temp: Uint8Array, first: (ctx: StepContext) => StepResult<S>, waiter: Slot<S>['waiter']): Promise<void> {
    let r: StepResult<S>;
    try {
      r = await this.#withCtx(first);
    } catch (e) {
      this.#d.log.error({ peer, err: (e as Error).message }, 'channel machine failed to start a channel');
      waiter?.reject(new BackendError('BACK_CHANNEL_FAILED', `could not start the channel: ${(e as Error).message}`));
      return;
    }
    if (!this.#d.port.view(r.state).active) {
      // Refused at once (policy, malformed open_channel): nothing to keep, only the answer to send.
      for (const a of r.actions) {
        if (a.kind === 'send') this.#d.peers.sendTo(peer, a.message);
        if (a.kind === 'disconnect') this.#d.peers.disconnect(peer, a.reason);
        if (a.kind === 'event' && a.event.kind === 'failed') waiter?.reject(new BackendError('BACK_CHANNEL_FAILED', a.event.reason));
      }
      waiter?.reject(new BackendError('BACK_CHANNEL_FAILED', 'the channel could not be started'));
      return;
    }
    const hadChannels = this.hasChannels(peer);
    const env: Envelope<S> = { machine: r.state, pending: [] };
    const id = this.#d.store.insert({ temporaryChannelId: temp, peer: unhex(peer), keyIndex, phase: this.#d.port.view(r.state).phase, state: env });
    const slot = this.#addSlot({ id, peer, temporaryChannelId: hex(temp), keyIndex, env, version: 1 });
    slot.waiter = waiter;
    if (!hadChannels && this.#active(slot)) this.#d.peers.markHasChannels(peer);
    slot.chain = slot.chain.then(() => this.#actAll(slot, r.actions)).catch((e: unknown) => this.#fault(slot, e));
    await slot.chain;
  }

  #enqueue(slot: Slot<S>, input: PortInput): Promise<void> {
    const run = slot.chain.then(() => this.#step(slot, input));
    slot.chain = run.catch((e: unknown) => this.#fault(slot, e));
    return slot.chain;
  }

  async #withCtx<T>(f: (ctx: StepContext) => T): Promise<T> {
    // The estimate is refreshed per block (onBlock), not per step: a step must not wait on an RPC.
    const feeratePerKw = this.#feerate ??= await this.#d.feerate();
    const shutdownScript = await this.#shutdownScript();
    const seed = this.#d.seed();
    try {
      return f({ now: this.#d.now(), blockHeight: this.#height, secrets: (k) => deriveChannelSecrets(seed, k), feeratePerKw, shutdownScript });
    } finally {
      seed.fill(0);
    }
  }

  /** A wallet script for closes the peer starts, fetched ahead (steps are synchronous); undefined without a wallet. */
  async #shutdownScript(): Promise<Uint8Array | undefined> {
    if (this.#d.wallet === undefined) return undefined;
    this.#spareScript ??= await this.#d.wallet.newScript();
    return this.#spareScript;
  }
  #spareScript: Uint8Array | undefined;
  #feerate: number | undefined;

  /** One machine step: persist the new state, then carry out its actions in order. */
  async #step(slot: Slot<S>, input: PortInput, envPatch: Partial<Envelope<S>> = {}): Promise<void> {
    const r = await this.#withCtx((ctx) => this.#d.port.step(slot.env.machine, input, ctx));
    this.#persist(slot, { ...slot.env, ...envPatch, machine: r.state }, r.actions);
    await this.#actAll(slot, r.actions);
  }

  /** Commits `env` (and a newly assigned channel_id, and pending broadcasts) before anything leaves. */
  #persist(slot: Slot<S>, env: Envelope<S>, actions: readonly PortAction[]): void {
    let channelId: Uint8Array | undefined;
    const pending = [...env.pending];
    let watch = env.watch;
    const known = this.#d.port.view(env.machine).channelId;
    if (slot.channelId === undefined && known !== undefined) channelId = known;
    for (const a of actions) {
      if (a.kind === 'channelIdAssigned') channelId = a.channelId;
      if (a.kind === 'broadcast') pending.push({ txHex: a.txHex, what: a.what });
      if (a.kind === 'watch') watch = { txid: a.txid, vout: a.vout, untilDepth: a.untilDepth };
    }
    const next: Envelope<S> = { machine: env.machine, pending, ...(watch === undefined ? {} : { watch }) };
    slot.version = this.#d.store.save(slot.id, slot.version, { phase: this.#d.port.view(env.machine).phase, state: next, ...(channelId === undefined ? {} : { channelId }) });
    slot.env = next;
    if (channelId !== undefined && slot.channelId !== hex(channelId)) this.#index(slot, hex(channelId));
  }

  async #actAll(slot: Slot<S>, actions: readonly PortAction[]): Promise<void> {
    for (const a of actions) await this.#act(slot, a);
  }

  async #act(slot: Slot<S>, a: PortAction): Promise<void> {
    switch (a.kind) {
      case 'send':
        if (!this.#d.peers.sendTo(slot.peer, a.message)) this.#d.log.debug({ channel: slot.id }, 'peer not connected: message not sent (re-established on reconnect)');
        return;
      case 'fundTx': return this.#fund(slot, a);
      case 'broadcast': return this.#broadcast(slot, a.txHex, a.what);
      case 'watch':
        // Looked up now, not at the next block: the output may already be confirmed (a peer's funding
        // broadcast long ago, or blocks mined before our chain watcher's first round).
        if (this.#d.chain.kind !== 'none') void this.#lookDepth(slot, this.#d.chain, false);
        return;
      case 'disconnect':
        this.#d.log.info({ channel: slot.id, peer: slot.peer, reason: a.reason }, 'disconnecting the peer for a channel');
        this.#d.peers.disconnect(slot.peer, a.reason);
        return;
      case 'channelIdAssigned': return;
      case 'event': return this.#event(slot, a.event);
      case 'closed':
        slot.closedReason = a.reason;
        this.#d.log.info({ channel: slot.id, channelId: slot.channelId, reason: a.reason }, 'channel closed');
        slot.waiter?.reject(new BackendError('BACK_CHANNEL_FAILED', `the channel did not open: ${a.reason}`));
        slot.waiter = undefined;
        return;
    }
  }

  async #fund(slot: Slot<S>, a: Extract<PortAction, { kind: 'fundTx' }>): Promise<void> {
    let input: PortInput;
    try {
      if (this.#d.wallet === undefined) throw noWalletError();
      const tx = await this.#d.wallet.fundOutput(a.script, a.sats, a.feeratePerKw);
      input = { kind: 'funded', txid: tx.txid, vout: tx.vout, txHex: tx.hex };
    } catch (e) {
      const reason = (e as Error).message;
      if (slot.waiter !== undefined && e instanceof WalletError) {
        slot.waiter.reject(new BackendError(e.kind === 'insufficientFunds' ? 'BACK_INSUFFICIENT_FUNDS' : e.kind === 'noWallet' ? 'BACK_NO_WALLET' : 'BACK_CHANNEL_FAILED', reason));
        slot.waiter = undefined;
      }
      input = { kind: 'fundingFailed', reason };
    }
    await this.#step(slot, input);
  }

  async #broadcast(slot: Slot<S>, txHex: string, what: string): Promise<void> {
    if (this.#d.wallet === undefined) {
      this.#d.log.error({ channel: slot.id, what }, 'cannot broadcast: no wallet (chain.source is none)');
      return;
    }
    try {
      const txid = await this.#d.wallet.broadcast(txHex);
      this.#d.log.info({ channel: slot.id, what, txid }, 'transaction broadcast');
      if (slot.waiter !== undefined && what === 'funding') {
        const w = slot.waiter;
        slot.waiter = undefined;
        const f = this.#d.port.view(slot.env.machine).funding;
        w.resolve({ id: slot.id, channelId: slot.channelId, temporaryChannelId: slot.temporaryChannelId, fundingTxid: f?.txid ?? txid, fundingVout: f?.vout });
      }
    } catch (e) {
      this.#d.log.warn({ channel: slot.id, what, err: (e as Error).message }, 'broadcast failed: retried on the next block');
    }
  }

  #event(slot: Slot<S>, e: Extract<PortAction, { kind: 'event' }>['event']): void {
    this.#d.log.info({ channel: slot.id, channelId: slot.channelId, event: e.kind, ...(e.kind === 'failed' || e.kind === 'info' ? { detail: e.kind === 'failed' ? e.reason : e.message } : {}) }, 'channel event');
    if (e.kind === 'failed' && slot.waiter !== undefined) {
      slot.waiter.reject(new BackendError('BACK_CHANNEL_FAILED', `the channel open failed: ${e.reason}`));
      slot.waiter = undefined;
    }
    this.onEvent?.(slot.id, e);
  }

  /** Hook for the relay layer and tests: every channel event, after it is persisted. */
  onEvent: ((channel: number, e: Extract<PortAction, { kind: 'event' }>['event']) => void) | undefined;

  /**
   * Looks the funding depth up OUTSIDE the channel's step chain (a chain RPC must not hold up its
   * messages); only a changed depth becomes a step. One lookup per channel at a time.
   */
  async #lookDepth(slot: Slot<S>, source: UtxoChainSource, rebroadcast = true): Promise<void> {
    const w = slot.env.watch;
    if (w === undefined || slot.lookingUp) return;
    slot.lookingUp = true;
    try {
      const out = await source.getTxOut(w.txid, w.vout);
      const depth = out?.confirmations ?? 0;
      if (depth === 0) {
        if (!rebroadcast) return;
        slot.chain = slot.chain.then(async () => { for (const p of slot.env.pending) await this.#broadcast(slot, p.txHex, p.what); });
        return;
      }
      if (depth === slot.lastDepth) return; // nothing new since the last round
      const scid = w.scid ?? await this.#findScid(source, w, depth);
      slot.lastDepth = depth;
      this.#d.log.debug({ channel: slot.id, txid: w.txid, vout: w.vout, depth }, 'funding depth');
      slot.chain = slot.chain.then(() => this.#feedDepth(slot, w, depth, scid)).catch((e: unknown) => this.#fault(slot, e));
    } catch (e) {
      this.#d.log.warn({ channel: slot.id, err: (e as Error).message }, 'funding depth lookup failed: retried on the next round');
    } finally {
      slot.lookingUp = false;
    }
  }

  async #feedDepth(slot: Slot<S>, w: NonNullable<Envelope<S>['watch']>, depth: number, scid: bigint | undefined): Promise<void> {
    if (slot.env.watch === undefined || slot.env.watch.txid !== w.txid) return;
    // Confirmed: nothing left to re-send; the short_channel_id is kept; the watch ends at its depth.
    const watch = scid === undefined ? slot.env.watch : { ...slot.env.watch, scid };
    await this.#step(slot, { kind: 'fundingDepth', depth, ...(scid === undefined ? {} : { shortChannelId: scid }) }, { pending: [], watch });
    if (depth >= w.untilDepth && slot.env.watch === watch) this.#persist(slot, { machine: slot.env.machine, pending: slot.env.pending }, []);
  }

  /** The funding output's short_channel_id: block height from the depth, transaction index from the block. */
  async #findScid(source: UtxoChainSource, w: { txid: string; vout: number }, depth: number): Promise<bigint | undefined> {
    const height = (await source.getBlockCount()) - depth + 1;
    const hash = await source.getBlockHash(height);
    if (hash === undefined) return undefined;
    const index = (await source.getBlock(hash)).txs.findIndex((t) => t.txid === w.txid);
    return index < 0 ? undefined : scidFromParts(height, index, w.vout);
  }

  #fault(slot: Slot<S>, e: unknown): void {
    slot.fault = (e as Error).message;
    this.#d.log.error({ channel: slot.id, channelId: slot.channelId, err: slot.fault }, 'channel step failed: this channel keeps its last saved state');
    slot.waiter?.reject(new BackendError('BACK_CHANNEL_FAILED', `the channel failed: ${slot.fault}`));
    slot.waiter = undefined;
  }
}

/** A view without its raw channel_id (listings show the hex one). */
function viewWithoutId(v: ChannelView): Omit<ChannelView, 'channelId'> {
  const { channelId: _omit, ...rest } = v;
  void _omit;
  return rest;
}

function withOnchain(info: unknown): { onchain?: unknown } {
  return info === undefined ? {} : { onchain: info };
}

function withTimeout<T>(p: Promise<T>, ms: number, err: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(err()), ms); timer.unref(); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
