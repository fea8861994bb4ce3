/**
 * @module discovery/mdns
 * The backend advertises `_lnfleet._tcp` on the LAN and fronts browse for it (DESIGN §7 "Discovery"),
 * over `multicast-dns` (pure JS; the `mdns` package needs avahi's compat layer and its browser aborts
 * Node 20). Interoperates with avahi: `avahi-browse -rpt _lnfleet._tcp` sees our backend and our
 * browser finds a backend that avahi-daemon advertises from a `.service` file (test/lab/mdns.test.ts).
 *
 * **mDNS is only a hint.** Anyone on the LAN can answer; the result tells a front where to dial, and
 * the mutual-TLS handshake (cluster CA, pinned backend certificate) decides whether it is our backend.
 *
 * - `advertiseBackend`: answers PTR/SRV/TXT/A queries, announces twice on start (RFC 6762 §8.3) and says
 *   goodbye (TTL 0, §10.1) on close; answers legacy unicast queries (§6.7) to their source.
 * - `BackendBrowser`: continuous browse with doubling re-query gaps (§5.2), follow-up queries for
 *   missing SRV/TXT/A, goodbyes and expiry; emits `up`/`down`. `browseBackends` collects for a while;
 *   `findBackend` stops at the first accepted one.
 * - With `interfaceAddress` (config `cluster.local-address`) the socket joins the group and sends on that
 *   interface only; it still binds 0.0.0.0, because a socket bound to a unicast address receives no
 *   multicast on Linux.
 *
 * Spec: RFC 6762 https://www.rfc-editor.org/rfc/rfc6762, RFC 6763 https://www.rfc-editor.org/rfc/rfc6763
 * Does not: probe for name conflicts, do known-answer suppression, IPv6 multicast, or decide trust.
 */
import { EventEmitter } from 'node:events';
import makeMdns from 'multicast-dns';
import type { Answer } from 'dns-packet';
import { createLogger, type Logger } from '../log.js';
import type { MdnsAdvert } from '../deploy/types.js';
import {
  MDNS_ANNOUNCE_COUNT, MDNS_ANNOUNCE_INTERVAL_MS, MDNS_LEGACY_UNICAST_TTL_S, MDNS_PORT,
  MDNS_QUERY_FIRST_INTERVAL_MS, MDNS_QUERY_MAX_INTERVAL_MS,
} from './constants.js';
import { DiscoveryError } from './errors.js';
import {
  allRecords, answerQuery, BackendCollector, SERVICE_FQDN, serviceRecords, type DiscoveredBackend,
} from './records.js';

/** The part of a `multicast-dns` instance we use; tests pass an in-memory fake. */
export type MdnsTransport = Pick<makeMdns.MulticastDNS, 'on' | 'query' | 'respond' | 'destroy'>;

/** Socket options shared by the advertiser and the browser. */
export interface MdnsSocketOptions {
  /** Join the group and send on the interface with this IPv4 address (`cluster.local-address`). */
  readonly interfaceAddress?: string | null | undefined;
  /** mDNS UDP port (default 5353); only tests change it. */
  readonly mdnsPort?: number | undefined;
  /** Logger (default: silent). Malformed records are logged at debug. */
  readonly log?: Logger | undefined;
  /** Use this transport instead of opening a socket (tests). */
  readonly transport?: MdnsTransport | undefined;
}

const silent = (): Logger => createLogger('discovery', 'silent');

/** Opens the socket. Errors binding it reject `ready`; other socket problems are logged at debug. */
function openTransport(o: MdnsSocketOptions, log: Logger): { mdns: MdnsTransport; ready: Promise<void> } {
  const iface = o.interfaceAddress ?? undefined;
  const mdns = o.transport ?? makeMdns({ port: o.mdnsPort ?? MDNS_PORT, ...(iface === undefined ? {} : { interface: iface, bind: '0.0.0.0' }) });
  const ready = o.transport !== undefined ? Promise.resolve() : new Promise<void>((resolve, reject) => {
    mdns.on('ready', () => resolve());
    mdns.on('error', (e: Error) => {
      log.error({ err: e.message }, 'mDNS socket error');
      reject(new DiscoveryError('DISCOVERY_SOCKET', `cannot open the mDNS socket on udp ${o.mdnsPort ?? MDNS_PORT}: ${e.message}`, { cause: e }));
    });
  });
  ready.catch(() => undefined); // the caller may never await it; the error is logged above
  mdns.on('warning', (e: Error) => log.debug({ err: e.message }, 'mDNS warning (bad packet or membership)'));
  return { mdns, ready };
}

/** `destroy()` with a bound: the UDP close callback always fires, but never wait on it forever. */
function destroyBounded(mdns: MdnsTransport, ms = 1000): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    mdns.destroy(() => { clearTimeout(t); resolve(); });
  });
}

/** Input of `advertiseBackend`. */
export interface AdvertiseOptions extends MdnsSocketOptions {
  /** Instance name (default `txt.instance`); must equal it when both are given. */
  readonly name?: string;
  /** Host name for the SRV target and A record (`back` → `back.local`). Namespaces and containers share
   * the kernel's hostname, so pass it explicitly (DESIGN §12). */
  readonly host: string;
  /** IPv4 address in the A record (normally `cluster.local-address`). */
  readonly ip: string;
  /** SRV port (default `txt.linkPort`); must equal it when both are given. */
  readonly port?: number;
  /** The TXT content (`deploy/mdns` layout). */
  readonly txt: MdnsAdvert;
}

/** A running advertiser. */
export interface BackendAdvertiser {
  /** Resolves once the socket is bound; rejects with `DISCOVERY_SOCKET`. */
  readonly ready: Promise<void>;
  /** Sends the goodbye (TTL 0) and closes the socket. Idempotent. */
  close(): Promise<void>;
}

function checkConsistent(o: AdvertiseOptions): MdnsAdvert {
  if (o.name !== undefined && o.name !== o.txt.instance) {
    throw new DiscoveryError('DISCOVERY_INVALID_INPUT', `name ${JSON.stringify(o.name)} differs from txt.instance ${JSON.stringify(o.txt.instance)}`);
  }
  if (o.port !== undefined && o.port !== o.txt.linkPort) {
    throw new DiscoveryError('DISCOVERY_INVALID_INPUT', `port ${o.port} differs from txt.linkPort ${o.txt.linkPort}; the SRV and TXT ports must agree`);
  }
  return o.txt;
}

/**
 * Advertises the backend. Throws `DeployError` (`DEPLOY_INVALID_INPUT`) on a bad name/TXT field or
 * `DiscoveryError` (`DISCOVERY_INVALID_INPUT`) on inconsistent options; socket errors reject `ready`.
 */
export function advertiseBackend(o: AdvertiseOptions): BackendAdvertiser {
  const records = serviceRecords(checkConsistent(o), o.host, o.ip);
  const log = (o.log ?? silent()).child({ component: 'mdns-advertiser' });
  const { mdns, ready } = openTransport(o, log);
  mdns.on('query', (q, rinfo) => {
    const ans = answerQuery(records, q.questions ?? []);
    if (ans === null) return;
    if (rinfo.port !== listenPort(o)) {
      // RFC 6762 §6.7 legacy unicast: reply to the source, echo id and question, cap the TTLs.
      const cap = (a: Answer) => ({ ...a, flush: false, ttl: Math.min('ttl' in a ? a.ttl ?? 0 : 0, MDNS_LEGACY_UNICAST_TTL_S) }) as Answer;
      mdns.respond({ id: q.id, questions: q.questions, answers: ans.answers.map(cap), additionals: ans.additionals.map(cap) }, { port: rinfo.port, address: rinfo.address });
      return;
    }
    mdns.respond({ answers: ans.answers, additionals: ans.additionals });
  });
  const timers: NodeJS.Timeout[] = [];
  for (let i = 0; i < MDNS_ANNOUNCE_COUNT; i++) {
    timers.push(setTimeout(() => mdns.respond(allRecords(records)), i * MDNS_ANNOUNCE_INTERVAL_MS));
  }
  log.info({ instance: records.instanceFqdn, host: records.hostFqdn, ip: o.ip }, 'advertising the backend by mDNS');
  let closing: Promise<void> | undefined;
  return {
    ready,
    close: () => closing ??= (async () => {
      timers.forEach(clearTimeout);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        mdns.respond(allRecords(records, 0), () => { clearTimeout(t); resolve(); });
      });
      await destroyBounded(mdns);
    })(),
  };
}

/** The UDP port the advertiser listens on (queries from any other source port are legacy unicast). */
function listenPort(o: MdnsSocketOptions): number {
  return o.mdnsPort ?? MDNS_PORT;
}

/** Events of `BackendBrowser`. */
export interface BrowserEvents {
  /** A backend appeared or its records changed. */
  up: [DiscoveredBackend];
  /** A backend said goodbye or expired (instance name). */
  down: [string];
}

/** Input of `BackendBrowser`. */
export type BrowseOptions = MdnsSocketOptions;

/** Continuous browser for `_lnfleet._tcp`. `start()` once, `close()` when done. */
export class BackendBrowser extends EventEmitter<BrowserEvents> {
  readonly #collector = new BackendCollector();
  readonly #opts: BrowseOptions;
  readonly #log: Logger;
  #mdns: MdnsTransport | undefined;
  #timer: NodeJS.Timeout | undefined;
  #gap = MDNS_QUERY_FIRST_INTERVAL_MS;
  #lastFollowUp = 0;
  #closing: Promise<void> | undefined;
  /** Resolves once the socket is bound (after `start()`); rejects with `DISCOVERY_SOCKET`. */
  ready: Promise<void> = Promise.resolve();

  constructor(opts: BrowseOptions = {}) {
    super();
    this.#opts = opts;
    this.#log = (opts.log ?? silent()).child({ component: 'mdns-browser' });
  }

  /** Opens the socket and sends the first query. */
  start(): this {
    if (this.#mdns !== undefined) return this;
    const { mdns, ready } = openTransport(this.#opts, this.#log);
    this.#mdns = mdns;
    this.ready = ready;
    mdns.on('response', (r) => this.#onResponse([...(r.answers ?? []), ...(r.additionals ?? [])]));
    this.#tick();
    return this;
  }

  /** Backends complete right now. */
  current(): DiscoveredBackend[] {
    return this.#collector.current();
  }

  /** Stops querying and closes the socket. Idempotent. */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      clearTimeout(this.#timer);
      if (this.#mdns !== undefined) await destroyBounded(this.#mdns);
    })();
  }

  #tick(): void {
    if (this.#closing !== undefined || this.#mdns === undefined) return;
    for (const name of this.#collector.expire(Date.now())) this.emit('down', name);
    this.#mdns.query({ questions: [{ name: SERVICE_FQDN, type: 'PTR' }, ...this.#collector.missing()] });
    this.#timer = setTimeout(() => this.#tick(), this.#gap);
    this.#gap = Math.min(this.#gap * 2, MDNS_QUERY_MAX_INTERVAL_MS);
  }

  #onResponse(records: Answer[]): void {
    if (this.#closing !== undefined) return;
    const now = Date.now();
    const r = this.#collector.ingest(records, now);
    for (const m of r.malformed) this.#log.debug({ instance: m.name, field: m.error.field, problem: m.error.problem }, 'ignoring a malformed _lnfleet._tcp TXT record');
    for (const name of r.down) this.emit('down', name);
    for (const b of r.up) this.emit('up', b);
    const missing = this.#collector.missing();
    // Ask for what the additionals lacked, at most every 200 ms so a noisy LAN cannot make us chatty.
    if (missing.length > 0 && now - this.#lastFollowUp >= 200) {
      this.#lastFollowUp = now;
      this.#mdns?.query({ questions: missing });
    }
  }
}

/** Options of `findBackend` / `browseBackends`. */
export interface FindOptions extends BrowseOptions {
  /** How long to browse, in ms. */
  readonly timeoutMs: number;
  /** Aborts the browse (rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
}

/** Browses until a backend passes `accept` (→ it) or `timeoutMs` passes (→ `null`). */
export async function findBackend(o: FindOptions & { readonly accept?: (b: DiscoveredBackend) => boolean }): Promise<DiscoveredBackend | null> {
  const all = await browse(o, o.accept ?? (() => true));
  return all[0] ?? null;
}

/** Browses for `timeoutMs` and returns every complete backend seen (possibly none). */
export function browseBackends(o: FindOptions): Promise<DiscoveredBackend[]> {
  return browse(o, undefined);
}

async function browse(o: FindOptions, stopAt: ((b: DiscoveredBackend) => boolean) | undefined): Promise<DiscoveredBackend[]> {
  o.signal?.throwIfAborted();
  const browser = new BackendBrowser(o);
  try {
    return await new Promise<DiscoveredBackend[]>((resolve, reject) => {
      const timer = setTimeout(() => resolve(stopAt === undefined ? browser.current() : []), o.timeoutMs);
      const onAbort = () => { clearTimeout(timer); reject(o.signal?.reason); };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const done = (v: DiscoveredBackend[]) => { clearTimeout(timer); o.signal?.removeEventListener('abort', onAbort); resolve(v); };
      if (stopAt !== undefined) browser.on('up', (b) => { if (stopAt(b)) done([b]); });
      browser.start();
      browser.ready.catch((e: unknown) => { clearTimeout(timer); o.signal?.removeEventListener('abort', onAbort); reject(e); });
    });
  } finally {
    await browser.close();
  }
}
