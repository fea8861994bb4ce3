/**
 * @module cli/gen
 * `lnfleet gen nftables|keepalived|torrc|systemd`: writes a deploy file from the pure generators in
 * `src/deploy` (DESIGN §7, STYLE rule 15).
 *
 * Inputs come from `--input FILE.json` (the generator's input object, see `deploy/types.ts`) and/or
 * flags; a flag overrides the same field from the file, and unset ports take the defaults in
 * `deploy/constants.ts`. Output goes to stdout or `--out FILE`. A bad input prints the field and the
 * problem and exits 2.
 *
 * Does not: read the lnfleet config file (a later step maps it onto these inputs) or apply anything.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { CliUsageError, parseArgs, type CliIo, type Command, type ParsedArgs } from './command.js';
import { DEFAULT_PORTS } from '../deploy/constants.js';
import { DeployError } from '../deploy/errors.js';
import { generateKeepalived } from '../deploy/keepalived.js';
import { generateNftables } from '../deploy/nftables.js';
import { generateSystemdUnit } from '../deploy/systemd.js';
import { generateTorrc } from '../deploy/torrc.js';
import type {
  FrontBoard, KeepalivedInput, LvsAlgo, LvsKind, NftablesInput, Ports, SystemdInput, TorrcInput,
} from '../deploy/types.js';

/** Options that take a value, shared by all kinds (unused ones are simply ignored by a kind). */
const OPTIONS = [
  'input', 'out', 'role', 'self', 'vip', 'subnet', 'interface', 'fronts', 'admins', 'table',
  'peer-port', 'link-port', 'api-port', 'metrics-port', 'ssh-port', 'vrid', 'advert-int',
  'lvs-kind', 'lvs-algo', 'persistence', 'targets', 'hs-dir', 'data-dir', 'socks-port', 'control-port',
  'script-user', 'hook',
] as const;
const FLAGS = ['unicast'] as const;

const COMMON = `  --input FILE.json   generator input object (see src/deploy/types.ts); flags override its fields
  --out FILE          write there instead of stdout
  --help              this text`;
const TOPOLOGY = `  --subnet CIDR       the fronts' LAN prefix, e.g. 10.0.0.0/24
  --fronts LIST       name=address[:priority],...  e.g. a=10.0.0.11:150,b=10.0.0.12:100
                      (IPv6: b=[fd00::12]:100; priority defaults to 250, 240, ... by position)`;

/** Usage text of each kind. */
const KIND_USAGE = {
  nftables: `lnfleet gen nftables --role back|front [options]
  Host firewall of the backend (9735 closed, link from fronts only) or of a front (9735 open).
${TOPOLOGY}
  --admins LIST       admin addresses/prefixes (IPv4/IPv6), comma-separated: API, metrics, ssh
  --peer-port N --link-port N --api-port N --metrics-port N   (defaults 9735 25520 8080 9095)
  --ssh-port N|none   ssh port from admins (default 22; none = closed)
  --table NAME        nftables table in family inet (default lnfleet)
${COMMON}`,
  keepalived: `lnfleet gen keepalived --self NAME [options]
  keepalived.conf for one front: VRRPv3 VIP, /readyz track script, LED hooks, LVS virtual_server.
  --self NAME         the board this file is for (one of --fronts)
  --vip ADDRESS       the node's public address (inside --subnet)
  --interface IFACE   interface for VRRP and the VIP, e.g. eth0
${TOPOLOGY}
  --vrid N            virtual_router_id 1-255 (default 51)
  --advert-int S      advert interval in seconds, 0.01-40.95 (default 1)
  --unicast           unicast adverts to the other fronts instead of multicast
  --lvs-kind DR|NAT --lvs-algo wlc|lc|rr|wrr|sh --persistence S   (defaults DR wlc 300)
  --peer-port N --metrics-port N   (defaults 9735 9095)
  --script-user USER  user for check/notify scripts (default lnfleet)
  --hook PATH         lnfleet wrapper the notify hooks call (default /usr/local/bin/lnfleet)
${COMMON}`,
  torrc: `lnfleet gen torrc --targets LIST --hs-dir DIR [options]
  torrc with a v3 onion service forwarding 9735 to the fronts (eclair's tor.targets).
  --targets LIST      host[:port],... of the fronts, e.g. 10.0.0.11:9735,10.0.0.12
  --hs-dir DIR        HiddenServiceDir, e.g. /var/lib/tor/lnfleet
  --data-dir DIR      DataDirectory (default: the distribution's)
  --peer-port N       the onion's virtual port (default 9735)
  --socks-port N      (default 9050)   --control-port N|none   (default 9051)
${COMMON}`,
  systemd: `lnfleet gen systemd --role back|front|board-front|firstboot
  The systemd unit (the files under systemd/ in the source tree are this output). board-front is the
  board image's front: it starts early and waits for the firewall marker instead of being ordered
  after nftables and first boot.
${COMMON}`,
} as const;
type Kind = keyof typeof KIND_USAGE;
const KINDS = Object.keys(KIND_USAGE) as Kind[];

const USAGE = `usage: lnfleet gen KIND [options]     KIND: ${KINDS.join(', ')}
Writes a deploy file from the pure generators in src/deploy. \`lnfleet gen KIND --help\` for details.

${KINDS.map((k) => KIND_USAGE[k]).join('\n\n')}`;

function intOpt(a: ParsedArgs, name: string): number | undefined {
  const v = a.options.get(name);
  if (v === undefined) return undefined;
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw new CliUsageError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function nullablePort(a: ParsedArgs, name: string): number | null | undefined {
  return a.options.get(name) === 'none' ? null : intOpt(a, name);
}

function list(a: ParsedArgs, name: string): string[] | undefined {
  const v = a.options.get(name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses `--fronts name=address[:priority],...`. */
export function parseFrontsFlag(text: string): FrontBoard[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((item, i) => {
    const m = /^([^=]+)=(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(item);
    if (m === null) throw new CliUsageError(`--fronts item ${JSON.stringify(item)} is not name=address[:priority]`);
    const address = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
    return { name: m[1]!, address, priority: m[3] === undefined ? 250 - 10 * i : Number(m[3]) };
  });
}

/** Drops undefined values so they do not override fields from the input file. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function ports(a: ParsedArgs, base: Partial<Ports> | undefined): Ports {
  return {
    ...DEFAULT_PORTS,
    ...base,
    ...defined({
      peer: intOpt(a, 'peer-port'), link: intOpt(a, 'link-port'), api: intOpt(a, 'api-port'),
      metrics: intOpt(a, 'metrics-port'), ssh: nullablePort(a, 'ssh-port'),
    }),
  };
}

function topology(a: ParsedArgs): { subnet?: string; fronts?: FrontBoard[] } {
  const fronts = a.options.get('fronts');
  return defined({ subnet: a.options.get('subnet'), fronts: fronts === undefined ? undefined : parseFrontsFlag(fronts) });
}

type Json = Record<string, unknown>;

function buildNftables(a: ParsedArgs, file: Json): NftablesInput {
  return {
    ...(file as unknown as NftablesInput),
    ...topology(a),
    ...defined({ role: a.options.get('role') as NftablesInput['role'] | undefined, admins: list(a, 'admins'), table: a.options.get('table') }),
    ports: ports(a, file['ports'] as Partial<Ports> | undefined),
  };
}

function buildKeepalived(a: ParsedArgs, file: Json): KeepalivedInput {
  const f = file as unknown as KeepalivedInput;
  const p = ports(a, file['ports'] as Partial<Ports> | undefined);
  return {
    ...f,
    ...topology(a),
    ...defined({
      self: a.options.get('self'), vip: a.options.get('vip'), interface: a.options.get('interface'),
      virtualRouterId: intOpt(a, 'vrid'), advertInt: intOpt(a, 'advert-int'),
      unicast: a.flags.has('unicast') ? true : undefined,
      scriptUser: a.options.get('script-user'), hookCommand: a.options.get('hook'),
    }),
    ports: { peer: p.peer, metrics: p.metrics },
    lvs: {
      ...f.lvs,
      ...defined({
        kind: a.options.get('lvs-kind') as LvsKind | undefined,
        algo: a.options.get('lvs-algo') as LvsAlgo | undefined,
        persistenceTimeout: intOpt(a, 'persistence'),
      }),
    },
  };
}

function buildTorrc(a: ParsedArgs, file: Json): TorrcInput {
  return {
    ...(file as unknown as TorrcInput),
    ...defined({
      targets: list(a, 'targets'), hiddenServiceDir: a.options.get('hs-dir'), dataDirectory: a.options.get('data-dir'),
      virtualPort: intOpt(a, 'peer-port'), socksPort: intOpt(a, 'socks-port'), controlPort: nullablePort(a, 'control-port'),
    }),
  };
}

function buildSystemd(a: ParsedArgs, file: Json): SystemdInput {
  return { ...(file as unknown as SystemdInput), ...defined({ unit: a.options.get('role') as SystemdInput['unit'] | undefined }) };
}

async function readInput(path: string | undefined): Promise<Json> {
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new CliUsageError(`--input ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliUsageError(`--input ${path}: must hold a JSON object`);
  }
  return parsed as Json;
}

function generate(kind: Kind, a: ParsedArgs, file: Json): string {
  switch (kind) {
    case 'nftables': return generateNftables(buildNftables(a, file));
    case 'keepalived': return generateKeepalived(buildKeepalived(a, file));
    case 'torrc': return generateTorrc(buildTorrc(a, file));
    case 'systemd': return generateSystemdUnit(buildSystemd(a, file));
  }
}

/** `lnfleet gen`: see the usage text. Exit codes: 0 written, 2 bad arguments or bad input. */
export const genCommand: Command = {
  name: 'gen',
  summary: 'write a deploy file: nftables, keepalived, torrc or systemd unit',
  usage: USAGE,
  helpFor: (args) => (KINDS.includes(args[0] as Kind) ? KIND_USAGE[args[0] as Kind] : undefined),
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const a = parseArgs(args, { options: OPTIONS, flags: FLAGS });
    const kind = a.positionals[0];
    if (kind === undefined) {
      if (a.flags.has('help')) { io.out(USAGE); return 0; }
      throw new CliUsageError(`gen needs a KIND: ${KINDS.join(', ')}`);
    }
    if (!KINDS.includes(kind as Kind)) throw new CliUsageError(`unknown KIND ${JSON.stringify(kind)}; one of ${KINDS.join(', ')}`);
    if (a.flags.has('help')) { io.out(KIND_USAGE[kind as Kind]); return 0; }
    if (a.positionals.length > 1) throw new CliUsageError(`unexpected argument ${JSON.stringify(a.positionals[1])}`);
    let text: string;
    try {
      text = generate(kind as Kind, a, await readInput(a.options.get('input')));
    } catch (e) {
      if (!(e instanceof DeployError)) throw e;
      io.err(`lnfleet gen ${kind}: invalid input: ${e.message}`);
      return 2;
    }
    const out = a.options.get('out');
    if (out === undefined) io.out(text.replace(/\n$/, ''));
    else await writeFile(out, text, { mode: 0o644 });
    return 0;
  },
};
