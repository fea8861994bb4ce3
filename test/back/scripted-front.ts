/**
 * A scripted front for backend tests (not a test file): a real `tls.connect` with a front certificate,
 * speaking link messages through `LinkSession`. It heartbeats on its own (unless `silent`), queues every
 * message it receives, and lets a test await the next one of a given name.
 */
import { once } from 'node:events';
import { connect, type TLSSocket } from 'node:tls';
import { frontClientOptions } from '../../src/cluster/tls.js';
import { LINK_PROTOCOL_VERSION, type LinkMessage, type LinkMessageNamed } from '../../src/cluster/messages.js';
import { LinkSession } from '../../src/cluster/session.js';
import type { MemberFiles, TempPki } from '../helpers/cluster-fixtures.js';

/** Default bound on every wait, ms (a bound, not an assertion). */
const WAIT_MS = 10_000;

export class ScriptedFront {
  readonly socket: TLSSocket;
  readonly #session: LinkSession;
  readonly #inbox: LinkMessage[] = [];
  #waiters: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Resolves when the socket closed (with the first error, if any). */
  readonly closed: Promise<Error | undefined>;
  isClosed = false;

  private constructor(socket: TLSSocket, heartbeat: boolean) {
    this.socket = socket;
    this.#session = new LinkSession({ heartbeatMs: 200, peerTimeoutMs: 60_000 }, Date.now());
    let firstError: Error | undefined;
    socket.on('error', (e) => { firstError ??= e; });
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.isClosed = true;
      clearInterval(this.#timer);
      this.#wake();
      resolve(firstError);
    }));
    socket.on('data', (chunk: Buffer) => {
      for (const m of this.#session.receive(chunk, Date.now())) this.#inbox.push(m);
      this.#wake();
    });
    if (heartbeat) {
      this.#timer = setInterval(() => {
        const r = this.#session.tick(Date.now());
        if (r.kind === 'heartbeat' && !socket.destroyed) socket.write(r.bytes);
      }, 100);
      this.#timer.unref();
    }
  }

  /** Connects with `member`'s certificate (any CA; the backend decides). Resolves after the TLS handshake or the close. */
  static async connect(pki: TempPki, member: MemberFiles, port: number, opts: { heartbeat?: boolean } = {}): Promise<ScriptedFront> {
    const options = frontClientOptions({ mode: 'ca', caPem: pki.ca.certPem, certPem: member.certPem, keyPem: member.keyPem }, { backendFingerprint: pki.back.fingerprint });
    const socket = connect({ host: '127.0.0.1', port, ...options });
    const f = new ScriptedFront(socket, opts.heartbeat ?? true);
    await Promise.race([once(socket, 'secureConnect'), f.closed]);
    return f;
  }

  /** Connects and completes `hello`; throws unless the answer is `hello_ack`. */
  static async linked(pki: TempPki, member: MemberFiles, port: number, frontId = member.name): Promise<{ front: ScriptedFront; ack: LinkMessageNamed<'hello_ack'> }> {
    const front = await ScriptedFront.connect(pki, member, port);
    const ack = await front.hello(frontId);
    if (ack.name !== 'hello_ack') throw new Error(`hello refused: ${ack.reason}`);
    return { front, ack };
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(m: LinkMessage): void {
    this.socket.write(this.#session.send(m, Date.now()));
  }

  /** Writes several messages in one TCP write. */
  sendMany(ms: LinkMessage[]): void {
    this.socket.write(Buffer.concat(ms.map((m) => this.#session.send(m, Date.now()))));
  }

  /** Sends `hello` and waits for `hello_ack` or `hello_reject`. */
  async hello(frontId: string, version = LINK_PROTOCOL_VERSION): Promise<LinkMessageNamed<'hello_ack'> | LinkMessageNamed<'hello_reject'>> {
    this.send({ name: 'hello', version, frontId, capabilities: new Uint8Array(0), tlvs: {} });
    return this.next(['hello_ack', 'hello_reject']);
  }

  /** Removes and returns the first queued message named one of `names`, waiting for it if needed. */
  async next<N extends LinkMessage['name']>(names: N | N[], timeoutMs = WAIT_MS): Promise<LinkMessageNamed<N>> {
    const want = Array.isArray(names) ? names : [names];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#inbox.findIndex((m) => (want as string[]).includes(m.name));
      if (i >= 0) return this.#inbox.splice(i, 1)[0] as LinkMessageNamed<N>;
      if (this.isClosed) throw new Error(`link closed while waiting for ${want.join('/')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${want.join('/')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Messages received and not yet taken. */
  get inbox(): readonly LinkMessage[] {
    return this.#inbox;
  }

  /** Stops heartbeating (the socket stays open: the backend must notice the silence). */
  goSilent(): void {
    clearInterval(this.#timer);
  }

  /** Destroys the socket (a killed front). */
  destroy(): void {
    this.socket.destroy();
  }
}
