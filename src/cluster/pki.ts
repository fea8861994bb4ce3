/**
 * @module cluster/pki
 * The cluster's identity (DESIGN §3): a cluster CA, one certificate per front and one for the backend,
 * a revocation list, and eclair's shared-certificate mode.
 *
 * - CA: ECDSA P-256 (FIPS 186-4 / RFC 5480), self-signed, `basicConstraints CA:TRUE, pathlen 0`,
 *   key usage `keyCertSign, cRLSign` (RFC 5280 §4.2.1.3, §4.2.1.9).
 * - Member certificates: CN = name, `OU` = role, and the authoritative identity as a SAN URI
 *   `lnfleet:front:NAME` / `lnfleet:back:NAME` (RFC 5280 §4.2.1.6). Extended key usage is strict —
 *   fronts get `clientAuth` only, the backend `serverAuth` only (RFC 5280 §4.2.1.12) — so OpenSSL itself
 *   refuses a front certificate presented as a server, before our role check even runs.
 * - Serial numbers: 16 random bytes, positive (RFC 5280 §4.1.2.2: ≤ 20 octets, unpredictable).
 * - Shared mode: one self-signed certificate (`serverAuth` + `clientAuth`) for every member, its key as
 *   encrypted PKCS#8 PEM (RFC 5958 / PBES2) under `CLUSTER_TLS_PASSWORD` (alias `AKKA_TLS_PASSWORD`).
 * - Revocation: a JSON list of serials and/or SHA-256 fingerprints with reason (RFC 5280 §5.3.1 names)
 *   and time, which the backend reloads without restarting (`RevocationStore`).
 *
 * Certificates are built with `@peculiar/x509` over Node's WebCrypto: no external process. That library
 * (~200 CommonJS modules) is imported on first use by the three issuing functions only, so a front or
 * first boot, which only read certificates (Node's own `X509Certificate`), never pays for loading it.
 * Errors name files, never their contents; nothing here logs.
 * Does not: open sockets (see `cluster/tls`), or lay out provisioning directories (see `cli/provision`).
 */
import { createHash, createPrivateKey, createPublicKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type * as X509 from '@peculiar/x509';
import { LnfleetError } from '../errors.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

let x509Loaded: Promise<typeof X509> | undefined;
/** `@peculiar/x509` over Node's WebCrypto, imported once on first use (see the header). */
function loadX509(): Promise<typeof X509> {
  x509Loaded ??= import('@peculiar/x509').then((x509) => {
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  });
  return x509Loaded;
}

/** Cluster roles carried in certificates. */
export const ClusterRole = { front: 'front', back: 'back' } as const;
/** `front` or `back`. */
export type ClusterRole = (typeof ClusterRole)[keyof typeof ClusterRole];

/** Validity of the cluster CA: 20 years, it is kept offline and re-keying means re-provisioning every board. */
export const CA_VALIDITY_DAYS = 7300;
/** Validity of member certificates: 5 years, the service life of a board; revocation handles losses. */
export const MEMBER_VALIDITY_DAYS = 1825;
/** notBefore is backdated by 10 minutes so a board whose clock is slightly behind accepts a fresh cert. */
export const CLOCK_SKEW_MS = 10 * 60_000;
/** Serial size in bytes (RFC 5280 §4.1.2.2 allows up to 20 octets; 16 random bytes are unguessable). */
const SERIAL_BYTES = 16;
/** Member names: a DNS label, so they are safe in file names, URIs and DNs. */
export const MEMBER_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN_ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** Stable codes of PKI errors. */
export type PkiErrorCode =
  | 'PKI_FILE_MISSING' | 'PKI_FILE_EXISTS' | 'PKI_BAD_FILE' | 'PKI_BAD_PASSWORD'
  | 'PKI_KEY_MISMATCH' | 'PKI_UNKNOWN_CERT' | 'PKI_INVALID_ARGUMENT';

/** A PKI failure; messages name files and fields, never key material. */
export class PkiError extends LnfleetError<PkiErrorCode> {}

/** A freshly made certificate and its private key, as PEM text. */
export interface IssuedCert {
  readonly certPem: string;
  readonly keyPem: string;
  /** Lowercase hex, no leading zeros (`normalizeSerial`). */
  readonly serial: string;
  /** SHA-256 of the DER certificate, lowercase hex without colons. */
  readonly fingerprint: string;
}

/** The identity SAN URI of a member: `lnfleet:ROLE:NAME`. */
export function identityUri(role: ClusterRole, name: string): string {
  return `lnfleet:${role}:${name}`;
}

/** Parses `lnfleet:ROLE:NAME`; `undefined` for anything else. */
export function parseIdentityUri(uri: string): { role: ClusterRole; name: string } | undefined {
  const m = /^lnfleet:(front|back):([a-z0-9-]+)$/.exec(uri);
  return m === null || !MEMBER_NAME_RE.test(m[2]!) ? undefined : { role: m[1] as ClusterRole, name: m[2]! };
}

/** Serial numbers compare as lowercase hex without separators or leading zeros. */
export function normalizeSerial(s: string): string {
  const hex = s.replace(/[:\s]/g, '').toLowerCase().replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/** Fingerprints compare as 64 lowercase hex characters; accepts `AB:CD:…` (openssl, Node) too. */
export function normalizeFingerprint(s: string): string {
  const hex = s.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new PkiError('PKI_INVALID_ARGUMENT', 'a SHA-256 fingerprint is 64 hex characters (colons allowed)');
  return hex;
}

function assertName(name: string): void {
  if (!MEMBER_NAME_RE.test(name)) throw new PkiError('PKI_INVALID_ARGUMENT', `invalid member name "${name}": use 1–63 of [a-z0-9-], not starting or ending with -`);
}

function randomSerialHex(): string {
  const b = randomBytes(SERIAL_BYTES);
  b[0] = (b[0]! & 0x7f) | 0x01; // positive (DER INTEGER sign bit clear) and no leading zero byte
  return b.toString('hex');
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1) throw new PkiError('PKI_INVALID_ARGUMENT', 'validity must be a whole number of days ≥ 1');
  return { notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

async function newKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function keyToPem(key: CryptoKey, passphrase?: string): string {
  const k = KeyObject.from(key);
  return (passphrase === undefined
    ? k.export({ type: 'pkcs8', format: 'pem' })
    : k.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })) as string;
}

function toIssued(cert: X509.X509Certificate, keyPem: string): IssuedCert {
  const certPem = cert.toString('pem') + '\n';
  return { certPem, keyPem, serial: normalizeSerial(cert.serialNumber), fingerprint: fingerprintOfPem(certPem) };
}

/** SHA-256 fingerprint of a PEM certificate (lowercase hex). */
export function fingerprintOfPem(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

/** A self-signed certificate over `keys` (the CA, and the shared-mode certificate). */
async function selfSigned(name: string, keys: CryptoKeyPair, days: number, now: Date, extensions: X509.Extension[]): Promise<X509.X509Certificate> {
  const x509 = await loadX509();
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    name: `CN=${name}, O=lnfleet`,
    keys,
    signingAlgorithm: SIGN_ALG,
    ...validity(now, days),
    extensions: [...extensions, await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
}

/** Creates the cluster CA (self-signed ECDSA P-256). */
export async function createCa(opts: { name?: string; days?: number; now?: Date } = {}): Promise<IssuedCert> {
  const name = opts.name ?? 'lnfleet cluster CA';
  if (!/^[A-Za-z0-9 ._-]{1,64}$/.test(name)) throw new PkiError('PKI_INVALID_ARGUMENT', 'CA name: 1–64 of letters, digits, space, . _ -');
  const x509 = await loadX509();
  const keys = await newKeyPair();
  const cert = await selfSigned(name, keys, opts.days ?? CA_VALIDITY_DAYS, opts.now ?? new Date(), [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ]);
  return toIssued(cert, keyToPem(keys.privateKey));
}

/** Imports the CA's key for signing after checking it belongs to the CA certificate. */
async function caSigningKey(caCertPem: string, caKeyPem: string): Promise<CryptoKey> {
  let priv: KeyObject;
  try {
    priv = createPrivateKey(caKeyPem);
  } catch (e) {
    throw new PkiError('PKI_BAD_FILE', 'the CA key is not a readable unencrypted PEM private key', { cause: e });
  }
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(priv)).equals(spki(createPublicKey(caCertPem)))) {
    throw new PkiError('PKI_KEY_MISMATCH', 'the CA key does not belong to the CA certificate');
  }
  const der = priv.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, EC_ALG, false, ['sign']) as Promise<CryptoKey>;
}

/** Issues a member certificate for `role`/`name`, signed by the CA. */
export async function issueCert(
  ca: { certPem: string; keyPem: string },
  opts: { role: ClusterRole; name: string; days?: number; now?: Date },
): Promise<IssuedCert> {
  assertName(opts.name);
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const signingKey = await caSigningKey(ca.certPem, ca.keyPem);
  const keys = await newKeyPair();
  const eku = opts.role === 'front' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialHex(),
    subject: `CN=${opts.name}, OU=${opts.role}, O=lnfleet`,
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: SIGN_ALG,
    ...validity(opts.now ?? new Date(), opts.days ?? MEMBER_VALIDITY_DAYS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([eku]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: identityUri(opts.role, opts.name) }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return toIssued(cert, keyToPem(keys.privateKey));
}

/** Shortest accepted shared-mode passphrase: it protects the key of every member at once. */
export const MIN_SHARED_PASSWORD_LENGTH = 12;

/** Creates the shared-mode certificate and its key, encrypted with `password` (PKCS#8, AES-256-CBC). */
export async function createSharedCert(opts: { password: string; name?: string; days?: number; now?: Date }): Promise<IssuedCert> {
  if (opts.password.length < MIN_SHARED_PASSWORD_LENGTH) {
    throw new PkiError('PKI_INVALID_ARGUMENT', `the shared-mode password must have at least ${MIN_SHARED_PASSWORD_LENGTH} characters`);
  }
  const name = opts.name ?? 'lnfleet-shared';
  assertName(name);
  const x509 = await loadX509();
  const keys = await newKeyPair();
  const cert = await selfSigned(name, keys, opts.days ?? MEMBER_VALIDITY_DAYS, opts.now ?? new Date(), [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
  ]);
  return toIssued(cert, keyToPem(keys.privateKey, opts.password));
}

/** What a certificate says about itself. */
export interface CertSummary {
  readonly serial: string;
  readonly fingerprint: string;
  readonly subject: string;
  readonly identity: { readonly role: ClusterRole; readonly name: string } | undefined;
  readonly isCa: boolean;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Identity from Node's `subjectAltName` text (`URI:lnfleet:front:a, DNS:…`). */
export function identityFromSan(san: string | undefined): { role: ClusterRole; name: string } | undefined {
  const uris = (san ?? '').split(', ').filter((e) => e.startsWith('URI:')).map((e) => parseIdentityUri(e.slice(4)));
  const ids = uris.filter((u) => u !== undefined);
  return ids.length === 1 ? ids[0] : undefined; // zero or several identities: no identity
}

/** Summarises a certificate (Node's `X509Certificate` or PEM). */
export function certSummary(cert: X509Certificate | string): CertSummary {
  const c = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return {
    serial: normalizeSerial(c.serialNumber),
    fingerprint: createHash('sha256').update(c.raw).digest('hex'),
    subject: c.subject.replace(/\n/g, ', '),
    identity: identityFromSan(c.subjectAltName),
    isCa: c.ca,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
  };
}

/** Checks that `keyPem` decrypts with `password`; the error names `file`, not the key. */
export function checkEncryptedKey(keyPem: string, password: string, file: string): KeyObject {
  try {
    return createPrivateKey({ key: keyPem, format: 'pem', passphrase: password });
  } catch (e) {
    throw new PkiError('PKI_BAD_PASSWORD', `cannot decrypt ${file}: wrong CLUSTER_TLS_PASSWORD, or not an encrypted PKCS#8 key`, { cause: e });
  }
}

/** Reads a file for the PKI; a missing file is `PKI_FILE_MISSING` naming it. */
export function readPkiFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PkiError(code === 'ENOENT' ? 'PKI_FILE_MISSING' : 'PKI_BAD_FILE', `cannot read ${what} ${path} (${code ?? 'error'})`, { cause: e });
  }
}

// ── revocation ──────────────────────────────────────────────────────────────────────────────────

/** RFC 5280 §5.3.1 CRLReason names that apply to a cluster member. */
export const RevocationReason = {
  unspecified: 'unspecified',
  keyCompromise: 'keyCompromise',
  affiliationChanged: 'affiliationChanged',
  superseded: 'superseded',
  cessationOfOperation: 'cessationOfOperation',
} as const;
/** One of the `RevocationReason` values. */
export type RevocationReason = (typeof RevocationReason)[keyof typeof RevocationReason];

/** One revoked certificate: by serial, fingerprint or both. `name`/`role` are informational. */
export interface RevocationEntry {
  readonly serial?: string;
  readonly sha256?: string;
  readonly name?: string;
  readonly role?: ClusterRole;
  readonly reason: RevocationReason;
  /** ISO 8601 time of revocation. */
  readonly revokedAt: string;
}

/** The revocation list file: `{"version": 1, "revoked": [...]}`. */
export interface RevocationList {
  readonly version: 1;
  readonly revoked: readonly RevocationEntry[];
}

const isReason = (r: unknown): r is RevocationReason => Object.values(RevocationReason).includes(r as RevocationReason);

/** Parses and normalises a revocation list; `file` names it in errors. */
export function parseRevocationList(text: string, file: string): RevocationList {
  const fail = (why: string): never => { throw new PkiError('PKI_BAD_FILE', `revocation list ${file}: ${why}`); };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  const d = doc as { version?: unknown; revoked?: unknown };
  if (typeof doc !== 'object' || doc === null || d.version !== 1 || !Array.isArray(d.revoked)) return fail('expected {"version": 1, "revoked": [...]}');
  const revoked = (d.revoked as unknown[]).map((raw, i): RevocationEntry => {
    const e = raw as Partial<Record<keyof RevocationEntry, unknown>>;
    const at = `entry ${i + 1}`;
    if (typeof e !== 'object' || e === null) return fail(`${at} is not an object`);
    if (e.serial === undefined && e.sha256 === undefined) return fail(`${at} has neither serial nor sha256`);
    if (e.serial !== undefined && (typeof e.serial !== 'string' || !/^[0-9a-fA-F:]{1,64}$/.test(e.serial))) return fail(`${at}: serial must be hex`);
    if (e.sha256 !== undefined && (typeof e.sha256 !== 'string' || !/^[0-9a-fA-F:]{64,95}$/.test(e.sha256))) return fail(`${at}: sha256 must be 64 hex characters`);
    if (!isReason(e.reason)) return fail(`${at}: reason must be one of ${Object.values(RevocationReason).join(', ')}`);
    if (typeof e.revokedAt !== 'string' || Number.isNaN(Date.parse(e.revokedAt))) return fail(`${at}: revokedAt must be an ISO 8601 time`);
    return {
      ...(e.serial === undefined ? {} : { serial: normalizeSerial(e.serial as string) }),
      ...(e.sha256 === undefined ? {} : { sha256: normalizeFingerprint(e.sha256 as string) }),
      ...(typeof e.name === 'string' ? { name: e.name } : {}),
      ...(e.role === 'front' || e.role === 'back' ? { role: e.role } : {}),
      reason: e.reason,
      revokedAt: e.revokedAt,
    };
  });
  return { version: 1, revoked };
}

/** The file text of a revocation list (stable, one entry per line block). */
export function serializeRevocationList(list: RevocationList): string {
  return JSON.stringify(list, null, 2) + '\n';
}

/** The entry revoking the certificate with this serial or fingerprint, if any. */
export function findRevocation(list: RevocationList, cert: { serial: string; fingerprint: string }): RevocationEntry | undefined {
  const serial = normalizeSerial(cert.serial);
  const fp = cert.fingerprint.toLowerCase();
  return list.revoked.find((e) => e.serial === serial || e.sha256 === fp);
}

/** Outcome of a reload: the new entry count, or the error (the previous list stays in force). */
export type ReloadResult = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly error: PkiError };

/**
 * The backend's view of the revocation list file. `reload()` re-reads it; on any error the previous
 * list stays in force (a half-written or deleted file must never un-revoke a board).
 */
export class RevocationStore {
  #list: RevocationList = { version: 1, revoked: [] };
  readonly file: string | undefined;

  /** `file` undefined = no revocation list (nothing is revoked). Loads it now; throws if unreadable. */
  constructor(file?: string) {
    this.file = file;
    if (file !== undefined) {
      const r = this.reload();
      if (!r.ok) throw r.error;
    }
  }

  /** Re-reads the file. Call it when the file changes (see `watch`) or on SIGHUP. */
  reload(): ReloadResult {
    if (this.file === undefined) return { ok: true, count: 0 };
    try {
      this.#list = parseRevocationList(readPkiFile(this.file, 'revocation list'), this.file);
      return { ok: true, count: this.#list.revoked.length };
    } catch (e) {
      return { ok: false, error: e instanceof PkiError ? e : new PkiError('PKI_BAD_FILE', `revocation list ${this.file}: unreadable`, { cause: e }) };
    }
  }

  /** The entry revoking `cert`, if any. */
  check(cert: { serial: string; fingerprint: string }): RevocationEntry | undefined {
    return findRevocation(this.#list, cert);
  }

  /** Current number of entries. */
  get size(): number {
    return this.#list.revoked.length;
  }

  /**
   * Reloads whenever the file changes and reports each result. The directory is watched, not the
   * file, because provisioning replaces the file by rename. Returns the watcher to close.
   */
  watch(onReload: (r: ReloadResult) => void): FSWatcher | undefined {
    if (this.file === undefined) return undefined;
    const name = basename(this.file);
    return watch(dirname(this.file), (_event, changed) => {
      if (changed === null || changed === name) onReload(this.reload());
    });
  }
}
