/**
 * @module cluster/tls
 * `node:tls` options and identity checks for the cluster link (DESIGN §3, docs/cluster.md).
 *
 * Backend (server): TLS 1.3 only (RFC 8446), `requestCert` + `rejectUnauthorized` against the cluster
 * CA, then `checkFrontPeer` after the handshake: chain to our CA, SAN role `front`, not revoked. The
 * result is a typed `LinkPeerVerdict`; the caller destroys the socket on `rejected` and logs the reason.
 * Front (client): TLS 1.3 only, its own certificate, the cluster CA, and `checkServerIdentity` replaced by
 * `checkBackendCertificate`: SAN role `back` and the pinned SHA-256 fingerprint of the backend
 * certificate. Host names are not checked: the backend is found by IP or mDNS, and the pin decides.
 * Shared mode (eclair's): both sides present the one shared certificate and trust exactly it.
 *
 * The `load*` functions do the file I/O (reading PEMs, decrypting the shared key to check the password)
 * and check our own certificate's role before any socket opens. Nothing here logs key material; errors
 * name files.
 * Does not: open sockets, frame messages, or watch the revocation file (see `RevocationStore.watch`).
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { ConnectionOptions, PeerCertificate, TLSSocket, TlsOptions } from 'node:tls';
import type { LoadedConfig } from '../config/index.js';
import { LnfleetError } from '../errors.js';
import {
  PkiError, RevocationStore, certSummary, checkEncryptedKey, fingerprintOfPem, identityFromSan,
  normalizeFingerprint, readPkiFile, type ClusterRole, type RevocationReason,
} from './pki.js';

/** RFC 8446: the link accepts TLS 1.3 only; 1.2 and below are refused by both sides. */
const TLS13 = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

/** Our own TLS material, as loaded from files. */
export type ClusterTlsMaterial =
  | { readonly mode: 'ca'; readonly caPem: string; readonly certPem: string; readonly keyPem: string }
  | { readonly mode: 'shared'; readonly certPem: string; readonly keyPem: string; readonly password: string };

/** What the backend trusts, for `checkFrontPeer`. */
export type BackendTrust =
  | { readonly mode: 'ca'; readonly caPem: string; readonly revocations: RevocationStore }
  | { readonly mode: 'shared'; readonly sharedFingerprint: string };

/** Why a front was refused. */
export type RejectReason =
  | 'notAuthorized' | 'notTls13' | 'noCertificate' | 'untrusted' | 'noIdentity' | 'wrongRole' | 'revoked' | 'notShared'
  | 'handshakeFailed';

/** The backend's decision about a front after the handshake. */
export type LinkPeerVerdict =
  | {
    readonly kind: 'accepted';
    /** `undefined` in shared mode, where every member has the same certificate. */
    readonly name: string | undefined;
    readonly serial: string;
    readonly fingerprint: string;
  }
  | {
    readonly kind: 'rejected';
    readonly reason: RejectReason;
    /** For the log line; names no key material. */
    readonly detail: string;
    readonly serial?: string;
    readonly fingerprint?: string;
    readonly revocation?: { readonly reason: RevocationReason; readonly revokedAt: string };
  };

/** A failed backend check on the front side; `code` says which. */
export class LinkIdentityError extends LnfleetError<'LINK_BACKEND_ROLE' | 'LINK_BACKEND_PIN'> {}

/** Server options for the backend's link listener. */
export function backendServerOptions(m: ClusterTlsMaterial): TlsOptions {
  return {
    ...TLS13,
    requestCert: true,
    rejectUnauthorized: true,
    cert: m.certPem,
    key: m.keyPem,
    ca: m.mode === 'ca' ? m.caPem : m.certPem,
    ...(m.mode === 'shared' ? { passphrase: m.password } : {}),
  };
}

/** The verdict on a front's certificate (pure; `checkFrontPeer` feeds it from a socket). */
export function judgeFrontCertificate(
  cert: X509Certificate | undefined,
  trust: BackendTrust,
  session: { readonly authorized: boolean; readonly protocol: string | null },
): LinkPeerVerdict {
  const reject = (reason: RejectReason, detail: string, extra: object = {}): LinkPeerVerdict => ({ kind: 'rejected', reason, detail, ...extra });
  if (!session.authorized) return reject('notAuthorized', 'the TLS layer did not authorise the peer');
  if (session.protocol !== 'TLSv1.3') return reject('notTls13', `negotiated ${session.protocol ?? 'nothing'}, need TLSv1.3`);
  if (cert === undefined) return reject('noCertificate', 'the front sent no certificate');
  const s = certSummary(cert);
  const ids = { serial: s.serial, fingerprint: s.fingerprint };
  if (trust.mode === 'shared') {
    return s.fingerprint === trust.sharedFingerprint ? { kind: 'accepted', name: undefined, ...ids } : reject('notShared', 'not the shared cluster certificate', ids);
  }
  const ca = new X509Certificate(trust.caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return reject('untrusted', 'not issued by the cluster CA', ids);
  if (s.identity === undefined) return reject('noIdentity', 'no lnfleet:ROLE:NAME identity in the certificate', ids);
  if (s.identity.role !== 'front') return reject('wrongRole', `certificate role is ${s.identity.role}, need front`, ids);
  const r = trust.revocations.check(ids);
  if (r !== undefined) {
    return reject('revoked', `certificate of ${s.identity.name} revoked (${r.reason}, ${r.revokedAt})`, { ...ids, revocation: { reason: r.reason, revokedAt: r.revokedAt } });
  }
  return { kind: 'accepted', name: s.identity.name, ...ids };
}

/** Post-handshake check of a front on the backend's `secureConnection` socket. */
export function checkFrontPeer(socket: TLSSocket, trust: BackendTrust): LinkPeerVerdict {
  return judgeFrontCertificate(socket.getPeerX509Certificate(), trust, { authorized: socket.authorized, protocol: socket.getProtocol() });
}

/**
 * The verdict for a front refused during the handshake, from the server's `tlsClientError` event
 * `(err, socket)`. With `rejectUnauthorized`, Node destroys such a socket without `secureConnection`
 * and reports only ECONNRESET "socket hang up"; OpenSSL's reason survives in `socket.authorizationError`
 * (e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE` for a foreign CA), so the backend can still log why.
 */
export function judgeTlsClientError(err: Error & { code?: string }, socket: TLSSocket | undefined): LinkPeerVerdict {
  const authError = socket?.authorizationError;
  if (authError !== undefined && authError !== null) {
    return { kind: 'rejected', reason: 'untrusted', detail: `certificate refused by TLS: ${String(authError)}` };
  }
  if (/PROTOCOL|VERSION/i.test(`${err.code ?? ''} ${err.message}`)) {
    return { kind: 'rejected', reason: 'notTls13', detail: `handshake refused: ${err.code ?? err.message}` };
  }
  return { kind: 'rejected', reason: 'handshakeFailed', detail: `handshake failed: ${err.code ?? err.message}` };
}

/**
 * The front's check of the backend certificate, used as `checkServerIdentity` (it runs only after the
 * chain verified against the CA). CA mode: SAN role `back` and fingerprint = pin. Shared mode:
 * fingerprint = the shared certificate.
 */
export function checkBackendCertificate(cert: PeerCertificate, expect: { mode: 'ca' | 'shared'; fingerprint: string }): LinkIdentityError | undefined {
  const fp = normalizeFingerprint(cert.fingerprint256);
  if (expect.mode === 'ca') {
    const id = identityFromSan(cert.subjectaltname);
    if (id?.role !== 'back') return new LinkIdentityError('LINK_BACKEND_ROLE', `the server's certificate has role ${id?.role ?? 'none'}, need back`);
  }
  if (fp !== expect.fingerprint) {
    return new LinkIdentityError('LINK_BACKEND_PIN', `the server's certificate fingerprint ${fp} is not the pinned ${expect.fingerprint}`);
  }
  return undefined;
}

/** Client options for a front dialling the backend. `backendFingerprint` is the pin (CA mode). */
export function frontClientOptions(m: ClusterTlsMaterial, pin: { backendFingerprint: string } | undefined): ConnectionOptions {
  const fingerprint = m.mode === 'shared' ? fingerprintOfPem(m.certPem) : normalizeFingerprint(pin?.backendFingerprint ?? '');
  return {
    ...TLS13,
    rejectUnauthorized: true,
    cert: m.certPem,
    key: m.keyPem,
    ca: m.mode === 'ca' ? m.caPem : m.certPem,
    ...(m.mode === 'shared' ? { passphrase: m.password } : {}),
    checkServerIdentity: (_host, cert) => checkBackendCertificate(cert, { mode: m.mode, fingerprint }),
  };
}

// ── loading from files ─────────────────────────────────────────────────────────────────────────

/** File paths of the TLS material (the `cluster.tls.*` keys). */
export interface ClusterTlsPaths {
  readonly mode: 'ca' | 'shared';
  readonly ca?: string | undefined;
  readonly cert: string;
  readonly key: string;
  /** Front, CA mode: the backend certificate to pin. */
  readonly backendCert?: string | undefined;
  /** Backend, CA mode: the revocation list. */
  readonly revocations?: string | undefined;
  /** Shared mode: the key's passphrase. */
  readonly password?: string | undefined;
}

function need(p: string | undefined, key: string): string {
  if (p === undefined) throw new PkiError('PKI_FILE_MISSING', `${key} is not set`);
  return p;
}

/** Reads our material and checks our certificate: key matches, chains to the CA, has `role`. */
function loadMaterial(paths: ClusterTlsPaths, role: ClusterRole): ClusterTlsMaterial {
  const certPem = readPkiFile(paths.cert, 'certificate');
  const keyPem = readPkiFile(paths.key, 'private key');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    throw new PkiError('PKI_BAD_FILE', `${paths.cert} is not a PEM certificate`, { cause: e });
  }
  let key: KeyObject;
  if (paths.mode === 'shared') {
    key = checkEncryptedKey(keyPem, need(paths.password, 'cluster.tls.password (CLUSTER_TLS_PASSWORD)'), paths.key);
  } else {
    try {
      key = createPrivateKey(keyPem);
    } catch (e) {
      throw new PkiError('PKI_BAD_FILE', `${paths.key} is not an unencrypted PEM private key`, { cause: e });
    }
  }
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(cert.publicKey))) throw new PkiError('PKI_KEY_MISMATCH', `${paths.key} does not belong to ${paths.cert}`);
  if (paths.mode === 'shared') return { mode: 'shared', certPem, keyPem, password: paths.password! };
  const caFile = need(paths.ca, 'cluster.tls.ca');
  const caPem = readPkiFile(caFile, 'CA certificate');
  if (!cert.checkIssued(new X509Certificate(caPem)) || !cert.verify(new X509Certificate(caPem).publicKey)) {
    throw new PkiError('PKI_BAD_FILE', `${paths.cert} is not issued by the CA in ${caFile}`);
  }
  const id = identityFromSan(cert.subjectAltName);
  if (id?.role !== role) throw new PkiError('PKI_BAD_FILE', `${paths.cert} is a ${id?.role ?? 'role-less'} certificate; this process needs a ${role} certificate`);
  return { mode: 'ca', caPem, certPem, keyPem };
}

/** Everything the backend's link listener needs. */
export interface BackendTls {
  readonly serverOptions: TlsOptions;
  readonly trust: BackendTrust;
}

/** Loads the backend's TLS material and revocation list. */
export function loadBackendTls(paths: ClusterTlsPaths): BackendTls {
  const m = loadMaterial(paths, 'back');
  const trust: BackendTrust = m.mode === 'ca'
    ? { mode: 'ca', caPem: m.caPem, revocations: new RevocationStore(paths.revocations) }
    : { mode: 'shared', sharedFingerprint: fingerprintOfPem(m.certPem) };
  return { serverOptions: backendServerOptions(m), trust };
}

/** Loads a front's TLS material and the backend pin; returns the client options. */
export function loadFrontTls(paths: ClusterTlsPaths): ConnectionOptions {
  const m = loadMaterial(paths, 'front');
  if (m.mode === 'shared') return frontClientOptions(m, undefined);
  const pinFile = need(paths.backendCert, 'cluster.tls.backend-cert');
  return frontClientOptions(m, { backendFingerprint: fingerprintOfPem(readPkiFile(pinFile, 'backend certificate')) });
}

/** The `cluster.tls.*` keys of a loaded configuration as `ClusterTlsPaths`. */
export function tlsPathsFromConfig(c: LoadedConfig): ClusterTlsPaths {
  return {
    mode: c.values['cluster.tls.mode'],
    ca: c.values['cluster.tls.ca'],
    cert: need(c.values['cluster.tls.cert'], 'cluster.tls.cert'),
    key: need(c.values['cluster.tls.key'], 'cluster.tls.key'),
    backendCert: c.values['cluster.tls.backend-cert'],
    revocations: c.values['cluster.tls.revocations'],
    password: c.values['cluster.tls.password'],
  };
}
