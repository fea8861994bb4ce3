/**
 * @module cli/api-client
 * Small HTTP clients of the backend API (src/back/api.ts): `lnfleet status`, `lnfleet peers`,
 * `lnfleet connect <nodeid@host:port> [--persist]`, `lnfleet disconnect <nodeid>`.
 *
 * Every command takes `--api URL` (default `http://127.0.0.1:8080`) and `--json` (print the API's
 * JSON as is). The password comes from `LNFLEET_API_PASSWORD` (sent as HTTP basic auth), never from
 * the command line, where other users could read it in the process list. A backend that is not
 * running is a clear `API_UNREACHABLE` error naming the URL.
 *
 * Does not: import `src/back` (it talks HTTP only, so it works against a remote backend).
 */
import { LnfleetError } from '../errors.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';

/** Default API address (`api.listen`'s default). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** Why an API call failed. */
export class ApiClientError extends LnfleetError<'API_UNREACHABLE' | 'API_UNAUTHORIZED' | 'API_ERROR'> {}

/** Environment the CLI reads (LNFLEET_API_PASSWORD). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Calls the API; returns the parsed JSON or throws `ApiClientError`. */
export async function callApi(base: string, method: 'GET' | 'POST', path: string, env: Env, body?: unknown): Promise<unknown> {
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  const headers: Record<string, string> = { accept: 'application/json' };
  const password = env.LNFLEET_API_PASSWORD;
  if (password !== undefined && password !== '') headers.authorization = `Basic ${Buffer.from(`lnfleet:${password}`).toString('base64')}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new ApiClientError('API_UNREACHABLE', `cannot reach the backend API at ${base} (${cause}); is the backend running (lnfleet back)? Use --api to point elsewhere`, { cause: e });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiClientError('API_ERROR', `the API at ${base} answered ${res.status} with non-JSON content`);
  }
  if (res.status === 401) throw new ApiClientError('API_UNAUTHORIZED', `the API at ${base} needs a password: set LNFLEET_API_PASSWORD`);
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } }).error;
    throw new ApiClientError('API_ERROR', `${err?.code ?? res.status}: ${err?.message ?? 'request failed'}`);
  }
  return json;
}

/** One API command: its usage, the call it makes and how it prints the answer. */
export interface Spec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly positionals: number;
  readonly flags?: readonly string[];
  /** Options that take a value (`--name value`), besides `--api`. */
  readonly options?: readonly string[];
  call(base: string, env: Env, positionals: readonly string[], flags: ReadonlySet<string>, options: ReadonlyMap<string, string>): Promise<unknown>;
  print(result: unknown, io: CliIo): void;
}

const COMMON = `  --api URL   backend API (default ${DEFAULT_API_URL}); password from LNFLEET_API_PASSWORD
  --json      print the API's JSON answer`;

/** Builds an API command from `spec` (shared `--api`, `--json`, password handling). */
export function makeCommand(spec: Spec, deps: { env?: () => Env }): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: `${spec.usage}\n\n${COMMON}`,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const parsed = parseArgs(args, { options: ['api', ...(spec.options ?? [])], flags: ['json', ...(spec.flags ?? [])] });
      if (parsed.positionals.length !== spec.positionals) {
        throw new CliUsageError(spec.positionals === 0 ? `unexpected argument ${parsed.positionals[0]}` : `expected ${spec.positionals} argument(s)`);
      }
      const env = (deps.env ?? (() => process.env))();
      const result = await spec.call(parsed.options.get('api') ?? DEFAULT_API_URL, env, parsed.positionals, parsed.flags, parsed.options);
      if (parsed.flags.has('json')) io.out(JSON.stringify(result, null, 2));
      else spec.print(result, io);
      return 0;
    },
  };
}

interface StatusJson { nodeId: string; chain: string; chainSource: string; chainSourceNote: string; fronts: { id: string; connections: number; rttMs?: number }[]; peerCount: number; uptimeSec: number; graph?: { channels: number; channelUpdates: number; nodes: number; unverifiedChannels: number } }
type PeerJson = { nodeId: string; state: string; front?: string; conn?: number; remoteAddress?: string; address?: string; lastError?: string };

/** Builders with injectable env (tests). */
export function makeApiCommands(deps: { env?: () => Env } = {}): { status: Command; peers: Command; connect: Command; disconnect: Command } {
  return {
    status: makeCommand({
      name: 'status', summary: 'show the backend: node id, chain, fronts, peers', usage: 'usage: lnfleet status [--api URL] [--json]', positionals: 0,
      call: (base, env) => callApi(base, 'GET', 'status', env),
      print(r, io) {
        const s = r as StatusJson;
        io.out(`node id   ${s.nodeId}`);
        io.out(`chain     ${s.chain} (${s.chainSourceNote})`); // the note starts with the source kind
        io.out(`uptime    ${s.uptimeSec} s`);
        if (s.graph !== undefined) {
          const g = s.graph;
          io.out(`graph     ${g.channels} channels (${g.unverifiedChannels} not checked on chain), ${g.channelUpdates} updates, ${g.nodes} node announcements`);
        }
        io.out(`peers     ${s.peerCount}`);
        io.out(`fronts    ${s.fronts.length}${s.fronts.length === 0 ? ' (no front connected: the node is unreachable)' : ''}`);
        for (const f of s.fronts) io.out(`  ${f.id}  ${f.connections} connections${f.rttMs === undefined ? '' : `, link rtt ${f.rttMs} ms`}`);
      },
    }, deps),
    peers: makeCommand({
      name: 'peers', summary: 'list connected peers (and persistent peers being redialled)', usage: 'usage: lnfleet peers [--api URL] [--json]', positionals: 0,
      call: (base, env) => callApi(base, 'GET', 'peers', env),
      print(r, io) {
        const ps = r as PeerJson[];
        if (ps.length === 0) io.out('no peers');
        for (const p of ps) {
          io.out(p.state === 'connected' ? `${p.nodeId}  connected via ${p.front} conn ${p.conn}  ${p.remoteAddress}` : `${p.nodeId}  ${p.state} ${p.address}${p.lastError === undefined ? '' : ` (${p.lastError})`}`);
        }
      },
    }, deps),
    connect: makeCommand({
      name: 'connect', summary: 'connect to a peer through a front', usage: 'usage: lnfleet connect <nodeid@host:port> [--persist] [--api URL] [--json]\n\n  --persist   keep redialling the peer whenever it drops',
      positionals: 1, flags: ['persist'],
      call: (base, env, [peer], flags) => callApi(base, 'POST', 'connect', env, { peer, persist: flags.has('persist') }),
      print(r, io) {
        const o = r as { nodeId: string; front: string; conn: number; alreadyConnected: boolean };
        io.out(o.alreadyConnected ? `${o.nodeId} already connected via ${o.front}` : `connected to ${o.nodeId} via front ${o.front} (conn ${o.conn})`);
      },
    }, deps),
    disconnect: makeCommand({
      name: 'disconnect', summary: 'disconnect a peer and stop redialling it', usage: 'usage: lnfleet disconnect <nodeid> [--api URL] [--json]', positionals: 1,
      call: (base, env, [nodeId]) => callApi(base, 'POST', 'disconnect', env, { nodeId }),
      print(r, io) {
        const o = r as { disconnected: boolean; wasPersistent: boolean };
        io.out(o.disconnected ? 'disconnected' : 'not connected');
        if (o.wasPersistent) io.out('no longer persistent');
      },
    }, deps),
  };
}

const commands = makeApiCommands();
/** `lnfleet status`. */
export const statusCommand: Command = commands.status;
/** `lnfleet peers`. */
export const peersCommand: Command = commands.peers;
/** `lnfleet connect <nodeid@host:port> [--persist]`. */
export const connectCommand: Command = commands.connect;
/** `lnfleet disconnect <nodeid>`. */
export const disconnectCommand: Command = commands.disconnect;
