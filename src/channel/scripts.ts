/**
 * @module channel/scripts
 * The BOLT 3 witness scripts (funding 2-of-2, `to_local`, `to_remote` with `option_anchors`, anchors,
 * offered and received HTLCs with and without `option_anchors`, HTLC-transaction outputs) and the
 * P2WSH / P2WPKH output scripts that pay to them.
 * Spec: https://github.com/lightning/bolts/blob/master/03-transactions.md
 *
 * Scripts are byte arrays built from a tiny assembler: opcodes are numbers, data pushes are
 * `Uint8Array`s (minimal direct pushes, ≤ 75 bytes here), integers use {@link scriptNum}.
 *
 * Does not: interpret or validate scripts.
 */
import { createHash } from 'node:crypto';
import { ripemd160 as nobleRipemd160 } from '@noble/hashes/legacy.js';
import { sha256 } from '../crypto/hash.js';
import { ANCHOR_SWEEP_DELAY } from './constants.js';
import { ChannelTxError, expectBytes } from './errors.js';

/** Opcodes used by BOLT 3 scripts and the BOLT 2 shutdown script forms (Bitcoin Core `script.h`). */
export const OP = {
  OP_0: 0x00,
  OP_1: 0x51,
  OP_2: 0x52,
  OP_16: 0x60,
  OP_PUSHDATA1: 0x4c,
  OP_RETURN: 0x6a,
  OP_IF: 0x63,
  OP_NOTIF: 0x64,
  OP_ELSE: 0x67,
  OP_ENDIF: 0x68,
  OP_DROP: 0x75,
  OP_DUP: 0x76,
  OP_IFDUP: 0x73,
  OP_SWAP: 0x7c,
  OP_SIZE: 0x82,
  OP_EQUAL: 0x87,
  OP_EQUALVERIFY: 0x88,
  OP_HASH160: 0xa9,
  OP_CHECKSIG: 0xac,
  OP_CHECKSIGVERIFY: 0xad,
  OP_CHECKMULTISIG: 0xae,
  OP_CHECKLOCKTIMEVERIFY: 0xb1,
  OP_CHECKSEQUENCEVERIFY: 0xb2,
} as const;

/** Largest data push encoded as a single length byte (larger ones need OP_PUSHDATA1; BOLT 3 never does). */
const MAX_DIRECT_PUSH = 75;
/** Compressed public key length. */
const PUBKEY_BYTES = 33;

/** A script element: an opcode, or data to push. */
type Element = number | Uint8Array;

/** Assembles a script from opcodes and data pushes. */
export function assemble(...elements: Element[]): Uint8Array {
  const parts: number[] = [];
  for (const e of elements) {
    if (typeof e === 'number') parts.push(e);
    else {
      if (e.length > MAX_DIRECT_PUSH) throw new ChannelTxError('invalidInput', `push of ${e.length} bytes is above the direct-push limit`);
      parts.push(e.length, ...e);
    }
  }
  return Uint8Array.from(parts);
}

/**
 * Minimal CScriptNum encoding of a non-negative integer as a data push (little-endian, a 0x00 byte
 * appended when the top bit is set so it stays positive). Scripts take numbers through
 * {@link scriptNumElement}, which uses `OP_0`..`OP_16` for 0..16 (`<144>` stays `02 9000`).
 */
export function scriptNum(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) throw new ChannelTxError('invalidInput', `script number out of range: ${n}`);
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.push(v % 256);
  if (out.length > 0 && out[out.length - 1]! & 0x80) out.push(0);
  return Uint8Array.from(out);
}

/** Largest number with its own opcode (`OP_16`). */
const MAX_SMALL_INT = 16;

/**
 * A number as a script element the way Bitcoin Core's `CScript << n` writes it: `OP_0` for 0,
 * `OP_1`..`OP_16` for 1..16, else the minimal {@link scriptNum} push. The standardness rule
 * MINIMALDATA rejects a data push of a number that has an opcode, so a `to_self_delay` of 16 or
 * less written as a push would make our scripts differ from every other implementation's and our
 * sweeps non-standard.
 */
export function scriptNumElement(n: number): Element {
  if (n === 0) return OP.OP_0;
  if (Number.isSafeInteger(n) && n >= 1 && n <= MAX_SMALL_INT) return OP.OP_1 - 1 + n;
  return scriptNum(n);
}

/** RIPEMD-160 from OpenSSL when this build has it (OpenSSL 3 may move it to the legacy provider), else @noble/hashes. */
const nodeRipemd = ((): boolean => {
  try {
    createHash('ripemd160');
    return true;
  } catch {
    return false;
  }
})();

/** RIPEMD-160. */
export function ripemd160(data: Uint8Array): Uint8Array {
  return nodeRipemd ? new Uint8Array(createHash('ripemd160').update(data).digest()) : nobleRipemd160(data);
}

/** HASH160 = RIPEMD160(SHA256(data)). */
export function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data));
}

/** Lexicographic (memcmp, shorter first on a common prefix) comparison of byte strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function key(k: Uint8Array, what: string): Uint8Array {
  expectBytes(k, PUBKEY_BYTES, what);
  return k;
}

/** The 2-of-2 funding witness script; the keys may come in either order. */
export function fundingScript(fundingPubkeyA: Uint8Array, fundingPubkeyB: Uint8Array): Uint8Array {
  key(fundingPubkeyA, 'funding_pubkey');
  key(fundingPubkeyB, 'funding_pubkey');
  // BOLT #3: * Where `pubkey1` is the lexicographically lesser of the two `funding_pubkey` in compressed format, and where `pubkey2` is the lexicographically greater of the two.
  const [pubkey1, pubkey2] = compareBytes(fundingPubkeyA, fundingPubkeyB) <= 0 ? [fundingPubkeyA, fundingPubkeyB] : [fundingPubkeyB, fundingPubkeyA];
  // BOLT #3: `2 <pubkey1> <pubkey2> 2 OP_CHECKMULTISIG`
  return assemble(OP.OP_2, pubkey1, pubkey2, OP.OP_2, OP.OP_CHECKMULTISIG);
}

/** The `to_local` witness script; also the output script of HTLC-success/HTLC-timeout transactions. */
export function toLocalScript(revocationPubkey: Uint8Array, toSelfDelay: number, localDelayedPubkey: Uint8Array): Uint8Array {
  // BOLT #3: OP_IF
  // # Penalty transaction
  // <revocationpubkey>
  // OP_ELSE
  // `to_self_delay`
  // OP_CHECKSEQUENCEVERIFY
  // OP_DROP
  // <local_delayedpubkey>
  // OP_ENDIF
  // OP_CHECKSIG
  return assemble(
    OP.OP_IF,
    key(revocationPubkey, 'revocationpubkey'),
    OP.OP_ELSE,
    scriptNumElement(toSelfDelay),
    OP.OP_CHECKSEQUENCEVERIFY,
    OP.OP_DROP,
    key(localDelayedPubkey, 'local_delayedpubkey'),
    OP.OP_ENDIF,
    OP.OP_CHECKSIG,
  );
}

/** The `option_anchors` `to_remote` witness script (a one-block CSV lock). */
export function toRemoteAnchorsScript(remotePubkey: Uint8Array): Uint8Array {
  // BOLT #3: <remotepubkey> OP_CHECKSIGVERIFY 1 OP_CHECKSEQUENCEVERIFY
  return assemble(key(remotePubkey, 'remotepubkey'), OP.OP_CHECKSIGVERIFY, OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY);
}

/** An anchor witness script, locked to one side's `funding_pubkey`, sweepable by anyone after 16 blocks. */
export function anchorScript(fundingPubkey: Uint8Array): Uint8Array {
  // BOLT #3: <local_funding_pubkey/remote_funding_pubkey> OP_CHECKSIG OP_IFDUP
  // OP_NOTIF
  // OP_16 OP_CHECKSEQUENCEVERIFY
  // OP_ENDIF
  return assemble(key(fundingPubkey, 'funding_pubkey'), OP.OP_CHECKSIG, OP.OP_IFDUP, OP.OP_NOTIF, OP.OP_1 + ANCHOR_SWEEP_DELAY - 1, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_ENDIF);
}

/** Keys an HTLC script needs (all 33-byte compressed points of this commitment). */
export interface HtlcScriptKeys {
  readonly revocationPubkey: Uint8Array;
  readonly localHtlcPubkey: Uint8Array;
  readonly remoteHtlcPubkey: Uint8Array;
}

/** Size of a payment preimage in bytes: the `OP_SIZE 32 OP_EQUAL` test. */
const PREIMAGE_BYTES = 32;

/** `1 OP_CHECKSEQUENCEVERIFY OP_DROP`, the anchors-only line of both HTLC scripts. */
const ANCHORS_CSV: Element[] = [OP.OP_1, OP.OP_CHECKSEQUENCEVERIFY, OP.OP_DROP];

/** Offered-HTLC witness script (the local node offered the HTLC; HTLC-timeout spends it). */
export function offeredHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, anchors: boolean): Uint8Array {
  expectBytes(paymentHash, 32, 'payment_hash');
  return assemble(
    ...revocationHead(keys),
    OP.OP_NOTIF,
    // BOLT #3: OP_DROP 2 OP_SWAP <local_htlcpubkey> 2 OP_CHECKMULTISIG
    OP.OP_DROP, OP.OP_2, OP.OP_SWAP, key(keys.localHtlcPubkey, 'local_htlcpubkey'), OP.OP_2, OP.OP_CHECKMULTISIG,
    OP.OP_ELSE,
    // BOLT #3: OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY
    // OP_CHECKSIG
    OP.OP_HASH160, ripemd160(paymentHash), OP.OP_EQUALVERIFY, OP.OP_CHECKSIG,
    OP.OP_ENDIF,
    ...(anchors ? ANCHORS_CSV : []),
    OP.OP_ENDIF,
  );
}

/** Received-HTLC witness script (the remote node offered it; HTLC-success spends it with the preimage). */
export function receivedHtlcScript(keys: HtlcScriptKeys, paymentHash: Uint8Array, cltvExpiry: number, anchors: boolean): Uint8Array {
  expectBytes(paymentHash, 32, 'payment_hash');
  return assemble(
    ...revocationHead(keys),
    OP.OP_IF,
    // BOLT #3: OP_HASH160 <RIPEMD160(payment_hash)> OP_EQUALVERIFY
    // 2 OP_SWAP <local_htlcpubkey> 2 OP_CHECKMULTISIG
    OP.OP_HASH160, ripemd160(paymentHash), OP.OP_EQUALVERIFY,
    OP.OP_2, OP.OP_SWAP, key(keys.localHtlcPubkey, 'local_htlcpubkey'), OP.OP_2, OP.OP_CHECKMULTISIG,
    OP.OP_ELSE,
    // BOLT #3: OP_DROP <cltv_expiry> OP_CHECKLOCKTIMEVERIFY OP_DROP
    // OP_CHECKSIG
    OP.OP_DROP, scriptNumElement(cltvExpiry), OP.OP_CHECKLOCKTIMEVERIFY, OP.OP_DROP, OP.OP_CHECKSIG,
    OP.OP_ENDIF,
    ...(anchors ? ANCHORS_CSV : []),
    OP.OP_ENDIF,
  );
}

/** The common start of both HTLC scripts, up to the `OP_SIZE 32 OP_EQUAL` preimage-size test. */
function revocationHead(keys: HtlcScriptKeys): Element[] {
  return [
    // BOLT #3: OP_DUP OP_HASH160 <RIPEMD160(SHA256(revocationpubkey))> OP_EQUAL
    // OP_IF
    // OP_CHECKSIG
    // OP_ELSE
    // <remote_htlcpubkey> OP_SWAP OP_SIZE 32 OP_EQUAL
    OP.OP_DUP, OP.OP_HASH160, hash160(key(keys.revocationPubkey, 'revocationpubkey')), OP.OP_EQUAL,
    OP.OP_IF, OP.OP_CHECKSIG, OP.OP_ELSE,
    key(keys.remoteHtlcPubkey, 'remote_htlcpubkey'), OP.OP_SWAP, OP.OP_SIZE, scriptNum(PREIMAGE_BYTES), OP.OP_EQUAL,
  ];
}

/** BIP 141 P2WSH output script: `OP_0 <SHA256(witnessScript)>`. */
export function p2wsh(witnessScript: Uint8Array): Uint8Array {
  return assemble(OP.OP_0, sha256(witnessScript));
}

/** BIP 141 P2WPKH output script of a compressed key: `OP_0 <HASH160(pubkey)>`. */
export function p2wpkh(pubkey: Uint8Array): Uint8Array {
  return assemble(OP.OP_0, hash160(key(pubkey, 'pubkey')));
}

/** P2PKH output script of a compressed key (only the Appendix B coinbase uses one). */
export function p2pkh(pubkey: Uint8Array): Uint8Array {
  return assemble(OP.OP_DUP, OP.OP_HASH160, hash160(key(pubkey, 'pubkey')), OP.OP_EQUALVERIFY, OP.OP_CHECKSIG);
}
