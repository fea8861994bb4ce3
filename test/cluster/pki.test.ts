// Cluster PKI with real node:tls on 127.0.0.1: CA-issued fronts accepted, foreign/revoked/mis-roled
// certificates refused, backend pinning, TLS 1.2 refused, shared mode, and openssl interoperability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import {
  PkiError, RevocationStore, certSummary, createCa, createSharedCert, issueCert, parseRevocationList,
  serializeRevocationList, type IssuedCert,
} from '../../src/cluster/pki.js';
import {
  backendServerOptions, checkBackendCertificate, frontClientOptions, loadBackendTls, loadFrontTls,
  type ClusterTlsMaterial,
} from '../../src/cluster/tls.js';
import { WELCOME, dial, startBackend } from './tls-harness.js';

const ca = await createCa();
const back = await issueCert(ca, { role: 'back', name: 'back' });
const frontA = await issueCert(ca, { role: 'front', name: 'front-a' });
const backMat: ClusterTlsMaterial = { mode: 'ca', caPem: ca.certPem, certPem: back.certPem, keyPem: back.keyPem };
const frontMat = (c: IssuedCert): ClusterTlsMaterial => ({ mode: 'ca', caPem: ca.certPem, certPem: c.certPem, keyPem: c.keyPem });
const pin = { backendFingerprint: back.fingerprint };
const BOUND = { timeout: 30_000 };

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'lnfleet-pki-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

test('certificates carry role and name; serials are random and positive', async () => {
  const s = certSummary(frontA.certPem);
  assert.deepEqual(s.identity, { role: 'front', name: 'front-a' });
  assert.equal(s.isCa, false);
  assert.equal(certSummary(ca.certPem).isCa, true);
  assert.match(s.subject, /CN=front-a/);
  const again = await issueCert(ca, { role: 'front', name: 'front-a' });
  assert.notEqual(again.serial, frontA.serial);
  // 16 random bytes, first byte 0x01–0x7f (positive, no leading zero byte): 31–32 hex digits once normalised.
  assert.match(frontA.serial, /^[1-9a-f][0-9a-f]{30,31}$/);
  assert.ok(parseInt(frontA.serial.padStart(32, '0').slice(0, 2), 16) <= 0x7f);
  await assert.rejects(issueCert(ca, { role: 'front', name: 'Bad_Name' }), (e: unknown) => e instanceof PkiError && e.code === 'PKI_INVALID_ARGUMENT');
  const other = await createCa();
  await assert.rejects(issueCert({ certPem: ca.certPem, keyPem: other.keyPem }, { role: 'front', name: 'x' }), (e: unknown) => e instanceof PkiError && e.code === 'PKI_KEY_MISMATCH');
});

test('a CA-issued front is accepted by the backend and both sides agree', BOUND, async (t) => {
  const store = new RevocationStore();
  const b = await startBackend(backendServerOptions(backMat), { mode: 'ca', caPem: ca.certPem, revocations: store });
  t.after(() => b.close());
  const r = await dial(b.port, frontClientOptions(frontMat(frontA), pin));
  assert.equal(r.error, undefined);
  assert.equal(r.data, WELCOME);
  assert.equal(r.protocol, 'TLSv1.3');
  assert.equal(b.verdicts.length, 1);
  assert.deepEqual(b.verdicts[0], { kind: 'accepted', name: 'front-a', serial: frontA.serial, fingerprint: frontA.fingerprint });
});

test('a front certificate from a foreign CA is refused by the backend', BOUND, async (t) => {
  const foreignCa = await createCa({ name: 'evil CA' });
  const foreign = await issueCert(foreignCa, { role: 'front', name: 'front-a' });
  const b = await startBackend(backendServerOptions(backMat), { mode: 'ca', caPem: ca.certPem, revocations: new RevocationStore() });
  t.after(() => b.close());
  const refused = b.nextRefusal();
  const r = await dial(b.port, frontClientOptions(frontMat(foreign), pin));
  assert.equal(r.data, '');
  const v = await refused;
  assert.equal(v.kind === 'rejected' && v.reason, 'untrusted');
  assert.match(v.kind === 'rejected' ? v.detail : '', /UNABLE_TO_|CERT/);
  assert.equal(b.verdicts.length, 0, 'never reached the application');
});

test('a revoked front is refused after reload, without restarting the server', BOUND, async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'revocations.json');
  writeFileSync(file, serializeRevocationList({ version: 1, revoked: [] }));
  const store = new RevocationStore(file);
  const b = await startBackend(backendServerOptions(backMat), { mode: 'ca', caPem: ca.certPem, revocations: store });
  t.after(() => b.close());
  assert.equal((await dial(b.port, frontClientOptions(frontMat(frontA), pin))).data, WELCOME);
  writeFileSync(file, serializeRevocationList({ version: 1, revoked: [{ serial: frontA.serial, reason: 'keyCompromise', revokedAt: '2026-01-02T03:04:05Z' }] }));
  assert.deepEqual(store.reload(), { ok: true, count: 1 });
  const r = await dial(b.port, frontClientOptions(frontMat(frontA), pin));
  assert.equal(r.data, '');
  const v = b.verdicts[1]!;
  assert.equal(v.kind, 'rejected');
  assert.equal(v.kind === 'rejected' && v.reason, 'revoked');
  // A broken file on reload keeps the previous list in force.
  writeFileSync(file, '{"version": 1, "revoked": [');
  const bad = store.reload();
  assert.equal(bad.ok, false);
  assert.equal(store.size, 1);
  // Revocation by fingerprint alone works too.
  const frontB = await issueCert(ca, { role: 'front', name: 'front-b' });
  writeFileSync(file, serializeRevocationList({ version: 1, revoked: [{ sha256: frontB.fingerprint.toUpperCase(), reason: 'superseded', revokedAt: '2026-01-02T03:04:05Z' }] }));
  assert.equal(store.reload().ok, true);
  assert.equal((await dial(b.port, frontClientOptions(frontMat(frontB), pin))).data, '');
  assert.equal((await dial(b.port, frontClientOptions(frontMat(frontA), pin))).data, WELCOME, 'front-a is no longer on the list');
});

test('a front-role certificate presented as the backend is refused by the front', BOUND, async (t) => {
  const impostor: ClusterTlsMaterial = frontMat(await issueCert(ca, { role: 'front', name: 'front-evil' }));
  const b = await startBackend(backendServerOptions(impostor));
  t.after(() => b.close());
  // Pin the impostor itself, so only its role (and its clientAuth-only key usage) can refuse it.
  const r = await dial(b.port, frontClientOptions(frontMat(frontA), { backendFingerprint: certSummary(impostor.certPem).fingerprint }));
  assert.equal(r.data, '');
  assert.ok(r.error !== undefined);
  // The role check by itself, on the impostor's real certificate fields:
  const x = new X509Certificate(impostor.certPem);
  const peer = { fingerprint256: x.fingerprint256, subjectaltname: x.subjectAltName } as PeerCertificate;
  assert.equal(checkBackendCertificate(peer, { mode: 'ca', fingerprint: certSummary(impostor.certPem).fingerprint })?.code, 'LINK_BACKEND_ROLE');
});

test('a wrong pinned fingerprint fails the front\'s check', BOUND, async (t) => {
  const otherBack = await issueCert(ca, { role: 'back', name: 'back-2' });
  const b = await startBackend(backendServerOptions({ ...backMat, certPem: otherBack.certPem, keyPem: otherBack.keyPem }));
  t.after(() => b.close());
  const r = await dial(b.port, frontClientOptions(frontMat(frontA), pin));
  assert.equal(r.data, '');
  assert.equal(r.error?.code, 'LINK_BACKEND_PIN');
});

test('TLS 1.2 is refused in both directions', BOUND, async (t) => {
  const b = await startBackend(backendServerOptions(backMat), { mode: 'ca', caPem: ca.certPem, revocations: new RevocationStore() });
  t.after(() => b.close());
  const refused = b.nextRefusal();
  const r = await dial(b.port, { ...frontClientOptions(frontMat(frontA), pin), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  assert.equal(r.data, '');
  assert.ok(r.error !== undefined);
  assert.equal(b.verdicts.length, 0);
  const v = await refused;
  assert.equal(v.kind === 'rejected' && v.reason, 'notTls13', JSON.stringify(v));
  const old = await startBackend({ ...backendServerOptions(backMat), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
  t.after(() => old.close());
  const r2 = await dial(old.port, frontClientOptions(frontMat(frontA), pin));
  assert.equal(r2.data, '');
  assert.ok(r2.error !== undefined);
});

test('shared mode: works with the right password, fails to load with a wrong one', BOUND, async (t) => {
  const dir = tmp(t);
  const password = 'correct horse battery staple';
  const shared = await createSharedCert({ password });
  writeFileSync(join(dir, 'shared.crt'), shared.certPem);
  writeFileSync(join(dir, 'shared.key'), shared.keyPem, { mode: 0o600 });
  assert.match(shared.keyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  const paths = { mode: 'shared' as const, cert: join(dir, 'shared.crt'), key: join(dir, 'shared.key'), password };
  const bt = loadBackendTls(paths);
  const b = await startBackend(bt.serverOptions, bt.trust);
  t.after(() => b.close());
  const r = await dial(b.port, loadFrontTls(paths));
  assert.equal(r.data, WELCOME);
  assert.equal(b.verdicts[0]?.kind === 'accepted' && b.verdicts[0].name, undefined);
  // A CA-mode front is not the shared certificate: refused.
  const other = await dial(b.port, { ...frontClientOptions(frontMat(frontA), pin), ca: [ca.certPem, shared.certPem], checkServerIdentity: () => undefined });
  assert.equal(other.data, '');
  for (const load of [loadBackendTls, loadFrontTls]) {
    assert.throws(() => load({ ...paths, password: 'wrong password!!' }), (e: unknown) =>
      e instanceof PkiError && e.code === 'PKI_BAD_PASSWORD' && e.message.includes('shared.key') && !e.message.includes('wrong password'));
  }
  await assert.rejects(createSharedCert({ password: 'short' }), PkiError);
});

test('loaders refuse our own certificate in the wrong role or with the wrong key', async (t) => {
  const dir = tmp(t);
  const w = (n: string, s: string) => { writeFileSync(join(dir, n), s); return join(dir, n); };
  const paths = { mode: 'ca' as const, ca: w('ca.crt', ca.certPem), cert: w('front.crt', frontA.certPem), key: w('front.key', frontA.keyPem) };
  assert.throws(() => loadBackendTls(paths), (e: unknown) => e instanceof PkiError && /front certificate; this process needs a back/.test(e.message));
  assert.throws(() => loadFrontTls({ ...paths, key: w('back.key', back.keyPem), backendCert: w('back.crt', back.certPem) }), (e: unknown) => e instanceof PkiError && e.code === 'PKI_KEY_MISMATCH');
  assert.throws(() => loadFrontTls({ ...paths, cert: join(dir, 'missing.crt') }), (e: unknown) => e instanceof PkiError && e.code === 'PKI_FILE_MISSING' && e.message.includes('missing.crt'));
});

test('revocation list parsing is strict and names the file', () => {
  assert.throws(() => parseRevocationList('[]', 'r.json'), /r\.json: expected/);
  assert.throws(() => parseRevocationList('{"version":1,"revoked":[{"reason":"keyCompromise","revokedAt":"2026-01-01T00:00:00Z"}]}', 'r.json'), /neither serial nor sha256/);
  assert.throws(() => parseRevocationList('{"version":1,"revoked":[{"serial":"0a","reason":"stolen","revokedAt":"2026-01-01T00:00:00Z"}]}', 'r.json'), /reason must be one of/);
  const l = parseRevocationList('{"version":1,"revoked":[{"serial":"00:0A:bc","reason":"unspecified","revokedAt":"2026-01-01T00:00:00Z"}]}', 'r.json');
  assert.equal(l.revoked[0]!.serial, 'abc');
});

test('openssl accepts the issued certificates', (t) => {
  if (spawnSync('openssl', ['version']).error !== undefined) {
    t.skip('openssl not installed');
    return;
  }
  const dir = tmp(t);
  const w = (n: string, s: string) => { writeFileSync(join(dir, n), s); return join(dir, n); };
  const caFile = w('ca.crt', ca.certPem);
  const run = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
  const vf = run('verify', '-CAfile', caFile, '-purpose', 'sslclient', w('front.crt', frontA.certPem));
  assert.equal(vf.status, 0, vf.stderr);
  assert.match(vf.stdout, /front\.crt: OK/);
  const vb = run('verify', '-CAfile', caFile, '-purpose', 'sslserver', w('back.crt', back.certPem));
  assert.equal(vb.status, 0, vb.stderr);
  const text = run('x509', '-noout', '-text', '-in', join(dir, 'front.crt'));
  assert.equal(text.status, 0);
  assert.match(text.stdout, /URI:lnfleet:front:front-a/);
  assert.match(text.stdout, /TLS Web Client Authentication/);
  assert.match(text.stdout, /ecdsa-with-SHA256/);
  assert.match(run('x509', '-noout', '-text', '-in', caFile).stdout, /CA:TRUE, pathlen:0/);
  const foreign = run('verify', '-CAfile', w('shared.crt', back.certPem), join(dir, 'front.crt'));
  assert.notEqual(foreign.status, 0);
  const key = run('pkey', '-in', w('front.key', frontA.keyPem), '-noout');
  assert.equal(key.status, 0, key.stderr);
});

