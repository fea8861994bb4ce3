/**
 * Tests of the cluster link messages: each declared message round-trips through a frame, decoding is
 * strict (unknown type, trailing bytes, bad booleans, bad UTF-8), and random payloads only ever give
 * the typed decode error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/cluster/frame.js';
import {
  LINK_MESSAGE_DEFS,
  decodeLinkMessage,
  decodeLinkMessageDeclared,
  encodeLinkMessage,
  encodeLinkMessageDeclared,
  type LinkMessage,
} from '../../src/cluster/messages.js';
import { WireDecodeError } from '../../src/wire/errors.js';

const point = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((x) => Uint8Array.from([2, ...x]));
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const str = fc.string({ maxLength: 40 });
const blob = fc.uint8Array({ maxLength: 200 });
const settings = {
  pingIntervalMs: u32, pongTimeoutMs: u32, handshakeTimeoutMs: u32, initTimeoutMs: u32, maxConnections: u32,
  maxMessageBytes: u32, initialCredit: u32, heartbeatMs: u32, peerTimeoutMs: u32, sendRemoteAddr: fc.boolean(),
};
const noTlvs = fc.constant({});
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

/** One arbitrary per message: every field, typed as the message declares it. */
const ARBS: Record<LinkMessage['name'], fc.Arbitrary<LinkMessage>> = {
  hello: fc.record({ name: fc.constant('hello' as const), version: fc.integer({ min: 0, max: 0xffff }), frontId: str, capabilities: blob, tlvs: noTlvs }),
  hello_ack: fc.record({
    name: fc.constant('hello_ack' as const), version: fc.integer({ min: 0, max: 0xffff }), nodeId: point,
    chainHash: fc.uint8Array({ minLength: 32, maxLength: 32 }), initFeatures: blob, ...settings, tlvs: noTlvs,
  }),
  hello_reject: fc.record({ name: fc.constant('hello_reject' as const), reason: str, tlvs: noTlvs }),
  heartbeat: fc.record({ name: fc.constant('heartbeat' as const), seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), echo: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), tlvs: noTlvs }),
  ecdh_request: fc.record({ name: fc.constant('ecdh_request' as const), requestId: u32, point: fc.uint8Array({ minLength: 33, maxLength: 33 }), tlvs: noTlvs }),
  ecdh_result: fc.record({ name: fc.constant('ecdh_result' as const), requestId: u32, status: fc.integer({ min: 0, max: 255 }), secret: fc.uint8Array({ minLength: 32, maxLength: 32 }), tlvs: noTlvs }),
  peer_attached: fc.record({ name: fc.constant('peer_attached' as const), conn: u32, nodeId: point, remoteAddress: str, outbound: fc.boolean(), theirInit: blob, ourInit: blob, tlvs: noTlvs }),
  peer_attach_ack: fc.record({ name: fc.constant('peer_attach_ack' as const), conn: u32, accepted: fc.boolean(), hasChannels: fc.boolean(), credit: u32, tlvs: noTlvs }),
  peer_detached: fc.record({ name: fc.constant('peer_detached' as const), conn: u32, reason: str, tlvs: noTlvs }),
  peer_message: fc.record({ name: fc.constant('peer_message' as const), conn: u32, message: blob, tlvs: noTlvs }),
  disconnect: fc.record({
    name: fc.constant('disconnect' as const), conn: u32, reason: str,
    tlvs: fc.option(fc.uint8Array({ minLength: 1, maxLength: 80 }), { nil: undefined }).map((b) => (b ? { sendFirst: b } : {})),
  }),
  credit: fc.record({ name: fc.constant('credit' as const), conn: u32, messages: u32, tlvs: noTlvs }),
  connect_request: fc.record({ name: fc.constant('connect_request' as const), requestId: u32, nodeId: point, host: str, port: fc.integer({ min: 0, max: 0xffff }), tlvs: noTlvs }),
  connect_result: fc.record({ name: fc.constant('connect_result' as const), requestId: u32, ok: fc.boolean(), conn: u32, error: str, tlvs: noTlvs }),
  gossip_forward: fc.record({ name: fc.constant('gossip_forward' as const), conn: u32, nodeId: point, verified: fc.boolean(), message: blob, tlvs: noTlvs }),
  gossip_decision: fc.record({
    name: fc.constant('gossip_decision' as const), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }), accepted: fc.boolean(),
    reason: fc.integer({ min: 0, max: 255 }), text: str, tlvs: noTlvs,
  }),
  graph_snapshot_chunk: fc.record({
    name: fc.constant('graph_snapshot_chunk' as const), index: u32, final: fc.boolean(),
    entries: fc.array(fc.record({ capacitySat: u64, message: blob }).map((e) => ({ ...e })), { maxLength: 5 }), tlvs: noTlvs,
  }),
  graph_event: fc.record({
    name: fc.constant('graph_event' as const), kind: fc.integer({ min: 0, max: 255 }), scid: u64, message: blob,
    tlvs: fc.record({ capacitySat: u64, removedNodeId: point }, { requiredKeys: [] }).map((t) => ({ ...t })),
  }),
  sync_request: fc.record({ name: fc.constant('sync_request' as const), requestId: u32, conn: u32, kind: fc.integer({ min: 0, max: 255 }), query: blob, tlvs: noTlvs }),
} as Record<LinkMessage['name'], fc.Arbitrary<LinkMessage>>;

test('every link message has an arbitrary here, and types are unique and private', () => {
  assert.deepEqual(Object.keys(ARBS).sort(), LINK_MESSAGE_DEFS.map((d) => d.name).sort());
  const types = LINK_MESSAGE_DEFS.map((d) => d.type);
  assert.equal(new Set(types).size, types.length);
  for (const t of types) assert.ok(t >= 0x8000 && t <= 0x80ff, `0x${t.toString(16)} outside the private range`);
});

for (const def of LINK_MESSAGE_DEFS) {
  test(`${def.name} round-trips through a frame`, () => {
    fc.assert(
      fc.property(ARBS[def.name], (m) => {
        const frames = new FrameDecoder().push(encodeLinkMessage(m));
        assert.equal(frames.length, 1);
        assert.equal(frames[0]!.type, def.type);
        assert.deepEqual(decodeLinkMessage(frames[0]!), { ...m }); // fast-check records have a null prototype
      }),
      { numRuns: 200 },
    );
  });
}

test('decoding is strict: unknown type, trailing bytes, bad boolean, bad UTF-8', () => {
  const isKind = (kind: string) => (e: unknown) => e instanceof WireDecodeError && e.kind === kind;
  assert.throws(() => decodeLinkMessage({ type: 0x80ff, payload: new Uint8Array(0) }), isKind('invalidValue'));
  const credit = new FrameDecoder().push(encodeLinkMessage({ name: 'credit', conn: 1, messages: 2, tlvs: {} }))[0]!;
  // An unknown even TLV record after the fields is refused; an unknown odd one is kept.
  assert.throws(() => decodeLinkMessage({ type: credit.type, payload: Uint8Array.from([...credit.payload, 2, 0]) }), isKind('unknownEvenType'));
  const odd = decodeLinkMessage({ type: credit.type, payload: Uint8Array.from([...credit.payload, 3, 1, 9]) });
  assert.deepEqual(odd.tlvs, { unknown: [{ type: 3n, value: Uint8Array.from([9]) }] });
  const ack = new FrameDecoder().push(encodeLinkMessage({ name: 'peer_attach_ack', conn: 1, accepted: true, hasChannels: false, credit: 5, tlvs: {} }))[0]!;
  const badBool = Uint8Array.from(ack.payload);
  badBool[4] = 2;
  assert.throws(() => decodeLinkMessage({ type: ack.type, payload: badBool }), isKind('invalidValue'));
  assert.throws(() => decodeLinkMessage({ type: 0x8003, payload: Uint8Array.from([0, 2, 0xc3, 0x28]) }), isKind('invalidValue'));
});

test('random payloads for every type only ever give WireDecodeError', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LINK_MESSAGE_DEFS.map((d) => d.type)), fc.uint8Array({ maxLength: 120 }), (type, payload) => {
      try {
        decodeLinkMessage({ type, payload });
      } catch (e) {
        assert.ok(e instanceof WireDecodeError, String(e));
      }
    }),
    { numRuns: 20_000 },
  );
});

// peer_message has a hand-written codec (the link's hot path); it must agree with the declared one byte
// for byte, value for value and error for error.

/** What a call returned or threw, comparable across the two codecs. */
function outcome<T>(f: () => T): { ok: T } | { threw: string } {
  try {
    return { ok: f() };
  } catch (e) {
    return { threw: e instanceof Error ? `${e.constructor.name}:${(e as { kind?: string }).kind ?? ''}:${e.message}` : String(e) };
  }
}

const peerMessageArb = fc.record({
  name: fc.constant('peer_message' as const),
  conn: fc.oneof(u32, fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff)),
  message: fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(new Uint8Array(0), new Uint8Array(0xffff).fill(0xab))),
  tlvs: fc.oneof<fc.Arbitrary<{ unknown?: { type: bigint; value: Uint8Array }[] }>[]>(
    fc.constant({}),
    fc.constant({ unknown: [] }),
    fc.array(fc.record({ type: fc.bigInt({ min: 1n, max: 1000n }).map((t) => t | 1n), value: fc.uint8Array({ maxLength: 8 }) }), { minLength: 1, maxLength: 3 })
      .map((us) => ({ unknown: [...new Map(us.map((u) => [u.type, { type: u.type, value: u.value }])).values()].sort((a, b) => (a.type < b.type ? -1 : 1)) })),
  ),
});

test('peer_message: the fast encoder and decoder agree with the declared codec', () => {
  fc.assert(
    fc.property(peerMessageArb, (m) => {
      const fast = encodeLinkMessage(m as LinkMessage);
      assert.deepEqual(Buffer.from(fast), Buffer.from(encodeLinkMessageDeclared(m as LinkMessage)));
      const frame = new FrameDecoder().push(fast)[0]!;
      const decoded = decodeLinkMessage(frame);
      assert.deepEqual(decoded, decodeLinkMessageDeclared(frame));
      assert.deepEqual(decoded, { ...m, tlvs: (m.tlvs.unknown?.length ?? 0) > 0 ? m.tlvs : {} });
      // The decoded message is a copy: changing the frame afterwards does not change it.
      if (decoded.name === 'peer_message' && decoded.message.length > 0) {
        const before = Uint8Array.from(decoded.message);
        frame.payload.fill(frame.payload[6]! ^ 0xff, 6);
        assert.deepEqual(decoded.message, before);
      }
    }),
    { numRuns: 2_000 },
  );
});

test('peer_message: out-of-range values and malformed payloads fail exactly as the declared codec fails', () => {
  const msg = (conn: number, message: unknown) => ({ name: 'peer_message', conn, message, tlvs: {} }) as unknown as LinkMessage;
  const bad = [msg(-1, new Uint8Array(1)), msg(2 ** 32, new Uint8Array(1)), msg(1.5, new Uint8Array(1)), msg(Number.NaN, new Uint8Array(1)),
    msg(1, new Uint8Array(0x10000)), msg(1, [1, 2, 3])];
  for (const m of bad) {
    const fast = outcome(() => encodeLinkMessage(m));
    assert.ok('threw' in fast, `accepted ${JSON.stringify({ ...m, message: undefined })}`);
    assert.deepEqual(fast, outcome(() => encodeLinkMessageDeclared(m)));
  }
  const good = new FrameDecoder().push(encodeLinkMessage(msg(7, Uint8Array.from([1, 2, 3]))))[0]!;
  const variants = [
    good.payload.subarray(0, 0), good.payload.subarray(0, 5), good.payload.subarray(0, 8), // truncated
    Uint8Array.from([...good.payload, 0]), Uint8Array.from([...good.payload, 2, 0]), // trailing byte; unknown even TLV
    Uint8Array.from([...good.payload, 3, 1, 9]), // unknown odd TLV: kept
  ];
  for (const payload of variants) {
    assert.deepEqual(outcome(() => decodeLinkMessage({ type: good.type, payload })), outcome(() => decodeLinkMessageDeclared({ type: good.type, payload })));
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (payload) => {
      assert.deepEqual(outcome(() => decodeLinkMessage({ type: good.type, payload })), outcome(() => decodeLinkMessageDeclared({ type: good.type, payload })));
    }),
    { numRuns: 5_000 },
  );
});
