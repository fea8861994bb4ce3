/**
 * @module provision/store
 * The provisioning directory on disk: atomic writes with exact modes, the issued-certificate index,
 * the revocation list, the fleet and board registry, and the permission check of private keys.
 *
 * Every reader throws a typed error naming the file; nothing here echoes file contents (they may be
 * keys). Writers go through a temporary file and a rename, so the backend's revocation watcher and a
 * crash mid-write never see half a file.
 *
 * Does not: decide what to write (see `provision/commands`, `cli/provision`).
 */
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRevocationList, PkiError, type ClusterRole, type RevocationList } from '../cluster/pki.js';
import { BOARDS_FILE, FLEET_FILE } from './constants.js';
import { ProvisionError } from './errors.js';
import { checkFleet, type BoardRegistry, type Fleet } from './fleet.js';

/** One issued certificate in `D/issued.json`. */
export interface IssuedRecord {
  readonly role: ClusterRole;
  readonly name: string;
  readonly serial: string;
  readonly sha256: string;
  readonly notAfter: string;
}

/** Writes through a temporary file and a rename; the mode is exact (the umask cannot widen or narrow it). */
export function writeAtomic(path: string, data: string | Uint8Array, mode: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * Refuses a private key file that group or others may read or write, like ssh does. Call it before the
 * first write of a command, so a refusal changes nothing.
 */
export function assertPrivateMode(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ProvisionError('PROVISION_PERMISSIONS', `${path} has mode ${mode.toString(8).padStart(4, '0')}: a private key must be readable by its owner only. Fix it with: chmod 600 ${path}`);
  }
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ProvisionError('PROVISION_BAD_FILE', `${path} is not a valid ${what} (JSON)`, { cause: e });
  }
}

/** `D/issued.json` (empty when absent). */
export function readIndex(dir: string): IssuedRecord[] {
  const p = join(dir, 'issued.json');
  if (!existsSync(p)) return [];
  try {
    const doc = JSON.parse(readFileSync(p, 'utf8')) as { certs?: IssuedRecord[] };
    return doc.certs ?? [];
  } catch (e) {
    throw new PkiError('PKI_BAD_FILE', `${p} is not a valid index (JSON)`, { cause: e });
  }
}

/** Text of `D/issued.json`. */
export function serializeIndex(certs: readonly IssuedRecord[]): string {
  return JSON.stringify({ version: 1, certs }, null, 2) + '\n';
}

/** `D/revocations.json` (empty when absent). */
export function readRevocations(dir: string): RevocationList {
  const p = join(dir, 'revocations.json');
  return existsSync(p) ? parseRevocationList(readFileSync(p, 'utf8'), p) : { version: 1, revoked: [] };
}

/** The CA's certificate and key; refuses a missing CA and a CA key with group/world bits. */
export function readCa(dir: string): { certPem: string; keyPem: string } {
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  for (const f of [cert, key]) {
    if (!existsSync(f)) throw new PkiError('PKI_FILE_MISSING', `${f} not found: run 'lnfleet provision ca --dir ${dir}' (or 'provision init') first`);
  }
  assertPrivateMode(key);
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

/** `D/fleet.json`, validated; a missing file says to run `provision init`. */
export function readFleet(dir: string): Fleet {
  const p = join(dir, FLEET_FILE);
  if (!existsSync(p)) throw new ProvisionError('PROVISION_FILE_MISSING', `${p} not found: run 'lnfleet provision init --dir ${dir} --vip A --subnet C' first`);
  try {
    return checkFleet(readJson(p, 'fleet file') as Fleet);
  } catch (e) {
    if (e instanceof ProvisionError && e.code === 'PROVISION_INVALID_ARGUMENT') throw new ProvisionError('PROVISION_BAD_FILE', `${p}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** `D/boards.json` (empty when absent). */
export function readBoards(dir: string): BoardRegistry {
  const p = join(dir, BOARDS_FILE);
  if (!existsSync(p)) return { version: 1, boards: [] };
  const doc = readJson(p, 'board registry') as Partial<BoardRegistry>;
  if (doc.version !== 1 || !Array.isArray(doc.boards)) throw new ProvisionError('PROVISION_BAD_FILE', `${p}: expected {"version": 1, "boards": [...]}`);
  return doc as BoardRegistry;
}

/** Names of revoked members (any role) in `list`. */
export function revokedNames(list: RevocationList, index: readonly IssuedRecord[]): Set<string> {
  return new Set(index.filter((r) => list.revoked.some((e) => e.serial === r.serial || e.sha256 === r.sha256)).map((r) => r.name));
}

/** Refuses (changing nothing) if any of `paths` exists. */
export function assertAbsent(paths: readonly string[], hint: string): void {
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0) throw new ProvisionError('PROVISION_FILE_EXISTS', `${existing.join(', ')} already exist(s); ${hint}`);
}
