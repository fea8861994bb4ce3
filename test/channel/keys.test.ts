/**
 * BOLT 3 Appendix E (bolt03-key-derivation.json): localpubkey, localprivkey, revocationpubkey,
 * revocationprivkey, on every secp256k1 engine that loads; the Appendix C keys re-derived from the
 * secrets in the spec's comment; typed errors on bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine } from '../../src/crypto/engines.js';
import type { EngineName, Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import { ChannelTxError, commitmentKeys, derivePrivkey, derivePubkey, perCommitmentPoint, revocationPrivkey, revocationPubkey } from '../../src/channel/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';
import { engine as native, legacy, localHtlcPrivkey, privkey, remoteHtlcPrivkey } from './bolt3-fixture.js';

const v = loadBoltVector('bolt03-key-derivation.json');
const engines: Secp256k1Engine[] = (['native', 'wasm', 'noble'] as EngineName[]).flatMap((n) => {
  try {
    return [loadEngine(n)];
  } catch {
    return [];
  }
});

const baseSecret = hex(v.base_secret);
const pcSecret = hex(v.per_commitment_secret);
const basepoint = hex(v.base_point);
const pcPoint = hex(v.per_commitment_point);
const expected = Object.fromEntries(v.vectors.map((x: any) => [x.output_name, x.output])) as Record<string, string>;

test('Appendix E has the four derivations', () => {
  assert.deepEqual(Object.keys(expected).sort(), ['localprivkey', 'localpubkey', 'revocationprivkey', 'revocationpubkey']);
  assert.ok(engines.length >= 2, 'at least two engines load');
});

for (const e of engines) {
  test(`Appendix E on the ${e.name} engine`, () => {
    assert.equal(toHex(perCommitmentPoint(pcSecret, e)), v.per_commitment_point);
    assert.equal(toHex(e.publicKey(baseSecret)), v.base_point);
    assert.equal(toHex(derivePubkey(basepoint, pcPoint, e)), expected.localpubkey);
    const priv = derivePrivkey(baseSecret, pcPoint, e);
    assert.equal(toHex(priv), expected.localprivkey);
    assert.equal(toHex(e.publicKey(priv)), expected.localpubkey, 'privkey matches pubkey');
    assert.equal(toHex(revocationPubkey(basepoint, pcPoint, e)), expected.revocationpubkey);
    const rev = revocationPrivkey(baseSecret, pcSecret, e);
    assert.equal(toHex(rev), expected.revocationprivkey);
    assert.equal(toHex(e.publicKey(rev)), expected.revocationpubkey, 'revocation privkey matches pubkey');
  });
}

test('Appendix C keys follow from the secrets in the spec comment', () => {
  const P = legacy.params;
  const S = legacy.internal_secrets_from_spec_comment;
  const point = perCommitmentPoint(privkey(S.x_local_per_commitment_secret!), native);
  assert.equal(toHex(point), S.local_per_commitment_point);
  const local = {
    revocationBasepoint: new Uint8Array(33), // not used for the local commitment's keys
    paymentBasepoint: hex(P.local_payment_basepoint),
    delayedPaymentBasepoint: hex(S.local_delayed_payment_basepoint!),
    htlcBasepoint: hex(P.local_htlc_basepoint),
  };
  const remote = {
    revocationBasepoint: hex(S.remote_revocation_basepoint!),
    paymentBasepoint: hex(P.remote_payment_basepoint),
    delayedPaymentBasepoint: new Uint8Array(33),
    htlcBasepoint: hex(P.remote_htlc_basepoint),
  };
  const k = commitmentKeys(local, remote, point, native);
  assert.equal(toHex(k.revocationPubkey), P.local_revocation_pubkey);
  assert.equal(toHex(k.localDelayedPubkey), P.local_delayedpubkey);
  assert.equal(toHex(k.localHtlcPubkey), P.local_htlcpubkey);
  assert.equal(toHex(k.remoteHtlcPubkey), P.remote_htlcpubkey);
  assert.equal(toHex(k.remotePaymentPubkey), P.remote_payment_basepoint);
  // localpubkey and its secret (HTLC basepoint = payment basepoint here), and the remote's.
  assert.equal(toHex(localHtlcPrivkey), toHex(privkey(P.local_privkey)));
  assert.equal(toHex(remoteHtlcPrivkey), toHex(privkey(S.remote_privkey!)));
  assert.equal(toHex(derivePrivkey(privkey(S.local_delayed_payment_basepoint_secret!), point, native)), toHex(privkey(S.local_delayed_privkey!)));
  assert.equal(toHex(native.publicKey(privkey(P.local_funding_privkey))), P.local_funding_pubkey);
});

test('bad keys are typed errors', () => {
  const isKind = (kind: string) => (e: unknown) => e instanceof ChannelTxError && e.code === 'CHANNEL_TX' && e.kind === kind;
  assert.throws(() => derivePubkey(basepoint.subarray(1), pcPoint), isKind('invalidInput'));
  assert.throws(() => derivePubkey(new Uint8Array(33), pcPoint), isKind('invalidInput'));
  assert.throws(() => revocationPubkey(basepoint, Uint8Array.of(4, ...new Uint8Array(32))), isKind('invalidInput'));
  assert.throws(() => revocationPrivkey(new Uint8Array(32), pcSecret), isKind('invalidInput'));
  assert.throws(() => perCommitmentPoint(new Uint8Array(31)), isKind('invalidInput'));
});
