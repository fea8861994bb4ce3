/**
 * @module gossip/filter
 * `gossip_timestamp_filter`: a peer's filter on relayed gossip, and the **backlog** of stored gossip that
 * matches it (DESIGN §9: eclair-front sends none; we send it, as BOLT 7 says we SHOULD).
 *
 * Spec: BOLT #7 "The gossip_timestamp_filter Message"
 * (https://github.com/lightning/bolts/blob/master/07-routing-gossip.md#the-gossip_timestamp_filter-message).
 * Does not: pace the backlog (it is a lazy generator; the front pulls at the socket's pace) or batch live
 * gossip (`rebroadcast.ts` applies `passes` to each batch).
 */
import type { GossipTimestampFilter } from '../wire/messages/queries.js';
import type { GraphCopy } from './graph.js';
import { bytesEqual, updTimestamp } from './raw.js';

/**
 * A peer's filter. `none`: no `gossip_timestamp_filter` yet, so no relayed gossip at all.
 * `range`: timestamps in `[first, end)`; `end` may exceed 2^32 (first + range is not clipped).
 */
export type TimestampFilter = { readonly kind: 'none' } | { readonly kind: 'range'; readonly first: number; readonly end: number };

// BOLT #7: - MUST not send gossip it did not generate itself, until it receives `gossip_timestamp_filter`.
/** The filter of a peer that has sent no `gossip_timestamp_filter`. */
export const NO_FILTER: TimestampFilter = { kind: 'none' };

/** The filter a `gossip_timestamp_filter` sets (it replaces any previous one). */
export function filterFrom(m: Pick<GossipTimestampFilter, 'firstTimestamp' | 'timestampRange'>): TimestampFilter {
  return { kind: 'range', first: m.firstTimestamp, end: m.firstTimestamp + m.timestampRange };
}

/** True if relayed gossip with this timestamp may go to a peer with filter `f`. */
export function passes(f: TimestampFilter, timestamp: number): boolean {
  // BOLT #7: - SHOULD restrict future gossip messages to those whose `timestamp`
  //       is greater or equal to `first_timestamp`, and less than
  //       `first_timestamp` plus `timestamp_range`.
  return f.kind === 'range' && timestamp >= f.first && timestamp < f.end;
}

/**
 * Stored gossip matching `f`, lazily: per channel (ascending scid) the announcement then the updates in
 * range, then the node announcements in range.
 */
export function* backlog(graph: GraphCopy, f: TimestampFilter): Generator<Uint8Array> {
  if (f.kind === 'none' || f.end <= f.first) return;
  for (const c of graph.channelsAscending()) {
    const u1 = c.update1 !== undefined && passes(f, updTimestamp(c.update1)) ? c.update1 : undefined;
    const u2 = c.update2 !== undefined && passes(f, updTimestamp(c.update2)) ? c.update2 : undefined;
    // BOLT #7: - If a `channel_announcement` has no corresponding `channel_update`s:
    //     - MUST NOT send the `channel_announcement`.
    //   - Otherwise:
    //     - MUST consider the `timestamp` of the `channel_announcement` to be the `timestamp` of a corresponding `channel_update`.
    if (u1 === undefined && u2 === undefined) continue;
    // BOLT #7: - If a `channel_announcement` is sent:
    //     - MUST send the `channel_announcement` prior to any corresponding `channel_update`s and `node_announcement`s.
    yield c.announcement;
    if (u1 !== undefined) yield u1;
    if (u2 !== undefined) yield u2;
  }
  for (const n of graph.nodes()) if (n.announcement !== undefined && passes(f, n.timestamp)) yield n.announcement;
}

/** What a received `gossip_timestamp_filter` does. */
export type FilterOutcome =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'set'; readonly filter: TimestampFilter; readonly backlog: Iterable<Uint8Array> };

/** Handles a peer's `gossip_timestamp_filter`: the new filter and the backlog to send (lazy). */
export function onTimestampFilter(graph: GraphCopy, m: GossipTimestampFilter, chainHash: Uint8Array): FilterOutcome {
  if (!bytesEqual(m.chainHash, chainHash)) return { kind: 'ignored', reason: 'gossip_timestamp_filter for another chain' };
  const filter = filterFrom(m);
  // BOLT #7: - SHOULD send all gossip messages whose `timestamp` is greater or
  //     equal to `first_timestamp`, and less than `first_timestamp` plus
  //     `timestamp_range`.
  return { kind: 'set', filter, backlog: backlog(graph, filter) };
}
