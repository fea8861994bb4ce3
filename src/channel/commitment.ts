/**
 * @module channel/commitment
 * Builds a BOLT 3 commitment transaction exactly as the spec's "Commitment Transaction Construction"
 * algorithm says (obscured commitment number, trimming, base fee and anchors paid by the funder, BIP 69 +
 * CLTV output order), signs it with a funding key and assembles the 2-of-2 witness.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md#commitment-transaction
 *
 * Everything is seen from the commitment's owner ("local"): to build the remote's commitment, call with
 * the remote's view (its balances, its dust limit, its keys, HTLC directions flipped, `localIsFunder`
 * from its side). Amounts are `bigint` msat in, `bigint` sat out.
 *
 * Does not: build HTLC transactions (see `./htlc.ts`), check channel reserves or feerate policy (BOLT 2).
 */
import { activeEngine } from '../crypto/engines.js';
import { sha256 } from '../crypto/hash.js';
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import {
  ANCHOR_OUTPUT_SAT,
  CHANNEL_TX_VERSION,
  COMMITMENT_LOCKTIME_PREFIX,
  COMMITMENT_NUMBER_BITS,
  COMMITMENT_SEQUENCE_PREFIX,
  MAX_COMMITMENT_INDEX,
  SIGHASH_ALL,
} from './constants.js';
import { ChannelTxError, expectBytes } from './errors.js';
import { commitmentFeeSat, isTrimmed, msatToSat, type CommitmentFormat, type HtlcDirection } from './fees.js';
import type { CommitmentKeys } from './keys.js';
import { anchorScript, compareBytes, fundingScript, offeredHtlcScript, p2wpkh, p2wsh, receivedHtlcScript, toLocalScript, toRemoteAnchorsScript } from './scripts.js';
import { segwitV0Sighash, serializeTx, txid, witnessSignature, type Transaction, type TxOutput } from './tx.js';

/** An HTLC committed to, from the commitment owner's point of view. */
export interface Htlc {
  readonly direction: HtlcDirection;
  readonly amountMsat: bigint;
  readonly paymentHash: Uint8Array;
  readonly cltvExpiry: number;
  /** Caller's tag (e.g. the BOLT 2 HTLC id), carried through untouched. */
  readonly id?: bigint;
}

/** Everything that determines one commitment transaction. */
export interface CommitmentSpec {
  readonly format: CommitmentFormat;
  /** Funding outpoint: txid in serialised byte order (as in `funding_created`) and output index. */
  readonly fundingTxid: Uint8Array;
  readonly fundingVout: number;
  readonly fundingSat: bigint;
  readonly localFundingPubkey: Uint8Array;
  readonly remoteFundingPubkey: Uint8Array;
  /** 48-bit obscuring factor, see {@link obscuringFactor}. */
  readonly obscuringFactor: bigint;
  /** 48-bit commitment number (0 for the first commitment). */
  readonly commitmentNumber: number;
  /** True if the commitment's owner opened the channel (and so pays the fee and the anchors). */
  readonly localIsFunder: boolean;
  /** Balances after removing in-flight HTLCs, before the fee and anchors. */
  readonly toLocalMsat: bigint;
  readonly toRemoteMsat: bigint;
  readonly feeratePerKw: number;
  /** The owner's `dust_limit_satoshis`. */
  readonly dustLimitSat: bigint;
  /** The `to_self_delay` the *other* side asked the owner to wait (blocks). */
  readonly toSelfDelay: number;
  readonly keys: CommitmentKeys;
  readonly htlcs: readonly Htlc[];
}

/** What one commitment output is. `witnessScript` is absent only for the P2WPKH `to_remote`. */
export type CommitmentOutputInfo =
  | { readonly kind: 'toLocal'; readonly witnessScript: Uint8Array }
  | { readonly kind: 'toRemote'; readonly witnessScript: Uint8Array | undefined }
  | { readonly kind: 'localAnchor' | 'remoteAnchor'; readonly witnessScript: Uint8Array }
  | { readonly kind: 'htlc'; readonly htlc: Htlc; readonly witnessScript: Uint8Array };

/** A built, unsigned commitment transaction. `outputs[i]` describes `tx.outputs[i]`. */
export interface Commitment {
  readonly spec: CommitmentSpec;
  readonly tx: Transaction;
  readonly outputs: readonly CommitmentOutputInfo[];
  readonly fundingScript: Uint8Array;
  /** The base fee (what the funder pays from its balance, anchors excluded). */
  readonly baseFeeSat: bigint;
  /** The real fee: funding amount minus all outputs (base fee + trimmed HTLCs + dust balances + rounding). */
  readonly actualFeeSat: bigint;
  /** HTLCs without an output. */
  readonly trimmed: readonly Htlc[];
}

/** Low 48 bits of a 32-byte hash, as a bigint. */
function low48(hash: Uint8Array): bigint {
  let v = 0n;
  for (let i = 32 - COMMITMENT_NUMBER_BITS / 8; i < 32; i++) v = (v << 8n) | BigInt(hash[i]!);
  return v;
}

/** The commitment-number obscuring factor from the opener's and the accepter's `payment_basepoint`. */
export function obscuringFactor(openerPaymentBasepoint: Uint8Array, accepterPaymentBasepoint: Uint8Array): bigint {
  expectBytes(openerPaymentBasepoint, 33, 'opener payment_basepoint');
  expectBytes(accepterPaymentBasepoint, 33, 'accepter payment_basepoint');
  // BOLT #3: The 48-bit commitment number is obscured by `XOR` with the lower 48 bits of:
  //
  // BOLT #3: SHA256(payment_basepoint from open_channel || payment_basepoint from accept_channel)
  return low48(sha256(openerPaymentBasepoint, accepterPaymentBasepoint));
}

/** Locktime and input sequence carrying the obscured commitment number. */
export function obscuredLocktimeSequence(commitmentNumber: number, factor: bigint): { locktime: number; sequence: number } {
  if (!Number.isSafeInteger(commitmentNumber) || commitmentNumber < 0 || commitmentNumber > MAX_COMMITMENT_INDEX) {
    throw new ChannelTxError('invalidIndex', `commitment number must be 48-bit, got ${commitmentNumber}`);
  }
  const obscured = BigInt(commitmentNumber) ^ (factor & BigInt(MAX_COMMITMENT_INDEX));
  const low24 = Number(obscured & 0xffffffn);
  const high24 = Number(obscured >> 24n);
  return {
    // BOLT #3: * locktime: upper 8 bits are 0x20, lower 24 bits are the lower 24 bits of the obscured commitment number
    locktime: (COMMITMENT_LOCKTIME_PREFIX * 2 ** 24 + low24) >>> 0,
    // BOLT #3: * `txin[0]` sequence: upper 8 bits are 0x80, lower 24 bits are upper 24 bits of the obscured commitment number
    sequence: (COMMITMENT_SEQUENCE_PREFIX * 2 ** 24 + high24) >>> 0,
  };
}

/** Recovers the commitment number from a commitment transaction's locktime and sequence. */
export function commitmentNumberFromTx(locktime: number, sequence: number, factor: bigint): number {
  const obscured = (BigInt(sequence & 0xffffff) << 24n) | BigInt(locktime & 0xffffff);
  return Number(obscured ^ (factor & BigInt(MAX_COMMITMENT_INDEX)));
}

interface Draft {
  readonly out: TxOutput;
  readonly info: CommitmentOutputInfo;
  readonly cltv: number;
}

/** BIP 69 + CLTV order. */
function compareOutputs(a: Draft, b: Draft): number {
  // BOLT #3: * first according to their value, smallest first (in whole satoshis, note that for HTLC outputs, the millisatoshi part must be ignored)
  // * followed by `scriptpubkey`, comparing the common-length prefix lexicographically as if by `memcmp`, then selecting the shorter script (if they differ in length),
  // * finally, for HTLC outputs, in increasing `cltv_expiry` order.
  if (a.out.value !== b.out.value) return a.out.value < b.out.value ? -1 : 1;
  return compareBytes(a.out.script, b.out.script) || a.cltv - b.cltv;
}

function htlcDraft(spec: CommitmentSpec, h: Htlc): Draft {
  const anchors = spec.format === 'anchors';
  const witnessScript = h.direction === 'offered' ? offeredHtlcScript(spec.keys, h.paymentHash, anchors) : receivedHtlcScript(spec.keys, h.paymentHash, h.cltvExpiry, anchors);
  return { out: { value: msatToSat(h.amountMsat), script: p2wsh(witnessScript) }, info: { kind: 'htlc', htlc: h, witnessScript }, cltv: h.cltvExpiry };
}

/**
 * Builds the unsigned commitment transaction of `spec`. Longer than our usual 50 lines on purpose: it
 * reads top to bottom as the spec's numbered construction steps, each quoted where it is done.
 */
export function buildCommitment(spec: CommitmentSpec): Commitment {
  const anchors = spec.format === 'anchors';
  const { locktime, sequence } = obscuredLocktimeSequence(spec.commitmentNumber, spec.obscuringFactor);
  // BOLT #3: 1. Calculate which committed HTLCs need to be trimmed (see [Trimmed Outputs](#trimmed-outputs)).
  const untrimmed: Htlc[] = [];
  const trimmed: Htlc[] = [];
  for (const h of spec.htlcs) (isTrimmed(h.direction, h.amountMsat, spec.feeratePerKw, spec.dustLimitSat, spec.format) ? trimmed : untrimmed).push(h);
  // BOLT #3: 2. Calculate the base [commitment transaction fee](#fee-calculation).
  const baseFeeSat = commitmentFeeSat(spec.feeratePerKw, untrimmed.length, spec.format);
  // BOLT #3: 3. Subtract this base fee from the funder (either `to_local` or `to_remote`).
  // If `option_anchors` applies to the commitment transaction,
  // also subtract two times the fixed anchor size of 330 sats from the funder
  // (either `to_local` or `to_remote`).
  const funderCost = baseFeeSat + (anchors ? 2n * ANCHOR_OUTPUT_SAT : 0n);
  const pay = (msat: bigint, isFunder: boolean): bigint => {
    const sat = msatToSat(msat) - (isFunder ? funderCost : 0n);
    return sat > 0n ? sat : 0n; // a funder that cannot pay it all has no output: the rest is fee
  };
  const toLocalSat = pay(spec.toLocalMsat, spec.localIsFunder);
  const toRemoteSat = pay(spec.toRemoteMsat, !spec.localIsFunder);
  // BOLT #3: 4. For every offered HTLC, if it is not trimmed, add an
  // [offered HTLC output](#offered-htlc-outputs).
  // 5. For every received HTLC, if it is not trimmed, add an
  // [received HTLC output](#received-htlc-outputs).
  const drafts: Draft[] = untrimmed.map((h) => htlcDraft(spec, h));
  // BOLT #3: 6. If the `to_local` amount is greater or equal to `dust_limit_satoshis`,
  // add a [`to_local` output](#to_local-output).
  const hasToLocal = toLocalSat >= spec.dustLimitSat;
  if (hasToLocal) {
    const witnessScript = toLocalScript(spec.keys.revocationPubkey, spec.toSelfDelay, spec.keys.localDelayedPubkey);
    drafts.push({ out: { value: toLocalSat, script: p2wsh(witnessScript) }, info: { kind: 'toLocal', witnessScript }, cltv: 0 });
  }
  // BOLT #3: 7. If the `to_remote` amount is greater or equal to `dust_limit_satoshis`,
  // add a [`to_remote` output](#to_remote-output).
  const hasToRemote = toRemoteSat >= spec.dustLimitSat;
  if (hasToRemote) {
    const witnessScript = anchors ? toRemoteAnchorsScript(spec.keys.remotePaymentPubkey) : undefined;
    const script = witnessScript ? p2wsh(witnessScript) : p2wpkh(spec.keys.remotePaymentPubkey);
    drafts.push({ out: { value: toRemoteSat, script }, info: { kind: 'toRemote', witnessScript }, cltv: 0 });
  }
  // BOLT #3: 8. If `option_anchors` applies to the commitment transaction:
  // * if `to_local` exists or there are untrimmed HTLCs, add a [`to_local_anchor` output](#to_local_anchor-and-to_remote_anchor-output-option_anchors)
  // * if `to_remote` exists or there are untrimmed HTLCs, add a [`to_remote_anchor` output](#to_local_anchor-and-to_remote_anchor-output-option_anchors)
  if (anchors && (hasToLocal || untrimmed.length > 0)) drafts.push(anchorDraft('localAnchor', spec.localFundingPubkey));
  if (anchors && (hasToRemote || untrimmed.length > 0)) drafts.push(anchorDraft('remoteAnchor', spec.remoteFundingPubkey));
  // BOLT #3: 9. Sort the outputs into [BIP 69+CLTV order](#transaction-output-ordering).
  drafts.sort(compareOutputs);
  const tx: Transaction = {
    version: CHANNEL_TX_VERSION,
    inputs: [{ txid: spec.fundingTxid, vout: spec.fundingVout, scriptSig: new Uint8Array(0), sequence, witness: [] }],
    outputs: drafts.map((d) => d.out),
    locktime,
  };
  const totalOut = tx.outputs.reduce((s, o) => s + o.value, 0n);
  if (totalOut > spec.fundingSat) throw new ChannelTxError('invalidInput', `outputs (${totalOut} sat) exceed the funding amount (${spec.fundingSat} sat)`);
  return {
    spec,
    tx,
    outputs: drafts.map((d) => d.info),
    fundingScript: fundingScript(spec.localFundingPubkey, spec.remoteFundingPubkey),
    baseFeeSat,
    actualFeeSat: spec.fundingSat - totalOut,
    trimmed,
  };
}

function anchorDraft(kind: 'localAnchor' | 'remoteAnchor', fundingPubkey: Uint8Array): Draft {
  const witnessScript = anchorScript(fundingPubkey);
  return { out: { value: ANCHOR_OUTPUT_SAT, script: p2wsh(witnessScript) }, info: { kind, witnessScript }, cltv: 0 };
}

/** The BIP 143 SIGHASH_ALL digest both funding keys sign for this commitment. */
export function commitmentSighash(c: Commitment): Uint8Array {
  return segwitV0Sighash(c.tx, 0, c.fundingScript, c.spec.fundingSat, SIGHASH_ALL);
}

/** Signs the commitment with a funding private key: 64-byte compact signature (as `commitment_signed` sends it). */
export function signCommitment(c: Commitment, fundingPrivkey: Uint8Array, engine: Secp256k1Engine = activeEngine()): Uint8Array {
  return engine.sign(commitmentSighash(c), fundingPrivkey);
}

/** Whether `sig64` is a valid signature of the commitment by `fundingPubkey`. */
export function verifyCommitmentSig(c: Commitment, sig64: Uint8Array, fundingPubkey: Uint8Array, engine: Secp256k1Engine = activeEngine()): boolean {
  return engine.verify(sig64, commitmentSighash(c), fundingPubkey);
}

/** The commitment with its funding witness: `0 <signature_for_pubkey1> <signature_for_pubkey2> <script>`. */
export function signedCommitmentTx(c: Commitment, localSig64: Uint8Array, remoteSig64: Uint8Array): Transaction {
  const localFirst = compareBytes(c.spec.localFundingPubkey, c.spec.remoteFundingPubkey) <= 0;
  const [sig1, sig2] = localFirst ? [localSig64, remoteSig64] : [remoteSig64, localSig64];
  // BOLT #3: * `txin[0]` witness: `0 <signature_for_pubkey1> <signature_for_pubkey2>`
  const witness = [new Uint8Array(0), witnessSignature(sig1, SIGHASH_ALL), witnessSignature(sig2, SIGHASH_ALL), c.fundingScript];
  return { ...c.tx, inputs: [{ ...c.tx.inputs[0]!, witness }] };
}

/** Serialised signed commitment transaction and its txid (serialised order). */
export function finalizeCommitment(c: Commitment, localSig64: Uint8Array, remoteSig64: Uint8Array): { raw: Uint8Array; txid: Uint8Array } {
  const tx = signedCommitmentTx(c, localSig64, remoteSig64);
  return { raw: serializeTx(tx), txid: txid(tx) };
}
