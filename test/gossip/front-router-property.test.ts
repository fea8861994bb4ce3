/**
 * Property: whatever the interleaving of gossip from several peers on two fronts, backend decisions
 * (accepted or rejected, graph event before, after or never), ticks and duplicates, once the backend
 * has decided everything every received message has been released exactly once (DESIGN §4: "No path
 * may leave a peer's reads paused").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ACCEPTED_WINDOW_MS } from '../../src/gossip/limits.js';
import { Backend, Front, annA, annB, annC, chanAB, chanCD, updAB, updBA, updBC, updCD } from './router-harness.js';

const bad = Uint8Array.from(chanCD);
bad[10]! ^= 1;
const POOL = [chanAB, chanCD, updAB(1), updAB(2), updAB(3), updBA(1), updCD(1), updCD(2), annA(1), annA(2), annB(1), annC(1), annC(2), updBC, bad, chanAB.subarray(0, 50)];
const CONNS = [[1, 2, 3], [4, 5]] as const;

type Op =
  | { op: 'send'; front: 0 | 1; peer: number; msg: number }
  | { op: 'decide'; pick: number; accepted: boolean; order: 'after' | 'before' | 'none' }
  | { op: 'tick' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), front: fc.constantFrom(0 as const, 1 as const), peer: fc.nat(2), msg: fc.nat(POOL.length - 1) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('decide' as const), pick: fc.nat(50), accepted: fc.boolean(), order: fc.constantFrom('after' as const, 'before' as const, 'none' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
);

test('every received message is released exactly once, for any interleaving', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const be = new Backend();
      const fronts = [new Front(be), new Front(be)];
      const sent = new Map<number, number>();
      let now = 0;
      for (const o of ops) {
        now += 1000;
        if (o.op === 'send') {
          const conns = CONNS[o.front];
          const conn = conns[o.peer % conns.length]!;
          sent.set(conn, (sent.get(conn) ?? 0) + 1);
          fronts[o.front]!.send(conn, POOL[o.msg]!, now);
        } else if (o.op === 'decide') {
          const keys = [...be.pending.values()];
          if (keys.length === 0) continue;
          const p = keys[o.pick % keys.length]!;
          be.decide(p.msg, o.accepted, { eventFirst: o.order === 'before', noEvent: o.order === 'none' });
        } else {
          for (const f of fronts) f.run(f.router.handle({ type: 'tick', now: now + ACCEPTED_WINDOW_MS }));
        }
      }
      // The backend answers everything still pending (held messages get forwarded on acceptance).
      for (let guard = 0; be.pending.size > 0 && guard < 100; guard++) be.decide([...be.pending.values()][0]!.msg, true);
      for (const f of fronts) {
        assert.ok(f.log.every((x) => x.type !== 'release' || x.count > 0), 'no empty or negative release');
        assert.equal(f.router.pendingCount, 0);
      }
      for (const [conn, n] of sent) {
        const f = fronts[(CONNS[0] as readonly number[]).includes(conn) ? 0 : 1]!;
        assert.equal(f.released(conn), n, `conn ${conn}: sent ${n}, released ${f.released(conn)}`);
      }
      // One gossip_forward per distinct message per front while it is pending.
      assert.equal(be.doubleForwards, 0);
    }),
    { numRuns: 300 },
  );
});
