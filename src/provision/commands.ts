/**
 * @module provision/commands
 * `lnfleet provision init | board | list`: the fleet-level commands on top of the PKI commands of
 * `cli/provision` (DESIGN §3, §5, §7). Layout of the provisioning directory `D` after `init` and one
 * `board`:
 * ```
 *   D/ca.crt D/ca.key(0600) D/issued.json D/revocations.json     cluster CA and its lists
 *   D/back-back.crt D/back-back.key(0600)                        the backend's pair (fronts pin the .crt)
 *   D/back-data/node_seed(0600)                                  node key seed (seed provider; --data-dir)
 *   D/fleet.json  D/boards.json  D/back.conf  D/back.nft         fleet, boards, backend config + firewall
 *   D/front-NAME.crt D/front-NAME.key(0600)                      the board's pair
 *   D/boards/NAME/lnfleet-bundle.tar(0600)                       what first boot applies (provision/bundle)
 *   D/boards/NAME/{front.conf,keepalived.conf,nftables.conf}     the same files, for review
 * ```
 * Each command checks every input and precondition before its first write, so a failure changes
 * nothing, and refuses to overwrite. Private material is written 0600.
 *
 * Does not: copy bundles onto cards (docs/boards.md, firmware-image/add-bundle.sh) or call AWS (an
 * aws-sm fleet records the secret's name; the backend fetches it at start).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { certSummary, createCa, issueCert, MEMBER_NAME_RE, serializeRevocationList } from '../cluster/pki.js';
import { DEFAULT_PORTS } from '../deploy/constants.js';
import { generateKeepalived } from '../deploy/keepalived.js';
import { generateNftables } from '../deploy/nftables.js';
import type { Ports } from '../deploy/types.js';
import { SEED_FILE_NAME, seedKey } from '../keys/index.js';
import { encodeBundle, type BundleMember } from './bundle.js';
import { backConf, frontConf } from './configs.js';
import {
  BACK_CONF_FILE, BACK_NFT_FILE, BOARDS_DIR, BOARDS_FILE, BUNDLE_FILE_NAME, DEFAULT_BACK_DATA_SUBDIR,
  DEFAULT_BACKEND_NAME, DEFAULT_GPIO, FLEET_FILE, PRIVATE_DIR_MODE, PUBLIC_MODE, SECRET_MODE,
} from './constants.js';
import { ProvisionError } from './errors.js';
import {
  boardAddress, checkFleet, checkIp, checkPriority, derivedPriority, frontBoards, keepalivedInput, nftablesInput, parseLeds,
  type BoardRecord, type Fleet,
} from './fleet.js';
import {
  assertAbsent, readBoards, readCa, readFleet, readIndex, readRevocations, revokedNames,
  serializeIndex, writeAtomic, type IssuedRecord,
} from './store.js';

/** What every command gets from the CLI. */
export interface ProvisionCtx {
  readonly dir: string;
  readonly now: Date;
  out(line: string): void;
}

type Opts = ReadonlyMap<string, string>;

function bad(field: string, why: string): never {
  throw new ProvisionError('PROVISION_INVALID_ARGUMENT', `${field} ${why}`);
}

function intOpt(o: Opts, name: string, fallback: number): number {
  const v = o.get(name);
  if (v === undefined) return fallback;
  if (!/^[0-9]{1,5}$/.test(v)) bad(`--${name}`, `must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function portsFrom(o: Opts): Ports {
  const ssh = o.get('ssh-port');
  return {
    peer: intOpt(o, 'peer-port', DEFAULT_PORTS.peer),
    link: intOpt(o, 'link-port', DEFAULT_PORTS.link),
    api: intOpt(o, 'api-port', DEFAULT_PORTS.api),
    metrics: intOpt(o, 'metrics-port', DEFAULT_PORTS.metrics),
    ssh: ssh === 'none' ? null : intOpt(o, 'ssh-port', DEFAULT_PORTS.ssh ?? 22),
  };
}

/** Options `init` accepts (besides `--dir`). */
export const INIT_OPTIONS = [
  'vip', 'subnet', 'backend-address', 'interface', 'admins', 'chain', 'data-dir', 'aws-secret', 'aws-region',
  'node-id', 'backend-name', 'peer-port', 'link-port', 'api-port', 'metrics-port', 'ssh-port', 'vrid', 'leds', 'days',
] as const;

/** Builds and validates the fleet from `init`'s options (no I/O). */
export function fleetFromOptions(dir: string, o: Opts): Fleet {
  const vip = o.get('vip');
  const subnet = o.get('subnet');
  if (vip === undefined || subnet === undefined) bad('--vip and --subnet', 'are required (the node\'s public address and the fronts\' LAN prefix)');
  const aws = o.get('aws-secret');
  const nodeId = o.get('node-id');
  if (nodeId !== undefined && aws === undefined) bad('--node-id', 'is only for --aws-secret (the seed provider computes the node id)');
  const dataDir = o.get('data-dir') ?? join(dir, DEFAULT_BACK_DATA_SUBDIR);
  const backendAddress = o.get('backend-address');
  const fleet: Fleet = {
    version: 1,
    chain: (o.get('chain') ?? 'bitcoin') as Fleet['chain'],
    vip, subnet,
    interface: o.get('interface') ?? 'eth0',
    admins: (o.get('admins') ?? subnet).split(',').map((s) => s.trim()).filter((s) => s !== ''),
    ports: portsFrom(o),
    vrrpRouterId: intOpt(o, 'vrid', 51),
    nodeId: nodeId?.toLowerCase() ?? null,
    backend: {
      name: o.get('backend-name') ?? DEFAULT_BACKEND_NAME,
      address: backendAddress === undefined ? null : checkIp('--backend-address', backendAddress),
      dataDir: isAbsolute(dataDir) ? dataDir : resolve(dataDir),
      keyProvider: aws === undefined ? 'seed' : 'aws-sm',
      awsSecretName: aws ?? null,
      awsRegion: o.get('aws-region') ?? null,
    },
    gpio: o.has('leds') ? parseLeds(o.get('leds')!, { ...DEFAULT_GPIO, enabled: true }) : { ...DEFAULT_GPIO, enabled: true },
  };
  return checkFleet(fleet);
}

function days(o: Opts): { days?: number } {
  return o.has('days') ? { days: intOpt(o, 'days', 0) } : {};
}

/** `provision init`. */
export async function cmdInit(ctx: ProvisionCtx, o: Opts): Promise<void> {
  const dir = ctx.dir;
  let fleet = fleetFromOptions(dir, o);
  const backBase = `back-${fleet.backend.name}`;
  const seedPath = join(fleet.backend.dataDir, SEED_FILE_NAME);
  assertAbsent(
    [FLEET_FILE, 'ca.crt', 'ca.key', `${backBase}.crt`, `${backBase}.key`, BACK_CONF_FILE, 'issued.json'].map((f) => join(dir, f))
      .concat(fleet.backend.keyProvider === 'seed' ? [seedPath] : []),
    'init never overwrites a fleet (to start over, use a new --dir)',
  );
  // Everything that can fail without I/O happens before the first write.
  const ca = await createCa({ now: ctx.now, ...days(o) });
  const back = await issueCert(ca, { role: 'back', name: fleet.backend.name, now: ctx.now, ...days(o) });
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  writeAtomic(join(dir, 'ca.key'), ca.keyPem, SECRET_MODE);
  writeAtomic(join(dir, 'ca.crt'), ca.certPem, PUBLIC_MODE);
  writeAtomic(join(dir, `${backBase}.key`), back.keyPem, SECRET_MODE);
  writeAtomic(join(dir, `${backBase}.crt`), back.certPem, PUBLIC_MODE);
  const rec: IssuedRecord = { role: 'back', name: fleet.backend.name, serial: back.serial, sha256: back.fingerprint, notAfter: certSummary(back.certPem).notAfter.toISOString() };
  writeAtomic(join(dir, 'issued.json'), serializeIndex([rec]), PUBLIC_MODE);
  if (!existsSync(join(dir, 'revocations.json'))) writeAtomic(join(dir, 'revocations.json'), serializeRevocationList({ version: 1, revoked: [] }), PUBLIC_MODE);
  if (fleet.backend.keyProvider === 'seed') {
    // keys/seedKey creates <data-dir>/node_seed (0600, O_EXCL, fsynced) and derives the node key from it.
    const key = seedKey(fleet.backend.dataDir);
    fleet = { ...fleet, nodeId: key.nodeIdHex };
    key.destroy();
  }
  writeAtomic(join(dir, FLEET_FILE), JSON.stringify(fleet, null, 2) + '\n', PUBLIC_MODE);
  writeAtomic(join(dir, BOARDS_FILE), JSON.stringify({ version: 1, boards: [] }, null, 2) + '\n', PUBLIC_MODE);
  writeAtomic(join(dir, BACK_CONF_FILE), backConf(fleet, {
    ca: join(resolve(dir), 'ca.crt'), cert: join(resolve(dir), `${backBase}.crt`), key: join(resolve(dir), `${backBase}.key`),
    revocations: join(resolve(dir), 'revocations.json'),
  }), PUBLIC_MODE);
  const key = fleet.backend.keyProvider === 'seed'
    ? `node key: seed ${seedPath} (0600; back it up offline), node id ${fleet.nodeId}`
    : `node key: AWS Secrets Manager secret "${fleet.backend.awsSecretName}" (not created here), node id ${fleet.nodeId ?? 'unknown (pass --node-id to pin it)'}`;
  ctx.out([
    `fleet initialised in ${dir}: CA sha256 ${ca.fingerprint}, backend certificate ${backBase}.crt`,
    key,
    'next steps:',
    `  1. lnfleet provision board NAME [--ip A] --dir ${dir}     (one per front board)`,
    `  2. on the backend: nft -f ${join(dir, BACK_NFT_FILE)} (written with the first board); lnfleet back --config ${join(dir, BACK_CONF_FILE)}`,
    `  3. write boards/NAME/${BUNDLE_FILE_NAME} to the board card's boot partition and power it on (docs/boards.md)`,
    `  4. keep ${join(dir, 'ca.key')} offline between provisioning sessions`,
  ].join('\n'));
}

const enc = (s: string) => new TextEncoder().encode(s);

/** `provision board NAME`. */
export async function cmdBoard(ctx: ProvisionCtx, name: string | undefined, o: Opts): Promise<void> {
  const dir = ctx.dir;
  if (name === undefined || !MEMBER_NAME_RE.test(name)) bad('board NAME', 'must be 1–63 of [a-z0-9-], not starting or ending with - (it becomes the hostname)');
  const fleet = readFleet(dir);
  const reg = readBoards(dir);
  const ca = readCa(dir);
  const backCrt = join(dir, `back-${fleet.backend.name}.crt`);
  if (!existsSync(backCrt)) throw new ProvisionError('PROVISION_FILE_MISSING', `${backCrt} not found: the backend certificate is made by 'provision init'`);
  const index = readIndex(dir);
  const revocations = readRevocations(dir);
  if (reg.boards.some((b) => b.name === name) || index.some((r) => r.name === name)) {
    throw new ProvisionError('PROVISION_FILE_EXISTS', `${name} is already provisioned (or its name is taken by a certificate); revoke it and use a new name`);
  }
  const out = join(dir, BOARDS_DIR, name);
  assertAbsent([join(dir, `front-${name}.crt`), join(dir, `front-${name}.key`), out], 'remove them or pick another name');
  const record: BoardRecord = {
    name, index: reg.boards.length,
    address: boardAddress(fleet, reg, o.get('ip')),
    priority: o.has('priority') ? checkPriority(o.get('priority')!) : derivedPriority(reg.boards.length),
    gpio: o.has('leds') ? parseLeds(o.get('leds')!, fleet.gpio) : fleet.gpio,
    createdAt: ctx.now.toISOString(),
  };
  const revoked = revokedNames(revocations, index);
  const fronts = frontBoards({ version: 1, boards: [...reg.boards, record] }, revoked);
  const nft = generateNftables(nftablesInput(fleet, 'front', fronts));
  const backNft = generateNftables(nftablesInput(fleet, 'back', fronts));
  const keepalived = generateKeepalived(keepalivedInput(fleet, name, fronts));
  const conf = frontConf(fleet, record);
  const cert = await issueCert(ca, { role: 'front', name, now: ctx.now, ...days(o) });
  const files: Record<BundleMember, Uint8Array> = {
    hostname: enc(`${name}\n`), 'front.conf': enc(conf), 'ca.crt': enc(ca.certPem), 'backend.crt': enc(readFileSync(backCrt, 'utf8')),
    'front.crt': enc(cert.certPem), 'front.key': enc(cert.keyPem), 'nftables.conf': enc(nft), 'keepalived.conf': enc(keepalived),
  };
  const bundle = encodeBundle({ board: name, createdAt: ctx.now, nodeId: fleet.nodeId, files });
  // Writes start here.
  writeAtomic(join(dir, `front-${name}.key`), cert.keyPem, SECRET_MODE);
  writeAtomic(join(dir, `front-${name}.crt`), cert.certPem, PUBLIC_MODE);
  const rec: IssuedRecord = { role: 'front', name, serial: cert.serial, sha256: cert.fingerprint, notAfter: certSummary(cert.certPem).notAfter.toISOString() };
  writeAtomic(join(dir, 'issued.json'), serializeIndex([...index, rec]), PUBLIC_MODE);
  writeAtomic(join(dir, BOARDS_FILE), JSON.stringify({ version: 1, boards: [...reg.boards, record] }, null, 2) + '\n', PUBLIC_MODE);
  mkdirSync(out, { recursive: true, mode: PRIVATE_DIR_MODE });
  writeAtomic(join(out, 'front.conf'), conf, PUBLIC_MODE);
  writeAtomic(join(out, 'keepalived.conf'), keepalived, PUBLIC_MODE);
  writeAtomic(join(out, 'nftables.conf'), nft, PUBLIC_MODE);
  writeAtomic(join(out, BUNDLE_FILE_NAME), bundle, SECRET_MODE);
  writeAtomic(join(dir, BACK_NFT_FILE), backNft, PUBLIC_MODE);
  const others = fronts.filter((f) => f.name !== name);
  ctx.out([
    `board ${name}: address ${record.address}, VRRP priority ${record.priority}, certificate serial ${cert.serial}`,
    `bundle: ${join(out, BUNDLE_FILE_NAME)} (${bundle.length} bytes, mode 0600: it holds the board key)`,
    'next steps:',
    `  1. firmware-image/add-bundle.sh lnfleet-board.img ${join(out, BUNDLE_FILE_NAME)}   (or copy it to the card's boot partition as ${BUNDLE_FILE_NAME})`,
    '  2. flash the card, insert it, power the board on: first boot applies the bundle and starts the front',
    `  3. on the backend: nft -f ${join(dir, BACK_NFT_FILE)}   (opens the link port to ${record.address})`,
    ...(others.length > 0 ? [`  note: boards ${others.map((f) => f.name).join(', ')} list the fronts they knew when provisioned; their keepalived LVS tables gain ${name} when you regenerate them (lnfleet gen keepalived, see docs/boards.md)`] : []),
  ].join('\n'));
}

/** One row of `provision list`. */
export interface ListRow {
  readonly role: 'front' | 'back';
  readonly name: string;
  readonly address: string | null;
  readonly priority: number | null;
  readonly serial: string;
  readonly notAfter: string;
  readonly daysLeft: number;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly reason: string | null;
}

/** Rows of `provision list` (pure over the directory's files). */
export function listRows(dir: string, now: Date): ListRow[] {
  const index = readIndex(dir);
  const list = readRevocations(dir);
  const boards = readBoards(dir).boards;
  return index.map((r): ListRow => {
    const rev = list.revoked.find((e) => e.serial === r.serial || e.sha256 === r.sha256);
    const b = boards.find((x) => x.name === r.name);
    const daysLeft = Math.floor((Date.parse(r.notAfter) - now.getTime()) / 86_400_000);
    return {
      role: r.role, name: r.name, address: b?.address ?? null, priority: b?.priority ?? null, serial: r.serial, notAfter: r.notAfter,
      daysLeft, status: rev !== undefined ? 'revoked' : daysLeft < 0 ? 'expired' : 'active', reason: rev?.reason ?? null,
    };
  });
}

/** `provision list [--json]`. */
export function cmdList(ctx: ProvisionCtx, json: boolean): void {
  if (!existsSync(join(ctx.dir, 'issued.json'))) throw new ProvisionError('PROVISION_FILE_MISSING', `${join(ctx.dir, 'issued.json')} not found: nothing provisioned in ${ctx.dir} yet (run 'lnfleet provision init')`);
  const rows = listRows(ctx.dir, ctx.now);
  if (json) {
    ctx.out(JSON.stringify(rows, null, 2));
    return;
  }
  const table = [['NAME', 'ROLE', 'ADDRESS', 'PRIO', 'EXPIRES', 'STATUS'], ...rows.map((r) => [
    r.name, r.role, r.address ?? '-', r.priority === null ? '-' : String(r.priority),
    `${r.notAfter.slice(0, 10)} (${r.daysLeft} d)`, r.status === 'revoked' ? `revoked (${r.reason})` : r.status,
  ])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) ctx.out(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** After a revoke: regenerates `D/back.nft` without the revoked boards (when a fleet exists and fronts remain). */
export function refreshBackNft(ctx: ProvisionCtx): void {
  if (!existsSync(join(ctx.dir, FLEET_FILE))) return;
  const fleet = readFleet(ctx.dir);
  const fronts = frontBoards(readBoards(ctx.dir), revokedNames(readRevocations(ctx.dir), readIndex(ctx.dir)));
  if (fronts.length === 0) {
    ctx.out(`no active board left: ${join(ctx.dir, BACK_NFT_FILE)} is unchanged; close the link port on the backend by hand`);
    return;
  }
  writeAtomic(join(ctx.dir, BACK_NFT_FILE), generateNftables(nftablesInput(fleet, 'back', fronts)), PUBLIC_MODE);
  ctx.out(`${join(ctx.dir, BACK_NFT_FILE)} regenerated without revoked boards; apply it on the backend: nft -f ${join(ctx.dir, BACK_NFT_FILE)}`);
}
