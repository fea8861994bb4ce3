/**
 * Test helper (not a test file): a scripted backend for front tests. A real `tls.createServer` with the
 * CA-issued backend certificate, speaking link messages through `LinkSession`, answering `hello` with a
 * `hello_ack`, `ecdh_request` with a known node key, `peer_attached` with `peer_attach_ack`. Everything
 * the front sends is recorded; tests send whatever they like. `kill()` drops the link and stops
 * listening; `restart()` listens again on the same port.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { TickCork } from '../../src/cluster/coalesce.js';
import { LinkSession } from '../../src/cluster/session.js';
import { GRAPH_EVENT_KIND, type SnapshotEntry } from '../../src/cluster/gossip-messages.js';
import { ECDH_STATUS, LINK_PROTOCOL_VERSION, type LinkMessage } from '../../src/cluster/messages.js';
import type { TempPki } from '../helpers/cluster-fixtures.js';
import { newKey, OUR_FEATURES, REGTEST, type TestKey } from './helpers.js';

/** Settings the scripted backend sends in `hello_ack`. */
export interface ScriptSettings {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  handshakeTimeoutMs: number;
  initTimeoutMs: number;
  maxConnections: number;
  initialCredit: number;
  /** Chain hash sent in `hello_ack` (default regtest). */
  chainHash?: Uint8Array;
  /** Accept every `gossip_forward` at once (`gossip_decision` + `graph_event`), as a backend with no chain would. */
  autoAcceptGossip?: boolean;
  /** Graph snapshot chunks sent after `hello_ack` (non-final), before the final empty one (default: none). */
  snapshot?: readonly (readonly SnapshotEntry[])[];
}

export const DEFAULT_SCRIPT_SETTINGS: ScriptSettings = {
  pingIntervalMs: 60_000, pongTimeoutMs: 30_000, handshakeTimeoutMs: 1_500, initTimeoutMs: 5_000, maxConnections: 0, initialCredit: 100,
};

export interface ScriptedBackend {
  readonly port: number;
  readonly nodeKey: TestKey;
  /** Every non-heartbeat message from fronts, in order. */
  readonly received: LinkMessage[];
  /** Node ids (hex) the backend says have channels. */
  readonly withChannels: Set<string>;
  /** Sends to the (single) connected front. */
  send(m: LinkMessage): void;
  /** Resolves with the first received message (from `fromIndex` on) that matches. */
  next<N extends LinkMessage['name']>(name: N, pred?: (m: Extract<LinkMessage, { name: N }>) => boolean, fromIndex?: number): Promise<Extract<LinkMessage, { name: N }>>;
  /** How many links have completed hello so far. */
  readonly hellos: number;
  /** How many `gossip_forward`s have arrived (a counter, so a benchmark need not scan `received`). */
  readonly gossipForwards: number;
  kill(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startScriptedBackend(pki: TempPki, settings: Partial<ScriptSettings> = {}): Promise<ScriptedBackend> {
  const s = { ...DEFAULT_SCRIPT_SETTINGS, ...settings };
  const nodeKey = newKey();
  const received: LinkMessage[] = [];
  const withChannels = new Set<string>();
  const waiters: (() => void)[] = [];
  let current: { socket: TLSSocket; session: LinkSession; out: TickCork } | undefined;
  let gossipForwards = 0;
  let hellos = 0;
  const sockets = new Set<TLSSocket>();
  const options = {
    minVersion: 'TLSv1.3' as const,
    requestCert: true,
    rejectUnauthorized: true,
    cert: readFileSync(pki.back.certPath, 'utf8'),
    key: readFileSync(pki.back.keyPath, 'utf8'),
    ca: readFileSync(pki.caPath, 'utf8'),
  };
  const send = (m: LinkMessage) => {
    // Coalesced per loop turn like the real backend's link (src/cluster/coalesce.ts).
    if (current) current.out.write(current.session.send(m, Date.now()));
  };
  const onMessage = (m: LinkMessage) => {
    received.push(m);
    switch (m.name) {
      case 'hello':
        hellos += 1;
        send({
          name: 'hello_ack', version: LINK_PROTOCOL_VERSION, nodeId: nodeKey.pub, chainHash: s.chainHash ?? REGTEST, initFeatures: OUR_FEATURES,
          pingIntervalMs: s.pingIntervalMs, pongTimeoutMs: s.pongTimeoutMs, handshakeTimeoutMs: s.handshakeTimeoutMs,
          initTimeoutMs: s.initTimeoutMs, maxConnections: s.maxConnections, maxMessageBytes: 65535, initialCredit: s.initialCredit,
          heartbeatMs: 1000, peerTimeoutMs: 3000, sendRemoteAddr: true, tlvs: {},
        });
        // The scripted graph (empty by default): the front is ready (and takes peers) after the final chunk.
        (s.snapshot ?? []).forEach((entries, i) => send({ name: 'graph_snapshot_chunk', index: i, final: false, entries: [...entries], tlvs: {} }));
        send({ name: 'graph_snapshot_chunk', index: s.snapshot?.length ?? 0, final: true, entries: [], tlvs: {} });
        break;
      case 'ecdh_request':
        send({ name: 'ecdh_result', requestId: m.requestId, status: ECDH_STATUS.ok, secret: nodeKey.ecdh(m.point), tlvs: {} });
        break;
      case 'peer_attached':
        send({
          name: 'peer_attach_ack', conn: m.conn, accepted: true, hasChannels: withChannels.has(Buffer.from(m.nodeId).toString('hex')),
          credit: s.initialCredit, tlvs: {},
        });
        break;
      case 'gossip_forward':
        gossipForwards += 1;
        if (s.autoAcceptGossip === true) {
          send({ name: 'gossip_decision', hash: createHash('sha256').update(m.message).digest(), accepted: true, reason: 0, text: '', tlvs: {} });
          const added = ((m.message[0]! << 8) | m.message[1]!) === 256;
          send({ name: 'graph_event', kind: added ? GRAPH_EVENT_KIND.added : GRAPH_EVENT_KIND.updated, scid: 0n, message: m.message, tlvs: {} });
        }
        break;
      default:
        break;
    }
    for (const w of waiters.splice(0)) w();
  };
  const server: Server = createServer(options, (socket) => {
    sockets.add(socket);
    const session = new LinkSession({ heartbeatMs: 200, peerTimeoutMs: 3000 }, Date.now());
    socket.setNoDelay(true);
    current = { socket, session, out: new TickCork(socket) };
    socket.on('data', (chunk: Buffer) => {
      for (const m of session.receive(new Uint8Array(chunk), Date.now())) onMessage(m);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      if (current?.socket === socket) current = undefined;
    });
  });
  const ticker = setInterval(() => {
    if (!current) return;
    const r = current.session.tick(Date.now());
    if (r.kind === 'heartbeat') current.out.write(r.bytes);
  }, 100);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let listening = true;
  const stop = async () => {
    for (const sk of sockets) sk.destroy();
    if (listening) {
      listening = false;
      await new Promise<void>((r) => server.close(() => r()));
    }
  };
  return {
    port, nodeKey, received, withChannels, send,
    get hellos() { return hellos; },
    get gossipForwards() { return gossipForwards; },
    async next(name, pred = () => true, fromIndex = 0) {
      for (;;) {
        const hit = received.slice(fromIndex).find((m) => m.name === name && pred(m as never));
        if (hit) return hit as never;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    kill: stop,
    async restart() {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      listening = true;
    },
    async close() {
      clearInterval(ticker);
      await stop();
      for (const w of waiters.splice(0)) w();
    },
  };
}
