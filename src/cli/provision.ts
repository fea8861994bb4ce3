/**
 * @module cli/provision
 * `lnfleet provision …`: makes the cluster's TLS identity on disk (DESIGN §3, §7).
 *
 * Directory layout (`--dir D`):
 * ```
 *   D/ca.crt  D/ca.key                  cluster CA (key 0600; keep D offline after provisioning)
 *   D/front-NAME.crt  D/front-NAME.key  one pair per front
 *   D/back-NAME.crt   D/back-NAME.key   the backend's pair (fronts pin this certificate)
 *   D/issued.json                       index of issued certificates (role, name, serial, sha256)
 *   D/revocations.json                  the list the backend loads (cluster.tls.revocations)
 *   D/shared.crt  D/shared.key          shared mode: one pair for all, key encrypted
 * ```
 * Every precondition is checked before the first write, so a failing command changes nothing. Existing
 * files are never overwritten without `--force`. Private keys are written with mode 0600. The shared-mode
 * password comes only from `CLUSTER_TLS_PASSWORD` / `AKKA_TLS_PASSWORD` (never argv, which `ps` shows).
 *
 * Fleet commands (`init`, `board`, `list`) live in `src/provision/commands.ts`; the directory layout
 * they add is documented there and in docs/boards.md.
 *
 * Does not: copy files onto boards (docs/boards.md, firmware-image/add-bundle.sh), or talk to AWS.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  MEMBER_NAME_RE, PkiError, RevocationReason, certSummary, createCa, createSharedCert, issueCert, normalizeSerial,
  serializeRevocationList,
} from '../cluster/pki.js';
import { INIT_OPTIONS, cmdBoard, cmdInit, cmdList, refreshBackNft, type ProvisionCtx } from '../provision/commands.js';
import { ProvisionError } from '../provision/errors.js';
import { readCa, readIndex, readRevocations, writeAtomic } from '../provision/store.js';
import { CliUsageError, parseArgs, type CliIo, type Command } from './command.js';

/** Mode of private key files: owner read/write only. */
const KEY_MODE = 0o600;
/** Mode of certificates and lists: public material. */
const PUBLIC_MODE = 0o644;

const USAGE = {
  main: `usage: lnfleet provision <ca|cert|revoke|shared> --dir D [options]
       lnfleet provision <init|board|list> --dir D [options]

  init    create a fleet: CA, backend certificate, node key, fleet.json, back.conf
  board   provision one front board: certificate, config and its first-boot bundle
  list    boards and certificates with expiry and revocation status
  ca      create the cluster CA
  cert    issue a certificate for a front or the backend
  revoke  add a certificate to the revocation list
  shared  create the eclair-style shared certificate (password from CLUSTER_TLS_PASSWORD)

Run 'lnfleet provision SUB --help' for each.`,
  ca: `usage: lnfleet provision ca --dir D [--name "lnfleet cluster CA"] [--days 7300] [--force]
Writes D/ca.crt and D/ca.key (0600). Refuses to overwrite an existing CA without --force.`,
  cert: `usage: lnfleet provision cert --role front|back --name N --dir D [--days 1825] [--force]
Issues D/ROLE-N.crt and D/ROLE-N.key (0600) signed by D/ca.key, and records it in D/issued.json.
N: 1–63 of [a-z0-9-]. --force reissues an existing name (revoke the old serial afterwards).`,
  init: `usage: lnfleet provision init --dir D --vip A --subnet CIDR [options]
  --backend-address A   fronts dial this address (default: they find the backend by mDNS)
  --interface IFACE     LAN interface of the fronts (default eth0)
  --admins LIST         addresses/prefixes allowed to API, metrics, ssh (default: the subnet)
  --chain C             bitcoin|testnet|signet|regtest (default bitcoin)
  --data-dir P          backend data dir holding the node seed (default D/back-data)
  --aws-secret NAME     node key in AWS Secrets Manager instead of a seed (--aws-region R, --node-id HEX)
  --backend-name N      backend certificate name (default back)
  --peer-port N --link-port N --api-port N --metrics-port N --ssh-port N|none --vrid N
  --leds ok=N,warn=N,fault=N,status=N[,active-low]   default GPIO map of the boards
  --days N              certificate validity
Writes D/ca.*, D/back-NAME.*, D/issued.json, D/revocations.json, D/fleet.json, D/boards.json, D/back.conf and
the seed (0600). Never overwrites: an existing fleet, CA or seed is an error and nothing is written.`,
  board: `usage: lnfleet provision board NAME --dir D [--ip A] [--priority 1-254] [--leds ok=N,…|off] [--days N]
Issues D/front-NAME.*, writes D/boards/NAME/{front.conf,keepalived.conf,nftables.conf,lnfleet-bundle.tar}
and regenerates D/back.nft. --ip defaults to the first free address from .11; the priority defaults to
250 − 10 × board index. The bundle holds the board key (mode 0600) and never the CA key or node key.`,
  list: `usage: lnfleet provision list --dir D [--json]
Every issued certificate: name, role, board address and priority, expiry, active/expired/revoked.`,
  revoke: `usage: lnfleet provision revoke (NAME | --name N | --serial S) --dir D [--reason R]
Adds the certificate to D/revocations.json; the backend reloads it without restarting.
R: ${Object.values(RevocationReason).join(', ')} (default unspecified).`,
  shared: `usage: CLUSTER_TLS_PASSWORD=… lnfleet provision shared --dir D [--name lnfleet-shared] [--days 1825] [--force]
Writes D/shared.crt and D/shared.key (encrypted PKCS#8, 0600). AKKA_TLS_PASSWORD is accepted as an alias.`,
} as const;

interface Ctx {
  readonly dir: string;
  readonly force: boolean;
  readonly io: CliIo;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: Date;
}

/** Refuses (changing nothing) if any target exists and `--force` is absent. */
function assertWritable(ctx: Ctx, files: readonly string[]): void {
  const existing = files.filter((f) => existsSync(join(ctx.dir, f)));
  if (existing.length > 0 && !ctx.force) {
    throw new PkiError('PKI_FILE_EXISTS', `${existing.map((f) => join(ctx.dir, f)).join(', ')} already exist(s); use --force to overwrite`);
  }
}

function days(opt: string | undefined): number | undefined {
  if (opt === undefined) return undefined;
  if (!/^[0-9]+$/.test(opt) || Number(opt) < 1) throw new CliUsageError('--days must be a whole number ≥ 1');
  return Number(opt);
}

async function cmdCa(ctx: Ctx, o: ReadonlyMap<string, string>): Promise<void> {
  assertWritable(ctx, ['ca.crt', 'ca.key']);
  const ca = await createCa({ now: ctx.now, ...(o.has('name') ? { name: o.get('name')! } : {}), ...(o.has('days') ? { days: days(o.get('days'))! } : {}) });
  mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
  writeAtomic(join(ctx.dir, 'ca.key'), ca.keyPem, KEY_MODE);
  writeAtomic(join(ctx.dir, 'ca.crt'), ca.certPem, PUBLIC_MODE);
  // Start an empty revocation list so the backend can point cluster.tls.revocations at it from day one.
  const list = join(ctx.dir, 'revocations.json');
  if (!existsSync(list)) writeAtomic(list, serializeRevocationList({ version: 1, revoked: [] }), PUBLIC_MODE);
  ctx.io.out(`cluster CA written to ${join(ctx.dir, 'ca.crt')} (sha256 ${ca.fingerprint}); keep ${join(ctx.dir, 'ca.key')} offline`);
}

async function cmdCert(ctx: Ctx, o: ReadonlyMap<string, string>): Promise<void> {
  const role = o.get('role');
  const name = o.get('name');
  if (role !== 'front' && role !== 'back') throw new CliUsageError('--role must be front or back');
  if (name === undefined || !MEMBER_NAME_RE.test(name)) throw new CliUsageError('--name must be 1–63 of [a-z0-9-], not starting or ending with -');
  const ca = readCa(ctx.dir);
  const index = readIndex(ctx.dir);
  const previous = index.filter((r) => r.name === name);
  if (previous.some((r) => r.role !== role)) throw new PkiError('PKI_INVALID_ARGUMENT', `name ${name} is already used by a ${previous[0]!.role} certificate; names are unique across roles`);
  const base = `${role}-${name}`;
  assertWritable(ctx, [`${base}.crt`, `${base}.key`]);
  if (previous.length > 0 && !ctx.force) throw new PkiError('PKI_FILE_EXISTS', `${name} is already in issued.json; use --force to reissue`);
  const c = await issueCert(ca, { role, name, now: ctx.now, ...(o.has('days') ? { days: days(o.get('days'))! } : {}) });
  const notAfter = certSummary(c.certPem).notAfter.toISOString();
  writeAtomic(join(ctx.dir, `${base}.key`), c.keyPem, KEY_MODE);
  writeAtomic(join(ctx.dir, `${base}.crt`), c.certPem, PUBLIC_MODE);
  const certs = [...index, { role, name, serial: c.serial, sha256: c.fingerprint, notAfter }];
  writeAtomic(join(ctx.dir, 'issued.json'), JSON.stringify({ version: 1, certs }, null, 2) + '\n', PUBLIC_MODE);
  ctx.io.out(`${role} certificate for ${name}: ${join(ctx.dir, `${base}.crt`)} serial ${c.serial} sha256 ${c.fingerprint}`);
  for (const p of previous) ctx.io.out(`note: the previous certificate of ${name} (serial ${p.serial}) stays valid until you run: lnfleet provision revoke --serial ${p.serial} --dir ${ctx.dir}`);
}

async function cmdRevoke(ctx: Ctx, o: ReadonlyMap<string, string>): Promise<void> {
  const name = o.get('name');
  const serialArg = o.get('serial');
  if ((name === undefined) === (serialArg === undefined)) throw new CliUsageError('give exactly one of --name or --serial');
  const reason = o.get('reason') ?? 'unspecified';
  if (!(Object.values(RevocationReason) as string[]).includes(reason)) throw new CliUsageError(`--reason must be one of ${Object.values(RevocationReason).join(', ')}`);
  const list = readRevocations(ctx.dir);
  const index = readIndex(ctx.dir);
  const targets = name !== undefined
    ? index.filter((r) => r.name === name)
    : index.filter((r) => r.serial === normalizeSerial(serialArg!));
  if (targets.length === 0) {
    throw new PkiError('PKI_UNKNOWN_CERT', name !== undefined ? `no certificate named ${name} in ${join(ctx.dir, 'issued.json')}` : `no certificate with serial ${serialArg} in ${join(ctx.dir, 'issued.json')}`);
  }
  const fresh = targets.filter((t) => !list.revoked.some((e) => e.serial === t.serial));
  if (fresh.length === 0) {
    ctx.io.out(`already revoked: ${targets.map((t) => `${t.role} ${t.name} serial ${t.serial}`).join(', ')}`);
    return;
  }
  const revokedAt = ctx.now.toISOString();
  const added = fresh.map((t) => ({ serial: t.serial, sha256: t.sha256, name: t.name, role: t.role, reason: reason as RevocationReason, revokedAt }));
  writeAtomic(join(ctx.dir, 'revocations.json'), serializeRevocationList({ version: 1, revoked: [...list.revoked, ...added] }), PUBLIC_MODE);
  for (const a of added) ctx.io.out(`revoked ${a.role} ${a.name} serial ${a.serial} (${reason})`);
  ctx.io.out(`a backend whose cluster.tls.revocations is ${join(ctx.dir, 'revocations.json')} (back.conf of 'provision init') reloads it now, without a restart; otherwise copy the file there`);
  refreshBackNft({ dir: ctx.dir, now: ctx.now, out: (l) => ctx.io.out(l) });
}

async function cmdShared(ctx: Ctx, o: ReadonlyMap<string, string>): Promise<void> {
  const primary = ctx.env.CLUSTER_TLS_PASSWORD ?? '';
  const alias = ctx.env.AKKA_TLS_PASSWORD ?? '';
  if (primary !== '' && alias !== '' && primary !== alias) throw new PkiError('PKI_INVALID_ARGUMENT', 'CLUSTER_TLS_PASSWORD and AKKA_TLS_PASSWORD differ; set only one');
  const password = primary !== '' ? primary : alias;
  if (password === '') throw new PkiError('PKI_INVALID_ARGUMENT', 'set CLUSTER_TLS_PASSWORD (or AKKA_TLS_PASSWORD) in the environment');
  assertWritable(ctx, ['shared.crt', 'shared.key']);
  const c = await createSharedCert({ password, now: ctx.now, ...(o.has('name') ? { name: o.get('name')! } : {}), ...(o.has('days') ? { days: days(o.get('days'))! } : {}) });
  mkdirSync(ctx.dir, { recursive: true, mode: 0o700 });
  writeAtomic(join(ctx.dir, 'shared.key'), c.keyPem, KEY_MODE);
  writeAtomic(join(ctx.dir, 'shared.crt'), c.certPem, PUBLIC_MODE);
  ctx.io.out(`shared certificate written to ${join(ctx.dir, 'shared.crt')} (sha256 ${c.fingerprint}); the key is encrypted with the password`);
}

const SUBS = {
  init: { run: (ctx: Ctx, o: ReadonlyMap<string, string>) => cmdInit(fleetCtx(ctx), o), options: ['dir', ...INIT_OPTIONS] },
  board: { run: async (ctx: Ctx, o: ReadonlyMap<string, string>, p: readonly string[]) => cmdBoard(fleetCtx(ctx), p[0], o), options: ['dir', 'ip', 'priority', 'leds', 'days'] },
  list: { run: async (ctx: Ctx, _o: ReadonlyMap<string, string>, _p: readonly string[], f: ReadonlySet<string>) => cmdList(fleetCtx(ctx), f.has('json')), options: ['dir'] },
  ca: { run: cmdCa, options: ['dir', 'name', 'days'] },
  cert: { run: cmdCert, options: ['dir', 'role', 'name', 'days'] },
  revoke: { run: cmdRevoke, options: ['dir', 'name', 'serial', 'reason'] },
  shared: { run: cmdShared, options: ['dir', 'name', 'days'] },
} as const;

/** Flags of each subcommand: the fleet commands never overwrite, so they have no --force. */
const FLAGS: Readonly<Record<keyof typeof SUBS, readonly string[]>> = {
  init: [], board: [], list: ['json'], ca: ['force'], cert: ['force'], revoke: ['force'], shared: ['force'],
};

/** The fleet commands' view of the context. */
function fleetCtx(ctx: Ctx): ProvisionCtx {
  return { dir: ctx.dir, now: ctx.now, out: (l) => ctx.io.out(l) };
}

/** `provision revoke NAME` is `provision revoke --name NAME`. */
function withPositionalName(key: string, o: ReadonlyMap<string, string>, p: readonly string[]): ReadonlyMap<string, string> {
  if (key !== 'revoke' || p[0] === undefined) return o;
  if (o.has('name') || o.has('serial')) throw new CliUsageError('give the board NAME or --name/--serial, not both');
  return new Map([...o, ['name', p[0]]]);
}

/** Builds the command; `env`/`now` are injectable for tests. */
export function makeProvisionCommand(deps: { env?: () => Readonly<Record<string, string | undefined>>; now?: () => Date } = {}): Command {
  return {
    name: 'provision',
    summary: 'create the cluster CA, member certificates, revocations or the shared certificate',
    usage: USAGE.main,
    helpFor: (args) => (args[0] !== undefined && Object.prototype.hasOwnProperty.call(SUBS, args[0]) ? USAGE[args[0] as keyof typeof SUBS] : undefined),
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const [sub, ...rest] = args;
      if (sub === undefined || sub === '--help') {
        io.out(USAGE.main);
        return sub === undefined ? 2 : 0;
      }
      if (!Object.prototype.hasOwnProperty.call(SUBS, sub)) throw new CliUsageError(`unknown provision subcommand ${sub}`);
      const key = sub as keyof typeof SUBS;
      const parsed = parseArgs(rest, { options: SUBS[key].options, flags: FLAGS[key] });
      if (parsed.flags.has('help')) {
        io.out(USAGE[key]);
        return 0;
      }
      const maxPositionals = key === 'board' || key === 'revoke' ? 1 : 0;
      if (parsed.positionals.length > maxPositionals) throw new CliUsageError(`unexpected argument ${parsed.positionals[maxPositionals]}`);
      if (key === 'board' && parsed.positionals.length === 0) throw new CliUsageError('board needs the board NAME');
      const dir = parsed.options.get('dir');
      if (dir === undefined) throw new CliUsageError('--dir D is required');
      const ctx: Ctx = { dir, force: parsed.flags.has('force'), io, env: (deps.env ?? (() => process.env))(), now: (deps.now ?? (() => new Date()))() };
      try {
        await SUBS[key].run(ctx, withPositionalName(key, parsed.options, parsed.positionals), parsed.positionals, parsed.flags);
        return 0;
      } catch (e) {
        if (!(e instanceof PkiError) && !(e instanceof ProvisionError)) throw e;
        io.err(`lnfleet provision ${sub}: ${e.message}`);
        return 1;
      }
    },
  };
}

/** `lnfleet provision`, registered by `cli/main.ts`. */
export const provisionCommand: Command = makeProvisionCommand();

