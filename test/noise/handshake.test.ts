/**
 * BOLT 8 handshake beyond the vectors: random keys end to end, the chunk-driven `push` API with
 * transport bytes arriving with the last act, an asynchronous static-key ECDH, misuse and failure paths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { loadEngine } from '../../src/crypto/engines.js';
import { NoiseHandshake, type HandshakeOutput, type StaticEcdh } from '../../src/noise/handshake.js';
import { NoiseError } from '../../src/noise/errors.js';
import { bolt8, hex, localEcdh, prng, toHex } from './helpers.js';

const engine = loadEngine('native');
function keypair(): { priv: Uint8Array; pub: Uint8Array } {
  const priv = Uint8Array.from(randomBytes(32));
  return { priv, pub: engine.publicKey(priv) };
}
/** A StaticEcdh answering after a few event-loop turns, like a remote key holder. */
function remoteEcdh(priv: Uint8Array): StaticEcdh {
  return async (point) => {
    await tick();
    await tick();
    return engine.ecdh(point, priv);
  };
}
function parties(asyncEcdh: boolean) {
  const i = keypair();
  const r = keypair();
  const ecdh = asyncEcdh ? remoteEcdh : (k: Uint8Array) => localEcdh(engine, k);
  return {
    i,
    r,
    initiator: NoiseHandshake.initiator({ localStatic: i.pub, remoteStatic: r.pub, staticEcdh: ecdh(i.priv), engine }),
    responder: NoiseHandshake.responder({ localStatic: r.pub, staticEcdh: ecdh(r.priv), engine }),
  };
}

for (const asyncEcdh of [false, true]) {
  test(`act-by-act handshake with random keys (${asyncEcdh ? 'async' : 'sync'} static ECDH), then 1200 messages each way`, async () => {
    const { i, r, initiator, responder } = parties(asyncEcdh);
    const act2 = await responder.receiveActOne(initiator.actOne());
    const { actThree, result: ri } = await initiator.receiveActTwo(act2);
    const rr = responder.receiveActThree(actThree);
    assert.equal(toHex(rr.remoteStatic), toHex(i.pub));
    assert.equal(toHex(ri.remoteStatic), toHex(r.pub));
    assert.equal(initiator.state, 'complete');
    assert.equal(responder.state, 'complete');
    for (let n = 0; n < 1200; n++) {
      const m = randomBytes(n % 200);
      assert.deepEqual(rr.transport.push(ri.transport.encrypt(m)).map(toHex), [toHex(m)]);
      assert.deepEqual(ri.transport.push(rr.transport.encrypt(m)).map(toHex), [toHex(m)]);
    }
  });
}

test('push(): acts in random splits, with the first transport message in the same chunk as act three', async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const rnd = prng(seed);
    const { initiator, responder } = parties(seed % 2 === 0);
    const split = (b: Uint8Array): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (let k = 0; k < b.length; ) {
        const n = 1 + Math.floor(rnd() * 30);
        out.push(b.slice(k, k + n));
        k += n;
      }
      return out;
    };
    let actTwo: Uint8Array[] = [];
    for (const c of split(initiator.start())) actTwo.push(...(await responder.push(c)).send);
    let iDone;
    for (const c of split(Buffer.concat(actTwo))) {
      const out = await initiator.push(c);
      if (out.done) {
        iDone = out.done;
        actTwo = out.send;
      }
    }
    assert.ok(iDone);
    const init = Uint8Array.of(0, 16, 0, 0, 0, 0);
    const tail = Buffer.concat([actTwo[0]!, iDone.transport.encrypt(init), iDone.transport.encrypt(Uint8Array.of(7))]);
    let rDone: HandshakeOutput['done'];
    const got: Uint8Array[] = [];
    for (const c of split(tail)) {
      if (rDone) {
        got.push(...rDone.transport.push(c));
        continue;
      }
      const out = await responder.push(c);
      if (out.done) {
        rDone = out.done;
        got.push(...out.done.messages);
      }
    }
    assert.deepEqual(got.map(toHex), [toHex(init), '07'], `seed ${seed}`);
  }
});

test('push(): overlapping calls are queued in order', async () => {
  const { initiator, responder } = parties(true);
  const a1 = initiator.start();
  const [o1, o2] = await Promise.all([responder.push(a1.subarray(0, 10)), responder.push(a1.subarray(10))]);
  assert.equal(o1.send.length, 0);
  assert.equal(o2.send.length, 1);
  assert.equal(o2.send[0]!.length, 50);
});

test('end() during the handshake is shortRead for the awaited act', async () => {
  const { initiator, responder } = parties(false);
  await responder.push(initiator.start().subarray(0, 49));
  assert.throws(() => responder.end(), (e: unknown) => e instanceof NoiseError && e.specCode === 'ACT1_READ_FAILED');
  assert.equal(responder.state, 'failed');
  assert.throws(() => initiator.end(), (e: unknown) => e instanceof NoiseError && e.specCode === 'ACT2_READ_FAILED');
});

test('a failing or malformed static ECDH is badEcdhResult and fails the handshake', async () => {
  for (const ecdh of [() => Promise.reject(new Error('backend down')), () => new Uint8Array(31)] as StaticEcdh[]) {
    const i = keypair();
    const r = keypair();
    const initiator = NoiseHandshake.initiator({ localStatic: i.pub, remoteStatic: r.pub, staticEcdh: localEcdh(engine, i.priv), engine });
    const responder = NoiseHandshake.responder({ localStatic: r.pub, staticEcdh: ecdh, engine });
    await assert.rejects(responder.receiveActOne(initiator.actOne()), (e: unknown) => e instanceof NoiseError && e.kind === 'badEcdhResult' && e.act === 1);
    assert.equal(responder.state, 'failed');
  }
});

test('misuse: acts out of order are badState; an invalid remote static key is refused up front', async () => {
  const { initiator, responder } = parties(false);
  await assert.rejects(initiator.receiveActTwo(new Uint8Array(50)), (e: unknown) => e instanceof NoiseError && e.kind === 'badState');
  assert.throws(() => responder.actOne(), (e: unknown) => e instanceof NoiseError && e.kind === 'badState');
  const bad = hex('02' + 'ff'.repeat(32));
  assert.throws(
    () => NoiseHandshake.initiator({ localStatic: keypair().pub, remoteStatic: bad, staticEcdh: () => new Uint8Array(32), engine }),
    (e: unknown) => e instanceof NoiseError && e.kind === 'badPublicKey',
  );
});

test('an act longer than its size passed to the act API is refused (extra bytes belong to push())', async () => {
  const v = bolt8.responder_tests[0]!;
  const responder = NoiseHandshake.responder({ localStatic: hex(v.ls_pub), staticEcdh: localEcdh(engine, hex(v.ls_priv)), engine });
  const long = Buffer.concat([hex(v.inputs.act_one!), Uint8Array.of(0)]);
  await assert.rejects(responder.receiveActOne(long), (e: unknown) => e instanceof NoiseError && e.kind === 'badState');
});
