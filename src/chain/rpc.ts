/**
 * @module chain/rpc
 * A JSON-RPC 1.0 client for bitcoind over `node:http`/`node:https`: basic auth from a user/password
 * pair or from bitcoind's `.cookie` file, a timeout per call, a bounded response size, and typed
 * errors (`ChainError`, see `./errors.ts`).
 *
 * bitcoind answers RPC errors with HTTP 500 (404 for an unknown method) and a JSON body that carries
 * `error: {code, message}`, so the body is parsed whatever the status; only a body that is not the
 * JSON-RPC answer makes the status itself the error. The cookie is re-read after a 401 because
 * bitcoind writes a new one at every start.
 *
 * Does not: know any method's result shape (`./bitcoind.ts` does), retry, or log.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { DEFAULT_RPC_TIMEOUT_MS, MAX_RPC_RESPONSE_BYTES } from './constants.js';
import { ChainError } from './errors.js';

/** How to authenticate: a user and password, bitcoind's cookie file, or nothing. */
export type RpcAuth =
  | { readonly kind: 'password'; readonly user: string; readonly password: string }
  | { readonly kind: 'cookie'; readonly file: string }
  | { readonly kind: 'none' };

/** Options of {@link JsonRpcClient}. */
export interface RpcClientOptions {
  /** Endpoint, e.g. `http://127.0.0.1:8332`; a path (e.g. `/wallet/x`) is kept. */
  readonly url: string;
  readonly auth: RpcAuth;
  /** Timeout of one call in ms (connect + answer). */
  readonly timeoutMs?: number;
}

interface RpcAnswer {
  result?: unknown;
  error?: { code?: unknown; message?: unknown } | null;
  id?: unknown;
}

/** JSON-RPC client; one HTTP request per call, keep-alive agent per client. */
export class JsonRpcClient {
  private readonly url: URL;
  private readonly auth: RpcAuth;
  private readonly timeoutMs: number;
  private readonly agent: http.Agent;
  private cookieHeader: string | undefined;
  private nextId = 1;

  constructor(options: RpcClientOptions) {
    try {
      this.url = new URL(options.url);
    } catch (cause) {
      throw new ChainError('unreachable', `bitcoind.rpc-url is not a URL`, { cause });
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new ChainError('unreachable', `bitcoind.rpc-url must be http or https, not ${this.url.protocol}`);
    this.auth = options.auth;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.agent = this.url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** Calls `method` with positional `params`; resolves with `result`, rejects with a `ChainError`. */
  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    let answer = await this.post(method, params, await this.authorization(false));
    if (answer.status === 401 && this.auth.kind === 'cookie') answer = await this.post(method, params, await this.authorization(true));
    return this.interpret<T>(method, answer.status, answer.body);
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private async authorization(refresh: boolean): Promise<string | undefined> {
    const a = this.auth;
    switch (a.kind) {
      case 'none':
        return undefined;
      case 'password':
        return basic(`${a.user}:${a.password}`);
      case 'cookie':
        if (this.cookieHeader === undefined || refresh) this.cookieHeader = basic(await readCookie(a.file));
        return this.cookieHeader;
    }
  }

  private post(method: string, params: readonly unknown[], authorization: string | undefined): Promise<{ status: number; body: string }> {
    const body = JSON.stringify({ jsonrpc: '1.0', id: this.nextId++, method, params });
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (authorization !== undefined) headers.authorization = authorization;
    const lib = this.url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: ChainError): void => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(e);
      };
      const req = lib.request(this.url, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RPC_RESPONSE_BYTES) fail(new ChainError('badResponse', `${method}: response larger than ${MAX_RPC_RESPONSE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (cause) => fail(new ChainError('unreachable', `${method}: response failed: ${cause.message}`, { cause })));
      });
      const timer = setTimeout(() => fail(new ChainError('timeout', `${method}: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (cause) => {
        clearTimeout(timer);
        fail(new ChainError('unreachable', `${method}: cannot reach ${this.url.host}: ${cause.message}`, { cause }));
      });
      req.on('close', () => clearTimeout(timer));
      req.end(body);
    });
  }

  private interpret<T>(method: string, status: number, body: string): T {
    if (status === 401 || status === 403) throw new ChainError('unauthorized', `${method}: bitcoind refused the credentials (HTTP ${status}); check rpc-user/rpc-password or rpc-cookie-file`);
    let answer: RpcAnswer;
    try {
      answer = JSON.parse(body) as RpcAnswer;
    } catch (cause) {
      if (status !== 200) throw new ChainError('httpStatus', `${method}: HTTP ${status} without a JSON-RPC body`, { cause });
      throw new ChainError('badResponse', `${method}: answer is not JSON`, { cause });
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) throw new ChainError('badResponse', `${method}: answer is not a JSON-RPC object`);
    if (answer.error !== null && answer.error !== undefined) {
      const code = typeof answer.error.code === 'number' ? answer.error.code : undefined;
      const message = typeof answer.error.message === 'string' ? answer.error.message : 'unknown error';
      throw new ChainError('rpcError', `${method}: ${message}${code === undefined ? '' : ` (code ${code})`}`, code === undefined ? {} : { rpcCode: code });
    }
    if (status !== 200) throw new ChainError('httpStatus', `${method}: HTTP ${status}`);
    if (!('result' in answer)) throw new ChainError('badResponse', `${method}: answer has no result`);
    return answer.result as T;
  }
}

function basic(userColonPassword: string): string {
  return `Basic ${Buffer.from(userColonPassword, 'utf8').toString('base64')}`;
}

/** Reads `__cookie__:<hex>` from bitcoind's cookie file; the content never goes into a message. */
async function readCookie(file: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch (cause) {
    throw new ChainError('cookie', `cannot read the bitcoind cookie file ${file}`, { cause });
  }
  if (!/^[^:\s]+:\S+$/.test(text)) throw new ChainError('cookie', `the bitcoind cookie file ${file} is not user:password`);
  return text;
}
