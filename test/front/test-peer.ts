/**
 * Test helper (not a test file): a Lightning peer over real TCP built from our own `src/noise` and
 * `src/wire`: as initiator (`dialPeer`) or responder (`listenPeer`). Collects decrypted messages and
 * lets a test wait for one by predicate; `closed` resolves when the socket closes.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { NoiseHandshake, type Transport } from '../../src/noise/index.js';
import { decodeMessage, encodeMessage, peekType, type Message } from '../../src/wire/index.js';
import { OUR_FEATURES, REGTEST, newKey, type TestKey } from './helpers.js';

export class TestPeer {
  readonly socket: Socket;
  readonly key: TestKey;
  transport: Transport | undefined;
  readonly messages: Uint8Array[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  #waiters: (() => void)[] = [];

  constructor(socket: Socket, key: TestKey) {
    this.socket = socket;
    this.key = key;
    socket.on('error', () => {});
    this.closed = new Promise((r) => socket.once('close', () => {
      this.isClosed = true;
      for (const w of this.#waiters.splice(0)) w();
      r();
    }));
  }

  /** Called with the finished transport and any early messages. */
  ready(transport: Transport, early: Uint8Array[]): void {
    this.transport = transport;
    this.#push(early);
    this.socket.on('data', (chunk: Buffer) => {
      try {
        this.#push(transport.push(new Uint8Array(chunk)));
      } catch {
        this.socket.destroy();
      }
    });
  }

  #push(ms: Uint8Array[]): void {
    this.messages.push(...ms);
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Sends one raw message (type + payload). */
  sendRaw(m: Uint8Array): void {
    this.socket.write(this.transport!.encrypt(m));
  }

  send(m: Message): void {
    this.sendRaw(encodeMessage(m));
  }

  /** Waits for the first message of `type` after index `from`; rejects if the socket closes first. */
  async next(type: number, from = 0): Promise<Uint8Array> {
    for (;;) {
      const hit = this.messages.slice(from).find((m) => peekType(m) === type);
      if (hit) return hit;
      if (this.isClosed) throw new Error(`peer closed before message type ${type} arrived`);
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  /** Sends our init (on `chain`) and waits for theirs. */
  async exchangeInit(chain: Uint8Array = REGTEST): Promise<Message> {
    this.send({ name: 'init', globalfeatures: new Uint8Array(0), features: OUR_FEATURES, tlvs: { networks: [chain] } });
    return decodeMessage(await this.next(16));
  }

  /** Pings and waits for the pong; returns its `ignored` length. */
  async ping(numPongBytes: number): Promise<number> {
    const from = this.messages.length;
    this.send({ name: 'ping', numPongBytes, ignored: new Uint8Array(0), tlvs: {} });
    const pong = decodeMessage(await this.next(19, from));
    return pong.name === 'pong' ? pong.ignored.length : -1;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connects to `port` and completes BOLT 8 as initiator towards `nodeId`. */
export async function dialPeer(port: number, nodeId: Uint8Array, key: TestKey = newKey(), host = '127.0.0.1'): Promise<TestPeer> {
  const socket = connect({ host, port });
  // Like real implementations (LDK, lnd, CLN): without it, a second small write waits for the ACK of the
  // first (Nagle), which the front may delay by 40 ms.
  socket.setNoDelay(true);
  const peer = new TestPeer(socket, key);
  await once(socket, 'connect');
  const hs = NoiseHandshake.initiator({ localStatic: key.pub, staticEcdh: key.ecdh, remoteStatic: nodeId });
  socket.write(hs.actOne());
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      hs.push(new Uint8Array(chunk)).then((out) => {
        for (const b of out.send) socket.write(b);
        if (out.done) {
          socket.off('data', onData);
          peer.ready(out.done.transport, out.done.messages);
          resolve();
        }
      }, reject);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
  return peer;
}

/** A listening responder: every accepted connection becomes a `TestPeer` in `peers`. */
export async function listenPeer(key: TestKey = newKey()): Promise<{ port: number; key: TestKey; accepted: Promise<TestPeer>; server: Server }> {
  let resolveAccepted!: (p: TestPeer) => void;
  const accepted = new Promise<TestPeer>((r) => { resolveAccepted = r; });
  const server = createServer((socket) => {
    const peer = new TestPeer(socket, key);
    const hs = NoiseHandshake.responder({ localStatic: key.pub, staticEcdh: key.ecdh });
    const onData = (chunk: Buffer) => {
      void hs.push(new Uint8Array(chunk)).then((out) => {
        for (const b of out.send) socket.write(b);
        if (out.done) {
          socket.off('data', onData);
          peer.ready(out.done.transport, out.done.messages);
          resolveAccepted(peer);
        }
      }, () => socket.destroy());
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, key, accepted, server };
}
