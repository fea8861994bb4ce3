// BOLT 1 messages: Appendix C (init extension) vectors and hand-checked layouts of the other setup messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAddresses, decodeMessage, encodeMessage, formatAddress, MAX_MESSAGE_SIZE, peekType, WireDecodeError } from '../../src/wire/index.js';
import type { Message } from '../../src/wire/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

const V = loadBoltVector('bolt01-init-extension.json');

for (const v of V.valid as { message: string; explanation: string }[]) {
  test(`init valid: ${v.explanation}`, () => {
    const m = decodeMessage(hex(v.message));
    assert.equal(m.name, 'init');
    if (m.name !== 'init') return;
    assert.deepEqual(m.globalfeatures, new Uint8Array(0));
    assert.deepEqual(m.features, new Uint8Array(0));
    assert.equal(toHex(encodeMessage(m)), v.message);
  });
}

test('init valid: unknown odd extension records are kept in order', () => {
  const m = decodeMessage(hex('001000000000c9012acb0104'));
  assert.ok(m.name === 'init');
  assert.deepEqual(m.tlvs.unknown, [
    { type: 0xc9n, value: hex('2a') },
    { type: 0xcbn, value: hex('04') },
  ]);
});

const INVALID_KIND: Record<string, string> = {
  '00100000000001': 'shortRead',
  '001000000000ca012a': 'unknownEvenType',
  '001000000000c90101c90102': 'invalidValue',
};
for (const v of V.invalid as { message: string; explanation: string }[]) {
  test(`init invalid: ${v.explanation}`, () => {
    assert.throws(
      () => decodeMessage(hex(v.message)),
      (e: unknown) => e instanceof WireDecodeError && e.kind === INVALID_KIND[v.message],
    );
  });
}

test('init networks and remote_addr TLVs', () => {
  const chain = '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000';
  const addr = '017f000001260' + '7';
  const bytes = `0010 0000 0002 0200 01 20 ${chain} 03 07 ${addr}`.replace(/ /g, '');
  const m = decodeMessage(hex(bytes));
  assert.ok(m.name === 'init');
  assert.deepEqual(m.features, hex('0200'));
  assert.deepEqual(m.tlvs.networks, [hex(chain)]);
  assert.deepEqual(m.tlvs.remoteAddr, hex(addr));
  assert.equal(formatAddress(decodeAddresses(m.tlvs.remoteAddr!)[0]!), '127.0.0.1:9735');
  assert.equal(toHex(encodeMessage(m)), bytes);
  // networks must be whole chain hashes
  assert.throws(() => decodeMessage(hex(`00100000000001 1f ${chain.slice(2)}`.replace(/ /g, ''))), { kind: 'badLength' });
});

const SAMPLES: [Message, string][] = [
  [{ name: 'ping', numPongBytes: 4, ignored: hex('0000'), tlvs: {} }, '0012' + '0004' + '0002' + '0000'],
  [{ name: 'pong', ignored: hex('000000'), tlvs: {} }, '0013' + '0003' + '000000'],
  [{ name: 'error', channelId: new Uint8Array(32), data: hex('6f6f7073'), tlvs: {} }, '0011' + '00'.repeat(32) + '0004' + '6f6f7073'],
  [{ name: 'warning', channelId: new Uint8Array(32).fill(1), data: hex(''), tlvs: {} }, '0001' + '01'.repeat(32) + '0000'],
  [{ name: 'peer_storage', blob: hex('abcd'), tlvs: {} }, '0007' + '0002' + 'abcd'],
  [{ name: 'peer_storage_retrieval', blob: hex('ab'), tlvs: {} }, '0009' + '0001' + 'ab'],
];

for (const [m, bytes] of SAMPLES) {
  test(`${m.name}: encodes to the spec layout and decodes back`, () => {
    assert.equal(toHex(encodeMessage(m)), bytes);
    assert.deepEqual(decodeMessage(hex(bytes)), m);
  });
}

test('dual funding, quiescence and custom messages pass through as unknown, byte-identical', () => {
  for (const bytes of ['0040' + 'aa'.repeat(40), '0002', '8001deadbeef', '0104']) {
    const m = decodeMessage(hex(bytes));
    assert.equal(m.name, 'unknown');
    assert.equal(toHex(encodeMessage(m)), bytes);
  }
  assert.throws(() => encodeMessage({ name: 'unknown', type: 18, payload: hex('') }), { code: 'WIRE_ENCODE' });
});

test('whole-message limits: no type, truncated payload, oversize', () => {
  assert.throws(() => decodeMessage(hex('00')), { kind: 'shortRead' });
  assert.throws(() => decodeMessage(hex('0012' + '0004' + '0002' + '00')), { kind: 'shortRead' });
  assert.throws(() => decodeMessage(new Uint8Array(MAX_MESSAGE_SIZE + 1)), { kind: 'badLength' });
  assert.throws(() => encodeMessage({ name: 'pong', ignored: new Uint8Array(65534), tlvs: {} }), { code: 'WIRE_ENCODE' });
});

test('peekType reads the big-endian type of any message of 2 bytes or more, and refuses shorter ones', () => {
  assert.equal(peekType(Uint8Array.of(0x80, 0x01)), 32769);
  assert.equal(peekType(Uint8Array.of(0, 16, 0xff)), 16);
  assert.equal(peekType(Buffer.from([0xff, 0xff, 1, 2]).subarray(0, 2)), 0xffff);
  for (const short of [new Uint8Array(0), Uint8Array.of(1)]) {
    assert.throws(() => peekType(short), (e: unknown) => e instanceof WireDecodeError && e.kind === 'shortRead');
  }
});
