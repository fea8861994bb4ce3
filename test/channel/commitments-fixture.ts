/**
 * @module test/channel/commitments-fixture
 * Two ledgers of one channel for the commitments tests: A funds and B accepts, keys from
 * deriveChannelSecrets with fixed seeds, both at commitment #0 with each other's signatures and the
 * second points of channel_ready exchanged. Not a test file.
 */
import assert from 'node:assert/strict';
import { loadEngine } from '../../src/crypto/engines.js';
import { sha256 } from '../../src/crypto/hash.js';
import type { AnnouncedConfig, ChannelParams, ChannelSecrets, CommitmentFormat } from '../../src/channel/index.js';
import { channelPubkeys, deriveChannelSecrets } from '../../src/channel/index.js';
import type { Commitments, CommitmentsPolicy, CommitmentsResult as Result } from '../../src/channel/commitments/index.js';
import { channelReadyPoint, initialCommitments, localPerCommitmentPoint, receiveChannelReady, receiveInitialSignature, signRemoteCommitment } from '../../src/channel/commitments/index.js';
import { receiveCommit, receiveRevoke, sendAdd, sendCommit, localHasChanges } from '../../src/channel/commitments/index.js';
import type { AddHtlcCommand, Settled, UpdateAddHtlc } from '../../src/channel/commitments/index.js';
import { receiveAdd } from '../../src/channel/commitments/index.js';

export const engine = loadEngine('native');

/** Limits one side announces (defaults are typical mainnet values). */
export interface SideConfig {
  dustLimitSat: bigint;
  maxHtlcValueInFlightMsat: bigint;
  channelReserveSat: bigint;
  htlcMinimumMsat: bigint;
  toSelfDelay: number;
  maxAcceptedHtlcs: number;
}

export const defaultSide: SideConfig = {
  dustLimitSat: 546n,
  maxHtlcValueInFlightMsat: 5_000_000_000n,
  channelReserveSat: 10_000n,
  htlcMinimumMsat: 1_000n,
  toSelfDelay: 144,
  maxAcceptedHtlcs: 30,
};

export interface PairOptions {
  format?: CommitmentFormat;
  fundingSat?: bigint;
  pushMsat?: bigint;
  feeratePerKw?: number;
  a?: Partial<SideConfig>;
  b?: Partial<SideConfig>;
  policy?: CommitmentsPolicy;
}

export interface Pair {
  a: Commitments;
  b: Commitments;
  sa: ChannelSecrets;
  sb: ChannelSecrets;
}

function announced(s: ChannelSecrets, cfg: SideConfig): AnnouncedConfig {
  const pub = channelPubkeys(s, engine);
  return { ...cfg, fundingPubkey: pub.fundingPubkey, basepoints: pub.basepoints, firstPerCommitmentPoint: localPerCommitmentPoint(s, 0, engine) };
}

export const fundingTxid = sha256(new TextEncoder().encode('commitments test funding'));
export const fundingVout = 1;

/** Unwraps an ok result, failing the test with the error otherwise. */
export function ok<T>(r: Result<T>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.kind} (${r.error.action}): ${r.error.message}`);
  return r as T;
}

/** The params of both sides, A funding. */
export function pairParams(o: PairOptions = {}): { pa: ChannelParams; pb: ChannelParams; sa: ChannelSecrets; sb: ChannelSecrets } {
  const sa = deriveChannelSecrets(new Uint8Array(32).fill(0xaa), 7n);
  const sb = deriveChannelSecrets(new Uint8Array(32).fill(0xbb), 9n);
  const ca = announced(sa, { ...defaultSide, ...o.a });
  const cb = announced(sb, { ...defaultSide, ...o.b });
  const common = {
    chainHash: new Uint8Array(32),
    format: o.format ?? 'staticRemoteKey',
    fundingSat: o.fundingSat ?? 1_000_000n,
    pushMsat: o.pushMsat ?? 200_000_000n,
    announce: false,
    minimumDepth: 3,
  } as const;
  const pa: ChannelParams = { ...common, weAreFunder: true, local: ca, remote: cb, remoteNodeId: cb.fundingPubkey, keyIndex: 7n };
  const pb: ChannelParams = { ...common, weAreFunder: false, local: cb, remote: ca, remoteNodeId: ca.fundingPubkey, keyIndex: 9n };
  return { pa, pb, sa, sb };
}

/** Both ledgers through funding_created / funding_signed / channel_ready. */
export function openPair(o: PairOptions = {}): Pair {
  const { pa, pb, sa, sb } = pairParams(o);
  const feeratePerKw = o.feeratePerKw ?? 2500;
  const init = { fundingTxid, fundingVout, feeratePerKw, ...(o.policy ? { policy: o.policy } : {}) };
  let a = ok(initialCommitments({ params: pa, ...init }, engine)).commitments;
  let b = ok(initialCommitments({ params: pb, ...init }, engine)).commitments;
  b = ok(receiveInitialSignature(b, signRemoteCommitment(a, sa, engine).signature, engine)).commitments; // funding_created
  a = ok(receiveInitialSignature(a, signRemoteCommitment(b, sb, engine).signature, engine)).commitments; // funding_signed
  a = ok(receiveChannelReady(a, channelReadyPoint(sb, engine), engine)).commitments;
  b = ok(receiveChannelReady(b, channelReadyPoint(sa, engine), engine)).commitments;
  return { a, b, sa, sb };
}

export type Side = 'a' | 'b';
export const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');
const secretsOf = (p: Pair, s: Side) => (s === 'a' ? p.sa : p.sb);

/** A 32-byte preimage from a number, and its hash. */
export function preimage(n: number): { preimage: Uint8Array; hash: Uint8Array } {
  const pre = sha256(new TextEncoder().encode(`preimage ${n}`));
  return { preimage: pre, hash: sha256(pre) };
}

/** An add command of `amountMsat` with preimage `n` and a dummy onion. */
export function addCmd(amountMsat: bigint, n: number, cltvExpiry = 800_000): AddHtlcCommand {
  return { amountMsat, paymentHash: preimage(n).hash, cltvExpiry, onionRoutingPacket: new Uint8Array(1366).fill(n & 0xff) };
}

/** `from` offers an HTLC and `to` receives it; returns the add. */
export function add(p: Pair, from: Side, amountMsat: bigint, n: number): UpdateAddHtlc {
  const r = ok(sendAdd(p[from], addCmd(amountMsat, n)));
  p[from] = r.commitments;
  p[other(from)] = ok(receiveAdd(p[other(from)], r.add)).commitments;
  return r.add;
}

/** `from` signs, the other side checks and revokes, `from` takes the revocation. */
export function commitOnce(p: Pair, from: Side): Settled {
  const to = other(from);
  const s = ok(sendCommit(p[from], secretsOf(p, from), engine));
  p[from] = s.commitments;
  const r = ok(receiveCommit(p[to], s.commitmentSigned, secretsOf(p, to), engine));
  p[to] = r.commitments;
  const v = ok(receiveRevoke(p[from], r.revokeAndAck, engine));
  p[from] = v.commitments;
  return v.settled;
}

/** Sign back and forth until neither side has anything to sign (bounded). Returns everything settled. */
export function settle(p: Pair, first: Side = 'a'): { a: Settled[]; b: Settled[] } {
  const out = { a: [] as Settled[], b: [] as Settled[] };
  let s = first;
  for (let i = 0; i < 8; i++) {
    if (localHasChanges(p[s])) out[s].push(commitOnce(p, s));
    else if (!localHasChanges(p[other(s)])) return out;
    s = other(s);
  }
  throw new Error('did not settle in 8 rounds');
}

/** Both sides agree: each one's commitment is the other's view of it, byte for byte. */
export function assertConsistent(p: Pair): void {
  assert.deepEqual(p.a.localCommit.txid, p.b.remoteCommit.txid, "A's commitment is B's view of it");
  assert.deepEqual(p.b.localCommit.txid, p.a.remoteCommit.txid, "B's commitment is A's view of it");
  assert.deepEqual(p.a.localCommit.spec, p.b.remoteCommit.spec, "specs are stored in their owner's view");
  assert.deepEqual(p.b.localCommit.spec, p.a.remoteCommit.spec);
}
