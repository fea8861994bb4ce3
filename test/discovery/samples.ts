/**
 * Shared samples of the discovery tests (not a test file): one backend advert, and an in-memory mDNS
 * "LAN" whose transports encode and decode every packet with dns-packet, as the real socket does, so
 * the advertiser and browser run unchanged without touching the network.
 */
import { EventEmitter } from 'node:events';
import packet from 'dns-packet';
import type { MdnsTransport } from '../../src/discovery/mdns.js';

export const ADVERT = {
  instance: 'lnfleet-backend',
  nodeId: '02' + 'ab'.repeat(32),
  linkPort: 25520,
  caFingerprint: '5f'.repeat(32),
  protocolVersion: 1,
} as const;
export const HOST = 'lnf-back';
export const IP = '10.99.0.2';

/** A broadcast domain: every packet sent reaches every transport (including the sender, like IP_MULTICAST_LOOP). */
export class FakeLan {
  readonly members = new Set<FakeTransport>();
  /** Every packet sent, decoded, for assertions. */
  readonly sent: { from: string; packet: packet.Packet; to?: string }[] = [];

  /** A transport at `address`, sending from `port` (5353 unless testing legacy unicast). */
  join(address: string, port = 5353): MdnsTransport & FakeTransport {
    const t = new FakeTransport(this, address, port);
    this.members.add(t);
    return t as MdnsTransport & FakeTransport;
  }
}

/** One member of a `FakeLan`. */
export class FakeTransport extends EventEmitter {
  readonly #lan: FakeLan;
  readonly address: string;
  readonly port: number;

  constructor(lan: FakeLan, address: string, port: number) {
    super();
    this.#lan = lan;
    this.address = address;
    this.port = port;
  }

  #send(p: packet.Packet, to: { address?: string; port: number } | undefined, cb?: (e: Error | null) => void): void {
    const wire = packet.encode(p);
    const decoded = packet.decode(wire);
    this.#lan.sent.push({ from: this.address, packet: decoded, ...(to?.address ? { to: to.address } : {}) });
    setImmediate(() => {
      for (const m of this.#lan.members) {
        if (to?.address !== undefined && m.address !== to.address) continue;
        m.emit(decoded.type === 'query' ? 'query' : 'response', decoded, { address: this.address, port: this.port, family: 'IPv4', size: wire.length });
      }
      cb?.(null);
    });
  }

  query(q: packet.Packet): void {
    this.#send({ ...q, type: 'query' }, undefined);
  }

  respond(r: packet.Packet, rinfo?: unknown, cb?: unknown): void {
    const to = typeof rinfo === 'object' && rinfo !== null ? rinfo as { address?: string; port: number } : undefined;
    const done = (typeof rinfo === 'function' ? rinfo : cb) as ((e: Error | null) => void) | undefined;
    this.#send({ ...r, type: 'response', flags: packet.AUTHORITATIVE_ANSWER }, to, done);
  }

  destroy(cb?: () => void): void {
    this.#lan.members.delete(this);
    setImmediate(() => cb?.());
  }
}
