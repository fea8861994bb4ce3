/**
 * BOLT 3 Appendix C (bolt03-commitment-tx-legacy.json): all 16 commitment transactions of the
 * `option_static_remotekey` channel byte for byte (built, signed with the local funding key, the
 * vector's remote signature attached), their fees, every untrimmed HTLC output, `to_local` /
 * `to_remote`, and all 33 HTLC-success / HTLC-timeout transactions with both signatures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildCommitment,
  buildHtlcTxs,
  derDecode,
  derEncode,
  finalizeCommitment,
  finalizeHtlcTx,
  p2wpkh,
  p2wsh,
  signCommitment,
  signHtlcTx,
  txidToHex,
  verifyCommitmentSig,
  verifyRemoteHtlcSig,
} from '../../src/channel/index.js';
import { hex, toHex } from '../helpers/vectors.js';
import { engine, keys, legacy, localFundingPrivkey, localHtlcPrivkey, preimageOf, remoteFundingPrivkey, remoteHtlcPrivkey, specFor } from './bolt3-fixture.js';

let htlcTxCount = 0;

for (const t of legacy.tests) {
  test(`Appendix C: ${t.name}`, () => {
    const c = buildCommitment(
      specFor('staticRemoteKey', { to_local_msat: t.to_local_msat, to_remote_msat: t.to_remote_msat, feerate: t.local_feerate_per_kw, dust: legacy.params.local_dust_limit_satoshi, htlcIds: t.htlcs_in_commitment }),
    );
    // The last test lists no fees: base 253 * (724 + 3 * 172) / 1000 = 313 sat; rounding to_local
    // (6987999999 msat) and HTLC 6 (5000001 msat) down to whole satoshis drops 999 + 1 msat = 1 sat more.
    assert.equal(c.baseFeeSat, BigInt(t.expected_base_fee_sat ?? 313), 'base fee');
    assert.equal(c.actualFeeSat, BigInt(t.expected_actual_fee_sat ?? 314), 'actual fee');
    // Every test but the last lists to_local / to_remote (the last one's are only in commit_tx, checked below).
    const listsBalances = 'to_remote_output' in t;
    if (listsBalances) assert.equal(c.tx.outputs.length, (t.to_local_output ? 1 : 0) + (t.to_remote_output ? 1 : 0) + t.num_htlcs, 'output count');

    // Every untrimmed HTLC output, and nothing else HTLC-shaped.
    const htlcOutputs = c.outputs.flatMap((o, i) => (o.kind === 'htlc' ? [{ o, out: c.tx.outputs[i]! }] : []));
    assert.equal(htlcOutputs.length, t.untrimmed_htlc_outputs.length, 'number of untrimmed HTLCs');
    for (const want of t.untrimmed_htlc_outputs) {
      const got = htlcOutputs.find(({ o }) => o.kind === 'htlc' && o.htlc.id === BigInt(want.htlc));
      assert.ok(got, `HTLC ${want.htlc} has an output`);
      assert.equal(got.o.kind === 'htlc' && got.o.htlc.direction, want.kind);
      assert.equal(got.out.value, BigInt(want.amount_sat));
      assert.equal(toHex(got.o.witnessScript), want.witness_script);
      assert.equal(toHex(got.out.script), toHex(p2wsh(hex(want.witness_script))));
    }
    const toLocal = c.outputs.findIndex((o) => o.kind === 'toLocal');
    if (t.to_local_output) {
      assert.equal(c.tx.outputs[toLocal]!.value, BigInt(t.to_local_output.amount_sat));
      assert.equal(toHex(c.outputs[toLocal]!.witnessScript!), t.to_local_output.witness_script);
    } else if (listsBalances) assert.equal(toLocal, -1, 'no to_local');
    const toRemote = c.outputs.findIndex((o) => o.kind === 'toRemote');
    if (t.to_remote_output) {
      assert.equal(c.tx.outputs[toRemote]!.value, BigInt(t.to_remote_output.amount_sat));
      assert.equal(toHex(c.tx.outputs[toRemote]!.script), toHex(p2wpkh(hex(t.to_remote_output.p2wpkh_pubkey))));
    } else if (listsBalances) assert.equal(toRemote, -1, 'no to_remote');

    // Signatures: ours must be the vector's (RFC 6979), the remote's must verify and be reproducible.
    const localSig = signCommitment(c, localFundingPrivkey, engine);
    assert.equal(toHex(derEncode(localSig)), t.local_signature, 'local signature');
    const remoteSig = derDecode(hex(t.remote_signature));
    assert.equal(toHex(derEncode(remoteSig)), t.remote_signature, 'DER round trip');
    assert.ok(verifyCommitmentSig(c, remoteSig, hex(legacy.params.remote_funding_pubkey), engine));
    assert.equal(toHex(signCommitment(c, remoteFundingPrivkey, engine)), toHex(remoteSig), 'remote signature reproduced');
    const signed = finalizeCommitment(c, localSig, remoteSig);
    assert.equal(toHex(signed.raw), t.commit_tx, 'commit_tx bytes');
    assert.equal(txidToHex(signed.txid), t.commit_txid);

    // HTLC transactions, in commitment output order.
    const htlcTxs = buildHtlcTxs(c);
    assert.equal(htlcTxs.length, t.htlc_txs.length, 'number of HTLC txs');
    t.htlc_txs.forEach((want: any, k: number) => {
      const h = htlcTxs[k]!;
      assert.equal(h.commitmentOutputIndex, want.commit_output_index);
      assert.equal(`htlc-${h.kind}`, want.type);
      assert.equal(h.htlc.id, BigInt(want.htlc));
      const remote = derDecode(hex(want.remote_htlc_signature));
      assert.ok(verifyRemoteHtlcSig(h, remote, keys.remoteHtlcPubkey, engine), 'remote HTLC signature verifies');
      assert.equal(toHex(signHtlcTx(h, remoteHtlcPrivkey, true, engine)), toHex(remote), 'remote HTLC signature reproduced');
      const local = signHtlcTx(h, localHtlcPrivkey, false, engine);
      assert.equal(toHex(derEncode(local)), want.local_htlc_signature, 'local HTLC signature');
      const raw = finalizeHtlcTx(h, remote, local, h.kind === 'success' ? preimageOf(h.htlc.id!) : undefined);
      assert.equal(toHex(raw), want.tx, `HTLC tx for output ${want.commit_output_index}`);
      htlcTxCount++;
    });
  });
}

test('Appendix C covers 16 commitments and 33 HTLC transactions', () => {
  assert.equal(legacy.tests.length, 16);
  assert.equal(htlcTxCount, 33);
});
