// BOLT 7 gossip queries: the spec's extended-queries vectors (decoded by us in bolt07-query-vectors.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, parseScid, scidToString, WireDecodeError } from '../../src/wire/index.js';
import type { Message } from '../../src/wire/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';

const V = loadBoltVector('bolt07-query-vectors.json').vectors as Record<string, any>[];

test('vector file has 5 plain and 5 zlib messages', () => {
  assert.equal(V.filter((v) => !v.uses_obsolete_zlib).length, 5);
  assert.equal(V.filter((v) => v.uses_obsolete_zlib).length, 5);
});

/** Checks every field the vector lists against our decoded message. */
function checkFields(m: Message, v: Record<string, any>) {
  assert.equal(m.name, v.name);
  if (m.name === 'unknown' || !('chainHash' in m)) throw new Error('expected a query message');
  assert.equal(toHex(m.chainHash), v.chain_hash);
  if ('firstBlocknum' in m) {
    assert.equal(m.firstBlocknum, v.first_blocknum);
    assert.equal(m.numberOfBlocks, v.number_of_blocks);
  }
  if (m.name === 'reply_channel_range') assert.equal(m.syncComplete, v.sync_complete);
  if ('encodedShortIds' in m) {
    assert.deepEqual(m.encodedShortIds.map(scidToString), v.short_channel_ids);
    assert.deepEqual(m.encodedShortIds, (v.short_channel_ids as string[]).map(parseScid));
  }
  if (m.name === 'query_channel_range') assert.equal(m.tlvs.queryOption, v.query_option_flags === undefined ? undefined : BigInt(v.query_option_flags));
  if (m.name === 'reply_channel_range') {
    assert.deepEqual(m.tlvs.timestamps, v.timestamps === undefined ? undefined : v.timestamps.map((t: any) => ({ timestampNodeId1: t.timestamp_node_id_1, timestampNodeId2: t.timestamp_node_id_2 })));
    assert.deepEqual(m.tlvs.checksums, v.checksums === undefined ? undefined : v.checksums.map((c: any) => ({ checksumNodeId1: c.checksum_node_id_1, checksumNodeId2: c.checksum_node_id_2 })));
  }
  assert.ok('tlvs' in m);
  assert.equal(m.tlvs.unknown, undefined);
}

for (const v of V) {
  test(`${v.name} #${v.index_in_spec_file}${v.uses_obsolete_zlib ? ' (zlib)' : ''}`, () => {
    if (v.uses_obsolete_zlib) {
      assert.throws(
        () => decodeMessage(hex(v.hex)),
        (e: unknown) => e instanceof WireDecodeError && e.kind === 'unsupportedEncoding' && /zlib|encoding type 1/.test(e.message),
      );
      return;
    }
    const m = decodeMessage(hex(v.hex));
    checkFields(m, v);
    assert.equal(toHex(encodeMessage(m)), v.hex);
  });
}

const CHAIN = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';

test('query_short_channel_ids with uncompressed query_flags round-trips', () => {
  const bytes = `0105${CHAIN}0011 00 0000000000000001 0000010000020003 0105 00 01 fd00ff`.replace(/ /g, '');
  const m = decodeMessage(hex(bytes));
  assert.ok(m.name === 'query_short_channel_ids');
  assert.deepEqual(m.encodedShortIds, [1n, parseScid('1x2x3')]);
  assert.deepEqual(m.tlvs.queryFlags, [1n, 255n]);
  assert.equal(toHex(encodeMessage(m)), bytes);
  // a non-minimal query flag is rejected
  assert.throws(() => decodeMessage(hex(bytes.replace('01050001fd00ff', '01050001fd0001'))), { kind: 'nonCanonical' });
});

test('encoded_short_ids must be whole scids and carry an encoding byte', () => {
  assert.throws(() => decodeMessage(hex(`0105${CHAIN}0004 00 000000`.replace(/ /g, ''))), { kind: 'badLength' });
  assert.throws(() => decodeMessage(hex(`0105${CHAIN}0000`)), WireDecodeError);
  assert.throws(() => decodeMessage(hex(`0105${CHAIN}0001 07`.replace(/ /g, ''))), { kind: 'unsupportedEncoding' });
});

test('reply_short_channel_ids_end and gossip_timestamp_filter layouts', () => {
  const end = `0106${CHAIN}01`;
  const m = decodeMessage(hex(end));
  assert.deepEqual(m, { name: 'reply_short_channel_ids_end', chainHash: hex(CHAIN), fullInformation: 1, tlvs: {} });
  const gtf = `0109${CHAIN}5f5e100000093a80`;
  const g = decodeMessage(hex(gtf));
  assert.deepEqual(g, { name: 'gossip_timestamp_filter', chainHash: hex(CHAIN), firstTimestamp: 0x5f5e1000, timestampRange: 0x93a80, tlvs: {} });
  assert.equal(toHex(encodeMessage(g)), gtf);
});
