/**
 * The ledger's mapping from channel parameters to BOLT 3 transactions, checked against the spec's own
 * vectors (Appendix C and F, commitment #42): the local node's commitment built by `buildLocalCommitment`
 * from the local side's params and by `buildRemoteCommitment` from the remote side's params (roles,
 * dust limit, `to_self_delay`, obscuring-factor order, keys) has the vector's txid, and `signRemote` on
 * the remote side reproduces the vector's remote commitment signature and every remote HTLC signature
 * (key derivation with the owner's point, SIGHASH_SINGLE|ANYONECANPAY under anchors).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { derEncode, txid, txidFromHex, txidToHex, type AnnouncedConfig, type ChannelParams, type ChannelSecrets, type CommitmentFormat } from '../../src/channel/index.js';
import { buildLocalCommitment, buildRemoteCommitment, type CommitSpec } from '../../src/channel/commitments/index.js';
import { signRemote } from '../../src/channel/commitments/build.js';
import { toHex, hex } from '../helpers/vectors.js';
import { anchorsFile, engine, htlcs, legacy, perCommitmentPoint, privkey } from './bolt3-fixture.js';

const P = legacy.params;
const S = legacy.internal_secrets_from_spec_comment;
/** A valid point for the basepoints the local commitment does not use. */
const unused = hex(S.remote_revocation_basepoint!);

function config(o: Partial<AnnouncedConfig> & Pick<AnnouncedConfig, 'fundingPubkey' | 'basepoints'>): AnnouncedConfig {
  return { dustLimitSat: 546n, maxHtlcValueInFlightMsat: 10n ** 12n, channelReserveSat: 0n, htlcMinimumMsat: 0n, toSelfDelay: 0, maxAcceptedHtlcs: 483, firstPerCommitmentPoint: unused, ...o };
}

/** The vectors' channel from the local (funder) side and from the remote side. */
function sides(format: CommitmentFormat, dust: bigint): { local: ChannelParams; remote: ChannelParams } {
  const l = config({
    dustLimitSat: dust,
    fundingPubkey: hex(P.local_funding_pubkey),
    basepoints: { revocationBasepoint: unused, paymentBasepoint: hex(P.local_payment_basepoint), delayedPaymentBasepoint: hex(S.local_delayed_payment_basepoint!), htlcBasepoint: hex(P.local_htlc_basepoint) },
  });
  const r = config({
    // The remote imposes `local_delay` on the local node's to_local.
    toSelfDelay: P.local_delay,
    fundingPubkey: hex(P.remote_funding_pubkey),
    basepoints: { revocationBasepoint: hex(S.remote_revocation_basepoint!), paymentBasepoint: hex(P.remote_payment_basepoint), delayedPaymentBasepoint: unused, htlcBasepoint: hex(P.remote_htlc_basepoint) },
  });
  const common = { chainHash: new Uint8Array(32), format, fundingSat: BigInt(P.funding_amount_satoshi), pushMsat: 0n, announce: false, minimumDepth: 1, keyIndex: 0n, remoteNodeId: unused };
  return { local: { ...common, weAreFunder: true, local: l, remote: r }, remote: { ...common, weAreFunder: false, local: r, remote: l } };
}

/** Remote secrets: its funding key and HTLC basepoint secret (= its payment basepoint secret here). */
const remoteSecrets: ChannelSecrets = {
  fundingPrivkey: privkey(S.remote_funding_privkey!),
  htlcBasepointSecret: privkey(S.remote_payment_basepoint_secret!),
  revocationBasepointSecret: new Uint8Array(32).fill(1),
  paymentBasepointSecret: privkey(S.remote_payment_basepoint_secret!),
  delayedPaymentBasepointSecret: new Uint8Array(32).fill(1),
  perCommitmentSeed: new Uint8Array(32),
};

function specOf(t: { to_local_msat: number; to_remote_msat: number; htlcs_in_commitment: number[] }, feerate: number): CommitSpec {
  return {
    feeratePerKw: feerate,
    toLocalMsat: BigInt(t.to_local_msat),
    toRemoteMsat: BigInt(t.to_remote_msat),
    htlcs: t.htlcs_in_commitment.map((i) => {
      const h = htlcs[i]!;
      return { direction: h.direction, add: { id: h.id!, amountMsat: h.amountMsat, paymentHash: h.paymentHash, cltvExpiry: h.cltvExpiry, onionRoutingPacket: new Uint8Array(0) } };
    }),
  };
}

const fundingTxid = txidFromHex(P.funding_tx_id);
let checked = 0;

function check(format: CommitmentFormat, t: any, feerate: number, dust: number): void {
  const { local, remote } = sides(format, BigInt(dust));
  const spec = specOf(t, feerate);
  const ours = buildLocalCommitment({ params: local, fundingTxid, fundingVout: P.funding_output_index }, P.commitment_number, spec, perCommitmentPoint, engine);
  assert.equal(txidToHex(txid(ours.tx)), t.commit_txid, `${t.name}: local view`);
  // The remote builds the same transaction as "the remote's commitment", from its own params.
  const theirs = buildRemoteCommitment({ params: remote, fundingTxid, fundingVout: P.funding_output_index }, P.commitment_number, spec, perCommitmentPoint, engine);
  assert.equal(txidToHex(txid(theirs.tx)), t.commit_txid, `${t.name}: remote view`);
  const sigs = signRemote(theirs, perCommitmentPoint, remoteSecrets, engine);
  assert.equal(toHex(derEncode(sigs.signature)), t.remote_signature, `${t.name}: remote signature`);
  assert.deepEqual(sigs.htlcSignatures.map((s) => toHex(derEncode(s))), t.htlc_txs.map((h: any) => h.remote_htlc_signature), `${t.name}: remote HTLC signatures`);
  checked++;
}

test('Appendix C (static_remotekey): 16 commitments through the ledger mapping', () => {
  for (const t of legacy.tests) check('staticRemoteKey', t, t.local_feerate_per_kw, P.local_dust_limit_satoshi);
});

test('Appendix F (anchors): 9 commitments through the ledger mapping', () => {
  for (const t of anchorsFile.tests) check('anchors', t, t.feerate_per_kw, t.dust_limit_satoshis);
  assert.equal(checked, 25);
});
