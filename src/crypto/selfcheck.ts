/**
 * @module crypto/selfcheck
 * Known-answer checks of the active secp256k1 engine, the AEAD engine and HKDF, returned as data for
 * `lnfleet selftest` to print. Run once at start: a broken build (wrong addon, miscompiled WASM) shows
 * up here rather than as peers failing their handshakes.
 *
 * Vectors: BOLT 8 Appendix A (transport-initiator successful handshake: `ls_pub`, act-one `ss` and
 * `ck,temp_k1`), RFC 8439 §2.8.2 (AEAD), and a fixed RFC 6979 signature computed with
 * `@noble/secp256k1` (the engine tests check all engines agree on it).
 *
 * Does not: print, log, or throw on a failed check (the result says which check failed).
 */
import { sha256, hkdf } from './hash.js';
import { selectAead, SMALL_AEAD_MAX, type AeadEngine } from './aead.js';
import { openSmall, sealSmall } from './chacha-small.js';
import { activeEngine, engineReport, type EngineReport } from './engines.js';
import type { Secp256k1Engine } from './secp256k1.js';

/** One named check and its outcome. */
export interface SelfCheckItem {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed (never key material; vectors here are public test values). */
  readonly detail?: string;
}

/** Result of {@link selfCheck}. */
export interface SelfCheckResult {
  /** All checks passed. */
  readonly ok: boolean;
  /** The secp256k1 engine checked (and, if it is the active one, why it was chosen). */
  readonly engine: EngineReport | { readonly name: Secp256k1Engine['name']; readonly reason: string };
  /** The AEAD engine checked. */
  readonly aead: AeadEngine['name'];
  readonly checks: readonly SelfCheckItem[];
}

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

// BOLT 8 Appendix A, transport-initiator successful handshake.
const B8_LS_PRIV = hex('11'.repeat(32));
const B8_LS_PUB = '034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa';
const B8_E_PRIV = hex('12'.repeat(32));
const B8_RS_PUB = hex('028d7500dd4c12685d1f568b4c2b5048e8534b873319f3a8daa612b469132ec7f7');
const B8_SS = '1e2fb3c8fe8fb9f262f649f64d26ecf0f2c0a805a767cf02dc2d77a6ef1fdcc3';
const B8_CK0 = hex('2640f52eebcd9e882958951c794250eedb28002c05d7dc2ea0f195406042caf1');
const B8_CK1 = 'b61ec1191326fa240decc9564369dbb3ae2b34341d1e11ad64ed89f89180582f';
const B8_TEMP_K1 = 'e68f69b7f096d7917245f5e5cf8ae1595febe4d4644333c99f9c4a1282031c9f';

// RFC 8439 §2.8.2 AEAD test vector.
const RFC_KEY = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const RFC_NONCE = hex('070000004041424344454647');
const RFC_AAD = hex('50515253c0c1c2c3c4c5c6c7');
const RFC_PT = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const RFC_SEALED =
  'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b' +
  '1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc' +
  '3ff4def08e4b7a9de576d26586cec64b6116' + '1ae10b594f09e26a7e902ecbd0600691';

// RFC 6979 signature by 0x11…11 over SHA256("lnfleet selftest"), from @noble/secp256k1.
const SIG_MSG = sha256(new TextEncoder().encode('lnfleet selftest'));
const SIG_EXPECTED =
  'a1faf3d67467a71a310e2ad119923a9248cca3399d9ff7d218f183e06df5c541' +
  '3954cd7ad800962a9b6af066c4ca4b5b801c6638d445641a2f6af541caa4b533';

function check(name: string, f: () => string | undefined): SelfCheckItem {
  try {
    const detail = f();
    return detail === undefined ? { name, ok: true } : { name, ok: false, detail };
  } catch (e) {
    return { name, ok: false, detail: `threw ${e instanceof Error ? e.name : 'non-error'}` };
  }
}
const same = (what: string, got: string, want: string): string | undefined =>
  got === want ? undefined : `${what}: got ${got}, want ${want}`;

function secpChecks(engine: Secp256k1Engine): SelfCheckItem[] {
  return [
    check('secp256k1 publicKey (BOLT 8 ls_pub)', () => same('pub', toHex(engine.publicKey(B8_LS_PRIV)), B8_LS_PUB)),
    check('secp256k1 ecdh (BOLT 8 act one ss)', () => same('ss', toHex(engine.ecdh(B8_RS_PUB, B8_E_PRIV)), B8_SS)),
    check('secp256k1 sign (RFC 6979, low-S)', () => same('sig', toHex(engine.sign(SIG_MSG, B8_LS_PRIV)), SIG_EXPECTED)),
    check('secp256k1 verify', () => {
      const pub = hex(B8_LS_PUB);
      const sig = hex(SIG_EXPECTED);
      if (!engine.verify(sig, SIG_MSG, pub)) return 'valid signature rejected';
      const bad = sig.slice();
      bad[63] = bad[63]! ^ 1;
      return engine.verify(bad, SIG_MSG, pub) ? 'corrupted signature accepted' : undefined;
    }),
  ];
}

function aeadChecks(aead: AeadEngine): SelfCheckItem[] {
  return [
    check('hkdf (BOLT 8 act one ck,temp_k1)', () => {
      const [ck, k] = hkdf(B8_CK0, hex(B8_SS));
      return same('ck', toHex(ck), B8_CK1) ?? same('temp_k1', toHex(k), B8_TEMP_K1);
    }),
    check(`aead seal (${aead.name}, RFC 8439 §2.8.2)`, () => same('sealed', toHex(aead.seal(RFC_KEY, RFC_NONCE, RFC_AAD, RFC_PT)), RFC_SEALED)),
    check(`aead open (${aead.name}, RFC 8439 §2.8.2)`, () => {
      const sealed = hex(RFC_SEALED);
      const pt = aead.open(RFC_KEY, RFC_NONCE, RFC_AAD, sealed);
      if (pt === null || toHex(pt) !== toHex(RFC_PT)) return 'vector did not decrypt';
      sealed[0] = sealed[0]! ^ 1;
      return aead.open(RFC_KEY, RFC_NONCE, RFC_AAD, sealed) === null ? undefined : 'tampered ciphertext accepted';
    }),
    // The vector is 114 bytes, so with a small+… engine it only reaches chacha-small; a text above
    // SMALL_AEAD_MAX goes to the other engine, which must agree with chacha-small byte for byte.
    check(`aead ${LONG_TEXT.length}-byte text (${aead.name}) agrees with chacha-small both ways`, () => {
      const sealed = aead.seal(RFC_KEY, RFC_NONCE, RFC_AAD, LONG_TEXT);
      const ours = new Uint8Array(LONG_TEXT.length + 16);
      sealSmall(RFC_KEY, RFC_NONCE, RFC_AAD, LONG_TEXT, ours, 0);
      if (toHex(ours) !== toHex(sealed)) return 'the two implementations seal differently';
      const back = openSmall(RFC_KEY, RFC_NONCE, RFC_AAD, sealed);
      const again = aead.open(RFC_KEY, RFC_NONCE, RFC_AAD, ours);
      return back !== null && again !== null && toHex(back) === toHex(LONG_TEXT) && toHex(again) === toHex(LONG_TEXT) ? undefined : 'a sealed long text did not open';
    }),
  ];
}

/** A text longer than SMALL_AEAD_MAX, from the RFC plaintext repeated. */
const LONG_TEXT = Uint8Array.from({ length: SMALL_AEAD_MAX + 88 }, (_, i) => RFC_PT[i % RFC_PT.length]!);

/**
 * Run the known-answer checks against `engine` (default: the active engine, selected if needed) and
 * `aead` (default: {@link selectAead}). Never throws for a failed check.
 */
export function selfCheck(engine?: Secp256k1Engine, aead: AeadEngine = selectAead()): SelfCheckResult {
  const e = engine ?? activeEngine();
  const report = engine === undefined ? engineReport() : { name: e.name, reason: 'engine passed by caller' };
  const checks = [...secpChecks(e), ...aeadChecks(aead)];
  return { ok: checks.every((c) => c.ok), engine: report, aead: aead.name, checks };
}
