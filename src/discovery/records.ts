/**
 * @module discovery/records
 * The DNS-SD records of `_lnfleet._tcp` as `multicast-dns` answer objects, and the two pure halves of
 * mDNS we need: which records answer a question (responder side), and how received records assemble
 * into backends (browser side). Sans-I/O: packets in, answers/events out, time passed in.
 *
 * Spec: RFC 6762 (mDNS) https://www.rfc-editor.org/rfc/rfc6762, RFC 6763 (DNS-SD)
 * https://www.rfc-editor.org/rfc/rfc6763. The TXT layout is `deploy/mdns` (`encodeMdnsTxt`/`decodeMdnsTxt`).
 * Does not: open sockets, probe for name conflicts (RFC 6762 §8.1; the backend's name is configured and
 * there is one backend per LAN), or trust anything it decodes: the result is a hint, the mTLS
 * certificate check decides who the backend is.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Answer, Question } from 'dns-packet';
import { DeployError } from '../deploy/errors.js';
import { decodeMdnsTxt, MDNS_SERVICE_TYPE, mdnsServiceRecord, type MdnsTxt } from '../deploy/mdns.js';
import type { MdnsAdvert } from '../deploy/types.js';
import {
  MDNS_HOST_RECORD_TTL_S, MDNS_MAX_ADDRESSES_PER_HOST, MDNS_MAX_TRACKED_INSTANCES, MDNS_OTHER_RECORD_TTL_S,
} from './constants.js';

/** `_lnfleet._tcp.local`: the name fronts ask PTR records for. */
export const SERVICE_FQDN = `${MDNS_SERVICE_TYPE}.local`;
/** RFC 6763 §9: the meta-query name that lists service types (what `avahi-browse -a` asks). */
export const SERVICES_META_FQDN = '_services._dns-sd._udp.local';

/** One backend as seen on the LAN. A hint: the TLS certificate decides whether it is ours. */
export interface DiscoveredBackend {
  /** Instance name (the label before `._lnfleet._tcp.local`). */
  readonly name: string;
  /** SRV target host, e.g. `lnfleet-back.local`. */
  readonly host: string;
  /** Addresses of `host` (A/AAAA records), IPv4 first. */
  readonly addresses: readonly string[];
  /** SRV port: the cluster link port. */
  readonly port: number;
  /** Decoded TXT (node id, link port, CA fingerprint, protocol version). */
  readonly txt: MdnsTxt;
}

/** What the backend advertises: the records and the names they answer to. */
export interface ServiceRecords {
  readonly instanceFqdn: string;
  readonly hostFqdn: string;
  readonly ptr: Answer;
  readonly srv: Answer;
  readonly txt: Answer;
  readonly a: Answer;
}

/** `host` as a `.local` name (`back` → `back.local`; `back.local` unchanged). */
export function hostFqdn(host: string): string {
  return /\.local\.?$/i.test(host) ? host.replace(/\.$/, '') : `${host}.local`;
}

/**
 * Builds the four records of one backend. Throws `DeployError` (`DEPLOY_INVALID_INPUT`) on a bad
 * instance name or TXT field (via `mdnsServiceRecord`), or a non-IPv4 `ip`.
 */
export function serviceRecords(advert: MdnsAdvert, host: string, ip: string): ServiceRecords {
  const rec = mdnsServiceRecord(advert);
  if (!isIPv4(ip)) throw new DeployError('DEPLOY_INVALID_INPUT', 'ip', `must be an IPv4 address, got ${JSON.stringify(ip)}`);
  const target = hostFqdn(host);
  const txt = rec.txt.map((b) => Buffer.from(b));
  return {
    instanceFqdn: rec.name,
    hostFqdn: target,
    // PTR is a shared record (many instances may answer it): no cache-flush bit (RFC 6762 §10.2).
    ptr: { name: SERVICE_FQDN, type: 'PTR', ttl: MDNS_OTHER_RECORD_TTL_S, data: rec.name },
    // SRV, TXT and A are unique to this host: set the cache-flush bit so stale copies are replaced.
    srv: { name: rec.name, type: 'SRV', ttl: MDNS_HOST_RECORD_TTL_S, flush: true, data: { port: rec.port, target, priority: 0, weight: 0 } },
    txt: { name: rec.name, type: 'TXT', ttl: MDNS_OTHER_RECORD_TTL_S, flush: true, data: txt },
    a: { name: target, type: 'A', ttl: MDNS_HOST_RECORD_TTL_S, flush: true, data: ip },
  };
}

/** All records, for announcements and goodbyes. `ttl` overrides every TTL (0 = goodbye, RFC 6762 §10.1). */
export function allRecords(r: ServiceRecords, ttl?: number): { answers: Answer[] } {
  const list = [r.ptr, r.srv, r.txt, r.a];
  return { answers: ttl === undefined ? list : list.map((a) => ({ ...a, ttl }) as Answer) };
}

const same = (a: string, b: string) => a.toLowerCase().replace(/\.$/, '') === b.toLowerCase().replace(/\.$/, '');

/**
 * The answers and additional records for one query (RFC 6762 §6, RFC 6763 §12 for the additionals).
 * Returns `null` when no question is ours. Known-answer suppression (§7.1) is not done: one backend
 * sends a handful of small records, and answering again is always correct.
 */
export function answerQuery(r: ServiceRecords, questions: readonly Question[]): { answers: Answer[]; additionals: Answer[] } | null {
  const answers = new Set<Answer>();
  let meta = false;
  for (const q of questions) {
    // dns-packet decodes type 255 as 'ANY', which its typings omit.
    const any = (q.type as string) === 'ANY';
    if (same(q.name, SERVICE_FQDN) && (any || q.type === 'PTR')) answers.add(r.ptr);
    if (same(q.name, SERVICES_META_FQDN) && (any || q.type === 'PTR')) meta = true;
    if (same(q.name, r.instanceFqdn)) {
      if (any || q.type === 'SRV') answers.add(r.srv);
      if (any || q.type === 'TXT') answers.add(r.txt);
    }
    if (same(q.name, r.hostFqdn) && (any || q.type === 'A')) answers.add(r.a);
  }
  const list = [...answers];
  if (meta) list.push({ name: SERVICES_META_FQDN, type: 'PTR', ttl: MDNS_OTHER_RECORD_TTL_S, data: SERVICE_FQDN });
  if (list.length === 0) return null;
  // RFC 6763 §12.1–12.2: with a PTR answer include SRV, TXT and the address; with SRV include the address.
  const extra = [r.srv, r.txt, r.a].filter((x) => !answers.has(x) && (answers.has(r.ptr) || (x === r.a && answers.has(r.srv))));
  return { answers: list, additionals: extra };
}

/** Instance name of `fqdn` if it is an instance of our service type, else `null`. */
export function instanceOf(fqdn: string): string | null {
  const suffix = `.${SERVICE_FQDN}`;
  const f = fqdn.replace(/\.$/, '');
  if (f.length <= suffix.length || f.slice(-suffix.length).toLowerCase() !== suffix.toLowerCase()) return null;
  return f.slice(0, -suffix.length);
}

/** What one batch of records changed. `up` lists backends that appeared or changed; `down` names ones gone. */
export interface CollectResult {
  readonly up: DiscoveredBackend[];
  readonly down: string[];
  /** TXT record sets that failed to decode: `{ name, error }` for a debug log line. */
  readonly malformed: { readonly name: string; readonly error: DeployError }[];
}

interface Instance {
  expiresAt: number;
  srv?: { target: string; port: number };
  txt?: MdnsTxt;
  badTxt?: string;
  emitted?: string;
}

function txtStrings(data: unknown): (Uint8Array | string)[] {
  return Array.isArray(data) ? data as (Uint8Array | string)[] : [data as Uint8Array | string];
}

/**
 * Browser state: assembles PTR, SRV, TXT and A/AAAA records from any packet (answers and additionals)
 * into complete backends, honours goodbyes (TTL 0) and PTR expiry. Bounded by
 * `MDNS_MAX_TRACKED_INSTANCES` and `MDNS_MAX_ADDRESSES_PER_HOST`.
 */
export class BackendCollector {
  readonly #instances = new Map<string, Instance>();
  readonly #addresses = new Map<string, Set<string>>();

  /** Feeds the records of one received packet, at time `now` (ms). */
  ingest(records: readonly Answer[], now: number): CollectResult {
    const malformed: { name: string; error: DeployError }[] = [];
    const down = new Set<string>();
    for (const rec of records) this.#one(rec, now, down, malformed);
    return { up: this.#changed(down), down: [...down], malformed };
  }

  /** Drops instances whose PTR TTL ran out (no goodbye seen); returns their names. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [name, inst] of this.#instances) {
      if (inst.expiresAt <= now) { this.#instances.delete(name); if (inst.emitted !== undefined) gone.push(name); }
    }
    return gone;
  }

  /** The complete backends known now. */
  current(): DiscoveredBackend[] {
    return [...this.#instances.keys()].map((n) => this.#complete(n)).filter((b): b is DiscoveredBackend => b !== null);
  }

  /** Follow-up questions for instances that lack SRV, TXT or an address (RFC 6763 §12 additionals can be cut). */
  missing(): Question[] {
    const qs: Question[] = [];
    for (const [name, inst] of this.#instances) {
      const fqdn = `${name}.${SERVICE_FQDN}`;
      if (inst.srv === undefined) qs.push({ name: fqdn, type: 'SRV' });
      if (inst.txt === undefined && inst.badTxt === undefined) qs.push({ name: fqdn, type: 'TXT' });
      if (inst.srv !== undefined && !this.#addresses.has(inst.srv.target.toLowerCase())) qs.push({ name: inst.srv.target, type: 'A' });
    }
    return qs;
  }

  #instance(name: string, now: number, create: boolean): Instance | undefined {
    let inst = this.#instances.get(name);
    if (inst === undefined && create && this.#instances.size < MDNS_MAX_TRACKED_INSTANCES) {
      inst = { expiresAt: now + MDNS_OTHER_RECORD_TTL_S * 1000 };
      this.#instances.set(name, inst);
    }
    return inst;
  }

  #one(rec: Answer, now: number, down: Set<string>, malformed: { name: string; error: DeployError }[]): void {
    const ttl = 'ttl' in rec && typeof rec.ttl === 'number' ? rec.ttl : MDNS_OTHER_RECORD_TTL_S;
    if (rec.type === 'PTR' && same(rec.name, SERVICE_FQDN)) {
      const name = instanceOf(String(rec.data));
      if (name === null) return;
      if (ttl === 0) return this.#drop(name, down);
      const inst = this.#instance(name, now, true);
      if (inst !== undefined) inst.expiresAt = Math.max(inst.expiresAt, now + ttl * 1000);
      return;
    }
    if (rec.type === 'A' || rec.type === 'AAAA') return this.#address(rec.name, String(rec.data), ttl);
    const name = instanceOf(rec.name);
    if (name === null || (rec.type !== 'SRV' && rec.type !== 'TXT')) return;
    if (ttl === 0) return this.#drop(name, down);
    // An SRV/TXT may arrive before (or without) its PTR, e.g. as an answer to our follow-up query.
    const inst = this.#instance(name, now, true);
    if (inst === undefined) return;
    if (rec.type === 'SRV') {
      inst.srv = { target: rec.data.target.replace(/\.$/, ''), port: rec.data.port };
      return;
    }
    try {
      inst.txt = decodeMdnsTxt(txtStrings(rec.data));
      delete inst.badTxt;
    } catch (e) {
      if (!(e instanceof DeployError)) throw e;
      delete inst.txt;
      inst.badTxt = e.message;
      malformed.push({ name, error: e });
    }
  }

  /** Goodbye (RFC 6762 §10.1): forget the instance; report it only if it had been reported up. */
  #drop(name: string, down: Set<string>): void {
    const inst = this.#instances.get(name);
    if (inst === undefined) return;
    this.#instances.delete(name);
    if (inst.emitted !== undefined) down.add(name);
  }

  #address(host: string, ip: string, ttl: number): void {
    const key = host.toLowerCase().replace(/\.$/, '');
    // An IPv6 link-local address is useless without its zone, which mDNS does not carry (avahi
    // publishes one even with use-ipv6=no): keep global addresses only.
    if (!isIPv4(ip) && !(isIPv6(ip) && !/^fe[89ab]/i.test(ip))) return;
    const set = this.#addresses.get(key) ?? new Set<string>();
    if (ttl === 0) set.delete(ip);
    else if (set.size < MDNS_MAX_ADDRESSES_PER_HOST) set.add(ip);
    if (set.size === 0) this.#addresses.delete(key);
    else if (this.#addresses.size < MDNS_MAX_TRACKED_INSTANCES * 2 || this.#addresses.has(key)) this.#addresses.set(key, set);
  }

  #complete(name: string): DiscoveredBackend | null {
    const inst = this.#instances.get(name);
    if (inst?.srv === undefined || inst.txt === undefined) return null;
    const addrs = [...(this.#addresses.get(inst.srv.target.toLowerCase()) ?? [])];
    if (addrs.length === 0) return null;
    addrs.sort((a, b) => Number(isIPv6(a)) - Number(isIPv6(b)) || a.localeCompare(b));
    return { name, host: inst.srv.target, addresses: addrs, port: inst.srv.port, txt: inst.txt };
  }

  #changed(down: Set<string>): DiscoveredBackend[] {
    const up: DiscoveredBackend[] = [];
    for (const [name, inst] of this.#instances) {
      const b = this.#complete(name);
      const key = b === null ? undefined : JSON.stringify(b);
      if (key !== undefined && key !== inst.emitted) { inst.emitted = key; up.push(b as DiscoveredBackend); }
      if (key === undefined && inst.emitted !== undefined) { delete inst.emitted; down.add(name); }
    }
    return up;
  }
}
