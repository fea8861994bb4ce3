/**
 * @module chain/bitcoin
 * A minimal Bitcoin block and transaction parser (BIP 144 segwit serialisation included), the txid and
 * block hash computations, a merkle-root check, and the scripts a Lightning funding output uses:
 * the BOLT 3 2-of-2 funding script and its P2WSH output script (BIP 141).
 *
 * Why our own parser: bitcoind's `getblock <hash> 2` is large JSON and bcoin cannot answer it at all
 * (DESIGN §12), while `getblock <hash> 0` is the raw block in every implementation; parsing it costs
 * one pass over the bytes.
 *
 * Pure and synchronous: bytes in, values out. Hashes and txids are hex strings in the RPC (display)
 * byte order, i.e. reversed from the serialised order, so they compare directly with bitcoind output.
 * Does not: validate consensus rules (scripts, signatures, amounts, proof of work) — bitcoind did.
 */
import { fundingScript, p2wsh } from '../channel/scripts.js';
import { concat } from '../bytes.js';
import { sha256d } from '../crypto/hash.js';
import { BitcoinParseError } from './errors.js';

/** One transaction output. `value` in satoshis (int64 on the wire, never negative in a valid tx). */
export interface TxOut {
  readonly value: bigint;
  readonly script: Uint8Array;
}

/** One transaction input: the outpoint it spends, its scriptSig, sequence and witness stack. */
export interface TxIn {
  /** Spent transaction id, display hex. */
  readonly prevTxid: string;
  readonly prevVout: number;
  readonly scriptSig: Uint8Array;
  readonly sequence: number;
  readonly witness: readonly Uint8Array[];
}

/** A parsed transaction. */
export interface Tx {
  /** Display-hex txid: SHA256d of the serialisation without witness data, reversed. */
  readonly txid: string;
  readonly version: number;
  readonly inputs: readonly TxIn[];
  readonly outputs: readonly TxOut[];
  readonly locktime: number;
  /** True if serialised with the BIP 144 marker and flag. */
  readonly hasWitness: boolean;
}

/** The 80-byte block header. */
export interface BlockHeader {
  /** Display-hex block hash (SHA256d of the header, reversed). */
  readonly hash: string;
  readonly version: number;
  /** Display-hex hash of the previous block (all zeros for genesis). */
  readonly prevHash: string;
  /** Display-hex merkle root. */
  readonly merkleRoot: string;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

/** A parsed block. */
export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Tx[];
}

/** Size of a serialised block header in bytes. */
export const BLOCK_HEADER_BYTES = 80;
/** Smallest possible serialised input (32 txid + 4 vout + 1 script length + 4 sequence): bounds counts. */
const MIN_INPUT_BYTES = 41;
/** Smallest possible serialised output (8 value + 1 script length). */
const MIN_OUTPUT_BYTES = 9;
/** Smallest possible serialised transaction (version, 1 in, 1 out, locktime): bounds the tx count. */
const MIN_TX_BYTES = 4 + 1 + MIN_INPUT_BYTES + 1 + MIN_OUTPUT_BYTES + 4;

/** Bytes → display hex (reversed), the form RPC uses for hashes. */
export function toDisplayHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/** Display hex → internal byte order. */
export function fromDisplayHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex').reverse());
}

/** Little-endian cursor; every short read is a `BitcoinParseError('shortRead')`. */
class Cursor {
  pos = 0;
  readonly buf: Uint8Array;
  private readonly view: DataView;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) throw new BitcoinParseError('shortRead', `${what} needs ${n} bytes, ${this.buf.length - this.pos} left`, this.pos);
  }
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  u8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4, 'i32');
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8, 'u64');
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** CompactSize; `max` bounds counts by the bytes left so a lying count cannot allocate much. */
  varint(what: string, max = Number.MAX_SAFE_INTEGER): number {
    const at = this.pos;
    const first = this.u8();
    let v: number;
    if (first < 0xfd) v = first;
    else if (first === 0xfd) {
      this.need(2, what);
      v = this.view.getUint16(this.pos, true);
      this.pos += 2;
    } else if (first === 0xfe) v = this.u32();
    else {
      const big = this.u64();
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new BitcoinParseError('invalidValue', `${what} too large`, at);
      v = Number(big);
    }
    if (v > max) throw new BitcoinParseError('invalidValue', `${what} ${v} cannot fit in the ${this.buf.length - this.pos} bytes left`, at);
    return v;
  }
  varBytes(what: string): Uint8Array {
    return this.bytes(this.varint(what, this.buf.length - this.pos), what);
  }
}

/** Parses one transaction at the cursor (BIP 144 marker/flag recognised). */
function readTx(c: Cursor): Tx {
  const start = c.pos;
  const version = c.i32();
  let hasWitness = false;
  // BIP 144: marker 0x00 then flag 0x01 where the input count would be (a real tx has ≥ 1 input).
  if (c.pos + 1 < c.buf.length && c.buf[c.pos] === 0x00) {
    const flag = c.buf[c.pos + 1];
    if (flag !== 0x01) throw new BitcoinParseError('invalidValue', `segwit flag ${flag} is not 1`, c.pos + 1);
    hasWitness = true;
    c.pos += 2;
  }
  const bodyStart = c.pos;
  const nIn = c.varint('input count', Math.floor((c.buf.length - c.pos) / MIN_INPUT_BYTES));
  const inputs: { prevTxid: string; prevVout: number; scriptSig: Uint8Array; sequence: number; witness: Uint8Array[] }[] = [];
  for (let i = 0; i < nIn; i++) {
    const prevTxid = toDisplayHex(c.bytes(32, 'prevout txid'));
    const prevVout = c.u32();
    const scriptSig = c.varBytes('scriptSig');
    inputs.push({ prevTxid, prevVout, scriptSig, sequence: c.u32(), witness: [] });
  }
  const nOut = c.varint('output count', Math.floor((c.buf.length - c.pos) / MIN_OUTPUT_BYTES));
  const outputs: TxOut[] = [];
  for (let i = 0; i < nOut; i++) outputs.push({ value: c.u64(), script: c.varBytes('scriptPubKey') });
  const bodyEnd = c.pos;
  if (hasWitness) {
    for (const input of inputs) {
      const n = c.varint('witness item count', c.buf.length - c.pos);
      for (let j = 0; j < n; j++) input.witness.push(c.varBytes('witness item'));
    }
  }
  const lockStart = c.pos;
  const locktime = c.u32();
  // txid covers version || inputs || outputs || locktime, without marker, flag and witnesses.
  const txid = toDisplayHex(sha256d(concat(c.buf.subarray(start, start + 4), c.buf.subarray(bodyStart, bodyEnd), c.buf.subarray(lockStart, lockStart + 4))));
  return { txid, version, inputs, outputs, locktime, hasWitness };
}

/** Parses a serialised transaction; the whole input must be consumed. */
export function parseTransaction(raw: Uint8Array): Tx {
  const c = new Cursor(raw);
  const tx = readTx(c);
  if (c.pos !== raw.length) throw new BitcoinParseError('trailingBytes', `${raw.length - c.pos} bytes after the transaction`, c.pos);
  return tx;
}

/** Parses an 80-byte block header (extra bytes after it are ignored). */
export function parseBlockHeader(raw: Uint8Array): BlockHeader {
  const c = new Cursor(raw);
  c.need(BLOCK_HEADER_BYTES, 'block header');
  const hash = toDisplayHex(sha256d(raw.subarray(0, BLOCK_HEADER_BYTES)));
  const version = c.i32();
  const prevHash = toDisplayHex(c.bytes(32, 'prev block'));
  const merkleRoot = toDisplayHex(c.bytes(32, 'merkle root'));
  return { hash, version, prevHash, merkleRoot, time: c.u32(), bits: c.u32(), nonce: c.u32() };
}

/** Parses a serialised block (`getblock <hash> 0`); the whole input must be consumed. */
export function parseBlock(raw: Uint8Array): Block {
  const header = parseBlockHeader(raw);
  const c = new Cursor(raw);
  c.pos = BLOCK_HEADER_BYTES;
  const n = c.varint('transaction count', Math.floor((raw.length - c.pos) / MIN_TX_BYTES));
  const txs: Tx[] = [];
  for (let i = 0; i < n; i++) txs.push(readTx(c));
  if (c.pos !== raw.length) throw new BitcoinParseError('trailingBytes', `${raw.length - c.pos} bytes after the last transaction`, c.pos);
  return { header, txs };
}

/** The merkle root (display hex) of display-hex txids, as in the block header (Bitcoin's odd-node duplication). */
export function merkleRoot(txids: readonly string[]): string {
  if (txids.length === 0) throw new BitcoinParseError('invalidValue', 'a block has at least one transaction', 0);
  let level = txids.map(fromDisplayHex);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(sha256d(concat(level[i]!, level[i + 1] ?? level[i]!)));
    level = next;
  }
  return toDisplayHex(level[0]!);
}

// The BOLT 3 funding script, P2WSH and the key order are built in one place, `src/channel/scripts.ts`
// (checked against every BOLT 3 vector); the chain source needs them to check channel announcements.
export { compareBytes, p2wsh as p2wshScript } from '../channel/scripts.js';

/** The BOLT 3 funding witness script of two compressed funding keys (either order). */
export function fundingWitnessScript(key1: Uint8Array, key2: Uint8Array): Uint8Array {
  // Keys here come off the wire or the chain: a bad one is a parse error of this module, not a caller bug.
  if (key1.length !== 33 || key2.length !== 33) throw new BitcoinParseError('invalidValue', 'funding keys must be 33-byte compressed points', 0);
  return fundingScript(key1, key2);
}

/** The P2WSH output script a channel with these two funding keys must pay to. */
export function fundingOutputScript(bitcoinKey1: Uint8Array, bitcoinKey2: Uint8Array): Uint8Array {
  return p2wsh(fundingWitnessScript(bitcoinKey1, bitcoinKey2));
}

