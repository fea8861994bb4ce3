/**
 * @module front/peer-fsm
 * The sans-I/O core of one peer connection on a front (STYLE rules 2 and 6): BOLT 8 handshake, BOLT 1
 * init/ping/pong/warning/error, the "it's ok to be odd" rule, and what goes to the backend. It takes
 * events (bytes in, link messages, timer ticks with `now`) and returns actions (bytes to write, link
 * work, pause/resume reading, close). The socket shell (`./peer-socket.ts`) applies the actions.
 *
 * ```
 *  handshaking ──noise done──▶ awaitingInit ──their init ok──▶ attaching ──peer_attach_ack──▶ active
 *       │                            │                          ▲   │                         │
 *       │ timeout / bad act          │ timeout / bad init       │   └──link lost──┐  link lost, no channels
 *       ▼                            ▼                          └─────────────────┴─────────────┘
 *    closing ◀──────────── any state: malformed / unknown even / error(all channels) / pong timeout ──
 * ```
 *
 * Receiving is `receive(bytes, now)`, asynchronous only because the handshake's static-key ECDH may be
 * asked of the backend (`StaticEcdh`); calls are queued, so actions come back in byte order. Every
 * other event goes through the synchronous `handle(event)`.
 *
 * Spec: BOLT #1 <https://github.com/lightning/bolts/blob/master/01-messaging.md>, BOLT #8.
 * Does not: touch sockets or clocks, talk to the link (it returns what to send), decide channel
 * matters (BOLT 2 goes to the backend unchanged), or process gossip (handed to the daemon as `gossip` actions).
 */
import { assertNever } from '../errors.js';
import type { CreditLedger } from '../cluster/session.js';
import { NoiseError, NoiseHandshake, type StaticEcdh, type Transport } from '../noise/index.js';
import { WireDecodeError, decodeMessage, encodeMessage, isChannelType, messageDef, peekType } from '../wire/index.js';
import { MAX_QUEUED_FORWARDS, OUR_PING_PONG_BYTES } from './constants.js';
import { checkTheirInit, encodeOurInit, equal, hex, printable, type OurInit } from './init.js';

export { checkTheirInit, encodeOurInit, printable, type OurInit };

/** Peer-connection timings, from `hello_ack` (docs/cluster.md "Settings in hello_ack"). */
export interface PeerTimings {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly initTimeoutMs: number;
}

/** Everything a connection needs at creation. */
export interface PeerConnectionOptions {
  /** Connection id on this link (docs/cluster.md `conn`). */
  readonly conn: number;
  /** Our node id (`ls.pub`). */
  readonly localNodeId: Uint8Array;
  /** Static-key ECDH: the backend's answer, or a front-side key. */
  readonly staticEcdh: StaticEcdh;
  readonly timings: PeerTimings;
  readonly ourInit: OurInit;
  /** Message credit towards the backend, shared with the daemon (keyed by `conn`). */
  readonly credit: CreditLedger;
  /** Time of creation (ms); starts the handshake timeout. */
  readonly now: number;
}

/** Why reading is paused by the core (the shell may have its own reasons, e.g. a full send buffer). */
export type CorePauseReason = 'credit';

/** What the shell must do, in order. */
export type PeerAction =
  /** Write encrypted bytes. `type` is the plaintext message type (-1 for handshake acts), `origin` who made it. */
  | { readonly kind: 'write'; readonly bytes: Uint8Array; readonly type: number; readonly origin: 'front' | 'backend'; readonly priority: 'normal' | 'low' }
  /** Send `peer_message` with this raw Lightning message to the backend (credit already spent). */
  | { readonly kind: 'forward'; readonly message: Uint8Array; readonly type: number }
  /** A BOLT 7 gossip message (types 256–265) for the front's gossip service; no link credit spent. */
  | { readonly kind: 'gossip'; readonly message: Uint8Array; readonly type: number }
  /** Send `peer_attached` (the peer finished init; also on every relink while not acknowledged). */
  | { readonly kind: 'attach'; readonly nodeId: Uint8Array; readonly theirInit: Uint8Array; readonly ourInit: Uint8Array }
  /** A message arrived and was handled locally (metrics): `handling` says how. */
  | { readonly kind: 'received'; readonly type: number; readonly handling: 'local' | 'forward' | 'ignored' }
  | { readonly kind: 'pauseRead'; readonly reason: CorePauseReason }
  | { readonly kind: 'resumeRead'; readonly reason: CorePauseReason }
  | { readonly kind: 'log'; readonly level: 'debug' | 'info' | 'warn'; readonly msg: string }
  /** Flush the writes before this action, then close. `level` is for the log line that names `reason`. */
  | { readonly kind: 'close'; readonly reason: string; readonly level: 'info' | 'warn' };

/** Events other than received bytes. */
export type PeerEvent =
  | { readonly kind: 'tick'; readonly now: number }
  | { readonly kind: 'attachAck'; readonly accepted: boolean; readonly hasChannels: boolean; readonly credit: number; readonly now: number }
  | { readonly kind: 'credit'; readonly messages: number; readonly now: number }
  | { readonly kind: 'fromBackend'; readonly message: Uint8Array }
  /** A message the front itself sends (gossip answers, rebroadcasts): no link credit to give back. */
  | { readonly kind: 'fromFront'; readonly message: Uint8Array }
  | { readonly kind: 'disconnect'; readonly reason: string; readonly sendFirst?: Uint8Array | undefined }
  | { readonly kind: 'linkDown' }
  | { readonly kind: 'linkUp' }
  | { readonly kind: 'ended'; readonly reason: string };

/** Ping bookkeeping, alive from init on. */
interface Liveness {
  lastReceivedAt: number;
  outstanding: { readonly sentAt: number; readonly numPongBytes: number } | undefined;
}

/** Connection states; each carries what is valid there (STYLE rule 6). */
type State =
  | { readonly kind: 'handshaking'; readonly hs: NoiseHandshake; readonly deadline: number }
  | { readonly kind: 'awaitingInit'; readonly transport: Transport; readonly nodeId: Uint8Array; readonly deadline: number }
  | {
    readonly kind: 'attaching'; readonly transport: Transport; readonly nodeId: Uint8Array; readonly theirInit: Uint8Array;
    readonly live: Liveness; readonly queue: Uint8Array[];
  }
  | {
    readonly kind: 'active'; readonly transport: Transport; readonly nodeId: Uint8Array; readonly theirInit: Uint8Array;
    readonly live: Liveness; readonly queue: Uint8Array[]; readonly hasChannels: boolean;
  }
  | { readonly kind: 'closing'; readonly reason: string };

/** Name of a connection state. */
export type PeerStateName = State['kind'];

// BOLT #2 `stfu` (type 2) is even but lies in the setup range; channel (32-127) and commitment
// (128-255) messages and announcement_signatures (259) belong to the backend, which knows which of
// them it implements and applies the unknown-even rule itself.
const STFU_TYPE = 2;
const ANNOUNCEMENT_SIGNATURES_TYPE = 259;
/** Even types the front forwards although it does not decode them. */
export function isForwardedEvenType(type: number): boolean {
  return type === STFU_TYPE || type === ANNOUNCEMENT_SIGNATURES_TYPE || (type >= 32 && type <= 255);
}

// BOLT #1: - if `num_pong_bytes` is less than 65532:
//     - MUST respond by sending a `pong` message, with `byteslen` equal to `num_pong_bytes`.
//   - otherwise (`num_pong_bytes` is **not** less than 65532):
//     - MUST ignore the `ping`.
/** Smallest `num_pong_bytes` that gets no pong. */
export const NO_PONG_THRESHOLD = 65532;

const ZERO_CHANNEL = new Uint8Array(32);

/** One peer connection's protocol core. Create with {@link PeerConnection.inbound} or {@link PeerConnection.outbound}. */
export class PeerConnection {
  readonly conn: number;
  readonly direction: 'inbound' | 'outbound';
  #state: State;
  readonly #opts: PeerConnectionOptions;
  readonly #ourInitBytes: Uint8Array;
  #tail: Promise<unknown> = Promise.resolve();
  /** `receive` calls whose actions are not out yet; while any is, `receiveNow` must not overtake them. */
  #queued = 0;
  #pausedForCredit = false;

  private constructor(direction: 'inbound' | 'outbound', hs: NoiseHandshake, opts: PeerConnectionOptions) {
    this.conn = opts.conn;
    this.direction = direction;
    this.#opts = opts;
    this.#state = { kind: 'handshaking', hs, deadline: opts.now + opts.timings.handshakeTimeoutMs };
    this.#ourInitBytes = encodeOurInit(opts.ourInit);
  }

  /** A connection a peer opened to us: we are the BOLT 8 responder. Nothing to send until act one. */
  static inbound(opts: PeerConnectionOptions): PeerConnection {
    return new PeerConnection('inbound', NoiseHandshake.responder({ localStatic: opts.localNodeId, staticEcdh: opts.staticEcdh }), opts);
  }

  /** A connection we dial: BOLT 8 initiator towards `remoteNodeId`. Write the returned act one. */
  static outbound(opts: PeerConnectionOptions & { readonly remoteNodeId: Uint8Array }): { peer: PeerConnection; actions: PeerAction[] } {
    const hs = NoiseHandshake.initiator({ localStatic: opts.localNodeId, staticEcdh: opts.staticEcdh, remoteStatic: opts.remoteNodeId });
    const peer = new PeerConnection('outbound', hs, opts);
    return { peer, actions: [write(hs.actOne(), -1, 'front')] };
  }

  /** Current state name. */
  get state(): PeerStateName {
    return this.#state.kind;
  }

  /** The peer's node id, once the handshake is done. */
  get nodeId(): Uint8Array | undefined {
    const s = this.#state;
    return s.kind === 'awaitingInit' || s.kind === 'attaching' || s.kind === 'active' ? s.nodeId : undefined;
  }

  /** Whether the backend said this peer has channels with us (false until `peer_attach_ack`). */
  get hasChannels(): boolean {
    return this.#state.kind === 'active' && this.#state.hasChannels;
  }

  /** Bytes from the peer. Calls are queued; each resolves to the actions for its bytes. Never rejects. */
  receive(data: Uint8Array, now: number): Promise<PeerAction[]> {
    this.#queued += 1;
    const run = this.#tail.then(() => this.#receive(data, now));
    const settled = (): void => { this.#queued -= 1; };
    this.#tail = run.then(settled, settled);
    return run;
  }

  /**
   * Bytes from the peer, handled synchronously when that keeps the order: past the handshake (whose steps
   * may wait for the backend's ECDH) and with no earlier `receive` still queued. Returns `undefined`
   * otherwise, and the caller uses {@link receive}. Saves the promise hops on every transport-phase chunk.
   */
  receiveNow(data: Uint8Array, now: number): PeerAction[] | undefined {
    const s = this.#state;
    if (this.#queued > 0 || s.kind === 'handshaking') return undefined;
    return s.kind === 'closing' ? [] : this.#receiveTransport(s, data, now);
  }

  /** Any other event. */
  handle(ev: PeerEvent): PeerAction[] {
    switch (ev.kind) {
      case 'tick':
        return this.#tick(ev.now);
      case 'attachAck':
        return this.#attachAck(ev.accepted, ev.hasChannels, ev.credit, ev.now);
      case 'credit':
        this.#opts.credit.grant(this.conn, ev.messages);
        return this.#flush(ev.now);
      case 'fromBackend':
        return this.#fromBackend(ev.message, 'backend');
      case 'fromFront':
        return this.#fromBackend(ev.message, 'front');
      case 'disconnect':
        return this.#disconnect(ev.reason, ev.sendFirst);
      case 'linkDown':
        return this.#linkDown();
      case 'linkUp': {
        const s = this.#state;
        return s.kind === 'attaching' ? [{ kind: 'attach', nodeId: s.nodeId, theirInit: s.theirInit, ourInit: this.#ourInitBytes }] : [];
      }
      case 'ended':
        return this.#state.kind === 'closing' ? [] : this.#close(ev.reason, 'info');
      default:
        return assertNever(ev, 'peer event');
    }
  }

  async #receive(data: Uint8Array, now: number): Promise<PeerAction[]> {
    const s = this.#state;
    switch (s.kind) {
      case 'handshaking': {
        let out;
        try {
          out = await s.hs.push(data);
        } catch (e) {
          if (this.#state !== s) return [];
          const why = e instanceof NoiseError ? `${e.kind}${e.act === undefined ? '' : ` in act ${e.act}`}` : String(e);
          return this.#close(`BOLT 8 handshake failed: ${why}`, 'info');
        }
        if (this.#state !== s) return []; // timed out or closed while the ECDH was out
        const actions: PeerAction[] = out.send.map((b) => write(b, -1, 'front'));
        if (out.done) actions.push(...this.#handshakeDone(out.done.transport, out.done.remoteStatic, out.done.messages, now));
        return actions;
      }
      case 'awaitingInit':
      case 'attaching':
      case 'active':
        return this.#receiveTransport(s, data, now);
      case 'closing':
        return [];
      default:
        return assertNever(s, 'peer state');
    }
  }

  #receiveTransport(s: Extract<State, { kind: 'awaitingInit' | 'attaching' | 'active' }>, data: Uint8Array, now: number): PeerAction[] {
    let messages: Uint8Array[];
    try {
      messages = s.transport.push(data);
    } catch (e) {
      const why = e instanceof NoiseError ? e.kind : String(e);
      return this.#close(`BOLT 8 transport failed (${why}); the stream cannot be trusted`, 'warn');
    }
    return this.#onMessages(messages, now);
  }

  #handshakeDone(transport: Transport, nodeId: Uint8Array, early: Uint8Array[], now: number): PeerAction[] {
    this.#state = { kind: 'awaitingInit', transport, nodeId, deadline: now + this.#opts.timings.initTimeoutMs };
    // BOLT #1: - MUST send `init` as the first Lightning message for any connection.
    const actions: PeerAction[] = [write(transport.encrypt(this.#ourInitBytes), 16, 'front')];
    return [...actions, ...this.#onMessages(early, now)];
  }

  #onMessages(messages: Uint8Array[], now: number): PeerAction[] {
    const actions: PeerAction[] = [];
    for (const m of messages) {
      if (this.#state.kind === 'closing') break;
      actions.push(...this.#onMessage(m, now));
    }
    return actions;
  }

  #onMessage(bytes: Uint8Array, now: number): PeerAction[] {
    const s = this.#state;
    switch (s.kind) {
      case 'awaitingInit':
        return this.#onInit(s, bytes, now);
      case 'attaching':
      case 'active':
        s.live.lastReceivedAt = now;
        return this.#dispatch(s, bytes, now);
      case 'handshaking':
      case 'closing':
        return [];
      default:
        return assertNever(s, 'peer state');
    }
  }

  #onInit(s: Extract<State, { kind: 'awaitingInit' }>, bytes: Uint8Array, now: number): PeerAction[] {
    let m;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      return this.#malformed(bytes, e);
    }
    if (m.name !== 'init') return this.#close(`first message is type ${typeOf(bytes)}, not init`, 'warn', 'expected init first');
    const why = checkTheirInit(m, this.#opts.ourInit.chainHash);
    if (why !== undefined) return this.#close(why, 'warn', why);
    const live: Liveness = { lastReceivedAt: now, outstanding: undefined };
    this.#state = { kind: 'attaching', transport: s.transport, nodeId: s.nodeId, theirInit: bytes, live, queue: [] };
    return [
      { kind: 'received', type: 16, handling: 'local' },
      { kind: 'attach', nodeId: s.nodeId, theirInit: bytes, ourInit: this.#ourInitBytes },
    ];
  }

  #dispatch(s: Extract<State, { kind: 'attaching' | 'active' }>, bytes: Uint8Array, now: number): PeerAction[] {
    // BOLT 2 (types 32-255) runs on the backend (DESIGN §4): passed through raw, not parsed here; the
    // backend decodes it and answers a malformed one.
    const type = typeOf(bytes);
    if (isChannelType(type)) return this.#forward(s, bytes, type, now);
    // A type we do not decode (custom messages, e.g. the benchmarks' echo): decided on the type alone,
    // without decoding (which would only copy the payload).
    if (type >= 0 && messageDef(type) === undefined) return this.#unknownType(s, bytes, type, now);
    let m;
    try {
      m = decodeMessage(bytes);
    } catch (e) {
      return this.#malformed(bytes, e);
    }
    const local: PeerAction = { kind: 'received', type, handling: 'local' };
    switch (m.name) {
      case 'ping': {
        if (m.numPongBytes >= NO_PONG_THRESHOLD) return [{ ...local, handling: 'ignored' }];
        const pong = encodeMessage({ name: 'pong', ignored: new Uint8Array(m.numPongBytes), tlvs: {} });
        return [local, write(s.transport.encrypt(pong), 19, 'front')];
      }
      case 'pong': {
        // BOLT #1: - if `byteslen` does not correspond to any `ping`'s `num_pong_bytes` value it has sent:
        //     - MAY close the connection.
        //
        // We only ignore such a pong: it costs nothing, and some peers send unsolicited pongs.
        if (s.live.outstanding !== undefined && m.ignored.length === s.live.outstanding.numPongBytes) s.live.outstanding = undefined;
        return [local];
      }
      case 'init':
        return this.#close('peer sent a second init', 'warn', 'init is only allowed once');
      case 'warning':
        // BOLT #1: - upon receiving `warning`:
        //     - SHOULD log the message for later diagnosis.
        return [local, { kind: 'log', level: 'info', msg: `peer warning (channel ${channelLabel(m.channelId)}): ${printable(m.data)}` }];
      case 'error': {
        // The backend fails the channel(s); an error for all channels also ends the connection.
        const actions: PeerAction[] = [
          { kind: 'log', level: 'info', msg: `peer error (channel ${channelLabel(m.channelId)}): ${printable(m.data)}` },
          ...this.#forward(s, bytes, type, now),
        ];
        // BOLT #1: The channel is referred to by `channel_id`, unless `channel_id` is 0 (i.e. all bytes are 0), in which case it refers to all channels.
        if (equal(m.channelId, ZERO_CHANNEL)) actions.push(...this.#close('peer sent an error for all channels', 'info'));
        return actions;
      }
      case 'channel_announcement':
      case 'node_announcement':
      case 'channel_update':
      case 'query_short_channel_ids':
      case 'reply_short_channel_ids_end':
      case 'query_channel_range':
      case 'reply_channel_range':
      case 'gossip_timestamp_filter':
        // Gossip stays on the front (DESIGN §4): the daemon's gossip service (FrontRouter, queries,
        // filters) takes it; it spends no link credit, so it never pauses the peer here.
        return [local, { kind: 'gossip', message: bytes, type }];
      case 'open_channel':
      case 'accept_channel':
      case 'funding_created':
      case 'funding_signed':
      case 'channel_ready':
      case 'shutdown':
      case 'closing_signed':
      case 'closing_complete':
      case 'closing_sig':
      case 'update_add_htlc':
      case 'update_fulfill_htlc':
      case 'update_fail_htlc':
      case 'commitment_signed':
      case 'revoke_and_ack':
      case 'update_fee':
      case 'update_fail_malformed_htlc':
      case 'channel_reestablish':
        // (not reached: forwarded raw above; listed so the switch stays exhaustive)
      case 'announcement_signatures':
      case 'peer_storage':
      case 'peer_storage_retrieval':
        return this.#forward(s, bytes, type, now);
      case 'unknown': // (not reached: decided on the type above; listed so the switch stays exhaustive)
        return this.#unknownType(s, bytes, type, now);
      default:
        return assertNever(m, 'peer message');
    }
  }

  /** A message of a type we do not decode. */
  #unknownType(s: Extract<State, { kind: 'attaching' | 'active' }>, bytes: Uint8Array, type: number, now: number): PeerAction[] {
    // BOLT #1: - upon receiving a message of _odd_, unknown type:
    //     - MUST ignore the received message.
    //
    // Odd types we do not know may be known to the backend (custom messages, onion messages), so
    // "ignore" here means "not ours": the backend decides, and ignores them if it does not know them.
    if (type % 2 === 1 || isForwardedEvenType(type)) return this.#forward(s, bytes, type, now);
    // BOLT #1: - upon receiving a message of _even_, unknown type:
    //     - MUST close the connection.
    return this.#close(`unknown even message type ${type}`, 'warn', `unknown even message type ${type}`);
  }

  /** Queue a message for the backend and send what credit allows. */
  #forward(s: Extract<State, { kind: 'attaching' | 'active' }>, bytes: Uint8Array, type: number, now: number): PeerAction[] {
    if (s.queue.length >= MAX_QUEUED_FORWARDS) {
      return this.#close(`more than ${MAX_QUEUED_FORWARDS} messages queued for the backend`, 'warn');
    }
    s.queue.push(bytes);
    return [{ kind: 'received', type, handling: 'forward' }, ...this.#flush(now)];
  }

  /** Sends queued messages while credit lasts; pauses reading while anything stays queued. */
  #flush(now: number): PeerAction[] {
    const s = this.#state;
    if (s.kind !== 'attaching' && s.kind !== 'active') return [];
    const actions: PeerAction[] = [];
    if (s.kind === 'active') {
      while (s.queue.length > 0 && this.#opts.credit.take(this.conn)) {
        const message = s.queue.shift()!;
        actions.push({ kind: 'forward', message, type: typeOf(message) });
      }
    }
    if (s.queue.length > 0 && !this.#pausedForCredit) {
      this.#pausedForCredit = true;
      actions.push({ kind: 'pauseRead', reason: 'credit' });
    } else if (s.queue.length === 0 && this.#pausedForCredit) {
      this.#pausedForCredit = false;
      // We were the ones not reading: restart the liveness clock rather than blame the peer.
      s.live.lastReceivedAt = now;
      s.live.outstanding = undefined;
      actions.push({ kind: 'resumeRead', reason: 'credit' });
    }
    return actions;
  }

  #attachAck(accepted: boolean, hasChannels: boolean, credit: number, now: number): PeerAction[] {
    const s = this.#state;
    if (s.kind !== 'attaching' && s.kind !== 'active') return [];
    if (!accepted) return this.#close('the backend refused the peer', 'info');
    this.#opts.credit.delete(this.conn);
    this.#opts.credit.grant(this.conn, credit);
    this.#state = { kind: 'active', transport: s.transport, nodeId: s.nodeId, theirInit: s.theirInit, live: s.live, queue: s.queue, hasChannels };
    return this.#flush(now);
  }

  #tick(now: number): PeerAction[] {
    const s = this.#state;
    switch (s.kind) {
      case 'handshaking':
        return now >= s.deadline ? this.#close(`BOLT 8 handshake not finished within ${this.#opts.timings.handshakeTimeoutMs} ms`, 'info') : [];
      case 'awaitingInit':
        return now >= s.deadline ? this.#close(`no init within ${this.#opts.timings.initTimeoutMs} ms`, 'info') : [];
      case 'attaching':
      case 'active':
        return this.#pingTick(s, now);
      case 'closing':
        return [];
      default:
        return assertNever(s, 'peer state');
    }
  }

  #pingTick(s: Extract<State, { kind: 'attaching' | 'active' }>, now: number): PeerAction[] {
    if (this.#pausedForCredit) return []; // we are not reading: a missing pong would be our fault
    const t = this.#opts.timings;
    const out = s.live.outstanding;
    if (out !== undefined) {
      // BOLT #1: - if it doesn't receive a corresponding `pong`:
      //     - MAY close the network connection,
      //       - and MUST NOT fail the channels in this case.
      return now - out.sentAt >= t.pongTimeoutMs ? this.#close(`no pong within ${t.pongTimeoutMs} ms`, 'info') : [];
    }
    if (now - s.live.lastReceivedAt < t.pingIntervalMs) return [];
    s.live.outstanding = { sentAt: now, numPongBytes: OUR_PING_PONG_BYTES };
    // BOLT #1: - SHOULD set `ignored` to 0s.
    const ping = encodeMessage({ name: 'ping', numPongBytes: OUR_PING_PONG_BYTES, ignored: new Uint8Array(0), tlvs: {} });
    return [write(s.transport.encrypt(ping), 18, 'front')];
  }

  #fromBackend(message: Uint8Array, origin: 'front' | 'backend'): PeerAction[] {
    const s = this.#state;
    if (s.kind !== 'attaching' && s.kind !== 'active') return [{ kind: 'log', level: 'debug', msg: `dropped a backend message for a connection in state ${s.kind}` }];
    if (message.length < 2) return [{ kind: 'log', level: 'warn', msg: 'dropped a backend message shorter than its type' }];
    try {
      return [write(s.transport.encrypt(message), typeOf(message), origin)];
    } catch (e) {
      return [{ kind: 'log', level: 'warn', msg: `dropped a backend message: ${e instanceof Error ? e.message : String(e)}` }];
    }
  }

  #disconnect(reason: string, sendFirst: Uint8Array | undefined): PeerAction[] {
    const s = this.#state;
    if (s.kind === 'closing') return [];
    const actions: PeerAction[] = [];
    if (sendFirst !== undefined && sendFirst.length >= 2 && (s.kind === 'attaching' || s.kind === 'active' || s.kind === 'awaitingInit')) {
      try {
        actions.push(write(s.transport.encrypt(sendFirst), typeOf(sendFirst), 'backend'));
      } catch { /* too long: close without it */ }
    }
    return [...actions, ...this.#close(`backend asked to disconnect: ${reason}`, 'info')];
  }

  #linkDown(): PeerAction[] {
    const s = this.#state;
    if (s.kind !== 'attaching' && s.kind !== 'active') return [];
    this.#opts.credit.delete(this.conn);
    // DESIGN §6: peers that have channels with us are disconnected (they reconnect and re-establish when
    // the backend is back); channel-less peers stay and are re-attached after the redial.
    if (s.kind === 'active' && s.hasChannels) return this.#close('cluster link lost and the peer has channels with us', 'info');
    this.#state = { kind: 'attaching', transport: s.transport, nodeId: s.nodeId, theirInit: s.theirInit, live: s.live, queue: s.queue };
    return [];
  }

  #malformed(bytes: Uint8Array, e: unknown): PeerAction[] {
    const why = e instanceof WireDecodeError ? e.message : String(e);
    // BOLT #1: - upon receiving a known message with insufficient length for the contents:
    //     - MUST close the connection.
    return this.#close(`malformed message type ${typeOf(bytes)}: ${why}`, 'warn', `malformed message type ${typeOf(bytes)}`);
  }

  /** Moves to `closing`: optional warning to the peer first, then `close`. */
  #close(reason: string, level: 'info' | 'warn', warningText?: string): PeerAction[] {
    const s = this.#state;
    const actions: PeerAction[] = [];
    if (s.kind === 'awaitingInit' || s.kind === 'attaching' || s.kind === 'active') {
      if (warningText !== undefined) {
        // BOLT #1: - when sending `warning`:
        //     - MAY set `channel_id` to all zero if the warning is not related to a specific channel.
        const w = encodeMessage({ name: 'warning', channelId: ZERO_CHANNEL, data: new TextEncoder().encode(warningText), tlvs: {} });
        actions.push(write(s.transport.encrypt(w), 1, 'front'));
      }
      s.transport.destroy();
    }
    this.#opts.credit.delete(this.conn);
    this.#state = { kind: 'closing', reason };
    actions.push({ kind: 'close', reason, level });
    return actions;
  }
}

function write(bytes: Uint8Array, type: number, origin: 'front' | 'backend'): PeerAction {
  return { kind: 'write', bytes, type, origin, priority: 'normal' };
}

function typeOf(bytes: Uint8Array): number {
  return bytes.length >= 2 ? peekType(bytes) : -1;
}

function channelLabel(id: Uint8Array): string {
  return equal(id, ZERO_CHANNEL) ? 'all' : hex(id);
}
