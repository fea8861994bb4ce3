/**
 * Property: whatever the interleaving of gossip from several peers on two fronts, backend decisions
 * (accepted or rejected, graph event before, after or never), ticks and duplicates, once the backend
 * has decided everything every received message has been released exactly once (DESIGN §4: "No path
 * may leave a peer's reads paused").
 *
 * The same with the verification pipeline in front of each router: verdicts arrive in any order and at
 * any time (`HeldVerifier`), peers close with messages in the pipeline, the backend link is lost and
 * comes back. Then: every message of a peer still open is released exactly once, nothing is released
 * to a peer after it closed, nothing received before a link loss is forwarded after it, the router
 * gets the messages in arrival order (each either routed or dropped by a close or loss), and the
 * pipeline never holds more than the peers' unreleased messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ACCEPTED_WINDOW_MS } from '../../src/gossip/limits.js';
import { Backend, Front, HeldVerifier, annA, annB, annC, chanAB, chanCD, updAB, updBA, updBC, updCD } from './router-harness.js';

const bad = Uint8Array.from(chanCD);
bad[10]! ^= 1;
const POOL = [chanAB, chanCD, updAB(1), updAB(2), updAB(3), updBA(1), updCD(1), updCD(2), annA(1), annA(2), annB(1), annC(1), annC(2), updBC, bad, chanAB.subarray(0, 50)];
const CONNS = [[1, 2, 3], [4, 5]] as const;

type Op =
  | { op: 'send'; front: 0 | 1; peer: number; msg: number }
  | { op: 'decide'; pick: number; accepted: boolean; order: 'after' | 'before' | 'none' }
  | { op: 'tick' }
  | { op: 'verdict'; front: 0 | 1; pick: number }
  | { op: 'close'; front: 0 | 1; peer: number }
  | { op: 'lose'; front: 0 | 1 };

const front = fc.constantFrom(0 as const, 1 as const);
const sendArb = fc.record({ op: fc.constant('send' as const), front, peer: fc.nat(2), msg: fc.nat(POOL.length - 1) });
const decideArb = fc.record({ op: fc.constant('decide' as const), pick: fc.nat(50), accepted: fc.boolean(), order: fc.constantFrom('after' as const, 'before' as const, 'none' as const) });
const tickArb = fc.record({ op: fc.constant('tick' as const) });

const routerOps: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: sendArb },
  { weight: 3, arbitrary: decideArb },
  { weight: 1, arbitrary: tickArb },
);

const pipelineOps: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: sendArb },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('verdict' as const), front, pick: fc.nat(20) }) },
  { weight: 3, arbitrary: decideArb },
  { weight: 1, arbitrary: tickArb },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), front, peer: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('lose' as const), front }) },
);

/** Two fronts, their peers (a closed peer is replaced by a new connection number) and what each was sent. */
class World {
  readonly be = new Backend();
  readonly verifiers: (HeldVerifier | undefined)[];
  readonly fronts: Front[];
  /** Open connections per front. */
  readonly conns: number[][] = CONNS.map((c) => [...c]);
  readonly sent = new Map<number, number>();
  /** conn → the front it sent to. */
  readonly frontOf = new Map<number, 0 | 1>();
  /** conn → the log length when it closed. */
  readonly closedAt = new Map<number, number>();
  /** Per front: every message received since its last link loss. */
  readonly receivedSinceLoss: Set<string>[] = [new Set(), new Set()];
  #nextConn = 100;

  constructor(pipelined: boolean) {
    this.verifiers = [0, 1].map(() => (pipelined ? new HeldVerifier() : undefined));
    this.fronts = this.verifiers.map((v) => new Front(this.be, v === undefined ? {} : { verifier: v }));
  }

  run(o: Op, now: number): void {
    switch (o.op) {
      case 'send': {
        const conns = this.conns[o.front]!;
        const conn = conns[o.peer % conns.length]!;
        this.sent.set(conn, (this.sent.get(conn) ?? 0) + 1);
        this.frontOf.set(conn, o.front);
        this.receivedSinceLoss[o.front]!.add(Buffer.from(POOL[o.msg]!).toString('hex'));
        const raw = POOL[o.msg]!.slice(); // one array per receipt: the order check tells them apart
        this.arrived[o.front]!.push({ conn, raw });
        this.fronts[o.front]!.send(conn, raw);
        this.checkForwards(o.front);
        return;
      }
      case 'decide': {
        const keys = [...this.be.pending.values()];
        if (keys.length === 0) return;
        const p = keys[o.pick % keys.length]!;
        this.be.decide(p.msg, o.accepted, { eventFirst: o.order === 'before', noEvent: o.order === 'none' });
        for (const f of [0, 1] as const) this.checkForwards(f);
        return;
      }
      case 'tick':
        for (const f of this.fronts) f.run(f.router.handle({ type: 'tick', now: now + ACCEPTED_WINDOW_MS }));
        return;
      case 'verdict':
        this.verifiers[o.front]?.arrive(o.pick);
        this.checkForwards(o.front);
        return;
      case 'close': {
        const conns = this.conns[o.front]!;
        const i = o.peer % conns.length;
        const conn = conns[i]!;
        const f = this.fronts[o.front]!;
        this.dropUnrouted(o.front, (x) => x === conn);
        f.pipeline.peerClosed(conn);
        this.closedAt.set(conn, f.log.length);
        conns[i] = this.#nextConn++;
        return;
      }
      case 'lose': {
        const f = this.fronts[o.front]!;
        this.dropUnrouted(o.front, () => true);
        f.lose();
        this.receivedSinceLoss[o.front] = new Set();
        this.forwardsChecked[o.front] = f.log.length;
        return;
      }
    }
  }

  /** Per front, every receipt in order; `dropped` marks those a close or link loss took unrouted. */
  readonly arrived: { conn: number; raw: Uint8Array; dropped?: true }[][] = [[], []];

  dropUnrouted(i: 0 | 1, conn: (c: number) => boolean): void {
    const routed = new Set(this.fronts[i]!.routed);
    for (const a of this.arrived[i]!) if (conn(a.conn) && !routed.has(a.raw)) a.dropped = true;
  }

  /** The router got every receipt not dropped, in arrival order, and nothing else. */
  checkOrder(): void {
    this.fronts.forEach((f, i) => {
      const expected = this.arrived[i]!.filter((a) => a.dropped === undefined).map((a) => a.raw);
      assert.equal(f.routed.length, expected.length, 'routed count');
      assert.ok(f.routed.every((raw, k) => raw === expected[k]), 'routed in arrival order');
    });
  }

  /** Log positions up to which forwards were checked, per front. */
  readonly forwardsChecked = [0, 0];

  /** Every forward since the last check is of a message this front received after its last link loss. */
  checkForwards(i: 0 | 1): void {
    const f = this.fronts[i]!;
    for (const x of f.log.slice(this.forwardsChecked[i])) {
      if (x.type !== 'forwardToBackend') continue;
      assert.ok(this.receivedSinceLoss[i]!.has(Buffer.from(x.msg).toString('hex')), 'forwarded a message received before the last link loss');
    }
    this.forwardsChecked[i] = f.log.length;
  }

  /** The pipeline holds only messages its peers still count as unreleased. */
  checkPipelineBound(): void {
    this.fronts.forEach((f, i) => {
      let unreleased = 0;
      for (const conn of this.conns[i]!) unreleased += (this.sent.get(conn) ?? 0) - f.released(conn);
      assert.ok(f.pipeline.size <= unreleased, `pipeline ${f.pipeline.size} > unreleased ${unreleased}`);
    });
  }

  /** Lets every verdict arrive, then the backend answers everything still pending. */
  finish(): void {
    for (const [i, v] of this.verifiers.entries()) {
      for (let guard = 0; v !== undefined && guard < 1000 && v.arrive(0); guard++) this.checkForwards(i as 0 | 1);
    }
    for (let guard = 0; this.be.pending.size > 0 && guard < 100; guard++) this.be.decide([...this.be.pending.values()][0]!.msg, true);
  }

  checkReleases(): void {
    for (const f of this.fronts) {
      assert.ok(f.log.every((x) => x.type !== 'release' || x.count > 0), 'no empty or negative release');
      assert.equal(f.router.pendingCount, 0);
      assert.equal(f.pipeline.size, 0);
    }
    for (const [conn, n] of this.sent) {
      const f = this.fronts[this.frontOf.get(conn)!]!;
      const closed = this.closedAt.get(conn);
      if (closed === undefined) {
        assert.equal(f.released(conn), n, `conn ${conn}: sent ${n}, released ${f.released(conn)}`);
      } else {
        const after = f.log.slice(closed).filter((x) => x.type === 'release' && x.conn === conn);
        assert.deepEqual(after, [], `conn ${conn}: released after it closed`);
        assert.ok(f.released(conn) <= n);
      }
    }
    // One gossip_forward per distinct message per front while it is pending.
    assert.equal(this.be.doubleForwards, 0);
  }
}

function check(ops: readonly Op[], pipelined: boolean): void {
  const w = new World(pipelined);
  let now = 0;
  for (const o of ops) {
    now += 1000;
    w.run(o, now);
    w.checkPipelineBound();
  }
  w.finish();
  w.checkReleases();
  w.checkOrder();
}

test('every received message is released exactly once, for any interleaving', () => {
  fc.assert(fc.property(fc.array(routerOps, { maxLength: 60 }), (ops) => check(ops, false)), { numRuns: 300 });
});

test('through the verification pipeline too: verdicts in any order, peer closes and link losses; nothing forwarded after a loss', () => {
  fc.assert(fc.property(fc.array(pipelineOps, { maxLength: 80 }), (ops) => check(ops, true)), { numRuns: 300 });
});
