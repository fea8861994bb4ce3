/**
 * @module test/channel/bolt3-fixture
 * The Appendix C / F channel of BOLT 3 as `src/channel` inputs: keys (re-derived from the secrets in the
 * spec's comment and checked against the listed keys by the tests), HTLCs, and a `CommitmentSpec` per
 * test. Not a test file.
 */
import { loadEngine } from '../../src/crypto/engines.js';
import { sha256 } from '../../src/crypto/hash.js';
import type { CommitmentFormat, CommitmentSpec, Htlc } from '../../src/channel/index.js';
import { derivePrivkey, obscuringFactor, txidFromHex } from '../../src/channel/index.js';
import { hex, loadBoltVector } from '../helpers/vectors.js';

export const engine = loadEngine('native');

/** BOLT 3 prints private keys with Bitcoin's trailing 01 "compressed" byte: drop it. */
export function privkey(s: string): Uint8Array {
  const b = hex(s);
  if (b.length !== 33 || b[32] !== 1) throw new Error('expected a 32-byte key with a trailing 01');
  return b.subarray(0, 32);
}

export interface LegacyVectors {
  params: Record<string, any>;
  htlcs: { id: number; direction: 'remote->local' | 'local->remote'; amount_msat: number; expiry: number; payment_preimage: string }[];
  internal_secrets_from_spec_comment: Record<string, string>;
  tests: any[];
}
export const legacy = loadBoltVector<LegacyVectors>('bolt03-commitment-tx-legacy.json');
export const anchorsFile = loadBoltVector<{ tests: any[]; spec_original: any[] }>('bolt03-commitment-tx-anchors.json');

const P = legacy.params;
const S = legacy.internal_secrets_from_spec_comment;

export const localFundingPrivkey = privkey(P.local_funding_privkey);
export const remoteFundingPrivkey = privkey(S.remote_funding_privkey!);
export const perCommitmentPoint = hex(S.local_per_commitment_point!);
/** `local_htlcprivkey`: the HTLC basepoint equals the payment basepoint in these vectors. */
export const localHtlcPrivkey = derivePrivkey(privkey(S.local_payment_basepoint_secret!), perCommitmentPoint, engine);
/** `remote_htlcprivkey`, to reproduce the remote's signatures too. */
export const remoteHtlcPrivkey = derivePrivkey(privkey(S.remote_payment_basepoint_secret!), perCommitmentPoint, engine);

export const keys = {
  revocationPubkey: hex(P.local_revocation_pubkey),
  localDelayedPubkey: hex(P.local_delayedpubkey),
  localHtlcPubkey: hex(P.local_htlcpubkey),
  remoteHtlcPubkey: hex(P.remote_htlcpubkey),
  remotePaymentPubkey: hex(P.remote_payment_basepoint),
};

/** The seven HTLCs from the local node's point of view. */
export const htlcs: Htlc[] = legacy.htlcs.map((h) => ({
  id: BigInt(h.id),
  direction: h.direction === 'local->remote' ? 'offered' : 'received',
  amountMsat: BigInt(h.amount_msat),
  paymentHash: sha256(hex(h.payment_preimage)),
  cltvExpiry: h.expiry,
}));

export function preimageOf(id: bigint): Uint8Array {
  return hex(legacy.htlcs[Number(id)]!.payment_preimage);
}

/** The commitment of one test: balances, feerate, dust limit and which HTLCs. */
export function specFor(format: CommitmentFormat, t: { to_local_msat: number; to_remote_msat: number; feerate: number; dust: number; htlcIds: number[] }): CommitmentSpec {
  return {
    format,
    fundingTxid: txidFromHex(P.funding_tx_id),
    fundingVout: P.funding_output_index,
    fundingSat: BigInt(P.funding_amount_satoshi),
    localFundingPubkey: hex(P.local_funding_pubkey),
    remoteFundingPubkey: hex(P.remote_funding_pubkey),
    obscuringFactor: obscuringFactor(hex(P.local_payment_basepoint), hex(P.remote_payment_basepoint)),
    commitmentNumber: P.commitment_number,
    localIsFunder: true,
    toLocalMsat: BigInt(t.to_local_msat),
    toRemoteMsat: BigInt(t.to_remote_msat),
    feeratePerKw: t.feerate,
    dustLimitSat: BigInt(t.dust),
    toSelfDelay: P.local_delay,
    keys,
    htlcs: t.htlcIds.map((i) => htlcs[i]!),
  };
}
