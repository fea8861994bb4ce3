/**
 * @module test/channel/commitments-sim
 * An in-memory link between two ledgers for the reestablish and property tests: each side has an
 * outbox of messages in flight; `deliver` hands the oldest one to the other side, which reacts like an
 * eager peer (a `commitment_signed` is answered with `revoke_and_ack`, then its own `commitment_signed`
 * if it has changes; a `revoke_and_ack` is followed by a `commitment_signed` if there are changes).
 * `disconnect` loses everything in flight; `reconnect` runs channel_reestablish both ways and queues
 * the retransmissions. Not a test file.
 */
import assert from 'node:assert/strict';
import {
  localHasChanges, onDisconnect, onReestablish, receiveAdd, receiveCommit, receiveFail, receiveFailMalformed, receiveFee, receiveFulfill,
  receiveRevoke, reestablishFields, sendCommit,
} from '../../src/channel/commitments/index.js';
import type { CommitmentSigned, CommitmentsResult, Retransmission, RevokeAndAck, Settled, Update } from '../../src/channel/commitments/index.js';
import { engine, ok, other, type Pair, type Side } from './commitments-fixture.js';

/** A message on the wire between the two ledgers. */
export type Msg =
  | { readonly t: 'update'; readonly update: Update }
  | { readonly t: 'commit'; readonly cs: CommitmentSigned }
  | { readonly t: 'revoke'; readonly ra: RevokeAndAck };

/** Two ledgers and the messages in flight from each. */
export interface Net {
  p: Pair;
  /** `q.a`: sent by A, not yet received by B. */
  q: { a: Msg[]; b: Msg[] };
  /** Everything each side learnt became irrevocable. */
  settled: { a: Settled[]; b: Settled[] };
  /** Whether each side reacts to a revoke_and_ack / commitment_signed by signing at once. */
  eager: boolean;
}

export function newNet(p: Pair, eager = true): Net {
  return { p, q: { a: [], b: [] }, settled: { a: [], b: [] }, eager };
}

const secretsOf = (n: Net, s: Side) => (s === 'a' ? n.p.sa : n.p.sb);

/** `s` signs now if it can and has something to sign. */
export function trySign(n: Net, s: Side): boolean {
  const c = n.p[s];
  if (c.nextRemote.kind !== 'ready' || !localHasChanges(c)) return false;
  const r = ok(sendCommit(c, secretsOf(n, s), engine));
  n.p[s] = r.commitments;
  n.q[s].push({ t: 'commit', cs: r.commitmentSigned });
  return true;
}

function receiveUpdate(n: Net, to: Side, u: Update): CommitmentsResult<{ commitments: Pair['a'] }> {
  const c = n.p[to];
  switch (u.kind) {
    case 'add': return receiveAdd(c, u.htlc);
    case 'fulfill': return receiveFulfill(c, u.id, u.paymentPreimage);
    case 'fail': return receiveFail(c, u.id, u.reason);
    case 'failMalformed': return receiveFailMalformed(c, u.id, u.sha256OfOnion, u.failureCode);
    case 'fee': return receiveFee(c, u.feeratePerKw);
  }
}

/** Hands the oldest message `from` sent to the other side; returns false if none is in flight. */
export function deliver(n: Net, from: Side): boolean {
  const m = n.q[from].shift();
  if (m === undefined) return false;
  const to = other(from);
  switch (m.t) {
    case 'update':
      n.p[to] = ok(receiveUpdate(n, to, m.update)).commitments;
      return true;
    case 'commit': {
      const r = ok(receiveCommit(n.p[to], m.cs, secretsOf(n, to), engine));
      n.p[to] = r.commitments;
      n.q[to].push({ t: 'revoke', ra: r.revokeAndAck });
      if (n.eager) trySign(n, to);
      return true;
    }
    case 'revoke': {
      const r = ok(receiveRevoke(n.p[to], m.ra, engine));
      n.p[to] = r.commitments;
      n.settled[to].push(r.settled);
      if (n.eager) trySign(n, to);
      return true;
    }
  }
}

/** Queues an update `from` already applied to its own ledger. */
export function sendUpdate(n: Net, from: Side, update: Update): void {
  n.q[from].push({ t: 'update', update });
}

/** The connection drops: everything in flight is lost, both sides forget uncommitted updates. */
export function disconnect(n: Net): void {
  n.q.a = [];
  n.q.b = [];
  for (const s of ['a', 'b'] as const) n.p[s] = onDisconnect(n.p[s]).commitments;
}

function toMsg(r: Retransmission): Msg {
  switch (r.kind) {
    case 'update': return { t: 'update', update: r.update };
    case 'commitmentSigned': return { t: 'commit', cs: r.commitmentSigned };
    case 'revokeAndAck': return { t: 'revoke', ra: r.revokeAndAck };
  }
}

/** channel_reestablish both ways; queues each side's retransmissions. Returns what each retransmits. */
export function reconnect(n: Net): { a: Retransmission[]; b: Retransmission[] } {
  const fa = reestablishFields(n.p.a, n.p.sa, engine);
  const fb = reestablishFields(n.p.b, n.p.sb, engine);
  const ra = ok(onReestablish(n.p.a, fb, n.p.sa, engine));
  const rb = ok(onReestablish(n.p.b, fa, n.p.sb, engine));
  n.p.a = ra.commitments;
  n.p.b = rb.commitments;
  n.q.a.push(...ra.retransmit.map(toMsg));
  n.q.b.push(...rb.retransmit.map(toMsg));
  return { a: [...ra.retransmit], b: [...rb.retransmit] };
}

/** Delivers everything (both ways, alternating) and signs until quiet; bounded. */
export function drain(n: Net): void {
  for (let i = 0; i < 200; i++) {
    if (deliver(n, 'a') || deliver(n, 'b')) continue;
    if (trySign(n, 'a') || trySign(n, 'b')) continue;
    return;
  }
  assert.fail('the link did not go quiet in 200 steps');
}
