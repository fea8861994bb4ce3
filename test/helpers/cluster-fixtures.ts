/**
 * Shared test scaffolding for cluster tests (not a test file): a temporary PKI directory with a cluster
 * CA, the backend's certificate and a revocation list, and config builders for both roles.
 * Used by test/back; the front's tests may use it too. Keep the API small:
 *
 *   const pki = await createTempPki();            // t.after(() => pki.cleanup())
 *   const front = await pki.issue('front', 'a');  // CA-signed front cert + key files (0600)
 *   const rogue = await pki.foreign('front', 'x'); // same shape, from another CA
 *   pki.revoke(front);                             // rewrites revocations.json by rename (as provision does)
 *   const bc = backendConfig(pki, { 'log.level': 'debug' });          // role back, loopback, regtest, env key
 *   const fc = frontConfig(pki, front, linkPort, { 'front.listen': '127.0.0.1:19735' });
 *   startBackend(bc, { env: TEST_NODE_ENV, ephemeralPorts: true })
 *
 * Configs are parsed with an empty environment (nothing leaks in from the host), so pass secrets such
 * as NODE_PRIV_KEY to the daemon explicitly (`TEST_NODE_ENV`).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { activeEngine } from '../../src/crypto/index.js';
import { createCa, issueCert, serializeRevocationList, type IssuedCert, type RevocationEntry } from '../../src/cluster/pki.js';
import { parseConfig, type LoadedConfig } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/log.js';

/** The node key the test configs use (env provider); never a real key. */
export const TEST_NODE_PRIV_HEX = '0101010101010101010101010101010101010101010101010101010101010101';
/** `TEST_NODE_PRIV_HEX`'s public key, hex. */
export const TEST_NODE_ID_HEX = Buffer.from(activeEngine().publicKey(Buffer.from(TEST_NODE_PRIV_HEX, 'hex'))).toString('hex');
/** Environment for `startBackend(…, { env })` with the test key. */
export const TEST_NODE_ENV: Readonly<Record<string, string>> = { NODE_PRIV_KEY: TEST_NODE_PRIV_HEX };

/** A member certificate written to files. */
export interface MemberFiles extends IssuedCert {
  readonly role: 'front' | 'back';
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** A temporary PKI directory. */
export interface TempPki {
  readonly dir: string;
  readonly ca: IssuedCert;
  readonly caPath: string;
  /** The backend's certificate ("back"). */
  readonly back: MemberFiles;
  readonly revocationsPath: string;
  /** Issues a CA-signed certificate and writes `<name>.crt` / `<name>.key`. */
  issue(role: 'front' | 'back', name: string): Promise<MemberFiles>;
  /** Same, but signed by a fresh foreign CA (the backend must refuse it). */
  foreign(role: 'front' | 'back', name: string): Promise<MemberFiles>;
  /** Adds `m` to the revocation list (atomic rename, like `lnfleet provision revoke`). */
  revoke(m: MemberFiles): void;
  /** Removes the directory. */
  cleanup(): void;
}

async function writeMember(dir: string, c: IssuedCert, role: 'front' | 'back', name: string, prefix = ''): Promise<MemberFiles> {
  const certPath = join(dir, `${prefix}${name}.crt`);
  const keyPath = join(dir, `${prefix}${name}.key`);
  writeFileSync(certPath, c.certPem);
  writeFileSync(keyPath, c.keyPem, { mode: 0o600 });
  return { ...c, role, name, certPath, keyPath };
}

/** Creates a CA, a backend certificate and an empty revocation list in a fresh temp dir. */
export async function createTempPki(): Promise<TempPki> {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-pki-'));
  const ca = await createCa();
  const caPath = join(dir, 'ca.crt');
  writeFileSync(caPath, ca.certPem);
  const revocationsPath = join(dir, 'revocations.json');
  const revoked: RevocationEntry[] = [];
  const writeList = () => {
    const tmp = `${revocationsPath}.tmp`;
    writeFileSync(tmp, serializeRevocationList({ version: 1, revoked }));
    renameSync(tmp, revocationsPath);
  };
  writeList();
  const issue = async (role: 'front' | 'back', name: string) => writeMember(dir, await issueCert(ca, { role, name }), role, name);
  const back = await issue('back', 'back');
  return {
    dir, ca, caPath, back, revocationsPath, issue,
    foreign: async (role, name) => {
      const other = await createCa({ name: 'foreign CA' });
      return writeMember(dir, await issueCert(other, { role, name }), role, name, 'foreign-');
    },
    revoke: (m) => {
      revoked.push({ serial: m.serial, sha256: m.fingerprint, name: m.name, role: m.role, reason: 'keyCompromise', revokedAt: new Date().toISOString() });
      writeList();
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function config(role: 'back' | 'front', lines: Record<string, string>): LoadedConfig {
  const fileText = Object.entries(lines).map(([k, v]) => `${k} = "${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join('\n');
  return parseConfig({ role, fileText, fileName: `test-${role}.conf`, env: {} });
}

/**
 * A backend config on loopback: regtest, `env` key provider (pass `TEST_NODE_ENV`), data dir inside
 * the PKI dir, no mDNS. Ports are the defaults: start with `ephemeralPorts: true`. `extra` overrides.
 */
export function backendConfig(pki: TempPki, extra: Record<string, string> = {}): LoadedConfig {
  return config('back', {
    'chain': 'regtest',
    'data-dir': join(pki.dir, 'back-data'),
    'node.key-provider': 'env',
    'cluster.bind': '127.0.0.1',
    'cluster.mdns': 'false',
    'cluster.tls.ca': pki.caPath,
    'cluster.tls.cert': pki.back.certPath,
    'cluster.tls.key': pki.back.keyPath,
    'cluster.tls.revocations': pki.revocationsPath,
    'api.listen': '127.0.0.1:8080',
    'metrics.listen': '127.0.0.1:9095',
    ...extra,
  });
}

/** A front config dialling the backend at 127.0.0.1:`linkPort` with `front`'s certificate, no metrics listener. `extra` overrides. */
export function frontConfig(pki: TempPki, front: MemberFiles, linkPort: number, extra: Record<string, string> = {}): LoadedConfig {
  return config('front', {
    'chain': 'regtest',
    'data-dir': join(pki.dir, `front-${front.name}-data`),
    'front.id': front.name,
    'cluster.backend-address': '127.0.0.1',
    'cluster.port': String(linkPort),
    'cluster.mdns': 'false',
    'cluster.tls.ca': pki.caPath,
    'cluster.tls.cert': front.certPath,
    'cluster.tls.key': front.keyPath,
    'cluster.tls.backend-cert': pki.back.certPath,
    'front.listen': '127.0.0.1:9735',
    'front.health-listen': '127.0.0.1:9736',
    // The front serves metrics on front.health-listen too; a second listener on a fixed port would
    // collide between fronts and test files (tests that want it pass `metricsListen` or turn this on).
    'metrics.enabled': 'false',
    'metrics.listen': '127.0.0.1:9095',
    ...verifyThreadsFromEnv(),
    ...extra,
  });
}

/**
 * `LNFLEET_TEST_VERIFY_THREADS`, when set, becomes every test front's `front.verify-threads` (a test's own
 * setting wins), so the daemon suites run with the gossip verification threads off (`0`) or at another
 * count; unset, fronts take the default (min(3, cores - 1)).
 */
function verifyThreadsFromEnv(): Record<string, string> {
  const n = process.env.LNFLEET_TEST_VERIFY_THREADS;
  return n === undefined || n === '' ? {} : { 'front.verify-threads': n };
}

/** A pino logger whose JSON lines are kept in `lines` (parsed), for asserting on log output. */
export function captureLogger(level = 'debug'): { logger: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString('utf8');
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('back', level, stream), lines, text: () => raw };
}

/** Polls `check` every 10 ms until it returns a non-undefined value; rejects after `timeoutMs` (a bound, not an assertion on time). */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
