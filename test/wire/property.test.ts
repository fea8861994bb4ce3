// STYLE rule 10: fast-check round trips for every registered message (arbitraries derived from each
// message's field list), and random/mutated bytes that only ever produce WireDecodeError; whatever
// does decode must re-encode to the same bytes (lossless). ~130k inputs in total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addressList,
  bigSize,
  bytes32,
  chainHash,
  channelId,
  decodeAddresses,
  decodeAll,
  decodeMessage,
  encodeAddresses,
  encodeMessage,
  encodedShortIds,
  encodeWith,
  htlcSignatures,
  initTlvs,
  MESSAGE_DEFS,
  onionRoutingPacket,
  parseChannelType,
  point,
  queryShortChannelIdsTlvs,
  replyChannelRangeTlvs,
  sha256Hash,
  shortChannelId,
  signature,
  u16,
  u32,
  u64,
  u8,
  varBytes16,
  WireDecodeError,
} from '../../src/wire/index.js';
import type { Address, Codec, Message } from '../../src/wire/index.js';

const bytesN = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u64Arb = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const pointArb = fc.tuple(fc.constantFrom(2, 3), bytesN(32)).map(([p, b]) => Uint8Array.of(p, ...b));

const addressArb: fc.Arbitrary<Address[]> = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('ipv4' as const), addr: bytesN(4), port: fc.integer({ min: 0, max: 0xffff }) }),
        fc.record({ type: fc.constant('ipv6' as const), addr: bytesN(16), port: fc.integer({ min: 0, max: 0xffff }) }),
        fc.record({ type: fc.constant('torv2' as const), addr: bytesN(10), port: fc.integer({ min: 0, max: 0xffff }) }),
        fc.record({ type: fc.constant('torv3' as const), addr: bytesN(35), port: fc.integer({ min: 0, max: 0xffff }) }),
        fc.record({
          type: fc.constant('dns' as const),
          hostname: fc.uint8Array({ maxLength: 255 }).map((b) => String.fromCharCode(...b)),
          port: fc.integer({ min: 0, max: 0xffff }),
        }),
      ),
      { maxLength: 4 },
    ),
    fc.option(fc.record({ type: fc.constant('unknown' as const), descriptorType: fc.integer({ min: 6, max: 255 }), data: fc.uint8Array({ maxLength: 20 }) }), { nil: undefined }),
  )
  // fast-check records have a null prototype; decoded values are plain objects
  .map(([known, unknown]) => (unknown ? [...known, unknown] : known).map((a) => ({ ...a }) as Address));

/** Arbitrary per codec instance used in message field lists. */
const BY_CODEC = new Map<Codec<any>, fc.Arbitrary<unknown>>([
  [u8, fc.integer({ min: 0, max: 0xff })],
  [u16, fc.integer({ min: 0, max: 0xffff })],
  [u32, fc.integer({ min: 0, max: 0xffffffff })],
  [u64, u64Arb],
  [varBytes16, fc.uint8Array({ maxLength: 80 })],
  [chainHash, bytesN(32)],
  [channelId, bytesN(32)],
  [signature, bytesN(64)],
  [point, pointArb],
  [shortChannelId, u64Arb],
  [encodedShortIds, fc.array(u64Arb, { maxLength: 8 })],
  [bytes32, bytesN(32)],
  [sha256Hash, bytesN(32)],
  [onionRoutingPacket, bytesN(1366)],
  [htlcSignatures, fc.array(bytesN(64), { maxLength: 4 })],
]);
/** Fields whose codec is built inline in the declaration (fixed sizes, address list). */
const BY_FIELD: Record<string, fc.Arbitrary<unknown>> = { rgbColor: bytesN(3), alias: bytesN(32), addresses: addressArb };
/** Arbitrary per declared TLV record name. */
const pair = (a: string, b: string) =>
  fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })).map(([x, y]) => ({ [a]: x, [b]: y }));
const BY_TLV: Record<string, fc.Arbitrary<unknown>> = {
  networks: fc.array(bytesN(32), { maxLength: 3 }),
  remoteAddr: fc.uint8Array({ maxLength: 40 }),
  queryFlags: fc.array(u64Arb, { maxLength: 6 }),
  queryOption: u64Arb,
  timestamps: fc.array(pair('timestampNodeId1', 'timestampNodeId2'), { maxLength: 4 }),
  checksums: fc.array(pair('checksumNodeId1', 'checksumNodeId2'), { maxLength: 4 }),
  // BOLT 2
  upfrontShutdownScript: fc.uint8Array({ maxLength: 42 }),
  channelType: fc.uint8Array({ maxLength: 4 }),
  shortChannelId: u64Arb,
  feeRange: fc.record({ minFeeSatoshis: u64Arb, maxFeeSatoshis: u64Arb }).map((r) => ({ ...r })),
  closerOutputOnly: bytesN(64),
  closeeOutputOnly: bytesN(64),
  closerAndCloseeOutputs: bytesN(64),
  blindedPath: pointArb.map((pathKey) => ({ pathKey })),
  attributionData: fc.record({ htlcHoldTimes: bytesN(80), truncatedHmacs: bytesN(840) }).map((r) => ({ ...r })),
  fundingTxid: bytesN(32),
  nextFunding: fc.record({ nextFundingTxid: bytesN(32), retransmitFlags: fc.integer({ min: 0, max: 0xff }) }).map((r) => ({ ...r })),
  myCurrentFundingLocked: fc
    .record({ myCurrentFundingLockedTxid: bytesN(32), retransmitFlags: fc.integer({ min: 0, max: 0xff }) })
    .map((r) => ({ ...r })),
};

function tlvArb(records: readonly (readonly [number, string, unknown])[]): fc.Arbitrary<Record<string, unknown>> {
  const known = Object.fromEntries(records.map(([, name]) => [name, BY_TLV[name]!]));
  for (const [, name] of records) assert.ok(BY_TLV[name], `no arbitrary for TLV ${name}`);
  const taken = new Set(records.map(([t]) => BigInt(t)));
  const unknown = fc
    .uniqueArray(u64Arb.map((t) => t | 1n).filter((t) => !taken.has(t)), { maxLength: 3 })
    .chain((types) => fc.tuple(...types.sort((a, b) => (a < b ? -1 : 1)).map((type) => fc.uint8Array({ maxLength: 12 }).map((value) => ({ type, value })))));
  return fc.tuple(fc.record(known, { requiredKeys: [] }), unknown).map(([k, u]) => (u.length > 0 ? { ...k, unknown: u } : { ...k }));
}

/** An arbitrary for one registered message, built from its field list. */
function messageArb(def: (typeof MESSAGE_DEFS)[number]): fc.Arbitrary<Message> {
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, codec] of def.fields) {
    const arb = BY_FIELD[name] ?? BY_CODEC.get(codec);
    assert.ok(arb, `no arbitrary for ${def.name}.${name}`);
    fields[name] = arb;
  }
  const tail: Record<string, fc.Arbitrary<unknown>> = def.tail === 'extra' ? { extra: fc.uint8Array({ maxLength: 16 }) } : { tlvs: tlvArb(def.tail.records) };
  return fc.record({ ...fields, ...tail }).map((v) => {
    const o: Record<string, unknown> = { name: def.name, ...v };
    for (const [name, , present] of def.fields) if (present && !present(o)) delete o[name];
    return o as unknown as Message;
  });
}

const anyMessage = fc.oneof(...MESSAGE_DEFS.map(messageArb));

for (const def of MESSAGE_DEFS) {
  test(`round trip: ${def.name}`, () => {
    fc.assert(
      fc.property(messageArb(def), (m) => {
        const bytes = encodeMessage(m);
        assert.equal((bytes[0]! << 8) | bytes[1]!, def.type);
        assert.deepEqual(decodeMessage(bytes), m);
      }),
      { numRuns: 300 },
    );
  });
}

/** Decodes; a success must re-encode identically, a failure must be a WireDecodeError. */
function decodesLosslesslyOrFailsTyped<T>(decode: () => T, reencode: (v: T) => Uint8Array, input: Uint8Array): void {
  let v: T;
  try {
    v = decode();
  } catch (e) {
    if (e instanceof WireDecodeError) return;
    throw e;
  }
  assert.deepEqual(reencode(v), input);
}

const knownTypes = MESSAGE_DEFS.map((d) => d.type);
const typed = (type: number, payload: Uint8Array) => Uint8Array.of(type >> 8, type & 0xff, ...payload);

test('random payloads for every message type: WireDecodeError or a lossless decode (60k)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.constantFrom(...knownTypes), fc.integer({ min: 0, max: 0xffff })), fc.uint8Array({ maxLength: 500 }), (type, payload) => {
      const b = typed(type, payload);
      decodesLosslesslyOrFailsTyped(() => decodeMessage(b), encodeMessage, b);
    }),
    { numRuns: 60_000 },
  );
});

test('mutated valid messages (flip, truncate, extend): WireDecodeError or a lossless decode (40k)', () => {
  const mutation = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }), cut: fc.nat(), tail: fc.uint8Array({ maxLength: 6 }), op: fc.constantFrom('flip', 'cut', 'extend') });
  fc.assert(
    fc.property(anyMessage, mutation, (m, mu) => {
      const b = encodeMessage(m);
      let x: Uint8Array;
      if (mu.op === 'flip') {
        x = b.slice();
        x[mu.at % x.length]! ^= mu.xor;
      } else if (mu.op === 'cut') x = b.subarray(0, mu.cut % b.length);
      else x = Uint8Array.of(...b, ...mu.tail);
      decodesLosslesslyOrFailsTyped(() => decodeMessage(x), encodeMessage, x);
    }),
    { numRuns: 40_000 },
  );
});

test('random bytes into TLV streams, BigSize, address lists and channel types (30k)', () => {
  const streams = [initTlvs, queryShortChannelIdsTlvs, replyChannelRangeTlvs] as Codec<any>[];
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(), (b, i) => {
      const s = streams[i % streams.length]!;
      decodesLosslesslyOrFailsTyped(() => decodeAll(s, b), (v) => encodeWith(s, v), b);
      decodesLosslesslyOrFailsTyped(() => decodeAll(bigSize, b), (v) => encodeWith(bigSize, v), b);
      decodesLosslesslyOrFailsTyped(() => decodeAddresses(b), encodeAddresses, b);
      decodesLosslesslyOrFailsTyped(() => decodeAll(addressList, b), (v) => encodeWith(addressList, v), b);
      decodesLosslesslyOrFailsTyped(() => parseChannelType(b), () => b, b);
    }),
    { numRuns: 30_000 },
  );
});
