/**
 * @module channel/onchain/from-ledger
 * Fills an {@link OnchainChannel} from the BOLT 2 commitments ledger (`../commitments/`), so the backend
 * snapshots a channel for the resolver in one call when its funding output is spent:
 *
 * | OnchainChannel            | Commitments ledger                                                    |
 * |---------------------------|-----------------------------------------------------------------------|
 * | params, fundingTxid/Vout  | same fields                                                           |
 * | local (number, balances…) | localCommit.index, .spec (DirectedHtlc → Htlc), .remoteSig, .htlcRemoteSigs |
 * | local.perCommitmentPoint  | localPerCommitmentPoint(secrets, localCommit.index)                   |
 * | remote                    | remoteCommit (index, spec, remotePerCommitmentPoint)                  |
 * | remoteNext                | nextRemote.commit when nextRemote.kind = 'waitingForRevocation'       |
 * | remoteSecrets             | remotePerCommitmentSecrets                                            |
 * | preimages                 | preimages of every `fulfill` update either way, plus the caller's     |
 * | remoteHtlcHistory         | not in the ledger: the caller keeps (hash, cltv) of every HTLC added  |
 * | shutdown                  | not in the ledger: the state machine's `shutdown` scripts             |
 *
 * Spec: https://github.com/lightning/bolts/blob/master/05-onchain.md
 *
 * Does not: change the ledger or keep any secret (only our public per-commitment point is derived).
 */
import type { Secp256k1Engine } from '../../crypto/secp256k1.js';
import type { Htlc } from '../commitment.js';
import type { CommitSpec, Commitments, RemoteCommit, Update } from '../commitments/types.js';
import type { ChannelSecrets } from '../params.js';
import { ourPerCommitmentPoint } from './rebuild.js';
import { OnchainError, type CommitmentState, type HtlcInfo, type OnchainChannel, type RemoteCommitmentState, type ShutdownScripts } from './types.js';

/** What the resolver needs that the ledger does not hold. */
export interface LedgerExtras {
  /** More preimages we may use on chain (e.g. learned from a downstream channel, not yet sent upstream). */
  readonly preimages?: readonly Uint8Array[];
  /** Hash and expiry of HTLCs of the peer's past commitments, to penalise revoked HTLC outputs. */
  readonly remoteHtlcHistory?: readonly HtlcInfo[];
  /** Both `shutdown` scripts, once exchanged. */
  readonly shutdown?: ShutdownScripts;
}

function stateOf(index: number, spec: CommitSpec): CommitmentState {
  const htlcs: Htlc[] = spec.htlcs.map((d) => ({ direction: d.direction, amountMsat: d.add.amountMsat, paymentHash: d.add.paymentHash, cltvExpiry: d.add.cltvExpiry, id: d.add.id }));
  return { commitmentNumber: index, feeratePerKw: spec.feeratePerKw, toLocalMsat: spec.toLocalMsat, toRemoteMsat: spec.toRemoteMsat, htlcs };
}

function remoteOf(rc: RemoteCommit): RemoteCommitmentState {
  return { ...stateOf(rc.index, rc.spec), perCommitmentPoint: rc.remotePerCommitmentPoint };
}

function fulfilled(updates: readonly Update[]): Uint8Array[] {
  return updates.flatMap((u) => (u.kind === 'fulfill' ? [u.paymentPreimage] : []));
}

/**
 * The resolver's view of ledger `c`. Throws `invalidChannel` when our commitment was never signed by
 * the peer (nothing of ours can be on chain, and nothing safe to broadcast).
 */
export function onchainChannelFromLedger(c: Commitments, secrets: ChannelSecrets, extras: LedgerExtras = {}, engine?: Secp256k1Engine): OnchainChannel {
  const lc = c.localCommit;
  if (lc.remoteSig === undefined) throw new OnchainError('invalidChannel', 'our first commitment is not signed by the peer');
  const { localChanges: l, remoteChanges: r } = c;
  const preimages = [...fulfilled([...l.proposed, ...l.signed, ...l.acked, ...r.proposed, ...r.acked, ...r.signed]), ...(extras.preimages ?? [])];
  return {
    params: c.params,
    fundingTxid: c.fundingTxid,
    fundingVout: c.fundingVout,
    local: { ...stateOf(lc.index, lc.spec), remoteSig: lc.remoteSig, remoteHtlcSigs: lc.htlcRemoteSigs, perCommitmentPoint: ourPerCommitmentPoint(secrets, lc.index, engine) },
    remote: remoteOf(c.remoteCommit),
    ...(c.nextRemote.kind === 'waitingForRevocation' ? { remoteNext: remoteOf(c.nextRemote.commit) } : {}),
    remoteSecrets: c.remotePerCommitmentSecrets,
    preimages,
    ...(extras.remoteHtlcHistory ? { remoteHtlcHistory: extras.remoteHtlcHistory } : {}),
    ...(extras.shutdown ? { shutdown: extras.shutdown } : {}),
  };
}
