/**
 * @module deploy/mdns
 * The DNS-SD record the backend advertises on the LAN (DESIGN §7 "Discovery"): service type
 * `_lnfleet._tcp`, SRV port = cluster link port, and TXT key=value strings carrying the node id, the
 * link port, the cluster CA fingerprint and the link protocol version. Fronts browse for it; it is a
 * hint only, the mTLS certificate check decides.
 *
 * Pure encoder/decoder of the TXT strings (RFC 6763 §6) as `Uint8Array`s, the shape `multicast-dns`
 * takes and returns. Spec: https://www.rfc-editor.org/rfc/rfc6763#section-6
 * Does not: send or receive packets (a later step plugs in `multicast-dns`), or trust what it decodes.
 */
import { DeployError, invalid } from './errors.js';
import type { MdnsAdvert } from './types.js';
import { checkInt, checkPort } from './validate.js';

/** DNS-SD service type (RFC 6763 §7: `_name._tcp`, name ≤ 15 chars). */
export const MDNS_SERVICE_TYPE = '_lnfleet._tcp';
/**
 * Version of our TXT layout (RFC 6763 §6.7 suggests a `txtvers` key first). Bump it only for a change
 * old fronts must not misread; adding keys does not need it (unknown keys are ignored).
 */
export const MDNS_TXT_VERSION = 1;
/** RFC 6763 §6.1: each TXT string is one length byte followed by 0–255 bytes. */
const TXT_STRING_MAX_BYTES = 255;

/** The TXT keys, in the order we emit them. Short (RFC 6763 §6.4 suggests ≤ 9 chars) and lower-case. */
const KEYS = { txtvers: 'txtvers', nodeId: 'id', linkPort: 'port', caFingerprint: 'ca', protocolVersion: 'pv' } as const;

/** The TXT payload: everything in `MdnsAdvert` but the instance name (that is the DNS name). */
export type MdnsTxt = Omit<MdnsAdvert, 'instance'>;

/** What to hand to an mDNS responder: PTR/SRV/TXT data for one service instance. */
export interface MdnsServiceRecord {
  /** `<instance>._lnfleet._tcp.local`. */
  readonly name: string;
  readonly type: typeof MDNS_SERVICE_TYPE;
  /** SRV port: the cluster link port. */
  readonly port: number;
  /** TXT strings, `key=value` in UTF-8. */
  readonly txt: readonly Uint8Array[];
}

const NODE_ID = /^0[23][0-9a-f]{64}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

function checkTxt(t: MdnsTxt, bad: (field: string, problem: string) => never): MdnsTxt {
  const nodeId = typeof t.nodeId === 'string' ? t.nodeId.toLowerCase() : '';
  if (!NODE_ID.test(nodeId)) bad('nodeId', 'must be a 33-byte compressed public key in hex (66 chars, 02/03 prefix)');
  const ca = typeof t.caFingerprint === 'string' ? t.caFingerprint.toLowerCase() : '';
  if (!SHA256_HEX.test(ca)) bad('caFingerprint', 'must be a SHA-256 digest in hex (64 chars)');
  const wrap = <T>(f: () => T, field: string): T => {
    try { return f(); } catch (e) { return bad(field, e instanceof DeployError ? e.problem : String(e)); }
  };
  return {
    nodeId,
    caFingerprint: ca,
    linkPort: wrap(() => checkPort('linkPort', t.linkPort), 'linkPort'),
    protocolVersion: wrap(() => checkInt('protocolVersion', t.protocolVersion, 0, 0xffff), 'protocolVersion'),
  };
}

/** Encodes the TXT strings. Throws `DEPLOY_INVALID_INPUT` on a malformed field. */
export function encodeMdnsTxt(t: MdnsTxt): Uint8Array[] {
  const v = checkTxt(t, invalid);
  const enc = new TextEncoder();
  return [
    `${KEYS.txtvers}=${MDNS_TXT_VERSION}`,
    `${KEYS.nodeId}=${v.nodeId}`,
    `${KEYS.linkPort}=${v.linkPort}`,
    `${KEYS.caFingerprint}=${v.caFingerprint}`,
    `${KEYS.protocolVersion}=${v.protocolVersion}`,
  ].map((s) => enc.encode(s));
}

/** Builds the service record for `advert`. Throws `DEPLOY_INVALID_INPUT` on a bad instance name or field. */
export function mdnsServiceRecord(advert: MdnsAdvert): MdnsServiceRecord {
  const inst = advert.instance;
  // RFC 6763 §4.1.1: the instance label is ≤ 63 bytes of UTF-8; we also refuse dots and controls so the
  // name can never be read as extra labels.
  if (typeof inst !== 'string' || inst.length === 0 || new TextEncoder().encode(inst).length > 63 || /[.\x00-\x1f\x7f]/.test(inst)) {
    invalid('instance', 'must be 1-63 bytes without dots or control characters');
  }
  const txt = encodeMdnsTxt(advert);
  return { name: `${inst}.${MDNS_SERVICE_TYPE}.local`, type: MDNS_SERVICE_TYPE, port: advert.linkPort, txt };
}

function bad(field: string, problem: string): never {
  throw new DeployError('DEPLOY_BAD_TXT', field, problem);
}

/** Splits TXT strings into a key → value map following RFC 6763 §6.4–6.5. */
function txtMap(strings: readonly (Uint8Array | string)[]): Map<string, string> {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const map = new Map<string, string>();
  strings.forEach((raw, i) => {
    const bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
    if (bytes.length > TXT_STRING_MAX_BYTES) bad(`txt[${i}]`, `is ${bytes.length} bytes; a TXT string holds at most ${TXT_STRING_MAX_BYTES}`);
    let s: string;
    try { s = dec.decode(bytes); } catch { return bad(`txt[${i}]`, 'is not valid UTF-8'); }
    const eq = s.indexOf('=');
    // §6.4: a string starting with "=" has no key and is ignored; §6.4: keys compare case-insensitively;
    // the first occurrence of a key wins. A key without "=" is a boolean attribute we do not use.
    if (eq <= 0) return;
    const key = s.slice(0, eq).toLowerCase();
    if (!map.has(key)) map.set(key, s.slice(eq + 1));
  });
  return map;
}

function intField(map: Map<string, string>, key: string, field: string): number {
  const v = map.get(key);
  if (v === undefined) bad(field, `TXT key "${key}" is missing`);
  if (!/^\d{1,5}$/.test(v)) bad(field, `TXT key "${key}" is not a decimal integer: ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * Decodes TXT strings as received from the LAN (untrusted). Unknown keys are ignored (newer backends
 * may add some). Throws `DeployError` with code `DEPLOY_BAD_TXT` naming the field on a missing or
 * malformed key, or an unsupported `txtvers`.
 */
export function decodeMdnsTxt(strings: readonly (Uint8Array | string)[]): MdnsTxt {
  const map = txtMap(strings);
  const version = intField(map, KEYS.txtvers, 'txtvers');
  if (version !== MDNS_TXT_VERSION) bad('txtvers', `is ${version}; this build reads ${MDNS_TXT_VERSION}`);
  const nodeId = map.get(KEYS.nodeId);
  const ca = map.get(KEYS.caFingerprint);
  if (nodeId === undefined) bad('nodeId', `TXT key "${KEYS.nodeId}" is missing`);
  if (ca === undefined) bad('caFingerprint', `TXT key "${KEYS.caFingerprint}" is missing`);
  return checkTxt({
    nodeId,
    caFingerprint: ca,
    linkPort: intField(map, KEYS.linkPort, 'linkPort'),
    protocolVersion: intField(map, KEYS.protocolVersion, 'protocolVersion'),
  }, bad);
}
