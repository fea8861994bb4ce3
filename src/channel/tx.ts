/**
 * @module channel/tx
 * A small Bitcoin transaction model for the transactions a channel builds and signs: serialisation
 * (BIP 144 segwit form when any input has a witness), parsing, txid, weight, the BIP 143 signature hash
 * (segwit v0) and the legacy one, and DER encoding of the 64-byte compact signatures the engines produce.
 *
 * Amounts are satoshis in `bigint` (int64 on the wire; a commitment never exceeds 21e14 sat, which
 * would fit a `number`, but `bigint` keeps one type with msat amounts and with `src/chain`).
 * A txid is 32 bytes in *serialised* (internal) byte order, as BOLT 2 sends `funding_txid`;
 * {@link txidToHex}/{@link txidFromHex} convert to and from the reversed display hex.
 *
 * Does not: validate scripts or consensus rules, or build BOLT 3 transactions (see `./commitment.ts`).
 * Why not `src/chain/bitcoin.ts`: that module parses blocks for the chain source and reports display-hex
 * txids; here we need a writable model, sighashes and signatures (tests cross-check the two parsers).
 */
import { sha256d } from '../crypto/hash.js';
import { CURVE_N, bytesToBigInt, bigIntTo32 } from '../crypto/secp256k1.js';
import { ChannelTxError, expectBytes } from './errors.js';
import { SIGHASH_ANYONECANPAY, SIGHASH_SINGLE } from './constants.js';

/** One input. `witness` is empty for a not-yet-signed input. */
export interface TxInput {
  /** Spent txid, 32 bytes in serialised order. */
  readonly txid: Uint8Array;
  readonly vout: number;
  readonly scriptSig: Uint8Array;
  readonly sequence: number;
  readonly witness: readonly Uint8Array[];
}

/** One output: value in satoshis and its scriptPubKey. */
export interface TxOutput {
  readonly value: bigint;
  readonly script: Uint8Array;
}

/** A transaction. */
export interface Transaction {
  readonly version: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
  readonly locktime: number;
}

/** BIP 144 marker and flag bytes that follow the version in the segwit serialisation. */
const SEGWIT_MARKER = 0x00;
const SEGWIT_FLAG = 0x01;
/** Weight units per non-witness byte (BIP 141). */
const WITNESS_SCALE_FACTOR = 4;
/** Largest value of a 32-bit unsigned field. */
const U32_MAX = 0xffffffff;

/** Growable byte writer. */
class Writer {
  #buf = new Uint8Array(256);
  #len = 0;
  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
  bytes(b: Uint8Array): void {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
  u8(v: number): void {
    this.#reserve(1);
    this.#buf[this.#len++] = v;
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new ChannelTxError('invalidInput', `u32 field out of range: ${v}`);
    for (let i = 0; i < 4; i++) this.u8((v >>> (8 * i)) & 0xff);
  }
  u64(v: bigint): void {
    if (v < 0n || v >= 1n << 64n) throw new ChannelTxError('invalidInput', `amount out of range: ${v}`);
    for (let i = 0n; i < 8n; i++) this.u8(Number((v >> (8n * i)) & 0xffn));
  }
  varint(n: number): void {
    if (n < 0xfd) this.u8(n);
    else if (n <= 0xffff) {
      this.u8(0xfd);
      this.u8(n & 0xff);
      this.u8(n >>> 8);
    } else {
      this.u8(0xfe);
      this.u32(n);
    }
  }
  varBytes(b: Uint8Array): void {
    this.varint(b.length);
    this.bytes(b);
  }
  done(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

function hasWitness(tx: Transaction): boolean {
  return tx.inputs.some((i) => i.witness.length > 0);
}

function writeOutput(w: Writer, o: TxOutput): void {
  w.u64(o.value);
  w.varBytes(o.script);
}

/**
 * Serialises `tx`: BIP 144 form (marker, flag, witnesses) if `withWitness` (default: when any input has
 * a witness), otherwise the legacy form that the txid hashes.
 */
export function serializeTx(tx: Transaction, withWitness = hasWitness(tx)): Uint8Array {
  const w = new Writer();
  w.u32(tx.version);
  if (withWitness) {
    w.u8(SEGWIT_MARKER);
    w.u8(SEGWIT_FLAG);
  }
  w.varint(tx.inputs.length);
  for (const i of tx.inputs) {
    expectBytes(i.txid, 32, 'input txid');
    w.bytes(i.txid);
    w.u32(i.vout);
    w.varBytes(i.scriptSig);
    w.u32(i.sequence);
  }
  w.varint(tx.outputs.length);
  for (const o of tx.outputs) writeOutput(w, o);
  if (withWitness) {
    for (const i of tx.inputs) {
      w.varint(i.witness.length);
      for (const item of i.witness) w.varBytes(item);
    }
  }
  w.u32(tx.locktime);
  return w.done();
}

/** The txid: SHA256d of the non-witness serialisation, in serialised byte order. */
export function txid(tx: Transaction): Uint8Array {
  return sha256d(serializeTx(tx, false));
}

/** Display hex (reversed byte order, as bitcoind prints it) of a serialised-order txid. */
export function txidToHex(id: Uint8Array): string {
  return Buffer.from(Uint8Array.from(id).reverse()).toString('hex');
}

/** Serialised-order txid from its display hex. */
export function txidFromHex(displayHex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(displayHex)) throw new ChannelTxError('invalidInput', 'txid must be 64 hex characters');
  return Uint8Array.from(Buffer.from(displayHex, 'hex')).reverse();
}

/** BIP 141 weight: 3 × non-witness size + total size. */
export function txWeight(tx: Transaction): number {
  const base = serializeTx(tx, false).length;
  return (WITNESS_SCALE_FACTOR - 1) * base + serializeTx(tx).length;
}

/** Byte reader for {@link parseTx}; every failure is `malformedTx`. */
class Reader {
  pos = 0;
  readonly buf: Uint8Array;
  constructor(buf: Uint8Array) {
    this.buf = buf;
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new ChannelTxError('malformedTx', `transaction truncated at byte ${this.pos}`);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u32(): number {
    const b = this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  u64(): bigint {
    const b = this.take(8);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
  varint(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      const v = this.u8() | (this.u8() << 8);
      if (v < 0xfd) throw new ChannelTxError('malformedTx', 'non-canonical varint');
      return v;
    }
    if (first === 0xfe) {
      const v = this.u32();
      if (v <= 0xffff) throw new ChannelTxError('malformedTx', 'non-canonical varint');
      return v;
    }
    throw new ChannelTxError('malformedTx', 'varint above 2^32 in a transaction');
  }
  /** A count of items each at least `minBytes` long: bounded by the bytes left, so a lie cannot allocate. */
  count(minBytes: number): number {
    const n = this.varint();
    if (n * minBytes > this.buf.length - this.pos) throw new ChannelTxError('malformedTx', `count ${n} cannot fit in the bytes left`);
    return n;
  }
  varBytes(): Uint8Array {
    return this.take(this.count(1));
  }
}

/** Smallest serialised input (36 outpoint + 1 script length + 4 sequence) and output (8 + 1), bytes. */
const MIN_INPUT_BYTES = 41;
const MIN_OUTPUT_BYTES = 9;

/** Parses a transaction (legacy or BIP 144 form). Throws `malformedTx`, including on trailing bytes. */
export function parseTx(raw: Uint8Array): Transaction {
  const r = new Reader(raw);
  const version = r.u32();
  let segwit = false;
  if (raw[r.pos] === SEGWIT_MARKER && raw[r.pos + 1] === SEGWIT_FLAG) {
    segwit = true;
    r.pos += 2;
  }
  const nIn = r.count(MIN_INPUT_BYTES);
  const ins: { txid: Uint8Array; vout: number; scriptSig: Uint8Array; sequence: number }[] = [];
  for (let i = 0; i < nIn; i++) ins.push({ txid: r.take(32), vout: r.u32(), scriptSig: r.varBytes(), sequence: r.u32() });
  const nOut = r.count(MIN_OUTPUT_BYTES);
  const outputs: TxOutput[] = [];
  for (let i = 0; i < nOut; i++) outputs.push({ value: r.u64(), script: r.varBytes() });
  const witnesses: Uint8Array[][] = ins.map(() => []);
  if (segwit) {
    for (const w of witnesses) {
      const n = r.count(1);
      for (let j = 0; j < n; j++) w.push(r.varBytes());
    }
    if (witnesses.every((w) => w.length === 0)) throw new ChannelTxError('malformedTx', 'segwit marker without any witness');
  }
  const locktime = r.u32();
  if (r.pos !== raw.length) throw new ChannelTxError('malformedTx', `${raw.length - r.pos} trailing bytes after the transaction`);
  return { version, inputs: ins.map((i, k) => ({ ...i, witness: witnesses[k]! })), outputs, locktime };
}

/**
 * BIP 143 signature hash of input `index` spending a segwit v0 output worth `amountSat` whose
 * script code is `scriptCode` (the witness script for P2WSH). Supports ALL, NONE, SINGLE and the
 * ANYONECANPAY modifier (BOLT 5 uses `SIGHASH_SINGLE|SIGHASH_ANYONECANPAY` for anchor HTLC signatures).
 */
export function segwitV0Sighash(tx: Transaction, index: number, scriptCode: Uint8Array, amountSat: bigint, sighashType: number): Uint8Array {
  const input = tx.inputs[index];
  if (input === undefined) throw new ChannelTxError('invalidInput', `no input ${index}`);
  const base = sighashType & 0x1f;
  const anyoneCanPay = (sighashType & SIGHASH_ANYONECANPAY) !== 0;
  const zero: Uint8Array = new Uint8Array(32);
  const hashPrevouts = anyoneCanPay ? zero : hashOf(tx.inputs, (w, i) => (w.bytes(i.txid), w.u32(i.vout)));
  const hashSequence = anyoneCanPay || base === SIGHASH_SINGLE || base === SIGHASH_NONE ? zero : hashOf(tx.inputs, (w, i) => w.u32(i.sequence));
  let hashOutputs = zero;
  if (base !== SIGHASH_SINGLE && base !== SIGHASH_NONE) hashOutputs = hashOf(tx.outputs, writeOutput);
  else if (base === SIGHASH_SINGLE && index < tx.outputs.length) hashOutputs = hashOf([tx.outputs[index]!], writeOutput);
  const w = new Writer();
  w.u32(tx.version);
  w.bytes(hashPrevouts);
  w.bytes(hashSequence);
  w.bytes(input.txid);
  w.u32(input.vout);
  w.varBytes(scriptCode);
  w.u64(amountSat);
  w.u32(input.sequence);
  w.bytes(hashOutputs);
  w.u32(tx.locktime);
  w.u32(sighashType >>> 0);
  return sha256d(w.done());
}
/** Sighash base type NONE (sign no outputs). */
const SIGHASH_NONE = 0x02;

function hashOf<T>(items: readonly T[], write: (w: Writer, item: T) => void): Uint8Array {
  const w = new Writer();
  for (const it of items) write(w, it);
  return sha256d(w.done());
}

/**
 * Legacy (pre-segwit) SIGHASH_ALL signature hash of input `index` whose previous output script is
 * `prevScript` (no OP_CODESEPARATOR handling). Only for the BOLT 3 Appendix B funding transaction,
 * which spends a P2PKH coinbase output.
 */
export function legacySighashAll(tx: Transaction, index: number, prevScript: Uint8Array): Uint8Array {
  if (tx.inputs[index] === undefined) throw new ChannelTxError('invalidInput', `no input ${index}`);
  const stripped: Transaction = {
    ...tx,
    inputs: tx.inputs.map((i, k) => ({ ...i, scriptSig: k === index ? prevScript : new Uint8Array(0), witness: [] })),
  };
  const body = serializeTx(stripped, false);
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  out[body.length] = 0x01; // SIGHASH_ALL as a little-endian u32
  return sha256d(out);
}

/** Strict DER integer body of a positive value: minimal big-endian, a 0x00 prefix if the top bit is set. */
function derInt(x32: Uint8Array): Uint8Array<ArrayBuffer> {
  let i = 0;
  while (i < 31 && x32[i] === 0) i++;
  const body = x32.subarray(i);
  return body[0]! & 0x80 ? Uint8Array.of(0, ...body) : Uint8Array.from(body);
}

/** DER encoding (BIP 66 strict, no sighash byte) of a 64-byte compact `r || s` signature. */
export function derEncode(sig64: Uint8Array): Uint8Array {
  expectBytes(sig64, 64, 'compact signature');
  const r = derInt(sig64.subarray(0, 32));
  const s = derInt(sig64.subarray(32, 64));
  return Uint8Array.of(0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s);
}

/** Reads one strict DER INTEGER at `pos`; returns its 32-byte value and the next position. */
function readDerInt(der: Uint8Array, pos: number): [Uint8Array, number] {
  const bad = (why: string): never => {
    throw new ChannelTxError('invalidSignature', `DER signature: ${why}`);
  };
  if (der[pos] !== 0x02) bad('expected an INTEGER');
  const len = der[pos + 1] ?? bad('truncated');
  const body = der.subarray(pos + 2, pos + 2 + len);
  if (body.length !== len || len === 0 || len > 33) bad('bad INTEGER length');
  if (body[0]! & 0x80) bad('negative INTEGER');
  if (len > 1 && body[0] === 0 && !(body[1]! & 0x80)) bad('non-minimal INTEGER');
  const v = bytesToBigInt(body);
  if (v === 0n || v >= CURVE_N) bad('INTEGER out of range');
  return [bigIntTo32(v), pos + 2 + len];
}

/** Decodes a strict DER signature (no sighash byte) into 64-byte compact `r || s`. Throws `invalidSignature`. */
export function derDecode(der: Uint8Array): Uint8Array {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) {
    throw new ChannelTxError('invalidSignature', 'DER signature: bad SEQUENCE header or length');
  }
  const [r, next] = readDerInt(der, 2);
  const [s, end] = readDerInt(der, next);
  if (end !== der.length) throw new ChannelTxError('invalidSignature', 'DER signature: trailing bytes');
  const out = new Uint8Array(64);
  out.set(r, 0);
  out.set(s, 32);
  return out;
}

/** A witness-stack signature: DER followed by the one sighash-type byte. */
export function witnessSignature(sig64: Uint8Array, sighashType: number): Uint8Array {
  return Uint8Array.of(...derEncode(sig64), sighashType);
}
