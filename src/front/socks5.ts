/**
 * @module front/socks5
 * A minimal SOCKS5 CONNECT client (RFC 1928), no authentication, for dialling `.onion` peers through
 * Tor's SOCKS port (`front.socks5-proxy`). The protocol core is sans-I/O (`Socks5Connect`: bytes in,
 * bytes out); `socks5Connect` is the thin socket wrapper the daemon uses.
 *
 * Host names are always sent as ATYP 3 (domain name) so Tor resolves them (and onion names never touch
 * local DNS). Does not: authenticate (RFC 1929), BIND or UDP ASSOCIATE, or resolve anything locally.
 */
import { connect, type Socket } from 'node:net';
import { assertNever, LnfleetError } from '../errors.js';

/** A SOCKS5 failure; `message` names the proxy's reply (RFC 1928 §6) or the protocol problem. */
export class Socks5Error extends LnfleetError<'SOCKS5'> {}

// RFC 1928 §6 reply codes.
const REPLY_TEXT: Readonly<Record<number, string>> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

const VERSION = 5;
const NO_AUTH = 0;
const CMD_CONNECT = 1;
const ATYP_IPV4 = 1;
const ATYP_DOMAIN = 3;
const ATYP_IPV6 = 4;

type State =
  | { readonly kind: 'awaitMethod' }
  | { readonly kind: 'awaitReply' }
  | { readonly kind: 'done' }
  | { readonly kind: 'failed' };

/** What one `push` produced. */
export interface Socks5Output {
  readonly send: Uint8Array[];
  /** Set when the tunnel is open; `rest` are bytes from the target that came with the reply. */
  readonly done?: { readonly rest: Uint8Array };
}

/** The sans-I/O SOCKS5 CONNECT exchange for one target. */
export class Socks5Connect {
  #state: State = { kind: 'awaitMethod' };
  #buf = new Uint8Array(0);
  readonly #host: Uint8Array;
  readonly #port: number;

  constructor(host: string, port: number) {
    this.#host = new TextEncoder().encode(host);
    if (this.#host.length === 0 || this.#host.length > 255) throw new Socks5Error('SOCKS5', `host name of ${this.#host.length} bytes cannot be sent (1–255)`);
    this.#port = port;
  }

  /** The greeting to send first: version 5, one method, "no authentication". */
  greeting(): Uint8Array {
    return Uint8Array.of(VERSION, 1, NO_AUTH);
  }

  /** Feed bytes from the proxy. Throws `Socks5Error` on refusal or a malformed answer. */
  push(chunk: Uint8Array): Socks5Output {
    const b = new Uint8Array(this.#buf.length + chunk.length);
    b.set(this.#buf);
    b.set(chunk, this.#buf.length);
    this.#buf = b;
    const s = this.#state;
    switch (s.kind) {
      case 'awaitMethod': {
        if (this.#buf.length < 2) return { send: [] };
        if (this.#buf[0] !== VERSION || this.#buf[1] !== NO_AUTH) return this.#fail(`proxy refused "no authentication" (answered ${this.#buf[0]}/${this.#buf[1]})`);
        this.#buf = this.#buf.subarray(2);
        this.#state = { kind: 'awaitReply' };
        const req = new Uint8Array(7 + this.#host.length);
        req.set([VERSION, CMD_CONNECT, 0, ATYP_DOMAIN, this.#host.length]);
        req.set(this.#host, 5);
        req[5 + this.#host.length] = this.#port >> 8;
        req[6 + this.#host.length] = this.#port & 0xff;
        const more = this.#buf.length > 0 ? this.push(new Uint8Array(0)) : { send: [] };
        return { send: [req, ...more.send], ...(more.done ? { done: more.done } : {}) };
      }
      case 'awaitReply': {
        const need = replyLength(this.#buf);
        if (need === undefined || this.#buf.length < need) return { send: [] };
        if (this.#buf[0] !== VERSION) return this.#fail(`proxy answered version ${this.#buf[0]}`);
        const rep = this.#buf[1]!;
        if (rep !== 0) return this.#fail(`proxy: ${REPLY_TEXT[rep] ?? `reply ${rep}`}`);
        const rest = this.#buf.subarray(need);
        this.#buf = new Uint8Array(0);
        this.#state = { kind: 'done' };
        return { send: [], done: { rest } };
      }
      case 'done':
      case 'failed':
        throw new Socks5Error('SOCKS5', `no SOCKS5 bytes expected in state ${s.kind}`);
      default:
        return assertNever(s, 'socks5 state');
    }
  }

  #fail(why: string): never {
    this.#state = { kind: 'failed' };
    throw new Socks5Error('SOCKS5', why);
  }
}

/** Total length of a CONNECT reply once its address type is known (RFC 1928 §6), else undefined. */
function replyLength(b: Uint8Array): number | undefined {
  if (b.length < 5) return undefined;
  switch (b[3]) {
    case ATYP_IPV4: return 4 + 4 + 2;
    case ATYP_IPV6: return 4 + 16 + 2;
    case ATYP_DOMAIN: return 4 + 1 + b[4]! + 2;
    default: throw new Socks5Error('SOCKS5', `proxy reply has unknown address type ${b[3]}`);
  }
}

/**
 * Opens a TCP connection to `proxy` and asks it to CONNECT to `host:port`. Resolves with the socket,
 * ready for the target's bytes (any that arrived early are `unshift`ed back), or rejects.
 */
export function socks5Connect(proxy: { host: string; port: number }, host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const core = new Socks5Connect(host, port);
    const socket = connect({ host: proxy.host, port: proxy.port });
    const fail = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    socket.setTimeout(timeoutMs, () => fail(new Socks5Error('SOCKS5', `SOCKS5 connect to ${host}:${port} timed out after ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(core.greeting()));
    const onData = (chunk: Buffer) => {
      let out: Socks5Output;
      try {
        out = core.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      } catch (e) {
        fail(e as Error);
        return;
      }
      for (const b of out.send) socket.write(b);
      if (out.done) {
        socket.off('data', onData);
        socket.off('error', fail);
        socket.setTimeout(0);
        if (out.done.rest.length > 0) socket.unshift(Buffer.from(out.done.rest));
        resolve(socket);
      }
    };
    socket.on('data', onData);
  });
}
