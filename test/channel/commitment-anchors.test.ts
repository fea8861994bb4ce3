/**
 * BOLT 3 Appendix F (bolt03-commitment-tx-anchors.json): the 9 `option_anchors` commitments (anchor
 * outputs, CSV-locked `to_remote`, anchors HTLC scripts) byte for byte, and their 15 zero-fee HTLC
 * transactions, whose remote signatures use SIGHASH_SINGLE|SIGHASH_ANYONECANPAY.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ANCHOR_OUTPUT_SAT,
  SIGHASH_SINGLE_ANYONECANPAY,
  buildCommitment,
  buildHtlcTxs,
  derDecode,
  finalizeCommitment,
  finalizeHtlcTx,
  parseTx,
  signCommitment,
  signHtlcTx,
  txid,
  txidToHex,
  verifyCommitmentSig,
  verifyRemoteHtlcSig,
} from '../../src/channel/index.js';
import { hex, toHex } from '../helpers/vectors.js';
import { anchorsFile, engine, keys, legacy, localFundingPrivkey, localHtlcPrivkey, preimageOf, remoteFundingPrivkey, remoteHtlcPrivkey, specFor } from './bolt3-fixture.js';

let htlcTxCount = 0;

for (const t of anchorsFile.tests) {
  test(`Appendix F: ${t.name}`, () => {
    const c = buildCommitment(
      specFor('anchors', { to_local_msat: t.to_local_msat, to_remote_msat: t.to_remote_msat, feerate: t.feerate_per_kw, dust: t.dust_limit_satoshis, htlcIds: t.htlcs_in_commitment }),
    );
    assert.equal(c.tx.outputs.length, t.num_commit_outputs, 'output count');
    const anchorsPresent = c.outputs.filter((o) => o.kind === 'localAnchor' || o.kind === 'remoteAnchor');
    assert.ok(anchorsPresent.length >= 1 && c.tx.outputs.filter((o) => o.value === ANCHOR_OUTPUT_SAT).length >= anchorsPresent.length);

    const remoteSig = derDecode(hex(t.remote_signature));
    assert.ok(verifyCommitmentSig(c, remoteSig, hex(legacy.params.remote_funding_pubkey), engine), 'remote signature verifies');
    assert.equal(toHex(signCommitment(c, remoteFundingPrivkey, engine)), toHex(remoteSig), 'remote signature reproduced');
    const signed = finalizeCommitment(c, signCommitment(c, localFundingPrivkey, engine), remoteSig);
    assert.equal(toHex(signed.raw), t.commit_tx, 'commit_tx bytes');
    assert.equal(txidToHex(signed.txid), t.commit_txid);

    const htlcTxs = buildHtlcTxs(c);
    assert.equal(htlcTxs.length, t.htlc_txs.length, 'number of HTLC txs');
    t.htlc_txs.forEach((want: any, k: number) => {
      const h = htlcTxs[k]!;
      assert.equal(h.commitmentOutputIndex, want.commit_output_index);
      assert.equal(`htlc-${h.kind}`, want.type);
      assert.equal(h.htlc.id, BigInt(want.htlc));
      assert.equal(h.tx.locktime, want.locktime);
      assert.equal(h.tx.inputs[0]!.sequence, 1, 'anchors HTLC input sequence');
      assert.equal(h.tx.outputs[0]!.value, h.inputValueSat, 'zero fee');
      const remote = derDecode(hex(want.remote_htlc_signature));
      assert.ok(verifyRemoteHtlcSig(h, remote, keys.remoteHtlcPubkey, engine), 'remote HTLC signature verifies');
      assert.equal(toHex(signHtlcTx(h, remoteHtlcPrivkey, true, engine)), toHex(remote), 'remote HTLC signature reproduced');
      const raw = finalizeHtlcTx(h, remote, signHtlcTx(h, localHtlcPrivkey, false, engine), h.kind === 'success' ? preimageOf(h.htlc.id!) : undefined);
      assert.equal(toHex(raw), want.tx, `HTLC tx for output ${want.commit_output_index}`);
      const parsed = parseTx(raw);
      assert.equal(parsed.inputs[0]!.witness[1]!.at(-1), SIGHASH_SINGLE_ANYONECANPAY, 'remote sighash byte');
      assert.equal(txidToHex(txid(parsed)), want.htlc_txid);
      htlcTxCount++;
    });
  });
}

test('Appendix F covers 9 commitments and 15 HTLC transactions, and matches the spec JSON it was converted from', () => {
  assert.equal(anchorsFile.tests.length, 9);
  assert.equal(htlcTxCount, 15);
  anchorsFile.tests.forEach((t, i) => {
    const o = anchorsFile.spec_original[i];
    assert.equal(t.commit_tx, o.ExpectedCommitmentTxHex);
    assert.equal(t.remote_signature, o.RemoteSigHex);
    assert.deepEqual(t.htlc_txs.map((h: any) => h.tx), o.HtlcDescs.map((h: any) => h.ResolutionTxHex));
  });
});
