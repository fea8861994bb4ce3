/**
 * @module test/channel/onchain-fixture
 * A channel between A (us) and B (the peer), with keys from `deriveChannelSecrets`, seen from both
 * sides as {@link OnchainChannel}s, and fully signed commitments and HTLC transactions either side can
 * broadcast: our latest commitment, B's current / next / a revoked one / one from the future.
 * Not a test file.
 */
import { activeEngine } from '../../src/crypto/engines.js';
import { sha256 } from '../../src/crypto/hash.js';
import {
  buildHtlcTxs,
  channelPubkeys,
  commitmentIndex,
  derivePrivkey,
  deriveChannelSecrets,
  fundingScript,
  generateFromSeed,
  p2wpkh,
  p2wsh,
  perCommitmentPoint,
  PerCommitmentSecretStore,
  serializeTx,
  signCommitment,
  signedCommitmentTx,
  signedHtlcTx,
  signHtlcTx,
  txid,
  type AnnouncedConfig,
  type ChannelSecrets,
  type CommitmentFormat,
  type Htlc,
  type HtlcTx,
  type Transaction,
  type TxOutput,
} from '../../src/channel/index.js';
import { ourPerCommitmentPoint, rebuildLocal, type CommitmentState, type OnchainChannel, type ResolveContext } from '../../src/channel/onchain/index.js';

export const engine = activeEngine();
export const FUNDING_SAT = 1_000_000n;
export const FEERATE = 2500;
/** `to_self_delay` A asks of B, and B of A (so A's own outputs wait 20 blocks). */
export const DELAY_A_ASKS = 30;
export const DELAY_B_ASKS = 20;
export const LOCAL_N = 5;
export const REMOTE_N = 5;
export const REVOKED_N = 3;

export const preimage = (i: number): Uint8Array => sha256(Uint8Array.of(0x50, i));
const htlc = (i: number, direction: 'offered' | 'received', amountMsat: bigint, cltvExpiry: number): Htlc =>
  ({ id: BigInt(i), direction, amountMsat, paymentHash: sha256(preimage(i)), cltvExpiry });
const flip = (h: Htlc): Htlc => ({ ...h, direction: h.direction === 'offered' ? 'received' : 'offered' });

/** HTLCs of the latest state, from A's side: 0 and 2 (dust) offered by A, 1 and 3 offered by B. */
export const H = {
  h0: htlc(0, 'offered', 5_000_000n, 600_010),
  h1: htlc(1, 'received', 7_000_000n, 600_020),
  h2: htlc(2, 'offered', 200_000n, 600_030),
  h3: htlc(3, 'received', 6_000_000n, 600_040),
  /** Only in B's next commitment: offered by A. */
  h4: htlc(4, 'offered', 4_000_000n, 600_050),
  /** Only in the revoked commitment: 5 offered by B, 6 offered by A. */
  h5: htlc(5, 'received', 3_000_000n, 599_000),
  h6: htlc(6, 'offered', 4_500_000n, 599_100),
};
/** A knows the preimages of 1 (it is the final recipient) and none of 3. */
export const KNOWN_PREIMAGES = [preimage(1)];

function announced(s: ChannelSecrets, toSelfDelay: number): AnnouncedConfig {
  const pub = channelPubkeys(s, engine);
  return {
    dustLimitSat: 546n,
    maxHtlcValueInFlightMsat: 1_000_000_000n,
    channelReserveSat: 10_000n,
    htlcMinimumMsat: 1n,
    toSelfDelay,
    maxAcceptedHtlcs: 30,
    fundingPubkey: pub.fundingPubkey,
    basepoints: pub.basepoints,
    firstPerCommitmentPoint: ourPerCommitmentPoint(s, 0, engine),
  };
}

/** One side's state from its own point of view, from A's numbers (B's view: HTLCs flipped, balances swapped). */
function stateOf(n: number, aBalanceMsat: bigint, htlcs: readonly Htlc[], ownerIsA: boolean): CommitmentState {
  const total = FUNDING_SAT * 1000n - htlcs.reduce((s, h) => s + h.amountMsat, 0n);
  const mine = ownerIsA ? aBalanceMsat : total - aBalanceMsat;
  return { commitmentNumber: n, feeratePerKw: FEERATE, toLocalMsat: mine, toRemoteMsat: total - mine, htlcs: ownerIsA ? htlcs : htlcs.map(flip) };
}

/** The channel as both sides see it, plus signed transactions to broadcast. */
export interface Pair {
  readonly format: CommitmentFormat;
  readonly sa: ChannelSecrets;
  readonly sb: ChannelSecrets;
  readonly a: OnchainChannel;
  readonly b: OnchainChannel;
  readonly fundingPrevout: TxOutput;
  readonly sweepScript: Uint8Array;
  /** The latest HTLCs (A's side) and A's balance, shared by A's commitment and B's current one. */
  readonly latest: readonly Htlc[];
  readonly aBalMsat: bigint;
}

/** Overrides of the latest state for property tests. */
export interface PairOptions {
  readonly latest?: readonly Htlc[];
  readonly aBalMsat?: bigint;
}

/** The owner's channel view with `state` as its local commitment, signed by the other side. */
export function withLocal(ch: OnchainChannel, own: ChannelSecrets, other: ChannelSecrets, state: CommitmentState): OnchainChannel {
  const point = ourPerCommitmentPoint(own, state.commitmentNumber, engine);
  const draft: OnchainChannel = { ...ch, local: { ...state, perCommitmentPoint: point, remoteSig: new Uint8Array(64), remoteHtlcSigs: [] } };
  const c = rebuildLocal(draft, engine);
  const htlcKey = derivePrivkey(other.htlcBasepointSecret, point, engine);
  return {
    ...ch,
    local: { ...draft.local, remoteSig: signCommitment(c, other.fundingPrivkey, engine), remoteHtlcSigs: buildHtlcTxs(c).map((h) => signHtlcTx(h, htlcKey, true, engine)) },
  };
}

/** The owner's signed local commitment transaction. */
export function broadcastLocal(ch: OnchainChannel, own: ChannelSecrets): Transaction {
  const c = rebuildLocal(ch, engine);
  return signedCommitmentTx(c, signCommitment(c, own.fundingPrivkey, engine), ch.local.remoteSig);
}

/** The owner's fully signed HTLC transactions of its local commitment (success ones need `preimages`). */
export function ownerHtlcTxs(ch: OnchainChannel, own: ChannelSecrets): { h: HtlcTx; tx: Transaction | undefined }[] {
  const c = rebuildLocal(ch, engine);
  const key = derivePrivkey(own.htlcBasepointSecret, ch.local.perCommitmentPoint, engine);
  return buildHtlcTxs(c).map((h, i) => {
    const pre = h.kind === 'success' ? [0, 1, 2, 3, 4, 5, 6].map(preimage).find((p) => Buffer.from(sha256(p)).equals(Buffer.from(h.htlc.paymentHash))) : undefined;
    return { h, tx: signedHtlcTx(h, ch.local.remoteHtlcSigs[i]!, signHtlcTx(h, key, false, engine), pre) };
  });
}

export function makePair(format: CommitmentFormat, o: PairOptions = {}): Pair {
  const sa = deriveChannelSecrets(new Uint8Array(32).fill(0xa1), 7n);
  const sb = deriveChannelSecrets(new Uint8Array(32).fill(0xb2), 9n);
  const ca = announced(sa, DELAY_A_ASKS);
  const cb = announced(sb, DELAY_B_ASKS);
  const common = { chainHash: new Uint8Array(32), format, fundingSat: FUNDING_SAT, pushMsat: 0n, announce: false, minimumDepth: 3 };
  const paramsA = { ...common, weAreFunder: true, local: ca, remote: cb, remoteNodeId: cb.fundingPubkey, keyIndex: 7n };
  const paramsB = { ...common, weAreFunder: false, local: cb, remote: ca, remoteNodeId: ca.fundingPubkey, keyIndex: 9n };
  const fundingTxid = sha256(Uint8Array.of(0xf0));
  const latest = o.latest ?? [H.h0, H.h1, H.h2, H.h3];
  const aBal = o.aBalMsat ?? 694_800_000n;
  const bPoint = (n: number): Uint8Array => ourPerCommitmentPoint(sb, n, engine);
  const store = new PerCommitmentSecretStore();
  for (let n = 0; n < REMOTE_N; n++) store.insert(commitmentIndex(n), generateFromSeed(sb.perCommitmentSeed, commitmentIndex(n)));
  const remote = { ...stateOf(REMOTE_N, aBal, latest, false), perCommitmentPoint: bPoint(REMOTE_N) };
  const remoteNext = { ...stateOf(REMOTE_N + 1, aBal - H.h4.amountMsat, [...latest, H.h4], false), perCommitmentPoint: bPoint(REMOTE_N + 1) };
  const shutdown = { local: p2wpkh(ca.fundingPubkey), remote: p2wpkh(cb.fundingPubkey) };
  const emptyLocal = { ...stateOf(LOCAL_N, aBal, latest, true), perCommitmentPoint: new Uint8Array(33), remoteSig: new Uint8Array(64), remoteHtlcSigs: [] };
  const a0: OnchainChannel = {
    params: paramsA, fundingTxid, fundingVout: 1, local: emptyLocal, remote, remoteNext, remoteSecrets: store.entries(),
    remoteHtlcHistory: [H.h5, H.h6], preimages: KNOWN_PREIMAGES, shutdown,
  };
  const a = withLocal(a0, sa, sb, stateOf(LOCAL_N, aBal, latest, true));
  const b0: OnchainChannel = {
    params: paramsB, fundingTxid, fundingVout: 1, local: emptyLocal, remote: { ...stateOf(LOCAL_N, aBal, latest, true), perCommitmentPoint: a.local.perCommitmentPoint },
    remoteSecrets: [], preimages: [preimage(0), preimage(6)], shutdown: { local: shutdown.remote, remote: shutdown.local },
  };
  const b = withLocal(b0, sb, sa, stateOf(REMOTE_N, aBal, latest, false));
  const fundingPrevout = { value: FUNDING_SAT, script: p2wsh(fundingScript(ca.fundingPubkey, cb.fundingPubkey)) };
  return { format, sa, sb, a, b, fundingPrevout, sweepScript: p2wpkh(engine.publicKey(new Uint8Array(32).fill(0x11))), latest, aBalMsat: aBal };
}

/** B's signed commitment for one of its states (current, next, revoked, future), from A's numbers. */
export function bCommitment(p: Pair, which: 'current' | 'next' | 'revoked' | 'future'): { ch: OnchainChannel; tx: Transaction } {
  const states = {
    current: stateOf(REMOTE_N, p.aBalMsat, p.latest, false),
    next: stateOf(REMOTE_N + 1, p.aBalMsat - H.h4.amountMsat, [...p.latest, H.h4], false),
    revoked: stateOf(REVOKED_N, 592_500_000n, [H.h5, H.h6], false),
    future: stateOf(REMOTE_N + 2, 600_000_000n, [H.h0], false),
  };
  const ch = withLocal(p.b, p.sb, p.sa, states[which]);
  return { ch, tx: broadcastLocal(ch, p.sb) };
}

/** The per-call context for A. */
export function ctxA(p: Pair, over: Partial<ResolveContext> = {}): ResolveContext {
  return { channel: p.a, secrets: p.sa, feeratePerKw: 1000, sweepScript: p.sweepScript, engine, ...over };
}

/** The revealed secret of B's commitment `n` (for negative tests). */
export function bSecret(p: Pair, n: number): Uint8Array {
  return generateFromSeed(p.sb.perCommitmentSeed, commitmentIndex(n));
}

export { perCommitmentPoint, serializeTx, txid };
