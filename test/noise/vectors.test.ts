/**
 * BOLT 8 Appendix A vectors, table-driven (STYLE rule 9): every initiator and responder case (act
 * bytes, final keys, or the typed error at the right act), for every secp256k1 engine and both AEAD
 * engines; and the message-encryption vector at messages 0, 1, 500, 501, 1000, 1001.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nobleAead, nodeAead, smallNobleAead, smallNodeAead } from '../../src/crypto/aead.js';
import { loadEngine } from '../../src/crypto/engines.js';
import { hkdf } from '../../src/crypto/hash.js';
import { NoiseHandshake, type HandshakeResult } from '../../src/noise/handshake.js';
import { NoiseError } from '../../src/noise/errors.js';
import { Transport } from '../../src/noise/transport.js';
import { INITIAL_CK } from '../../src/noise/symmetric.js';
import { bolt8, hex, localEcdh, toHex, type HandshakeVector } from './helpers.js';

const ENGINES = (['native', 'wasm', 'noble'] as const).map(loadEngine);
const AEADS = [nodeAead, nobleAead, smallNodeAead, smallNobleAead];
const ACT_NUMBER = { act_one: 1, act_two: 2, act_three: 3 } as const;

/** Keys of a transport, observed through the message vector's first frame: encrypt "hello" and compare. */
function sendsWith(t: Transport, sk: string): boolean {
  const probe = new Transport(hex(sk), new Uint8Array(32), new Uint8Array(32), nodeAead);
  return toHex(t.encrypt(Uint8Array.of(1, 2, 3))) === toHex(probe.encrypt(Uint8Array.of(1, 2, 3)));
}
function receivesWith(t: Transport, rk: string): boolean {
  const peer = new Transport(hex(rk), new Uint8Array(32), new Uint8Array(32), nodeAead);
  const got = t.push(peer.encrypt(Uint8Array.of(4, 5, 6)));
  return got.length === 1 && toHex(got[0]!) === '040506';
}

async function runInitiator(v: HandshakeVector, engine = ENGINES[0]!, aead = nodeAead): Promise<void> {
  const hs = NoiseHandshake.initiator({
    localStatic: hex(v.ls_pub),
    remoteStatic: hex(v.rs_pub!),
    staticEcdh: localEcdh(engine, hex(v.ls_priv)),
    ephemeralPrivateKey: hex(v.e_priv),
    engine,
    aead,
  });
  assert.equal(toHex(hs.actOne()), v.outputs.act_one);
  const run = hs.receiveActTwo(hex(v.inputs.act_two!));
  if (v.error) {
    const err = await run.then(() => undefined, (e: unknown) => e);
    assertNoiseError(err, v);
    assert.equal(hs.state, 'failed');
    return;
  }
  const { actThree, result } = await run;
  assert.equal(toHex(actThree), v.outputs.act_three);
  assertFinal(result, v);
  assert.equal(toHex(result.remoteStatic), v.rs_pub);
}

async function runResponder(v: HandshakeVector, engine = ENGINES[0]!, aead = nodeAead): Promise<void> {
  const hs = NoiseHandshake.responder({
    localStatic: hex(v.ls_pub),
    staticEcdh: localEcdh(engine, hex(v.ls_priv)),
    ephemeralPrivateKey: hex(v.e_priv),
    engine,
    aead,
  });
  let result: HandshakeResult;
  try {
    const actTwo = await hs.receiveActOne(hex(v.inputs.act_one!));
    assert.equal(toHex(actTwo), v.outputs.act_two);
    result = hs.receiveActThree(hex(v.inputs.act_three!));
  } catch (e) {
    assertNoiseError(e, v);
    assert.equal(hs.state, 'failed');
    return;
  }
  assert.equal(v.error, undefined, 'handshake should have failed');
  assertFinal(result, v);
}

function assertNoiseError(e: unknown, v: HandshakeVector): void {
  assert.ok(v.error, `unexpected error ${String(e)}`);
  assert.ok(e instanceof NoiseError, `expected NoiseError, got ${String(e)}`);
  assert.equal(e.code, 'NOISE');
  assert.equal(e.act, ACT_NUMBER[v.error.act]);
  assert.equal(e.specCode, v.error.code);
}

function assertFinal(result: HandshakeResult, v: HandshakeVector): void {
  assert.ok(v.final);
  assert.ok(sendsWith(result.transport, v.final.sk), 'sending key');
  assert.ok(receivesWith(result.transport, v.final.rk), 'receiving key');
}

test('BOLT 8 initial chaining key is SHA-256 of the protocol name', () => {
  assert.equal(toHex(INITIAL_CK), bolt8.protocol_constants.initial_ck_sha256_of_protocol_name);
});

for (const v of bolt8.initiator_tests) {
  test(`BOLT 8 vector: ${v.name}`, () => runInitiator(v));
}
for (const v of bolt8.responder_tests) {
  test(`BOLT 8 vector: ${v.name}`, () => runResponder(v));
}

test('BOLT 8 handshake vectors pass with every secp256k1 engine and every AEAD engine', async () => {
  for (const engine of ENGINES) {
    for (const aead of AEADS) {
      for (const v of bolt8.initiator_tests) await runInitiator(v, engine, aead);
      for (const v of bolt8.responder_tests) await runResponder(v, engine, aead);
    }
  }
});

test('BOLT 8 bad-version errors carry the version byte in the message', async () => {
  const v = bolt8.initiator_tests.find((t) => t.error?.code === 'ACT2_BAD_VERSION')!;
  await assert.rejects(runInitiatorRaw(v), (e: unknown) => e instanceof NoiseError && e.kind === 'badVersion' && /version 1\b/.test(e.message));
});
async function runInitiatorRaw(v: HandshakeVector): Promise<unknown> {
  const engine = ENGINES[0]!;
  const hs = NoiseHandshake.initiator({ localStatic: hex(v.ls_pub), remoteStatic: hex(v.rs_pub!), staticEcdh: localEcdh(engine, hex(v.ls_priv)), ephemeralPrivateKey: hex(v.e_priv), engine });
  hs.actOne();
  return hs.receiveActTwo(hex(v.inputs.act_two!));
}

test('BOLT 8 message vector: messages 0, 1, 500, 501, 1000, 1001 and both key rotations', () => {
  const mv = bolt8.message_encryption_test;
  for (const r of mv.key_rotations) {
    const [ck, k] = hkdf(hex(r.hkdf_salt_ck), hex(r.hkdf_ikm_old_k));
    assert.equal(toHex(ck), r.new_ck);
    assert.equal(toHex(k), r.new_k);
  }
  for (const aead of AEADS) {
    const sender = new Transport(hex(mv.sk), hex(mv.rk), hex(mv.ck), aead);
    // The receiver is the responder: its receiving key is the initiator's sending key.
    const receiver = new Transport(hex(mv.rk), hex(mv.sk), hex(mv.ck), aead);
    const expected = new Map(mv.expected.map((e) => [e.index, e.ciphertext]));
    const msg = hex(mv.plaintext_hex);
    for (let i = 0; i <= 1001; i++) {
      const frame = sender.encrypt(msg);
      const want = expected.get(i);
      if (want !== undefined) assert.equal(toHex(frame), want, `${aead.name} message ${i}`);
      const got = receiver.push(frame);
      assert.equal(got.length, 1);
      assert.equal(toHex(got[0]!), mv.plaintext_hex);
    }
    assert.equal(expected.size, 6);
  }
});
