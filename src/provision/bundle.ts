/**
 * @module provision/bundle
 * The board bundle: one file that `lnfleet provision board` writes and the image's first boot applies
 * (`lnfleet board firstboot`). Format (documented for operators in docs/boards.md):
 *
 * ```
 * lnfleet-bundle.tar            POSIX ustar, flat names, regular files, in this order:
 *   manifest.json   {"format":"lnfleet-bundle","version":1,"board":NAME,"createdAt":ISO,
 *                    "nodeId":HEX|null,"members":{NAME:{"sha256":HEX,"size":N},…}}
 *   hostname        the board's hostname (= board name), one line
 *   front.conf      the front's config (`key = value`, see `lnfleet config describe`)
 *   ca.crt          cluster CA certificate
 *   backend.crt     the backend's certificate, pinned by the front
 *   front.crt       this board's certificate (role front, name = board)
 *   front.key       this board's private key (the only secret; tar mode 0600)
 *   nftables.conf   the front's nftables ruleset (`lnfleet gen nftables --role front`)
 *   keepalived.conf this board's keepalived.conf (`lnfleet gen keepalived --self NAME`)
 * ```
 *
 * The member set is closed: a bundle with a member missing, an extra member, a hash or size that does
 * not match the manifest is refused. Content rules checked on both sides: only `front.key` holds a
 * private key, and it belongs to `front.crt`; `front.crt` and `backend.crt` are signed by `ca.crt` and
 * carry the roles front (name = board) and back. So a bundle can never carry the CA key or the node key
 * (the node key is not a PEM and has no member to live in).
 *
 * Pure apart from hashing. Does not: read or write files (see `provision/commands`, `provision/firstboot`).
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { certSummary, MEMBER_NAME_RE } from '../cluster/pki.js';
import { MAX_BUNDLE_BYTES, MAX_MEMBER_BYTES, PUBLIC_MODE, SECRET_MODE } from './constants.js';
import { ProvisionError } from './errors.js';
import { readTar, writeTar } from './tar.js';

/** Format tag in the manifest. */
export const BUNDLE_FORMAT = 'lnfleet-bundle';
/** Format version; a reader refuses any other. */
export const BUNDLE_VERSION = 1;
/** Name of the manifest member (always first). */
export const MANIFEST_NAME = 'manifest.json';
/** Every member besides the manifest, in archive order. */
export const BUNDLE_MEMBERS = [
  'hostname', 'front.conf', 'ca.crt', 'backend.crt', 'front.crt', 'front.key', 'nftables.conf', 'keepalived.conf',
] as const;
/** One of `BUNDLE_MEMBERS`. */
export type BundleMember = (typeof BUNDLE_MEMBERS)[number];
/** The one secret member. */
export const SECRET_MEMBER: BundleMember = 'front.key';

/** What the manifest records about one member. */
export interface MemberInfo {
  readonly sha256: string;
  readonly size: number;
}

/** The manifest (first member). */
export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly version: typeof BUNDLE_VERSION;
  readonly board: string;
  readonly createdAt: string;
  /** The node id the front expects (`node.pub-key`), or null if unknown at provisioning (aws-sm). */
  readonly nodeId: string | null;
  readonly members: Readonly<Record<BundleMember, MemberInfo>>;
}

/** A decoded, validated bundle. */
export interface Bundle {
  readonly manifest: BundleManifest;
  readonly files: Readonly<Record<BundleMember, Uint8Array>>;
  /** SHA-256 of the whole archive (hex), for the done marker and logs. */
  readonly sha256: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function invalid(why: string): never {
  throw new ProvisionError('BUNDLE_INVALID', `bundle: ${why}`);
}

function cert(pem: Uint8Array, member: string): X509Certificate {
  try {
    return new X509Certificate(Buffer.from(pem));
  } catch {
    return invalid(`${member} is not a PEM certificate`);
  }
}

/**
 * Checks the content rules (see the module comment). Throws `BUNDLE_INVALID` naming the member, never
 * echoing key material.
 */
export function checkBundleContent(board: string, files: Readonly<Record<BundleMember, Uint8Array>>): void {
  if (!MEMBER_NAME_RE.test(board)) invalid(`board name ${JSON.stringify(board)} is not 1–63 of [a-z0-9-]`);
  if (text(files.hostname).trim() !== board) invalid('hostname does not match the board name');
  for (const m of BUNDLE_MEMBERS) {
    if (m !== SECRET_MEMBER && text(files[m]).includes('PRIVATE KEY')) invalid(`${m} contains a private key; only front.key may`);
  }
  const ca = cert(files['ca.crt'], 'ca.crt');
  if (!ca.ca) invalid('ca.crt is not a CA certificate');
  const front = cert(files['front.crt'], 'front.crt');
  const back = cert(files['backend.crt'], 'backend.crt');
  for (const [c, m] of [[front, 'front.crt'], [back, 'backend.crt']] as const) {
    if (!c.verify(ca.publicKey)) invalid(`${m} is not signed by ca.crt`);
  }
  const fid = certSummary(front).identity;
  if (fid?.role !== 'front' || fid.name !== board) invalid(`front.crt is not the front certificate of ${board}`);
  if (certSummary(back).identity?.role !== 'back') invalid('backend.crt is not a backend certificate');
  let key;
  try {
    key = createPrivateKey(Buffer.from(files['front.key']));
  } catch {
    return invalid('front.key is not an unencrypted PEM private key');
  }
  const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(front.publicKey))) invalid('front.key does not belong to front.crt');
}

/** Builds the archive. Runs `checkBundleContent` first, so provisioning can never write a bad bundle. */
export function encodeBundle(input: {
  board: string;
  createdAt: Date;
  nodeId: string | null;
  files: Readonly<Record<BundleMember, Uint8Array>>;
}): Uint8Array {
  checkBundleContent(input.board, input.files);
  const members = Object.fromEntries(BUNDLE_MEMBERS.map((m) => [m, { sha256: sha256(input.files[m]), size: input.files[m].length }]));
  const manifest = {
    format: BUNDLE_FORMAT, version: BUNDLE_VERSION, board: input.board, createdAt: input.createdAt.toISOString(),
    nodeId: input.nodeId, members,
  };
  const mtime = Math.floor(input.createdAt.getTime() / 1000);
  return writeTar([
    { name: MANIFEST_NAME, data: new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'), mtime },
    ...BUNDLE_MEMBERS.map((m) => ({ name: m, data: input.files[m], mode: m === SECRET_MEMBER ? SECRET_MODE : PUBLIC_MODE, mtime })),
  ]);
}

function parseManifest(data: Uint8Array): BundleManifest {
  let m: Partial<BundleManifest>;
  try {
    m = JSON.parse(text(data)) as Partial<BundleManifest>;
  } catch {
    return invalid('manifest.json is not JSON');
  }
  if (m.format !== BUNDLE_FORMAT) invalid(`manifest format is not ${BUNDLE_FORMAT}`);
  if (m.version !== BUNDLE_VERSION) invalid(`manifest version ${String(m.version)} is not supported (this lnfleet reads version ${BUNDLE_VERSION})`);
  if (typeof m.board !== 'string' || typeof m.createdAt !== 'string' || Number.isNaN(Date.parse(m.createdAt))) invalid('manifest needs board and createdAt');
  if (m.nodeId !== null && (typeof m.nodeId !== 'string' || !/^0[23][0-9a-f]{64}$/.test(m.nodeId))) invalid('manifest nodeId must be a compressed public key (hex) or null');
  if (typeof m.members !== 'object' || m.members === null) invalid('manifest has no members');
  const names = Object.keys(m.members).sort();
  if (names.join() !== [...BUNDLE_MEMBERS].sort().join()) invalid(`manifest members must be exactly ${BUNDLE_MEMBERS.join(', ')}`);
  return m as BundleManifest;
}

/** Decodes and validates a bundle archive (see the module comment for every check). */
export function decodeBundle(bytes: Uint8Array): Bundle {
  if (bytes.length > MAX_BUNDLE_BYTES) invalid(`${bytes.length} bytes is larger than any bundle (limit ${MAX_BUNDLE_BYTES})`);
  const entries = readTar(bytes, MAX_MEMBER_BYTES);
  if (entries[0]?.name !== MANIFEST_NAME) invalid(`the first member must be ${MANIFEST_NAME}`);
  const manifest = parseManifest(entries[0].data);
  const rest = entries.slice(1);
  const extra = rest.find((e) => !(BUNDLE_MEMBERS as readonly string[]).includes(e.name));
  if (extra !== undefined) invalid(`unexpected member ${extra.name}`);
  const files = {} as Record<BundleMember, Uint8Array>;
  for (const m of BUNDLE_MEMBERS) {
    const e = rest.find((x) => x.name === m);
    if (e === undefined) invalid(`member ${m} is missing`);
    const want = manifest.members[m];
    if (e.data.length !== want.size || sha256(e.data) !== want.sha256) invalid(`member ${m} does not match its manifest hash (corrupted or edited)`);
    files[m] = e.data;
  }
  checkBundleContent(manifest.board, files);
  return { manifest, files, sha256: sha256(bytes) };
}
