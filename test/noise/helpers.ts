/**
 * Shared test helpers for the BOLT 8 tests: load the vector file, hex conversion, a local-key ECDH
 * callback. Not a test file itself (no `.test.ts` suffix).
 */
import { readFileSync } from 'node:fs';
import type { Secp256k1Engine } from '../../src/crypto/secp256k1.js';
import type { StaticEcdh } from '../../src/noise/handshake.js';

/** Hex → bytes. */
export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
/** Bytes → hex. */
export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

/** One BOLT 8 handshake vector (see test/vectors/bolt/README.md). */
export interface HandshakeVector {
  name: string;
  role: 'initiator' | 'responder';
  ls_priv: string;
  ls_pub: string;
  rs_pub?: string;
  e_priv: string;
  e_pub: string;
  inputs: { act_one?: string; act_two?: string; act_three?: string };
  outputs: { act_one?: string; act_two?: string; act_three?: string };
  final?: { sk: string; rk: string };
  error?: { code: string; act: 'act_one' | 'act_two' | 'act_three'; detail?: number };
  intermediate: Record<string, { name: string; value: string }[]>;
}

/** The message-encryption vector. */
export interface MessageVector {
  ck: string;
  sk: string;
  rk: string;
  plaintext_hex: string;
  expected: { index: number; ciphertext: string }[];
  key_rotations: { new_ck: string; new_k: string; hkdf_salt_ck: string; hkdf_ikm_old_k: string; before_message_index: number }[];
}

/** The parsed `bolt08-transport.json` (located relative to the compiled test file). */
export const bolt8 = JSON.parse(
  readFileSync(new URL('../../../test/vectors/bolt/bolt08-transport.json', import.meta.url), 'utf8'),
) as {
  protocol_constants: { initial_ck_sha256_of_protocol_name: string };
  initiator_tests: HandshakeVector[];
  responder_tests: HandshakeVector[];
  message_encryption_test: MessageVector;
};

/** A StaticEcdh that holds the private key locally (what an eclair-style front would do). */
export function localEcdh(engine: Secp256k1Engine, priv: Uint8Array): StaticEcdh {
  return (point) => engine.ecdh(point, priv);
}

/** Deterministic PRNG (xorshift32) so random splits are reproducible from a seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}
