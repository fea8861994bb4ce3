/**
 * @module provision/fleet
 * The fleet description (`D/fleet.json`, written by `provision init`, editable by the operator) and the
 * board registry (`D/boards.json`, written by `provision board`). From these two files come every
 * generator input: the front's and backend's nftables rulesets and each board's keepalived.conf.
 *
 * `fleet.json` (version 1):
 * ```
 * { "version": 1, "chain": "bitcoin", "vip": "192.0.2.10", "subnet": "192.0.2.0/24", "interface": "eth0",
 *   "admins": ["192.0.2.0/24"], "ports": {"peer":9735,"link":25520,"api":8080,"metrics":9095,"ssh":22},
 *   "vrrpRouterId": 51, "nodeId": "02…" | null,
 *   "backend": {"name":"back","address":"192.0.2.5"|null,"dataDir":"/…","keyProvider":"seed"|"aws-sm",
 *               "awsSecretName":"…"|null,"awsRegion":"…"|null},
 *   "gpio": {"enabled":true,"ledOk":17,"ledWarn":27,"ledFault":22,"statusPin":23,"activeLow":false} }
 * ```
 * Pure: validation and derivation; the commands read and write the files.
 * Does not: know certificates (see `cluster/pki`) or the bundle (see `provision/bundle`).
 */
import { isIP } from 'node:net';
import { MEMBER_NAME_RE } from '../cluster/pki.js';
import { DeployError } from '../deploy/errors.js';
import { checkPorts } from '../deploy/nftables.js';
import type { FrontBoard, KeepalivedInput, NftablesInput, Ports } from '../deploy/types.js';
import { contains, parseCidr, parseIp } from '../deploy/validate.js';
import { FIRST_BOARD_HOST, FIRST_BOARD_PRIORITY, MIN_DERIVED_PRIORITY, PRIORITY_STEP } from './constants.js';
import { ProvisionError } from './errors.js';

/** Chains the config schema knows (`chain`). */
export const CHAINS = ['bitcoin', 'testnet', 'signet', 'regtest'] as const;

/** The LED/status-pin map of a board (GPIO numbers as the kernel's sysfs numbers them). */
export interface GpioMap {
  readonly enabled: boolean;
  readonly ledOk: number;
  readonly ledWarn: number;
  readonly ledFault: number;
  readonly statusPin: number;
  readonly activeLow: boolean;
}

/** `fleet.json`. */
export interface Fleet {
  readonly version: 1;
  readonly chain: (typeof CHAINS)[number];
  readonly vip: string;
  readonly subnet: string;
  readonly interface: string;
  readonly admins: readonly string[];
  readonly ports: Ports;
  readonly vrrpRouterId: number;
  /** The node id, when known (seed provider: computed at init; aws-sm: `--node-id` or null). */
  readonly nodeId: string | null;
  readonly backend: {
    readonly name: string;
    /** Where fronts dial the backend; null = they discover it by mDNS. */
    readonly address: string | null;
    readonly dataDir: string;
    readonly keyProvider: 'seed' | 'aws-sm';
    readonly awsSecretName: string | null;
    readonly awsRegion: string | null;
  };
  readonly gpio: GpioMap;
}

/** One provisioned board in `boards.json`. */
export interface BoardRecord {
  readonly name: string;
  /** Position in provisioning order (0 = first); gives the derived VRRP priority. */
  readonly index: number;
  readonly address: string;
  readonly priority: number;
  readonly gpio: GpioMap;
  readonly createdAt: string;
}

/** `boards.json`. */
export interface BoardRegistry {
  readonly version: 1;
  readonly boards: readonly BoardRecord[];
}

function bad(field: string, why: string): never {
  throw new ProvisionError('PROVISION_INVALID_ARGUMENT', `${field} ${why}`);
}

/** Runs a deploy validator and turns its `DeployError` into ours. */
function deploy<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DeployError) throw new ProvisionError('PROVISION_INVALID_ARGUMENT', e.message, { cause: e });
    throw e;
  }
}

/** Checks an IP address literal (`field` names it in the error). */
export function checkIp(field: string, v: string): string {
  if (isIP(v) === 0) bad(field, `is not an IPv4 or IPv6 address: ${JSON.stringify(v)}`);
  return deploy(() => parseIp(field, v)).text;
}

function checkGpioNumber(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1023) bad(field, 'must be a GPIO number 0–1023');
  return v;
}

/** Checks a GPIO map: numbers in range and all four distinct. */
export function checkGpio(field: string, g: GpioMap): GpioMap {
  if (typeof g !== 'object' || g === null) bad(field, 'must be an object');
  const pins = [g.ledOk, g.ledWarn, g.ledFault, g.statusPin].map((p, i) => checkGpioNumber(`${field}.${['ledOk', 'ledWarn', 'ledFault', 'statusPin'][i]}`, p));
  if (new Set(pins).size !== pins.length) bad(field, `uses a GPIO twice (${pins.join(', ')})`);
  if (typeof g.enabled !== 'boolean' || typeof g.activeLow !== 'boolean') bad(field, 'enabled and activeLow must be true or false');
  return g;
}

/** Validates a fleet (file or freshly built); throws `PROVISION_INVALID_ARGUMENT` naming the field. */
export function checkFleet(f: Fleet): Fleet {
  if (f.version !== 1) bad('fleet.version', 'must be 1');
  if (!(CHAINS as readonly string[]).includes(f.chain)) bad('chain', `must be one of ${CHAINS.join(', ')}`);
  const subnet = deploy(() => parseCidr('subnet', f.subnet));
  const vip = deploy(() => parseIp('vip', f.vip));
  if (!contains(subnet, vip)) bad('vip', `${f.vip} is not inside subnet ${subnet.text}`);
  if (typeof f.interface !== 'string' || !/^[A-Za-z0-9._-]{1,15}$/.test(f.interface)) bad('interface', 'must be a Linux interface name (≤ 15 of [A-Za-z0-9._-])');
  if (!Array.isArray(f.admins) || f.admins.length === 0) bad('admins', 'must list at least one address or prefix');
  f.admins.forEach((a, i) => deploy(() => parseCidr(`admins[${i}]`, a)));
  deploy(() => checkPorts('ports', f.ports));
  if (!Number.isInteger(f.vrrpRouterId) || f.vrrpRouterId < 1 || f.vrrpRouterId > 255) bad('vrrpRouterId', 'must be 1–255');
  if (f.nodeId !== null && !/^0[23][0-9a-f]{64}$/.test(f.nodeId)) bad('nodeId', 'must be a compressed public key in hex (66 characters) or null');
  if (!MEMBER_NAME_RE.test(f.backend.name)) bad('backend.name', 'must be 1–63 of [a-z0-9-]');
  if (f.backend.address !== null) checkIp('backend.address', f.backend.address);
  if (f.backend.keyProvider !== 'seed' && f.backend.keyProvider !== 'aws-sm') bad('backend.keyProvider', 'must be seed or aws-sm');
  if (f.backend.keyProvider === 'aws-sm' && !f.backend.awsSecretName) bad('backend.awsSecretName', 'is required with keyProvider aws-sm');
  checkGpio('gpio', f.gpio);
  return f;
}

/** VRRP priority of the board at `index` when none is given: 250, 240, … down to 10. */
export function derivedPriority(index: number): number {
  return Math.max(MIN_DERIVED_PRIORITY, FIRST_BOARD_PRIORITY - PRIORITY_STEP * index);
}

/** Checks a VRRP priority given on the command line (1–254, RFC 5798 §5.2.4). */
export function checkPriority(v: string): number {
  if (!/^[0-9]{1,3}$/.test(v) || Number(v) < 1 || Number(v) > 254) bad('--priority', 'must be a whole number 1–254 (255 is reserved for the address owner)');
  return Number(v);
}

/** Addresses a new board may not take: the VIP, the backend's and every board's. */
function taken(fleet: Fleet, reg: BoardRegistry): Set<string> {
  return new Set([fleet.vip, ...(fleet.backend.address === null ? [] : [fleet.backend.address]), ...reg.boards.map((b) => b.address)]);
}

/**
 * The address of a new board: `requested` after checking it (inside the subnet, not the VIP, the
 * backend or another board's), else the first free IPv4 host from `.FIRST_BOARD_HOST` up.
 */
export function boardAddress(fleet: Fleet, reg: BoardRegistry, requested: string | undefined): string {
  const subnet = deploy(() => parseCidr('subnet', fleet.subnet));
  const used = taken(fleet, reg);
  if (requested !== undefined) {
    const ip = checkIp('--ip', requested);
    if (!contains(subnet, deploy(() => parseIp('--ip', ip)))) bad('--ip', `${ip} is not inside the fleet subnet ${subnet.text}`);
    const owner = reg.boards.find((b) => b.address === ip);
    if (used.has(ip)) bad('--ip', `${ip} is already used by ${owner !== undefined ? `board ${owner.name}` : ip === fleet.vip ? 'the VIP' : 'the backend'}`);
    return ip;
  }
  if (subnet.family !== 'ip') bad('--ip', 'is required on an IPv6 subnet (no automatic allocation)');
  const size = 2 ** (32 - subnet.prefix);
  for (let host = FIRST_BOARD_HOST; host < size - 1; host++) {
    const v = Number(subnet.value) + host;
    const ip = [24, 16, 8, 0].map((s) => (v >>> s) & 0xff).join('.');
    if (!used.has(ip)) return ip;
  }
  return bad('--ip', `no free address left in ${subnet.text}; give one`);
}

/** Fronts for the generators: every non-revoked board, plus `extra` (the one being provisioned). */
export function frontBoards(reg: BoardRegistry, revoked: ReadonlySet<string>): FrontBoard[] {
  return reg.boards.filter((b) => !revoked.has(b.name)).map((b) => ({ name: b.name, address: b.address, priority: b.priority }));
}

/** Input of the fronts' (`role` front) or backend's nftables ruleset. */
export function nftablesInput(fleet: Fleet, role: 'front' | 'back', fronts: readonly FrontBoard[]): NftablesInput {
  return { role, subnet: fleet.subnet, fronts, admins: fleet.admins, ports: fleet.ports };
}

/** Input of one board's keepalived.conf. */
export function keepalivedInput(fleet: Fleet, self: string, fronts: readonly FrontBoard[]): KeepalivedInput {
  return {
    self, fronts, vip: fleet.vip, subnet: fleet.subnet, interface: fleet.interface,
    ports: { peer: fleet.ports.peer, metrics: fleet.ports.metrics }, virtualRouterId: fleet.vrrpRouterId,
  };
}

/** Parses `--leds ok=N,warn=N,fault=N,status=N[,active-low]` over `base`. */
export function parseLeds(text: string, base: GpioMap): GpioMap {
  const keys = { ok: 'ledOk', warn: 'ledWarn', fault: 'ledFault', status: 'statusPin' } as const;
  const out: { -readonly [K in keyof GpioMap]: GpioMap[K] } = { ...base, enabled: true };
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (item === 'active-low') { out.activeLow = true; continue; }
    if (item === 'off') { out.enabled = false; continue; }
    const m = /^(ok|warn|fault|status)=([0-9]{1,4})$/.exec(item);
    if (m === null) bad('--leds', `item ${JSON.stringify(item)} is not ok|warn|fault|status=N, active-low or off`);
    out[keys[m[1] as keyof typeof keys]] = Number(m[2]);
  }
  return checkGpio('--leds', out);
}
