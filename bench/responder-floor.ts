/**
 * @module bench/responder-floor
 * The `handshakes` benchmark's floor: the least a BOLT 8 responder can do for the load generator's
 * handshakes, in one process with the node key at hand. Per connection: acts one to three with local
 * ECDH (our `noise` handshake and crypto engines, as on a front), our `init` (the front's features and
 * `networks` TLV) once act three is in, a pong for every ping. No cluster link, no backend, no connection
 * state machine, no checks of the peer's `init`, no limits, no logs, no metrics. So `floor ÷ baseline` is
 * what this machine allows a responder at all (sockets, kernel, JavaScript, the load generator sharing the
 * cores) and `ours ÷ floor` what the split front/backend design and everything a real node must do cost.
 *
 * Spawned by `bench/cluster.ts` with an IPC channel: argv `[initFeaturesHex, chainHashHex]`; sends
 * `{ port, nodeId }` once listening on 127.0.0.1; exits when the parent goes away. Does not: measure
 * anything, or listen beyond 127.0.0.1.
 */
import { createServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { activeEngine } from '../src/crypto/index.js';
import { NoiseHandshake, type Transport } from '../src/noise/index.js';
import { decodeMessage, encodeMessage, peekType } from '../src/wire/index.js';

/** BOLT 1 `ping`. */
const PING = 18;

function serve(socket: Socket, hs: NoiseHandshake, init: Uint8Array): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let transport: Transport | undefined;
  const onMessage = (t: Transport, m: Uint8Array): void => {
    if (peekType(m) !== PING) return;
    const ping = decodeMessage(m);
    if (ping.name === 'ping') socket.write(t.encrypt(encodeMessage({ name: 'pong', ignored: new Uint8Array(ping.numPongBytes), tlvs: {} })));
  };
  socket.on('data', (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (transport !== undefined) {
      const t = transport;
      try {
        for (const m of t.push(bytes)) onMessage(t, m);
      } catch {
        socket.destroy();
      }
      return;
    }
    hs.push(bytes).then((out) => {
      for (const b of out.send) socket.write(b);
      if (out.done === undefined) return;
      const t = out.done.transport;
      transport = t;
      socket.write(t.encrypt(init));
      for (const m of out.done.messages) onMessage(t, m);
    }, () => socket.destroy());
  });
}

if (process.send !== undefined) {
  const features = Uint8Array.from(Buffer.from(process.argv[2] ?? '', 'hex'));
  const chainHash = Uint8Array.from(Buffer.from(process.argv[3] ?? '', 'hex'));
  const engine = activeEngine();
  let priv = Uint8Array.from(randomBytes(32));
  while (!engine.isValidPrivateKey(priv)) priv = Uint8Array.from(randomBytes(32));
  const pub = engine.publicKey(priv);
  const init = encodeMessage({ name: 'init', globalfeatures: new Uint8Array(0), features, tlvs: { networks: [chainHash] } });
  const server = createServer((s) => serve(s, NoiseHandshake.responder({ localStatic: pub, staticEcdh: (p) => engine.ecdh(p, priv) }), init));
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.send!({ port: typeof a === 'object' && a !== null ? a.port : 0, nodeId: Buffer.from(pub).toString('hex') });
  });
  process.once('disconnect', () => process.exit(0));
}
