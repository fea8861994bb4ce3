// BOLT 2 channel messages: every declared message checked field by field against the spec's own layout
// (bolt-wire-formats.json, from tools/extract-formats.py at the pinned commit): field order, offsets and
// sizes, the extension stream's name and records, and each record's size; plus targeted edge cases
// (unknown odd TLVs kept on update_add_htlc, unknown even rejected, counted HTLC signatures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHANNEL_MESSAGE_DEFS, decodeMessage, encodeMessage, encodeWith, messageDef, WireDecodeError } from '../../src/wire/index.js';
import type { Codec, Message } from '../../src/wire/index.js';
import { hex, loadBoltVector, toHex } from '../helpers/vectors.js';
import { filled, pt } from './samples.js';

const F = loadBoltVector('bolt-wire-formats.json');
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const CID = filled(32, 100);
const SCRIPT = Uint8Array.of(0x00, 0x14, ...filled(20, 101));
const basepoints = { fundingPubkey: pt(1), revocationBasepoint: pt(2), paymentBasepoint: pt(3), delayedPaymentBasepoint: pt(4), htlcBasepoint: pt(5), firstPerCommitmentPoint: pt(6) };

/** One sample per BOLT 2 message, distinct non-zero bytes per field, every declared TLV record set. */
const SAMPLES: Record<string, Message> = {
  open_channel: {
    name: 'open_channel', chainHash: filled(32, 7), temporaryChannelId: filled(32, 8), fundingSatoshis: 1_000_000n, pushMsat: 2000n,
    dustLimitSatoshis: 546n, maxHtlcValueInFlightMsat: 0x0102030405n, channelReserveSatoshis: 10_000n, htlcMinimumMsat: 1n,
    feeratePerKw: 253, toSelfDelay: 144, maxAcceptedHtlcs: 483, ...basepoints, channelFlags: 1,
    tlvs: { upfrontShutdownScript: SCRIPT, channelType: Uint8Array.of(0x10, 0x10, 0x00) },
  },
  accept_channel: {
    name: 'accept_channel', temporaryChannelId: filled(32, 9), dustLimitSatoshis: 354n, maxHtlcValueInFlightMsat: 5n, channelReserveSatoshis: 7n,
    htlcMinimumMsat: 8n, minimumDepth: 3, toSelfDelay: 720, maxAcceptedHtlcs: 30, ...basepoints,
    tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType: Uint8Array.of(0x10, 0x00) },
  },
  funding_created: { name: 'funding_created', temporaryChannelId: filled(32, 10), fundingTxid: filled(32, 11), fundingOutputIndex: 0x0102, signature: filled(64, 12), tlvs: {} },
  funding_signed: { name: 'funding_signed', channelId: CID, signature: filled(64, 13), tlvs: {} },
  channel_ready: { name: 'channel_ready', channelId: CID, secondPerCommitmentPoint: pt(14), tlvs: { shortChannelId: 0x0000010000020003n } },
  shutdown: { name: 'shutdown', channelId: CID, scriptpubkey: SCRIPT, tlvs: {} },
  closing_signed: { name: 'closing_signed', channelId: CID, feeSatoshis: 1234n, signature: filled(64, 15), tlvs: { feeRange: { minFeeSatoshis: 1000n, maxFeeSatoshis: 2000n } } },
  closing_complete: {
    name: 'closing_complete', channelId: CID, closerScriptpubkey: SCRIPT, closeeScriptpubkey: filled(34, 16), feeSatoshis: 999n, locktime: 800_000,
    tlvs: { closerOutputOnly: filled(64, 17), closeeOutputOnly: filled(64, 18), closerAndCloseeOutputs: filled(64, 19) },
  },
  closing_sig: { name: 'closing_sig', channelId: CID, closerScriptpubkey: filled(22, 20), closeeScriptpubkey: SCRIPT, feeSatoshis: 5n, locktime: 1, tlvs: { closerOutputOnly: filled(64, 43), closeeOutputOnly: filled(64, 44), closerAndCloseeOutputs: filled(64, 21) } },
  update_add_htlc: {
    name: 'update_add_htlc', channelId: CID, id: 7n, amountMsat: 100_000n, paymentHash: filled(32, 22), cltvExpiry: 800_144, onionRoutingPacket: filled(1366, 23),
    tlvs: { blindedPath: { pathKey: pt(24) } },
  },
  update_fulfill_htlc: { name: 'update_fulfill_htlc', channelId: CID, id: 8n, paymentPreimage: filled(32, 25), tlvs: { attributionData: { htlcHoldTimes: filled(80, 26), truncatedHmacs: filled(840, 27) } } },
  update_fail_htlc: { name: 'update_fail_htlc', channelId: CID, id: 9n, reason: filled(292, 28), tlvs: { attributionData: { htlcHoldTimes: filled(80, 29), truncatedHmacs: filled(840, 30) } } },
  commitment_signed: { name: 'commitment_signed', channelId: CID, signature: filled(64, 31), htlcSignature: [filled(64, 32), filled(64, 33), filled(64, 34)], tlvs: { fundingTxid: filled(32, 35) } },
  revoke_and_ack: { name: 'revoke_and_ack', channelId: CID, perCommitmentSecret: filled(32, 36), nextPerCommitmentPoint: pt(37), tlvs: {} },
  update_fee: { name: 'update_fee', channelId: CID, feeratePerKw: 2500, tlvs: {} },
  update_fail_malformed_htlc: { name: 'update_fail_malformed_htlc', channelId: CID, id: 10n, sha256OfOnion: filled(32, 38), failureCode: 0x8000 | 0x4000 | 5, tlvs: {} },
  channel_reestablish: {
    name: 'channel_reestablish', channelId: CID, nextCommitmentNumber: 5n, nextRevocationNumber: 4n, yourLastPerCommitmentSecret: filled(32, 39), myCurrentPerCommitmentPoint: pt(40),
    tlvs: { nextFunding: { nextFundingTxid: filled(32, 41), retransmitFlags: 1 }, myCurrentFundingLocked: { myCurrentFundingLockedTxid: filled(32, 42), retransmitFlags: 0 } },
  },
};

type LayoutField = { name: string; type: string; size: number | null; kind: string; offset_expr: string; count?: string | number };
type Layout = { name: string; type: number; fields: LayoutField[]; extension_tlv_stream?: string };
type Stream = { name: string; records: { name: string; type: number; fields: { size?: number | null }[] }[] };

/** Evaluates offsets such as `36 + closer_scriptpubkey_len` or `98 + 64*num_htlcs` against the count fields read so far. */
function evalOffset(expr: string, counts: Record<string, number>): number {
  let total = 0;
  for (const term of expr.split(' + ')) {
    const m = /^(?:(\d+)\*)?([a-z_]\w*)$/.exec(term);
    if (m) {
      assert.ok(counts[m[2]!] !== undefined, `count ${m[2]} read before use`);
      total += Number(m[1] ?? 1) * counts[m[2]!]!;
    } else {
      assert.match(term, /^\d+$/, `unparsed offset term ${term}`);
      total += Number(term);
    }
  }
  return total;
}

const layouts = new Map<string, Layout>((F.messages as Layout[]).map((m) => [m.name, m]));
const streams = new Map<string, Stream>((F.tlv_streams as Stream[]).map((s) => [s.name, s]));

test('every BOLT 2 message of establishment v1, close and normal operation is declared and registered', () => {
  const want = ['open_channel', 'accept_channel', 'funding_created', 'funding_signed', 'channel_ready', 'shutdown', 'closing_signed', 'closing_complete', 'closing_sig',
    'update_add_htlc', 'update_fulfill_htlc', 'update_fail_htlc', 'commitment_signed', 'revoke_and_ack', 'update_fee', 'update_fail_malformed_htlc', 'channel_reestablish'];
  assert.deepEqual(CHANNEL_MESSAGE_DEFS.map((d) => d.name), want);
  for (const d of CHANNEL_MESSAGE_DEFS) assert.equal(messageDef(d.type)?.name, d.name);
  assert.deepEqual(Object.keys(SAMPLES).sort(), [...want].sort());
});

for (const def of CHANNEL_MESSAGE_DEFS) {
  test(`layout of ${def.name}: fields at the spec offsets and sizes, extension stream as the spec declares it`, () => {
    const layout = layouts.get(def.name);
    assert.ok(layout, `${def.name} in bolt-wire-formats.json`);
    assert.equal(layout.type, def.type);
    const sample = SAMPLES[def.name] as Record<string, unknown> & Message;
    const bytes = encodeMessage(sample);
    assert.equal((bytes[0]! << 8) | bytes[1]!, def.type);
    const payload = bytes.subarray(2);
    const countFields = new Set(layout.fields.map((f) => f.count).filter((c): c is string => typeof c === 'string'));
    assert.deepEqual(
      def.fields.map((f) => f[0]),
      layout.fields.filter((f) => !countFields.has(f.name) && f.kind !== 'tlv_stream').map((f) => camel(f.name)),
    );
    const counts: Record<string, number> = {};
    let end = 0;
    for (const f of layout.fields) {
      const off = evalOffset(f.offset_expr, counts);
      if (f.kind === 'tlv_stream') {
        end = off;
        continue;
      }
      if (countFields.has(f.name)) {
        counts[f.name] = (payload[off]! << 8) | payload[off + 1]!;
        continue;
      }
      const codec = def.fields.find((x) => x[0] === camel(f.name))![1] as Codec<unknown>;
      let expected = encodeWith(codec, sample[camel(f.name)]);
      if (typeof f.count === 'string') {
        // a `len*T` field: our codec writes the u16 count first, the layout lists it separately
        expected = expected.subarray(2);
        assert.equal(expected.length, counts[f.count]! * (f.type === 'signature' ? 64 : 1), `${f.count} counts ${f.name}`);
      } else {
        assert.equal(expected.length, f.size, `${f.name} size`);
      }
      assert.equal(toHex(payload.subarray(off, off + expected.length)), toHex(expected), `${f.name} at ${off}`);
      end = off + expected.length;
    }
    // The TLV tail: named in the field list, or declared by the spec right after the message (extension).
    assert.ok(def.tail !== 'extra');
    const streamName = layout.fields.find((f) => f.kind === 'tlv_stream')?.type ?? layout.extension_tlv_stream;
    assert.equal(toHex(payload.subarray(end)), toHex(encodeWith(def.tail, sample.tlvs as never)));
    if (streamName === undefined) {
      assert.deepEqual(def.tail.records, [], 'no records declared where the spec has no stream');
    } else {
      assert.equal(def.tail.name, streamName);
      const spec = streams.get(streamName)!;
      assert.deepEqual(def.tail.records.map(([t, n]) => [t, n]), spec.records.map((r) => [r.type, camel(r.name)]));
      for (const r of spec.records) {
        const rec = def.tail.records.find(([t]) => t === r.type) as readonly [number, string, Codec<unknown>];
        const size = r.fields.every((x) => typeof x.size === 'number') ? r.fields.reduce((a, x) => a + x.size!, 0) : undefined;
        const value = (sample.tlvs as Record<string, unknown>)[rec[1]];
        assert.ok(value !== undefined, `sample sets ${streamName}.${r.name}`);
        if (size !== undefined) assert.equal(encodeWith(rec[2], value).length, size, `${streamName}.${r.name} size`);
      }
    }
    assert.deepEqual(decodeMessage(bytes), sample);
  });
}

test('update_add_htlc: an unknown odd TLV is kept and re-emitted; an unknown even one fails the decode', () => {
  const add = { ...SAMPLES.update_add_htlc!, tlvs: { blindedPath: { pathKey: pt(50) }, unknown: [{ type: 65537n, value: hex('cafe') }] } } as Message;
  const bytes = encodeMessage(add);
  assert.deepEqual(decodeMessage(bytes), add);
  assert.ok(toHex(bytes).endsWith('fe00010001' + '02' + 'cafe'));
  const even = Uint8Array.of(...encodeMessage({ ...add, tlvs: {} } as Message), 0x02, 0x01, 0x00);
  assert.throws(() => decodeMessage(even), (e: unknown) => e instanceof WireDecodeError && e.kind === 'unknownEvenType');
  // a 1365-byte onion is a short read, never a silently shorter packet
  const cut = encodeMessage({ ...add, tlvs: {} } as Message).subarray(0, 2 + 84 + 1365);
  assert.throws(() => decodeMessage(cut), (e: unknown) => e instanceof WireDecodeError && e.kind === 'shortRead');
});

test('commitment_signed: zero HTLC signatures, and a count larger than the signatures sent is a short read', () => {
  const none = { name: 'commitment_signed', channelId: CID, signature: filled(64, 60), htlcSignature: [], tlvs: {} } as Message;
  const bytes = encodeMessage(none);
  assert.equal(bytes.length, 2 + 98);
  assert.deepEqual(decodeMessage(bytes), none);
  const lying = bytes.slice();
  lying[2 + 97] = 1;
  assert.throws(() => decodeMessage(lying), (e: unknown) => e instanceof WireDecodeError && e.kind === 'shortRead');
});

test('open_channel: an empty upfront_shutdown_script is kept as sent (it means "no script"), channel_type stays raw', () => {
  const open = { ...SAMPLES.open_channel!, tlvs: { upfrontShutdownScript: new Uint8Array(0), channelType: new Uint8Array(0) } } as Message;
  const bytes = encodeMessage(open);
  assert.ok(toHex(bytes).endsWith('00000100'));
  assert.deepEqual(decodeMessage(bytes), open);
  assert.equal(SCRIPT.length, 22);
});
