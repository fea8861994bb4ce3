/**
 * @module channel/commitments/queries
 * Read-only questions the state machine, the backend and the on-chain resolver ask the ledger:
 * balances as each commitment sees them, the HTLCs with their stage, whether anything is pending
 * (before `shutdown` / closing), our latest commitment signed by both sides ready to broadcast with its
 * HTLC transactions, and the peer's commitments and revealed secrets BOLT 5 needs.
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Does not: change the ledger, or add fee inputs to anchor HTLC transactions (BOLT 5's resolver does;
 * the peer's signature is SIGHASH_SINGLE|ANYONECANPAY, ours must be redone after adding inputs).
 */
import { activeEngine } from '../../crypto/engines.js';
import { sha256 } from '../../crypto/hash.js';
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import { finalizeCommitment, signCommitment, type Commitment } from '../commitment.js';
import { buildHtlcTxs, finalizeHtlcTx, signHtlcTx, type HtlcTx } from '../htlc.js';
import { derivePrivkey } from '../keys.js';
import type { ChannelSecrets } from '../params.js';
import { commitmentIndex, deriveSecretFromEntries } from '../shachain.js';
import { buildLocalCommitment, localPerCommitmentPoint } from './build.js';
import { localHasChanges, remoteHasChanges } from './sign.js';
import { latestRemoteCommit, mirror } from './spec.js';
import type { Commitments, RemoteCommit, Update, UpdateAddHtlc } from './types.js';

/** Our and their balance (msat, before fees, HTLCs excluded) in one commitment. */
export interface BalanceView {
  readonly ourMsat: bigint;
  readonly theirMsat: bigint;
}

/** Balances as our current commitment and the peer's latest signed commitment see them. */
export function balances(c: Commitments): { readonly localCommit: BalanceView; readonly remoteCommit: BalanceView } {
  const l = c.localCommit.spec;
  const r = mirror(latestRemoteCommit(c).spec);
  return { localCommit: { ourMsat: l.toLocalMsat, theirMsat: l.toRemoteMsat }, remoteCommit: { ourMsat: r.toLocalMsat, theirMsat: r.toRemoteMsat } };
}

/** One HTLC and where it is: `outgoing` = we offered it. */
export interface HtlcState {
  readonly direction: 'outgoing' | 'incoming';
  readonly add: UpdateAddHtlc;
  /** In our current commitment. */
  readonly inLocalCommit: boolean;
  /** In the peer's latest commitment we signed. */
  readonly inRemoteCommit: boolean;
  /** A fulfill / fail of it on its way (by us for incoming HTLCs, by the peer for outgoing ones), if any. */
  readonly removal?: 'fulfill' | 'fail' | 'failMalformed';
}

/** Every HTLC in either commitment (pending adds that neither commitment holds yet are not listed). */
export function htlcs(c: Commitments): HtlcState[] {
  const removals = new Map<string, HtlcState['removal']>();
  const note = (dir: 'outgoing' | 'incoming', list: readonly Update[]) => {
    for (const u of list) if (u.kind === 'fulfill' || u.kind === 'fail' || u.kind === 'failMalformed') removals.set(`${dir}:${u.id}`, u.kind);
  };
  // Our removals are of incoming HTLCs; the peer's of outgoing ones.
  for (const l of [c.localChanges.proposed, c.localChanges.signed, c.localChanges.acked]) note('incoming', l);
  for (const l of [c.remoteChanges.proposed, c.remoteChanges.acked, c.remoteChanges.signed]) note('outgoing', l);
  const withRemoval = (h: HtlcState): HtlcState => {
    const r = removals.get(`${h.direction}:${h.add.id}`);
    return r === undefined ? h : { ...h, removal: r };
  };
  return listHtlcs(c).map(withRemoval);
}

function listHtlcs(c: Commitments): HtlcState[] {
  const out: HtlcState[] = [];
  const remote = mirror(latestRemoteCommit(c).spec).htlcs;
  const key = (d: string, id: bigint) => `${d}:${id}`;
  const inRemote = new Set(remote.map((h) => key(h.direction, h.add.id)));
  const seen = new Set<string>();
  for (const h of c.localCommit.spec.htlcs) {
    seen.add(key(h.direction, h.add.id));
    out.push({ direction: h.direction === 'offered' ? 'outgoing' : 'incoming', add: h.add, inLocalCommit: true, inRemoteCommit: inRemote.has(key(h.direction, h.add.id)) });
  }
  for (const h of remote) {
    if (!seen.has(key(h.direction, h.add.id))) out.push({ direction: h.direction === 'offered' ? 'outgoing' : 'incoming', add: h.add, inLocalCommit: false, inRemoteCommit: true });
  }
  return out;
}

/**
 * Whether any update is in flight either way (proposed, signed but not revoked, or acked but not yet
 * in both commitments): `shutdown` waits for this to be false before closing negotiation starts.
 */
export function hasPendingChanges(c: Commitments): boolean {
  return localHasChanges(c) || remoteHasChanges(c) || c.nextRemote.kind === 'waitingForRevocation'
    || c.localChanges.signed.length > 0 || c.remoteChanges.signed.length > 0;
}

/**
 * Whether we sent updates not yet covered by a `commitment_signed`: BOLT 2 forbids sending `shutdown`
 * then ("updates pending on the receiving node's commitment transaction"); sign first.
 */
export function localHasUnsignedChanges(c: Commitments): boolean {
  return c.localChanges.proposed.length > 0;
}

/** Whether the peer sent updates it has not signed yet (it owes us a `commitment_signed`). */
export function remoteHasUnsignedChanges(c: Commitments): boolean {
  return c.remoteChanges.proposed.length > 0;
}

/** Whether either commitment still holds an HTLC (closing negotiation needs none). */
export function hasHtlcs(c: Commitments): boolean {
  return c.localCommit.spec.htlcs.length > 0 || latestRemoteCommit(c).spec.htlcs.length > 0;
}

/** One second-stage transaction of our commitment, with both signatures. */
export interface LocalHtlcTx {
  readonly kind: 'success' | 'timeout';
  readonly htlcId: bigint;
  readonly paymentHash: Uint8Array;
  readonly commitmentOutputIndex: number;
  readonly tx: HtlcTx;
  /** The peer's signature (SIGHASH_SINGLE|ANYONECANPAY under anchors). */
  readonly remoteSig: Uint8Array;
  /** Our SIGHASH_ALL signature of `tx` as built (redo it after adding fee inputs). */
  readonly localSig: Uint8Array;
  /** The serialised signed transaction; absent for HTLC-success until we know the preimage. */
  readonly raw?: Uint8Array;
}

/** Our latest commitment, signed by both sides, and its HTLC transactions. */
export interface SignedLocalCommitment {
  readonly index: number;
  readonly commitment: Commitment;
  readonly raw: Uint8Array;
  readonly txid: Uint8Array;
  readonly htlcTxs: readonly LocalHtlcTx[];
}

/**
 * Our current commitment ready to broadcast (our funding signature added to the peer's), with every
 * HTLC transaction signed by both sides; HTLC-success ones are serialised when `preimages` holds theirs.
 * Throws if the peer never signed our commitment #0 (there is nothing safe to broadcast).
 */
export function localCommitmentTx(c: Commitments, secrets: ChannelSecrets, preimages: readonly Uint8Array[] = [], engine: Secp256k1Engine = activeEngine()): SignedLocalCommitment {
  const lc = c.localCommit;
  if (lc.remoteSig === undefined) throw new RangeError('our first commitment is not signed by the peer yet');
  const point = localPerCommitmentPoint(secrets, lc.index, engine);
  const commitment = buildLocalCommitment(c, lc.index, lc.spec, point, engine);
  const { raw, txid } = finalizeCommitment(commitment, signCommitment(commitment, secrets.fundingPrivkey, engine), lc.remoteSig);
  const htlcKey = derivePrivkey(secrets.htlcBasepointSecret, point, engine);
  try {
    const byHash = new Map(preimages.map((p) => [hex(sha256(p)), p]));
    const htlcTxs = buildHtlcTxs(commitment).map((tx, i): LocalHtlcTx => {
      const remoteSig = lc.htlcRemoteSigs[i]!;
      const localSig = signHtlcTx(tx, htlcKey, false, engine);
      const preimage = byHash.get(hex(tx.htlc.paymentHash));
      const signed = tx.kind === 'timeout' ? finalizeHtlcTx(tx, remoteSig, localSig) : preimage ? finalizeHtlcTx(tx, remoteSig, localSig, preimage) : undefined;
      return { kind: tx.kind, htlcId: tx.htlc.id!, paymentHash: tx.htlc.paymentHash, commitmentOutputIndex: tx.commitmentOutputIndex, tx, remoteSig, localSig, ...(signed ? { raw: signed } : {}) };
    });
    return { index: lc.index, commitment, raw, txid, htlcTxs };
  } finally {
    htlcKey.fill(0);
  }
}

/** What BOLT 5 needs about the peer's side. */
export interface RemoteChainInfo {
  /** The peer's current (unrevoked) commitment. */
  readonly current: RemoteCommit;
  /** The commitment we signed and they have not revoked the previous of yet (also valid on chain). */
  readonly next?: RemoteCommit;
  /** Every commitment number below this one is revoked (its secret is in the store). */
  readonly revokedBelow: number;
}

/** The peer's commitments that may appear on chain, and the revocation boundary. */
export function remoteChainInfo(c: Commitments): RemoteChainInfo {
  return { current: c.remoteCommit, ...(c.nextRemote.kind === 'waitingForRevocation' ? { next: c.nextRemote.commit } : {}), revokedBelow: c.remoteCommit.index };
}

/** The peer's per-commitment secret for its revoked commitment number `n` (throws `secretUnknown` if not revoked). */
export function remotePerCommitmentSecret(c: Commitments, n: number): Uint8Array {
  return deriveSecretFromEntries(c.remotePerCommitmentSecrets, commitmentIndex(n));
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
