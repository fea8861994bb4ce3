/**
 * mDNS service record: the TXT encoding is golden, decoding follows RFC 6763 §6 (case-insensitive
 * keys, first occurrence wins, unknown keys and key-less strings ignored), round trips for any valid
 * advert (fast-check), and malformed input fails with `DEPLOY_BAD_TXT` naming the field.
 * Golden file: test/deploy/golden/mdns-txt.txt (one TXT string per line); `UPDATE_GOLDEN=1` rewrites it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMdnsTxt, encodeMdnsTxt, MDNS_SERVICE_TYPE, mdnsServiceRecord, type MdnsTxt } from '../../src/deploy/mdns.js';
import { assertCode, assertGolden, goldenUrl } from './helpers.js';

const ADVERT = {
  instance: 'lnfleet-backend',
  nodeId: '02' + 'ab'.repeat(32),
  linkPort: 25520,
  caFingerprint: '5f'.repeat(32),
  protocolVersion: 1,
};
const text = (txt: readonly Uint8Array[]) => txt.map((b) => new TextDecoder().decode(b));

test('service record and TXT golden', () => {
  const rec = mdnsServiceRecord(ADVERT);
  assert.equal(rec.name, 'lnfleet-backend._lnfleet._tcp.local');
  assert.equal(rec.type, MDNS_SERVICE_TYPE);
  assert.equal(rec.port, 25520);
  assertGolden(goldenUrl('mdns-txt.txt'), text(rec.txt).join('\n') + '\n');
});

test('TXT round trip for any valid advert', () => {
  const hex = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
  fc.assert(fc.property(
    fc.record({
      nodeId: fc.tuple(fc.constantFrom('02', '03'), hex(32)).map(([p, h]) => p + h),
      linkPort: fc.integer({ min: 1, max: 65535 }),
      caFingerprint: hex(32),
      protocolVersion: fc.integer({ min: 0, max: 0xffff }),
    }),
    (t: MdnsTxt) => assert.deepEqual(decodeMdnsTxt(encodeMdnsTxt(t)), { ...t }), // spread: fc.record objects have a null prototype
  ), { numRuns: 200 });
});

test('decoder follows RFC 6763 §6.4: case-insensitive keys, first wins, unknown and key-less ignored', () => {
  const got = decodeMdnsTxt([
    'TXTVERS=1', '=ignored', 'flag', `ID=${ADVERT.nodeId.toUpperCase()}`, `id=03${'00'.repeat(32)}`,
    'port=25520', `ca=${ADVERT.caFingerprint}`, 'pv=1', 'future=x',
  ]);
  assert.deepEqual(got, { nodeId: ADVERT.nodeId, linkPort: 25520, caFingerprint: ADVERT.caFingerprint, protocolVersion: 1 });
});

test('malformed TXT fails with DEPLOY_BAD_TXT naming the field', () => {
  const good = text(encodeMdnsTxt(ADVERT));
  const without = (k: string) => good.filter((s) => !s.startsWith(`${k}=`));
  assertCode(() => decodeMdnsTxt(without('id')), 'DEPLOY_BAD_TXT', 'nodeId');
  assertCode(() => decodeMdnsTxt(without('ca')), 'DEPLOY_BAD_TXT', 'caFingerprint');
  assertCode(() => decodeMdnsTxt(without('port')), 'DEPLOY_BAD_TXT', 'linkPort');
  assertCode(() => decodeMdnsTxt(without('txtvers')), 'DEPLOY_BAD_TXT', 'txtvers');
  assertCode(() => decodeMdnsTxt(['txtvers=2', ...without('txtvers')]), 'DEPLOY_BAD_TXT', 'txtvers');
  assertCode(() => decodeMdnsTxt(['port=99999', ...good]), 'DEPLOY_BAD_TXT', 'linkPort');
  assertCode(() => decodeMdnsTxt(['id=02zz', ...good]), 'DEPLOY_BAD_TXT', 'nodeId');
  assertCode(() => decodeMdnsTxt([`x=${'a'.repeat(254)}`, ...good]), 'DEPLOY_BAD_TXT', 'txt[0]');
  assertCode(() => decodeMdnsTxt([new Uint8Array([0x69, 0x64, 0x3d, 0xff]), ...good]), 'DEPLOY_BAD_TXT', 'txt[0]');
  assertCode(() => encodeMdnsTxt({ ...ADVERT, linkPort: 0 }), 'DEPLOY_INVALID_INPUT', 'linkPort');
  assertCode(() => mdnsServiceRecord({ ...ADVERT, instance: 'a.b' }), 'DEPLOY_INVALID_INPUT', 'instance');
});
