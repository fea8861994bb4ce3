/**
 * @module back/fronts
 * The front registry: every front whose `hello` we accepted, by front id, with its link, the
 * connections it holds for us and its ECDH bucket. A front leaves the registry the moment its link
 * closes (socket closed, or `LinkSession.tick` said lost); the owner then marks its connections down.
 *
 * Does not: open or close links (see `link-server.ts`), or know peers (see `switchboard.ts`).
 */
import type { LinkSocket } from './link.js';
import { TokenBucket } from './ecdh.js';

/** A front that completed `hello`. */
export interface Front {
  readonly id: string;
  /** Name from its certificate (`lnfleet:front:NAME`); undefined in shared-TLS mode. */
  readonly certName: string | undefined;
  readonly certSerial: string;
  readonly certFingerprint: string;
  readonly remoteAddress: string;
  readonly connectedAt: number;
  readonly link: LinkSocket;
  /** Connection ids this front reported attached and not yet detached. */
  readonly conns: Set<number>;
  readonly ecdhBucket: TokenBucket;
}

/** What `/fronts` and `status()` show of a front. */
export interface FrontInfo {
  readonly id: string;
  readonly certName: string | undefined;
  readonly remoteAddress: string;
  readonly connectedAt: string;
  readonly connections: number;
  readonly rttMs: number | undefined;
}

/** Live fronts by id. */
export class FrontRegistry {
  readonly #fronts = new Map<string, Front>();

  /** Whether a live front already uses `id`. */
  has(id: string): boolean {
    return this.#fronts.has(id);
  }

  get(id: string): Front | undefined {
    return this.#fronts.get(id);
  }

  add(f: Front): void {
    this.#fronts.set(f.id, f);
  }

  /** Removes `f` if it is still the registered front of its id. */
  remove(f: Front): boolean {
    if (this.#fronts.get(f.id) !== f) return false;
    this.#fronts.delete(f.id);
    return true;
  }

  all(): Front[] {
    return [...this.#fronts.values()];
  }

  get size(): number {
    return this.#fronts.size;
  }

  /** The live front with the fewest connections (ties: the longest connected), for outgoing dials. */
  leastLoaded(): Front | undefined {
    let best: Front | undefined;
    for (const f of this.#fronts.values()) {
      if (f.link.closed) continue;
      if (best === undefined || f.conns.size < best.conns.size || (f.conns.size === best.conns.size && f.connectedAt < best.connectedAt)) best = f;
    }
    return best;
  }

  /** Status rows. */
  info(): FrontInfo[] {
    return this.all().map((f) => ({
      id: f.id,
      certName: f.certName,
      remoteAddress: f.remoteAddress,
      connectedAt: new Date(f.connectedAt).toISOString(),
      connections: f.conns.size,
      rttMs: f.link.rttMs,
    }));
  }
}
