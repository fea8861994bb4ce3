/**
 * The BOLT 5 resolver driven by event sequences to `done`, for both formats: our commitment (HTLC
 * transactions, second stage, a preimage learned late), the peer's commitment (it claims one of our
 * HTLCs with the preimage), a revoked commitment (the peer races our penalties with its HTLC
 * transactions), a mutual close, lost state, and a reorg. A small simulator mines every broadcast in
 * the next block after checking it with bcoin's interpreter *and* that its nLockTime / CSV allow that
 * block. The state stays plain data (a structured clone resumes identically).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelTxError, p2pkh, p2wpkh, parseTx, segwitV0Sighash, serializeTx, SIGHASH_ALL, txid, witnessSignature, type Transaction, type TxOutput } from '../../src/channel/index.js';
import {
  fundAnchorHtlcTx,
  IRREVOCABLE_DEPTH,
  P2WPKH_WITNESS_WEIGHT,
  initialResolverState,
  OnchainError,
  resolverStep,
  type ResolveContext,
  type ResolverAction,
  type ResolverEvent,
  type ResolverState,
} from '../../src/channel/onchain/index.js';
import { bCommitment, broadcastLocal, ctxA, engine, H, makePair, ownerHtlcTxs, preimage, type Pair } from './onchain-fixture.js';
import { scriptError } from './onchain-script.js';

const FORMATS = ['staticRemoteKey', 'anchors'] as const;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Upper bound of simulated blocks in any scenario (the longest needs ~ 160). */
const MAX_BLOCKS = 400;
const START = 599_990;
const CLOSE_HEIGHT = 600_000;

/** A tiny chain: the txs it has seen (to find prevouts and their heights) and everything the resolver said. */
class Sim {
  state: ResolverState;
  tip = START;
  ctx: ResolveContext;
  readonly txs = new Map<string, { tx: Transaction; height?: number }>();
  readonly log: ResolverAction[] = [];
  mempool: Extract<ResolverAction, { type: 'broadcast' }>[] = [];
  /** Broadcasts the simulator must not mine (to let the peer win a race). */
  readonly hold = new Set<string>();
  /** The backend's wallet funding zero-fee HTLC transactions (unset: mined as they are). */
  fund?: (raw: Uint8Array) => { raw: Uint8Array; extraPrevouts: TxOutput[] };

  readonly fundingPrevout: Pair['fundingPrevout'];

  constructor(p: Pair, ctx = ctxA(p)) {
    this.ctx = ctx;
    this.fundingPrevout = p.fundingPrevout;
    this.state = initialResolverState({ txid: p.a.fundingTxid, vout: p.a.fundingVout }, START);
  }

  step(e: ResolverEvent): ResolverAction[] {
    const r = resolverStep(this.state, e, this.ctx);
    this.state = r.state;
    this.log.push(...r.actions);
    for (const a of r.actions) {
      if (a.type !== 'broadcast' || this.mempool.some((m) => hex(m.txid) === hex(a.txid))) continue;
      // A new transaction spending the same output replaces the old one (BIP 125).
      this.mempool = this.mempool.filter((m) => !(hex(m.spends.txid) === hex(a.spends.txid) && m.spends.vout === a.spends.vout));
      this.mempool.push(a);
    }
    return [...r.actions];
  }

  seen(tx: Transaction, height?: number): void {
    this.txs.set(hex(txid(tx)), { tx, ...(height !== undefined ? { height } : {}) });
  }

  /**
   * Mines the next block with every broadcast not held back, each checked for script and timing, and
   * reports it as the backend should: the block's spends first, then the `block` event.
   */
  mine(): void {
    const height = this.tip + 1;
    const closingFirst = (a: { role: string }): number => (a.role === 'closing' ? 0 : 1);
    const block = this.mempool.filter((a) => !this.hold.has(hex(a.txid))).sort((x, y) => closingFirst(x) - closingFirst(y));
    this.mempool = this.mempool.filter((a) => this.hold.has(hex(a.txid)));
    for (const a of block) {
      if (a.role === 'closing') {
        const tx = parseTx(a.raw);
        assert.equal(scriptError(a.raw, [this.fundingPrevout]), null);
        this.seen(tx, height);
        this.step({ type: 'fundingSpent', tx: a.raw, height });
        continue;
      }
      const parent = this.txs.get(hex(a.spends.txid));
      if (parent?.height === undefined) {
        this.mempool.push(a); // its parent is not mined (yet): a miner could not include it
        continue;
      }
      // What the backend broadcasts for a zero-fee anchors HTLC transaction: the funded version.
      const funded = a.needsFeeInputs && this.fund ? this.fund(a.raw) : undefined;
      const raw = funded?.raw ?? a.raw;
      const tx = parseTx(raw);
      assert.equal(scriptError(raw, [parent.tx.outputs[a.spends.vout]!, ...(funded?.extraPrevouts ?? [])]), null, `${a.role} claim fails the interpreter`);
      assert.ok(tx.locktime < height, `${a.role}: nLockTime ${tx.locktime} not final in block ${height}`);
      const seq = tx.inputs[0]!.sequence;
      if (seq < 0x80000000 && seq > 0) assert.ok(height - parent.height >= seq, `${a.role}: CSV ${seq} not met in block ${height}`);
      const stillWatched = this.state.phase === 'resolving' && this.state.outputs.some((o) => o.status.kind === 'unspent' && hex(o.outpoint.txid) === hex(a.spends.txid) && o.outpoint.vout === a.spends.vout);
      if (!stillWatched) continue;
      this.seen(tx, height);
      this.step({ type: 'outputSpent', outpoint: a.spends, tx: raw, height });
    }
    this.tip = height;
    this.step({ type: 'block', height });
  }

  /** Disconnects the blocks above `height`: their transactions go back to the mempool side of things. */
  reorg(height: number): void {
    for (const [k, v] of this.txs) if (v.height !== undefined && v.height > height) this.txs.set(k, { tx: v.tx });
    this.tip = height;
    this.step({ type: 'reorg', height });
  }

  /** Mines until done (bounded). Returns the number of blocks mined. */
  runToDone(): number {
    for (let i = 0; i < MAX_BLOCKS; i++) {
      if (this.state.phase === 'done') return i;
      this.mine();
    }
    assert.fail(`not done after ${MAX_BLOCKS} blocks: ${JSON.stringify(this.unresolved())}`);
  }

  unresolved(): string[] {
    return this.state.phase === 'resolving' ? this.state.outputs.filter((o) => o.status.kind !== 'abandoned').map((o) => `${o.role.kind}:${o.status.kind}`) : [];
  }

  close(tx: Transaction, height = CLOSE_HEIGHT): ResolverAction[] {
    while (this.tip < height) this.mine();
    this.seen(tx, height);
    return this.step({ type: 'fundingSpent', tx: serializeTx(tx), height });
  }

  /** Broadcast actions, each transaction once (rebroadcasts in later blocks removed). */
  uniqueBroadcasts(): Extract<ResolverAction, { type: 'broadcast' }>[] {
    const seen = new Set<string>();
    return this.of('broadcast').filter((a) => !seen.has(hex(a.txid)) && seen.add(hex(a.txid)) !== undefined);
  }

  of<T extends ResolverAction['type']>(type: T): Extract<ResolverAction, { type: T }>[] {
    return this.log.filter((a): a is Extract<ResolverAction, { type: T }> => a.type === type);
  }
}

const ids = (acts: { htlc: { id?: bigint } }[]): bigint[] => acts.map((a) => a.htlc.id!).sort();

for (const format of FORMATS) {
  const p = makePair(format);

  test(`${format}: our commitment resolves: HTLC-success now, HTLC-timeout at expiry, to_local and second stage after the delay, a late preimage, then done`, () => {
    const sim = new Sim(p);
    const commit = broadcastLocal(p.a, p.sa);
    const first = sim.close(commit);
    assert.deepEqual(first.find((a) => a.type === 'channelClosed'), { type: 'channelClosed', spend: { kind: 'localCommitment', commitmentNumber: 5 }, closingTxid: txid(commit) });
    assert.equal(first.filter((a) => a.type === 'watchOutpoint').length, 4);
    const firstBroadcasts = first.filter((a) => a.type === 'broadcast').map((a) => a.role);
    assert.deepEqual(firstBroadcasts, format === 'anchors' ? ['localHtlc'] : ['localHtlc'], 'the HTLC-success goes out at once');
    // A preimage for HTLC 3 arrives before it expires: an HTLC-success for it follows.
    for (let i = 0; i < 20; i++) sim.mine();
    const late = sim.step({ type: 'preimage', preimage: preimage(3) });
    assert.deepEqual(late.filter((a) => a.type === 'broadcast').map((a) => a.role), ['localHtlc'], 'the HTLC-success goes out at once');
    const blocks = sim.runToDone();
    assert.ok(blocks > IRREVOCABLE_DEPTH);
    const kinds = sim.uniqueBroadcasts().map((a) => a.role);
    assert.equal(kinds.filter((k) => k === 'localHtlc').length, 3, 'success(1), timeout(0), success(3)');
    assert.equal(kinds.filter((k) => k === 'localToLocal').length, 1);
    assert.equal(kinds.filter((k) => k === 'localHtlcTxOutput').length, 3, 'all three second-stage outputs swept');
    assert.equal(sim.of('broadcast').every((a) => a.needsFeeInputs === (format === 'anchors' && a.role === 'localHtlc')), true);
    assert.deepEqual(ids(sim.of('htlcFailed')), [0n, 2n, 4n], 'timed-out 0, trimmed 2, next-only 4 failed upstream');
    assert.equal(sim.of('preimageFound').length, 0);
    assert.equal(sim.of('done').length, 1);
    assert.equal(sim.state.phase, 'done');
    assertPlainData(sim.state);
  });

  test(`${format}: their commitment resolves; they claim our HTLC with the preimage, we learn it`, () => {
    const sim = new Sim(p);
    const { ch: bCh, tx: commit } = bCommitment(p, 'current');
    sim.close(commit);
    // B uses its HTLC-success for h0 (it knows preimage 0) in the first block.
    const bSuccess = ownerHtlcTxs(bCh, p.sb).find((x) => x.h.kind === 'success' && hex(x.h.htlc.paymentHash) === hex(H.h0.paymentHash))!;
    assert.equal(scriptError(serializeTx(bSuccess.tx!), [commit.outputs[bSuccess.h.commitmentOutputIndex]!]), null);
    sim.mine();
    sim.seen(bSuccess.tx!, sim.tip);
    const acts = sim.step({ type: 'outputSpent', outpoint: { txid: txid(commit), vout: bSuccess.h.commitmentOutputIndex }, tx: serializeTx(bSuccess.tx!), height: sim.tip });
    assert.deepEqual(acts.filter((a) => a.type === 'preimageFound'), [{ type: 'preimageFound', paymentHash: H.h0.paymentHash, preimage: preimage(0) }]);
    sim.runToDone();
    const kinds = sim.uniqueBroadcasts().map((a) => a.role).sort();
    assert.deepEqual([...new Set(kinds)], ['remoteHtlc', 'toRemote']);
    assert.deepEqual(ids(sim.of('htlcFailed')), [2n, 4n], 'h0 was fulfilled on chain, not failed');
    assert.equal(sim.state.phase, 'done');
  });

  test(`${format}: revoked commitment — penalties; the peer's HTLC transactions win the race and are penalised in turn`, () => {
    const sim = new Sim(p);
    const { ch: bCh, tx: commit } = bCommitment(p, 'revoked');
    const acts = sim.close(commit);
    const penalties = acts.filter((a) => a.type === 'broadcast');
    // The anchors to_remote has a 1-block CSV: the commitment confirmed in the tip, so it is valid next block too.
    assert.deepEqual(penalties.map((a) => a.role).sort(), ['revokedHtlc', 'revokedHtlc', 'revokedToLocal', 'toRemote']);
    // B's HTLC-timeout (h5) and HTLC-success (h6, revealing preimage 6) confirm before our HTLC penalties.
    for (const a of penalties) if (a.role === 'revokedHtlc') sim.hold.add(hex(a.txid));
    sim.mine();
    for (const { h, tx } of ownerHtlcTxs(bCh, p.sb)) {
      sim.seen(tx!, sim.tip);
      sim.step({ type: 'outputSpent', outpoint: { txid: txid(commit), vout: h.commitmentOutputIndex }, tx: serializeTx(tx!), height: sim.tip });
    }
    assert.deepEqual(sim.of('preimageFound').map((a) => hex(a.preimage)), [hex(preimage(6))]);
    sim.runToDone();
    const kinds = sim.uniqueBroadcasts().map((a) => a.role);
    assert.equal(kinds.filter((k) => k === 'revokedHtlcTxOutput').length, 2, 'both second-stage outputs penalised');
    assert.ok(kinds.includes('toRemote'));
    assert.deepEqual(ids(sim.of('htlcFailed')), [0n, 2n, 4n], 'the latest HTLCs we offered are not on chain: failed');
    assert.equal(sim.state.phase, 'done');
  });

  test(`${format}: a feerate rise replaces unconfirmed claims with higher-fee ones (RBF); a fall does not`, () => {
    const sim = new Sim(p);
    const { tx: commit } = bCommitment(p, 'revoked');
    const first = sim.close(commit).filter((a) => a.type === 'broadcast');
    for (const a of first) sim.hold.add(hex(a.txid));
    sim.ctx = ctxA(p, { feeratePerKw: 2000 });
    const bumped = sim.step({ type: 'feerate' }).filter((a) => a.type === 'broadcast');
    assert.deepEqual(bumped.map((a) => a.role).sort(), first.map((a) => a.role).sort(), 'every claim rebuilt');
    const value = (raw: Uint8Array): bigint => parseTx(raw).outputs[0]!.value;
    for (const b of bumped) {
      const old = first.find((a) => hex(a.spends.txid) === hex(b.spends.txid) && a.spends.vout === b.spends.vout)!;
      assert.notEqual(hex(b.txid), hex(old.txid));
      assert.ok(value(b.raw) < value(old.raw), `${b.role}: more fee`);
      assert.ok(parseTx(b.raw).inputs[0]!.sequence < 0xfffffffe, 'signals replaceability');
    }
    // At a ruinous feerate the small HTLC penalties would be dust: their current claims stay.
    sim.ctx = ctxA(p, { feeratePerKw: 50_000 });
    const ruinous = sim.step({ type: 'feerate' }).filter((a) => a.type === 'broadcast').map((a) => a.role).sort();
    assert.deepEqual(ruinous, ['revokedToLocal', 'toRemote']);
    sim.ctx = ctxA(p, { feeratePerKw: 1500 });
    assert.deepEqual(sim.step({ type: 'feerate' }).filter((a) => a.type === 'broadcast'), [], 'a lower feerate changes nothing');
    sim.hold.clear();
    sim.runToDone();
    const mined = sim.state.phase === 'done';
    assert.ok(mined);
  });

  test(`${format}: mutual close and lost state reach done; lost state warns and sweeps to_remote`, () => {
    const mutual = new Sim(p);
    const fundingIn = { txid: p.a.fundingTxid, vout: p.a.fundingVout, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] };
    const closing: Transaction = { version: 2, locktime: 0, inputs: [fundingIn], outputs: [{ value: 600_000n, script: p.a.shutdown!.local }, { value: 399_000n, script: p.a.shutdown!.remote }] };
    mutual.close(closing);
    assert.equal(mutual.runToDone(), IRREVOCABLE_DEPTH - 1);
    assert.deepEqual(mutual.log.map((a) => a.type), ['channelClosed', 'done']);

    const lost = new Sim(p);
    const acts = lost.close(bCommitment(p, 'future').tx);
    assert.deepEqual(acts.filter((a) => a.type === 'warnLostFunds').map((a) => a.reason), ['remoteAhead']);
    lost.runToDone();
    assert.deepEqual(lost.uniqueBroadcasts().map((a) => a.role), ['toRemote']);
    assert.equal(lost.of('htlcFailed').length, 0, 'never fail upstream on lost state: the HTLCs may be on chain');
  });

  test(`${format}: reorgs undo a confirmed HTLC-timeout, then the commitment itself; both are rebroadcast and resolution completes`, () => {
    const sim = new Sim(p);
    const commit = broadcastLocal(p.a, p.sa);
    sim.close(commit);
    const hasSecondStage = (): boolean => sim.state.phase === 'resolving' && sim.state.outputs.some((o) => o.role.kind === 'localHtlcTxOutput' && o.role.htlc.id === 0n);
    for (let i = 0; i < 40 && !hasSecondStage(); i++) sim.mine();
    assert.ok(hasSecondStage(), 'the HTLC-timeout confirmed');
    const confirmedAt = sim.tip;
    const timeouts = () => sim.log.filter((a) => a.type === 'broadcast' && a.role === 'localHtlc' && a.raw.length > 0).length;
    const before = timeouts();
    sim.reorg(confirmedAt - 1);
    assert.ok(!hasSecondStage(), 'second stage dropped with the block that created it');
    sim.mine();
    assert.equal(timeouts(), before + 1, 'the HTLC-timeout is sent again');
    assert.ok(hasSecondStage(), 'and confirms again');
    // Now the commitment itself is reorged out: the resolver rebroadcasts it, then everything that follows.
    sim.reorg(CLOSE_HEIGHT - 1);
    assert.ok(sim.state.phase === 'resolving' && sim.state.closing.height === undefined);
    assert.ok(sim.state.phase === 'resolving' && sim.state.outputs.every((o) => o.status.kind !== 'spent'), 'every spend undone');
    sim.mine();
    assert.ok(sim.log.some((a) => a.type === 'broadcast' && a.role === 'closing' && hex(a.txid) === hex(txid(commit))));
    assert.ok(sim.state.phase === 'resolving' && sim.state.closing.height === CLOSE_HEIGHT);
    sim.runToDone();
    assert.equal(sim.state.phase, 'done');
  });

  test(`${format}: events that cannot apply are typed errors`, () => {
    const sim = new Sim(p);
    const commit = broadcastLocal(p.a, p.sa);
    sim.close(commit);
    assert.throws(() => resolverStep(sim.state, { type: 'block', height: sim.tip - 1 }, sim.ctx), (e) => e instanceof OnchainError && e.kind === 'invalidEvent');
    const watched = sim.state.phase === 'resolving' ? sim.state.outputs[0]!.outpoint : assert.fail();
    // A transaction reported as spending a watched output that does not.
    assert.throws(() => resolverStep(sim.state, { type: 'outputSpent', outpoint: watched, tx: serializeTx(commit) }, sim.ctx), (e) => e instanceof OnchainError && e.kind === 'invalidEvent');
    // Garbage bytes as a transaction: the transaction parser's typed error.
    assert.throws(() => resolverStep(sim.state, { type: 'outputSpent', outpoint: watched, tx: Uint8Array.of(1, 2, 3) }, sim.ctx), (e) => e instanceof ChannelTxError && e.kind === 'malformedTx');
    // Another funding spend while the first is confirmed: only a reorg can allow that.
    assert.throws(() => resolverStep(sim.state, { type: 'fundingSpent', tx: serializeTx(bCommitment(p, 'current').tx) }, sim.ctx), (e) => e instanceof OnchainError && e.kind === 'invalidEvent');
    sim.reorg(CLOSE_HEIGHT - 1);
    const replaced = sim.step({ type: 'fundingSpent', tx: serializeTx(bCommitment(p, 'current').tx), height: CLOSE_HEIGHT });
    assert.deepEqual(replaced.find((a) => a.type === 'channelClosed'), { type: 'channelClosed', spend: { kind: 'remoteCommitment', which: 'current', commitmentNumber: 5 }, closingTxid: txid(bCommitment(p, 'current').tx) });
    assert.ok(sim.state.phase === 'resolving' && sim.state.outputs.every((o) => o.role.kind === 'toRemote' || o.role.kind === 'remoteHtlc'), 'the old plan is gone');
    // A transaction that does not spend the funding output reported as the funding spend.
    const fresh = initialResolverState({ txid: p.a.fundingTxid, vout: p.a.fundingVout }, START);
    const notFunding = { ...commit, inputs: [{ ...commit.inputs[0]!, vout: 0 }] };
    assert.throws(() => resolverStep(fresh, { type: 'fundingSpent', tx: serializeTx(notFunding) }, sim.ctx), (e) => e instanceof OnchainError && e.kind === 'notFundingSpend');
  });
}

test('anchors: the funded HTLC transactions the backend broadcasts are followed to their second stage and swept', () => {
  const p = makePair('anchors');
  const sim = new Sim(p);
  const key = new Uint8Array(32).fill(0x44);
  const pub = engine.publicKey(key);
  const coinOut: TxOutput = { value: 50_000n, script: p2wpkh(pub) };
  const fundedTxids: string[] = [];
  let n = 0;
  sim.fund = (raw) => {
    const coin = { outpoint: { txid: new Uint8Array(32).fill(0xd0 + n++), vout: 0 }, valueSat: coinOut.value, witnessWeight: P2WPKH_WITNESS_WEIGHT };
    const f = fundAnchorHtlcTx({ ...sim.ctx, feeratePerKw: 2000 }, raw, [coin], coinOut.script);
    const tx = { ...f.tx, inputs: f.tx.inputs.map((inp, i) => (i === 0 ? inp : { ...inp, witness: [witnessSignature(engine.sign(segwitV0Sighash(f.tx, i, p2pkh(pub), coinOut.value, SIGHASH_ALL), key), SIGHASH_ALL), pub] })) };
    fundedTxids.push(hex(f.txid));
    return { raw: serializeTx(tx), extraPrevouts: [coinOut] };
  };
  sim.close(broadcastLocal(p.a, p.sa));
  sim.step({ type: 'preimage', preimage: preimage(3) });
  sim.runToDone();
  assert.equal(fundedTxids.length, 3, 'HTLC-success 1 and 3, HTLC-timeout 0, each funded');
  const sweeps = sim.uniqueBroadcasts().filter((a) => a.role === 'localHtlcTxOutput');
  assert.deepEqual(sweeps.map((a) => hex(a.spends.txid)).sort(), [...fundedTxids].sort(), 'each funded HTLC tx output is swept');
  assert.equal(sim.state.phase, 'done');
});

test('the resolver state is plain data: a structured clone resumes with the same actions', () => {
  const p = makePair('anchors');
  const sim = new Sim(p);
  sim.close(broadcastLocal(p.a, p.sa));
  for (let i = 0; i < 25; i++) sim.mine();
  assertPlainData(sim.state);
  const copy = structuredClone(sim.state);
  const a = resolverStep(sim.state, { type: 'block', height: sim.tip + 1 }, sim.ctx);
  const b = resolverStep(copy, { type: 'block', height: sim.tip + 1 }, sim.ctx);
  assert.deepEqual(b, a);
});

function assertPlainData(v: unknown, path = 'state'): void {
  if (v === null || v === undefined || ['bigint', 'number', 'string', 'boolean'].includes(typeof v)) return;
  if (v instanceof Uint8Array) return;
  assert.equal(typeof v, 'object', `${path} is a ${typeof v}`);
  const proto = Object.getPrototypeOf(v);
  assert.ok(proto === Object.prototype || proto === Array.prototype, `${path} is not a plain object or array`);
  for (const [k, x] of Object.entries(v as object)) assertPlainData(x, `${path}.${k}`);
}
