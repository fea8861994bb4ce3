/**
 * @module gossip/router-metrics
 * The FrontRouter's counters as plain data: `gossipTotal{status,type}`, which the front daemon exports
 * as the Prometheus counter `front_router_gossip_total{status,type}` (eclair: `front.router.gossip`).
 *
 * Also how each signature check ran (`signatureChecks`, exported as
 * `front_router_signature_checks_total{where}`): `ahead` = a verdict from the verification pipeline was
 * used, `inline` = the router verified on the main thread.
 *
 * Does not: depend on prom-client (the daemon copies these values into its registry).
 */

/** Gossip message kinds counted. `unknown` is for messages that did not parse. */
export type GossipKind = 'channel_announcement' | 'channel_update' | 'node_announcement' | 'unknown';

/**
 * What happened to a received message (or a decision):
 * - `forwarded` / `forwarded-unverified`: one copy sent to the backend (unverified: a channel peer's
 *   update for a channel we cannot see, which the backend checks against its private channels);
 * - `stashed`: merged with the same message pending at the backend (another sender);
 * - `stashed-accepted`: arrived after acceptance, before the graph event; released at once;
 * - `held`: waits for its channel's decision; `duplicate`: same sender twice, released at once;
 * - `dropped`: the graph copy has it or something newer; `wrong-chain`: ignored;
 * - `no-related-channel` (channel_update) / `no-known-channel` (node_announcement): nothing to attach to;
 * - `bad-signature`, `malformed`, `overloaded` (a backlog bound was hit);
 * - `accepted` / `rejected`: the backend's decisions; `unknown-decision`; `abandoned`: link lost.
 */
export type GossipStatus =
  | 'forwarded'
  | 'forwarded-unverified'
  | 'stashed'
  | 'stashed-accepted'
  | 'held'
  | 'duplicate'
  | 'dropped'
  | 'wrong-chain'
  | 'no-related-channel'
  | 'no-known-channel'
  | 'bad-signature'
  | 'malformed'
  | 'overloaded'
  | 'accepted'
  | 'rejected'
  | 'unknown-decision'
  | 'abandoned';

/** Where a message's signature check ran: a verdict computed ahead of time, or inline in the router. */
export type SignatureCheckWhere = 'ahead' | 'inline';

/** Counters keyed by (status, type), and signature checks by where they ran. */
export class RouterMetrics {
  readonly #counts = new Map<string, number>();
  readonly #checks: Record<SignatureCheckWhere, number> = { ahead: 0, inline: 0 };

  /** Counts one message whose signatures were judged `where`. */
  signatureCheck(where: SignatureCheckWhere): void {
    this.#checks[where] += 1;
  }

  /** Signature checks by where they ran (messages, not signatures). */
  signatureChecks(): Readonly<Record<SignatureCheckWhere, number>> {
    return { ...this.#checks };
  }

  /** Adds `n` to `gossipTotal{status,type}`. */
  count(status: GossipStatus, type: GossipKind, n = 1): void {
    const k = `${status}\u0000${type}`;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + n);
  }

  /** The current value of one counter (0 if never counted). */
  get(status: GossipStatus, type: GossipKind): number {
    return this.#counts.get(`${status}\u0000${type}`) ?? 0;
  }

  /** Every counter, for export as `front_router_gossip_total{status,type}`. */
  gossipTotal(): { status: GossipStatus; type: GossipKind; value: number }[] {
    return [...this.#counts].map(([k, value]) => {
      const [status, type] = k.split('\u0000') as [GossipStatus, GossipKind];
      return { status, type, value };
    });
  }
}
