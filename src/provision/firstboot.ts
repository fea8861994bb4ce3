/**
 * @module provision/firstboot
 * First boot of a board: apply its bundle (provision/bundle) to a root file system. The image's
 * `lnfleet-firstboot.service` runs `lnfleet board firstboot --bundle /boot/firmware/lnfleet-bundle.tar`
 * once; tests run the same code against a fake root directory (`--root R`).
 *
 * Steps, in order (nothing is written until step 3):
 *   1. read and validate the bundle (closed member set, manifest hashes, certificate chain, key/cert
 *      pair, front.conf parses as a front config);
 *   2. resolve the service account in R/etc/passwd and R/etc/group when ownership is applied;
 *   3. install the members (layout.ts: /etc/lnfleet/*, /etc/nftables.conf, /etc/keepalived/…), set the
 *      hostname (/etc/hostname, the 127.0.1.1 line of /etc/hosts), enable nftables, keepalived and the
 *      front (symlinks in multi-user.target.wants; systemctl is never called);
 *   4. shred the bundle (overwrite with zeros, fsync, unlink) so the card's FAT partition no longer holds
 *      the board key, unless `keepBundle`;
 *   5. write the done marker (/var/lib/lnfleet-firstboot/done), which the unit's condition checks.
 * Every step is idempotent: a power cut before step 5 makes the next boot redo it all.
 *
 * Logs name files, modes and owners; secret members are logged as "(secret)", never with content or hash.
 * Does not: start services (the image orders them after this unit) or touch the network.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, symlinkSync, unlinkSync, writeSync, chmodSync, chownSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, parseConfig } from '../config/index.js';
import { FIRSTBOOT_DONE_MARKER, SERVICE_USER } from '../deploy/constants.js';
import { decodeBundle, SECRET_MEMBER, type Bundle, type BundleMember } from './bundle.js';
import { MAX_BUNDLE_BYTES } from './constants.js';
import { ProvisionError } from './errors.js';
import { BOARD_CONFIG_DIR, ENABLE_UNITS, HOSTNAME_FILE, HOSTS_FILE, INSTALL, WANTS_DIR, type Owner } from './layout.js';

/** One file first boot writes (paths are absolute on the board, i.e. relative to the root). */
export interface PlannedFile {
  readonly path: string;
  readonly mode: number;
  readonly owner: Owner;
  readonly group: Owner;
  readonly data: Uint8Array;
  /** True for the board key: never logged. */
  readonly secret: boolean;
}

/** Everything first boot does to the root, computed without I/O beyond reading /etc/hosts. */
export interface FirstbootPlan {
  readonly board: string;
  readonly dirs: readonly { readonly path: string; readonly mode: number; readonly owner: Owner; readonly group: Owner }[];
  readonly files: readonly PlannedFile[];
  readonly links: readonly { readonly path: string; readonly target: string }[];
  readonly marker: PlannedFile;
}

/** Injected effects: ownership changes (default: only when running as root) and the log. */
export interface FirstbootOptions {
  readonly bundlePath: string;
  /** Root prefix ("/" on a board). */
  readonly root: string;
  readonly now: Date;
  /** Keep the bundle instead of shredding it (tests, re-runs by hand). */
  readonly keepBundle?: boolean;
  /** How to chown: `true` = chownSync with ids from R/etc/passwd, `false` = skip, or a recorder. */
  readonly chown?: boolean | ((path: string, owner: Owner, group: Owner) => void);
  readonly log: (line: string) => void;
}

const enc = (s: string) => new TextEncoder().encode(s);

/** /etc/hosts with `127.0.1.1 NAME` (Debian's convention for the host's own name), other lines kept. */
export function hostsWith(existing: string | undefined, name: string): string {
  const lines = (existing ?? '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n').replace(/\n+$/, '').split('\n');
  const own = `127.0.1.1\t${name}`;
  const at = lines.findIndex((l) => /^127\.0\.1\.1\s/.test(l));
  if (at !== -1) lines[at] = own;
  else lines.splice(Math.max(0, lines.findIndex((l) => /^127\.0\.0\.1\s/.test(l)) + 1), 0, own);
  return lines.join('\n') + '\n';
}

/** The plan for `bundle` (pure apart from the caller passing the current /etc/hosts text). */
export function planFirstboot(bundle: Bundle, hostsText: string | undefined, now: Date): FirstbootPlan {
  const name = bundle.manifest.board;
  const members = Object.keys(INSTALL) as Exclude<BundleMember, 'hostname'>[];
  const files: PlannedFile[] = [
    ...members.map((m) => ({ ...INSTALL[m], data: bundle.files[m], secret: m === SECRET_MEMBER })),
    { path: HOSTNAME_FILE, mode: 0o644, owner: 'root', group: 'root', data: enc(`${name}\n`), secret: false },
    { path: HOSTS_FILE, mode: 0o644, owner: 'root', group: 'root', data: enc(hostsWith(hostsText, name)), secret: false },
  ];
  return {
    board: name,
    dirs: [BOARD_CONFIG_DIR, { path: '/etc/keepalived', mode: 0o755, owner: 'root', group: 'root' }, { path: WANTS_DIR, mode: 0o755, owner: 'root', group: 'root' }],
    files,
    links: ENABLE_UNITS.map((u) => ({ path: `${WANTS_DIR}/${u.unit}`, target: u.target })),
    marker: {
      path: FIRSTBOOT_DONE_MARKER, mode: 0o644, owner: 'root', group: 'root', secret: false,
      data: enc(`board=${name}\nbundle-sha256=${bundle.sha256}\napplied-at=${now.toISOString()}\n`),
    },
  };
}

function failed(what: string, e: unknown): ProvisionError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return new ProvisionError('FIRSTBOOT_FAILED', `first boot: ${what} (${code})`, { cause: e });
}

/** Reads and validates the bundle file; the front config must parse as a front's. */
export function readBundleFile(path: string): Bundle {
  let bytes: Uint8Array;
  try {
    if (statSync(path).size > MAX_BUNDLE_BYTES) throw new ProvisionError('BUNDLE_INVALID', `bundle ${path} is larger than any bundle (limit ${MAX_BUNDLE_BYTES} bytes)`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof ProvisionError) throw e;
    throw new ProvisionError('BUNDLE_INVALID', `cannot read bundle ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
  }
  const bundle = decodeBundle(bytes);
  try {
    parseConfig({ role: 'front', fileText: Buffer.from(bundle.files['front.conf']).toString('utf8'), fileName: 'front.conf (bundle)', env: {} });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ProvisionError('BUNDLE_INVALID', `bundle: front.conf is not a valid front config: ${e.message}`, { cause: e });
  }
  return bundle;
}

/** uid/gid of `name` in the root's passwd/group files. */
function ids(root: string, name: Owner): { uid: number; gid: number } {
  if (name === 'root') return { uid: 0, gid: 0 };
  const find = (file: string) => {
    const p = join(root, file);
    const line = existsSync(p) ? readFileSync(p, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`)) : undefined;
    const id = line?.split(':')[2];
    if (id === undefined || !/^[0-9]+$/.test(id)) {
      throw new ProvisionError('FIRSTBOOT_FAILED', `first boot: ${name} is not in ${p}; the image creates the service account (firmware-image/build.sh)`);
    }
    return Number(id);
  };
  return { uid: find('etc/passwd'), gid: find('etc/group') };
}

function writeFileAt(path: string, data: Uint8Array, mode: number): void {
  const tmp = `${path}.lnfleet-tmp`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** Overwrites the file with zeros, syncs it and removes it (best effort on flash; see docs/boards.md). */
function shred(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, new Uint8Array(size), 0, size, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(path);
}

/** Applies the bundle at `opts.bundlePath` to `opts.root`. Returns the plan that was applied. */
export function applyFirstboot(opts: FirstbootOptions): FirstbootPlan {
  const root = opts.root;
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new ProvisionError('FIRSTBOOT_FAILED', `first boot: root ${root} is not a directory`);
  const bundle = readBundleFile(opts.bundlePath);
  const hostsPath = join(root, HOSTS_FILE);
  const plan = planFirstboot(bundle, existsSync(hostsPath) ? readFileSync(hostsPath, 'utf8') : undefined, opts.now);
  const mode = opts.chown ?? (process.getuid?.() === 0);
  let chown: (path: string, owner: Owner, group: Owner) => void = () => {};
  if (typeof mode === 'function') chown = mode;
  else if (mode) {
    const table = { root: ids(root, 'root'), [SERVICE_USER]: ids(root, SERVICE_USER) } as Record<Owner, { uid: number; gid: number }>;
    chown = (p, o, g) => chownSync(p, table[o].uid, table[g].gid);
  }
  opts.log(`applying bundle of board ${plan.board} (sha256 ${bundle.sha256}, created ${bundle.manifest.createdAt}) to ${root}`);
  const at = (p: string) => join(root, p);
  try {
    for (const d of plan.dirs) {
      mkdirSync(at(d.path), { recursive: true, mode: d.mode });
      chmodSync(at(d.path), d.mode);
      chown(at(d.path), d.owner, d.group);
    }
    for (const f of plan.files) {
      mkdirSync(dirname(at(f.path)), { recursive: true, mode: 0o755 });
      writeFileAt(at(f.path), f.data, f.mode);
      chown(at(f.path), f.owner, f.group);
      opts.log(`installed ${f.path} (${f.mode.toString(8).padStart(4, '0')} ${f.owner}:${f.group}${f.secret ? ', secret' : ''})`);
    }
    for (const l of plan.links) {
      if (lstatExists(at(l.path))) unlinkSync(at(l.path));
      symlinkSync(l.target, at(l.path));
      opts.log(`enabled ${l.path.split('/').pop()} (${l.path} -> ${l.target})`);
    }
    if (opts.keepBundle !== true) {
      shred(opts.bundlePath);
      opts.log(`shredded ${opts.bundlePath} (the card no longer carries the board key)`);
    }
    mkdirSync(dirname(at(plan.marker.path)), { recursive: true, mode: 0o755 });
    writeFileAt(at(plan.marker.path), plan.marker.data, plan.marker.mode);
    chown(at(plan.marker.path), plan.marker.owner, plan.marker.group);
  } catch (e) {
    if (e instanceof ProvisionError) throw e;
    throw failed(`cannot apply the bundle under ${root}`, e);
  }
  opts.log(`first boot done for ${plan.board}: hostname set, nftables, keepalived and lnfleet-front enabled; marker ${plan.marker.path}`);
  return plan;
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
