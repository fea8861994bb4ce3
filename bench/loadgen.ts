/**
 * @module bench/loadgen
 * The cluster benchmarks' load generator: a separate process (spawned by `bench/cluster-setup.ts` with an
 * IPC channel) that plays many Lightning peers against one front, using our own `src/noise` initiator and
 * `src/wire` init/ping/pong, and a raw `node:tls` client for the link-forward baseline. All on 127.0.0.1.
 *
 * Commands (IPC request `{ id, cmd, … }` → reply `{ id, ok, result | error }`), see `LoadgenCommand`:
 *  - `handshakes`: `concurrency` loops of connect → BOLT 8 (acts 1–3) → init both ways → ping/pong (proof that
 *    the front processed our init) → close, for `ms` (at most `maxCount` started); counts completions.
 *  - `echo`: one peer; `count` round trips of a `type` message of `size` bytes through the front.
 *  - `tlsEcho`: one mutual-TLS 1.3 client with the front's link settings; `count` round trips of a frame.
 *  - `tcpEcho`: the same round trips over plain TCP (through `bench/relay.ts`, the architectural floor).
 *    Both take an optional `gapUs`: this process spins that long before each send (not timed), so the echo
 *    side sits idle that long before each round trip; it shows what waking an idle CPU costs on the host.
 *  - `idle`: opens `total` peers (`concurrency` handshakes in flight) that stay connected and answer pings.
 *  - `idleCount` / `closeAll`: how many idle peers are still open / close them all.
 * The process exits when its parent goes away (IPC disconnect).
 *
 * Does not: measure the front (the orchestrator does), or assert anything.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { activeEngine } from '../src/crypto/index.js';
import { loadFrontTls, type ClusterTlsPaths } from '../src/cluster/tls.js';
import { NoiseHandshake, type Transport } from '../src/noise/index.js';
import { decodeMessage, encodeMessage, peekType } from '../src/wire/index.js';

/** Regtest genesis hash in wire order: the chain every bench cluster runs. */
const REGTEST = Uint8Array.from(Buffer.from('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f', 'hex'));
/** var_onion_optin (9), option_static_remotekey (13), payment_secret (15), all optional: what our node requires. */
const PEER_FEATURES = Uint8Array.from([0xa2, 0x00]);
/** A peer that has not finished handshake + init in this long is counted as failed (ms): a bound, not a goal. */
const PEER_SETUP_TIMEOUT_MS = 20_000;
/** A round trip that has not come back in this long fails the run (ms). */
const ROUND_TRIP_TIMEOUT_MS = 10_000;

/** A command from the orchestrator. */
export type LoadgenCommand =
  | { cmd: 'handshakes'; port: number; nodeId: string; concurrency: number; ms: number; maxCount: number }
  | { cmd: 'echo'; port: number; nodeId: string; count: number; warmup: number; size: number; type: number; replyType?: number }
  | { cmd: 'tlsEcho'; port: number; tls: ClusterTlsPaths; count: number; warmup: number; frameBytes: number; gapUs?: number }
  | { cmd: 'tcpEcho'; port: number; count: number; warmup: number; frameBytes: number; gapUs?: number }
  | { cmd: 'idle'; port: number; nodeId: string; total: number; concurrency: number; ms: number }
  | { cmd: 'idleCount' }
  | { cmd: 'closeAll' };

/** Result of `handshakes`. */
export interface HandshakesResult { completed: number; failed: number; elapsedMs: number }
/** Result of `echo` / `tlsEcho`: every measured round trip, ms. */
export interface RoundTrips { rttMs: number[] }
/** Result of `idle`. */
export interface IdleResult { connected: number; failed: number; elapsedMs: number }

interface Key { pub: Uint8Array; ecdh(p: Uint8Array): Uint8Array }

function newKey(): Key {
  const e = activeEngine();
  let priv = randomBytes(32);
  while (!e.isValidPrivateKey(priv)) priv = randomBytes(32);
  const p = Uint8Array.from(priv);
  return { pub: e.publicKey(p), ecdh: (point) => e.ecdh(point, p) };
}

/** One peer: BOLT 8 initiator + init, answers pings, hands other messages to `onMessage`. */
class Peer {
  readonly socket: Socket;
  #transport: Transport | undefined;
  #waiting: { type: number; resolve: (m: Uint8Array) => void } | undefined;
  #fail: (e: Error) => void = () => {};
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.once('close', () => {
      this.closed = true;
      this.#fail(new Error('connection closed'));
    });
  }

  /** Connects, completes BOLT 8 and init both ways, then a ping/pong; rejects on close or timeout. */
  static async open(port: number, nodeId: Uint8Array, key: Key): Promise<Peer> {
    const peer = new Peer(netConnect({ host: '127.0.0.1', port }));
    const timer = setTimeout(() => peer.socket.destroy(), PEER_SETUP_TIMEOUT_MS);
    try {
      await peer.#handshake(nodeId, key);
      const theirInit = peer.#next(16);
      peer.send(encodeMessage({ name: 'init', globalfeatures: new Uint8Array(0), features: PEER_FEATURES, tlvs: { networks: [REGTEST] } }));
      await theirInit;
      const pong = peer.#next(19);
      peer.send(encodeMessage({ name: 'ping', numPongBytes: 0, ignored: new Uint8Array(0), tlvs: {} }));
      await pong;
      return peer;
    } catch (e) {
      peer.socket.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #handshake(nodeId: Uint8Array, key: Key): Promise<void> {
    const hs = NoiseHandshake.initiator({ localStatic: key.pub, staticEcdh: key.ecdh, remoteStatic: nodeId });
    return new Promise<void>((resolve, reject) => {
      this.#fail = reject;
      this.socket.once('connect', () => this.socket.write(hs.actOne()));
      const onData = (chunk: Buffer): void => {
        hs.push(new Uint8Array(chunk)).then((out) => {
          for (const b of out.send) this.socket.write(b);
          if (out.done === undefined) return;
          this.socket.off('data', onData);
          this.#transport = out.done.transport;
          this.socket.on('data', (c: Buffer) => this.#receive(c));
          for (const m of out.done.messages) this.#dispatch(m);
          resolve();
        }, (e: Error) => { this.socket.destroy(); reject(e); });
      };
      this.socket.on('data', onData);
    });
  }

  #receive(chunk: Buffer): void {
    let ms: Uint8Array[];
    try {
      ms = this.#transport!.push(new Uint8Array(chunk));
    } catch {
      this.socket.destroy();
      return;
    }
    for (const m of ms) this.#dispatch(m);
  }

  #dispatch(m: Uint8Array): void {
    const type = peekType(m);
    if (type === 18) {
      const ping = decodeMessage(m);
      if (ping.name === 'ping') this.send(encodeMessage({ name: 'pong', ignored: new Uint8Array(ping.numPongBytes), tlvs: {} }));
      return;
    }
    const w = this.#waiting;
    if (w !== undefined && w.type === type) {
      this.#waiting = undefined;
      w.resolve(m);
    }
  }

  /** Waits for the next message of `type` (one waiter at a time). */
  #next(type: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      this.#fail = reject;
      this.#waiting = { type, resolve };
    });
  }

  send(m: Uint8Array): void {
    this.socket.write(this.#transport!.encrypt(m));
  }

  /** Sends `m` and resolves with the round trip (ms) when a message of the same type comes back. */
  async roundTrip(m: Uint8Array, replyType = peekType(m)!): Promise<number> {
    const back = this.#next(replyType);
    const t0 = performance.now();
    this.send(m);
    await back; // bounded by the caller's watchdog, which closes the socket (and so rejects `back`)
    return performance.now() - t0;
  }
}

/** Busy-waits `us` microseconds (keeps this CPU awake while the other side idles). */
function spin(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) { /* spin */ }
}

/**
 * Fails a run of round trips that stops making progress: `kick()` after each trip; if none came for `ms`,
 * `onStall` runs (it closes the socket, which rejects the trip in flight). One interval per run instead of a
 * timer per trip, so the harness adds the same (near-zero) work to every path it measures.
 */
function watchdog(ms: number, onStall: () => void): { kick(): void; stop(): void } {
  let last = performance.now();
  const t = setInterval(() => { if (performance.now() - last > ms) onStall(); }, Math.min(1_000, ms));
  return { kick: () => { last = performance.now(); }, stop: () => clearInterval(t) };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** Fresh keys made before a timed section, so key generation is not the load generator's bottleneck. */
function keys(n: number): Key[] {
  return Array.from({ length: n }, newKey);
}

async function handshakes(c: Extract<LoadgenCommand, { cmd: 'handshakes' }>): Promise<HandshakesResult> {
  const nodeId = Buffer.from(c.nodeId, 'hex');
  const pool = keys(Math.max(c.concurrency * 4, 64));
  let started = 0;
  let completed = 0;
  let failed = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() - t0 < c.ms && started < c.maxCount) {
      const key = pool[started++ % pool.length]!;
      try {
        const p = await Peer.open(c.port, nodeId, key);
        completed += 1;
        p.socket.destroy();
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, loop));
  return { completed, failed, elapsedMs: performance.now() - t0 };
}

async function echo(c: Extract<LoadgenCommand, { cmd: 'echo' }>): Promise<RoundTrips> {
  const peer = await Peer.open(c.port, Buffer.from(c.nodeId, 'hex'), newKey());
  try {
    const m = new Uint8Array(c.size);
    m[0] = c.type >> 8;
    m[1] = c.type & 0xff;
    m.set(randomBytes(c.size - 2), 2);
    const rttMs: number[] = [];
    const dog = watchdog(ROUND_TRIP_TIMEOUT_MS, () => peer.socket.destroy(new Error('echo round trip timed out')));
    try {
      for (let i = 0; i < c.warmup + c.count; i++) {
        const rtt = await peer.roundTrip(m, c.replyType ?? c.type);
        dog.kick();
        if (i >= c.warmup) rttMs.push(rtt);
      }
    } finally {
      dog.stop();
    }
    return { rttMs };
  } finally {
    peer.socket.destroy();
  }
}

async function tlsEcho(c: Extract<LoadgenCommand, { cmd: 'tlsEcho' | 'tcpEcho' }>): Promise<RoundTrips> {
  const tls = c.cmd === 'tlsEcho';
  const socket = tls ? tlsConnect({ ...loadFrontTls(c.tls), host: '127.0.0.1', port: c.port }) : netConnect({ host: '127.0.0.1', port: c.port });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  await withTimeout(new Promise<void>((resolve, reject) => {
    socket.once(tls ? 'secureConnect' : 'connect', () => resolve());
    socket.once('error', reject);
  }), PEER_SETUP_TIMEOUT_MS, `${tls ? 'TLS' : 'TCP'} connect`);
  try {
    const frame = randomBytes(c.frameBytes);
    frame.writeUInt32BE(c.frameBytes - 4, 0);
    let pending = 0;
    let trip: { done: () => void; fail: (e: Error) => void } | undefined;
    socket.on('data', (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending <= 0 && trip) { const t = trip; trip = undefined; t.done(); }
    });
    socket.once('close', () => trip?.fail(new Error(`${c.cmd}: connection closed`)));
    const rttMs: number[] = [];
    const dog = watchdog(ROUND_TRIP_TIMEOUT_MS, () => socket.destroy(new Error(`${c.cmd} round trip timed out`)));
    try {
      for (let i = 0; i < c.warmup + c.count; i++) {
        if (c.gapUs !== undefined) spin(c.gapUs);
        const back = new Promise<void>((done, fail) => { trip = { done, fail }; });
        pending = frame.length;
        const t0 = performance.now();
        socket.write(frame);
        await back;
        dog.kick();
        if (i >= c.warmup) rttMs.push(performance.now() - t0);
      }
    } finally {
      dog.stop();
    }
    return { rttMs };
  } finally {
    socket.destroy();
  }
}

const idlePeers = new Set<Peer>();

async function idle(c: Extract<LoadgenCommand, { cmd: 'idle' }>): Promise<IdleResult> {
  const nodeId = Buffer.from(c.nodeId, 'hex');
  const pool = keys(c.total);
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (next < c.total && performance.now() - t0 < c.ms) {
      try {
        const p = await Peer.open(c.port, nodeId, pool[next++]!);
        idlePeers.add(p);
        p.socket.once('close', () => idlePeers.delete(p));
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, loop));
  return { connected: idlePeers.size, failed, elapsedMs: performance.now() - t0 };
}

async function run(c: LoadgenCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'handshakes': return handshakes(c);
    case 'echo': return echo(c);
    case 'tlsEcho':
    case 'tcpEcho': return tlsEcho(c);
    case 'idle': return idle(c);
    case 'idleCount': return { open: [...idlePeers].filter((p) => !p.closed).length };
    case 'closeAll': {
      const n = idlePeers.size;
      for (const p of idlePeers) p.socket.destroy();
      idlePeers.clear();
      return { closed: n };
    }
  }
}

if (process.send !== undefined) {
  process.on('message', (msg: { id: number } & LoadgenCommand) => {
    run(msg).then(
      (result) => process.send!({ id: msg.id, ok: true, result }),
      (e: unknown) => process.send!({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  process.once('disconnect', () => process.exit(0));
  process.send({ id: 0, ok: true, result: { ready: true, pid: process.pid } });
}
