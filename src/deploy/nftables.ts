/**
 * @module deploy/nftables
 * `lnfleet gen nftables --role back|front`: the host firewall of each machine as one nftables file
 * (DESIGN §6 "the backend's public IP receives a connection on 9735: dropped", §7 "nftables").
 *
 * - back: 9735 closed except on loopback; the cluster link port only from the fronts' addresses; API,
 *   metrics and ssh only from admin addresses.
 * - front: 9735 open to the world; metrics from admins (and from the other fronts, for keepalived's
 *   LVS health check); VRRP (IP protocol 112) and mDNS from the fronts' subnet; the link is outbound
 *   only (no input rule: replies come back as `established`).
 * - both: established/related, loopback, the ICMP that IPv4/IPv6 need, ssh from admins, and a default
 *   drop on input with a counter and a rate-limited log line.
 *
 * The file owns one table, `inet <table>` (IPv4 and IPv6 at once), and recreates only that table, so
 * it coexists with the operator's rules. Pure: input object in, file text out.
 * Spec: https://wiki.nftables.org/wiki-nftables/index.php/Quick_reference-nftables_in_10_minutes
 * Does not: apply the ruleset, touch the forward/output hooks, or resolve names.
 */
import { assertNever } from '../errors.js';
import {
  DEFAULT_NFT_TABLE, MDNS_IPV4_GROUP, MDNS_IPV6_GROUP, MDNS_PORT, NFT_DROP_LOG_BURST_PACKETS,
  NFT_DROP_LOG_PREFIX, NFT_DROP_LOG_RATE_PER_SECOND, VRRP_IP_PROTOCOL,
} from './constants.js';
import type { NftablesInput, Ports, Role } from './types.js';
import { invalid } from './errors.js';
import {
  byFamily, checkName, checkNonEmpty, checkPort, checkUnique, contains, parseCidr, parseIp, type Cidr,
} from './validate.js';

/** Validated, family-split view of the input that the rule writers use. */
interface Plan {
  readonly role: Role;
  readonly table: string;
  readonly ports: Ports;
  readonly subnet: Cidr;
  readonly fronts: { readonly ip: readonly string[]; readonly ip6: readonly string[] };
  readonly admins: { readonly ip: readonly string[]; readonly ip6: readonly string[] };
}

/** Checks the ports object; the services must not share a port. */
export function checkPorts(field: string, p: Ports): Ports {
  if (typeof p !== 'object' || p === null) invalid(field, 'must be an object of port numbers');
  const ports: Ports = {
    peer: checkPort(`${field}.peer`, p.peer),
    link: checkPort(`${field}.link`, p.link),
    api: checkPort(`${field}.api`, p.api),
    metrics: checkPort(`${field}.metrics`, p.metrics),
    ssh: p.ssh === null ? null : checkPort(`${field}.ssh`, p.ssh),
  };
  const used = [ports.peer, ports.link, ports.api, ports.metrics, ...(ports.ssh === null ? [] : [ports.ssh])];
  checkUnique(`${field} (peer, link, api, metrics, ssh)`, used);
  return ports;
}

function plan(input: NftablesInput): Plan {
  if (input.role !== 'back' && input.role !== 'front') invalid('role', `must be "back" or "front", got ${JSON.stringify(input.role)}`);
  const subnet = parseCidr('subnet', input.subnet);
  const fronts = checkNonEmpty<NftablesInput['fronts'][number]>('fronts', input.fronts).map((f, i) => {
    const a = parseIp(`fronts[${i}].address`, f?.address);
    if (!contains(subnet, a)) invalid(`fronts[${i}].address`, `${a.text} is not inside subnet ${subnet.text}`);
    return a;
  });
  checkUnique('fronts', fronts.map((f) => f.text));
  const admins = checkNonEmpty<string>('admins', input.admins).map((a, i) => parseCidr(`admins[${i}]`, a));
  checkUnique('admins', admins.map((a) => a.text));
  return {
    role: input.role,
    table: checkName('table', input.table ?? DEFAULT_NFT_TABLE, 32),
    ports: checkPorts('ports', input.ports),
    subnet,
    fronts: byFamily(fronts),
    admins: byFamily(admins),
  };
}

/** `set NAME { … }` lines for a non-empty element list, else nothing. auto-merge: overlapping admin
 * prefixes (a /28 and an address in it) merge instead of failing the load. */
function setBlock(name: string, type: 'ipv4_addr' | 'ipv6_addr', elements: readonly string[]): string[] {
  if (elements.length === 0) return [];
  return [`\tset ${name} {`, `\t\ttype ${type}`, '\t\tflags interval', '\t\tauto-merge', `\t\telements = { ${elements.join(', ')} }`, '\t}', ''];
}

/** One rule per family whose set is non-empty: `ip saddr @x_v4 …` / `ip6 saddr @x_v6 …`. */
function fromSet(set: 'admins' | 'fronts', p: Plan, rest: string): string[] {
  const out: string[] = [];
  if (p[set].ip.length > 0) out.push(`\t\tip saddr @${set}_v4 ${rest}`);
  if (p[set].ip6.length > 0) out.push(`\t\tip6 saddr @${set}_v6 ${rest}`);
  return out;
}

function saddr(c: Cidr): string {
  return `${c.family} saddr ${c.text}`;
}

/** Rules both roles start with: state, loopback, ICMP. */
function commonHead(): string[] {
  return [
    '\t\t# Replies to connections this host opened (peer dials, the cluster link from a front, apt, NTP)',
    '\t\t# and ICMP errors about them. Invalid packets belong to no connection: drop them early.',
    '\t\tct state established,related accept',
    '\t\tct state invalid counter drop',
    '',
    '\t\t# Loopback: local tools (lnfleet status, curl on /readyz from keepalived) and, on the backend,',
    '\t\t# the only way to reach 9735.',
    '\t\tiifname "lo" accept',
    '',
    '\t\t# ICMP: ping for monitoring plus the errors path-MTU discovery needs. IPv6 does not work at all',
    '\t\t# without neighbour discovery, and packet-too-big is its only PMTU signal.',
    '\t\ticmp type { echo-request, destination-unreachable, time-exceeded, parameter-problem } accept',
    '\t\ticmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem, echo-request, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept',
    '',
  ];
}

/** mDNS queries and announcements on the LAN (RFC 6762 §3): IPv4 group from the subnet, IPv6 link scope. */
function mdnsRules(p: Plan, why: string): string[] {
  const v4 = p.subnet.family === 'ip'
    ? [`\t\t${saddr(p.subnet)} ip daddr ${MDNS_IPV4_GROUP} udp dport ${MDNS_PORT} accept`] : [];
  return [
    `\t\t# mDNS (udp ${MDNS_PORT}): ${why}.`,
    `\t\t# IPv4 from the fronts' subnet; ${MDNS_IPV6_GROUP} is link-scoped, so no router forwards it.`,
    ...v4,
    `\t\tip6 saddr fe80::/10 ip6 daddr ${MDNS_IPV6_GROUP} udp dport ${MDNS_PORT} accept`,
    '',
  ];
}

function sshRules(p: Plan): string[] {
  if (p.ports.ssh === null) return ['\t\t# ssh: closed (ports.ssh is null); use the console.', ''];
  return ['\t\t# ssh for administration, from admin addresses only.', ...fromSet('admins', p, `tcp dport ${p.ports.ssh} accept`), ''];
}

function backRules(p: Plan): string[] {
  const { peer, link, api, metrics } = p.ports;
  return [
    `\t\t# Cluster link (mTLS, DESIGN §3): only the fronts may dial it. The TLS check still decides who`,
    '\t\t# is a front; this only keeps the handshake code away from the internet.',
    ...fromSet('fronts', p, `tcp dport ${link} accept`),
    '',
    `\t\t# Backend API and metrics: admin addresses only.`,
    ...fromSet('admins', p, `tcp dport { ${api}, ${metrics} } accept`),
    '',
    ...mdnsRules(p, 'the fronts query for the _lnfleet._tcp record the backend advertises'),
    ...sshRules(p),
    `\t\t# DESIGN §6: ${peer} on the backend is closed (loopback was accepted above). Counted on its own`,
    '\t\t# so `nft list table` shows whether anything still tries it; the drop happens below.',
    `\t\ttcp dport ${peer} counter`,
    '',
  ];
}

function frontRules(p: Plan): string[] {
  const { peer, metrics } = p.ports;
  return [
    `\t\t# Lightning peers, from anywhere, IPv4 and IPv6 (also packets for the VIP forwarded by LVS-DR).`,
    `\t\ttcp dport ${peer} accept`,
    '',
    `\t\t# Metrics, /healthz, /readyz: admins, and the other fronts (keepalived's LVS HTTP_GET check of`,
    '\t\t# /readyz runs on whichever board holds the VIP).',
    ...fromSet('admins', p, `tcp dport ${metrics} accept`),
    ...fromSet('fronts', p, `tcp dport ${metrics} accept`),
    '',
    `\t\t# VRRP (IP protocol ${VRRP_IP_PROTOCOL}) adverts between the fronts: who holds the VIP.`,
    `\t\t${saddr(p.subnet)} meta l4proto ${VRRP_IP_PROTOCOL} accept`,
    '',
    ...mdnsRules(p, 'answers to our browse for the backend'),
    ...sshRules(p),
    `\t\t# The cluster link is outbound only on a front: no input rule; its replies are "established".`,
    '',
  ];
}

function dropTail(): string[] {
  return [
    '\t\t# Everything else: log (rate-limited, so a scan cannot fill the SD card) and drop with a counter.',
    `\t\tlimit rate ${NFT_DROP_LOG_RATE_PER_SECOND}/second burst ${NFT_DROP_LOG_BURST_PACKETS} packets log prefix "${NFT_DROP_LOG_PREFIX}" level info`,
    '\t\tcounter drop',
  ];
}

/**
 * Generates the nftables ruleset for `input.role`. Throws `DeployError` (`DEPLOY_INVALID_INPUT`) naming
 * the field on bad input: empty fronts/admins, bad ports or duplicates, a front outside `subnet`.
 */
export function generateNftables(input: NftablesInput): string {
  const p = plan(input);
  let roleRules: string[];
  switch (p.role) {
    case 'back': roleRules = backRules(p); break;
    case 'front': roleRules = frontRules(p); break;
    default: return assertNever(p.role, 'role');
  }
  const t = `inet ${p.table}`;
  const lines = [
    '#!/usr/sbin/nft -f',
    `# lnfleet ${p.role === 'back' ? 'backend' : 'front'} firewall. Generated by \`lnfleet gen nftables --role ${p.role}\`: regenerate, do not edit.`,
    `# Owns only table "${t}"; the operator's tables are untouched. A packet must pass every base chain`,
    '# on the input hook, so this table\'s drop policy applies on top of the operator\'s own rules.',
    '# Check: nft -c -f FILE    Apply: nft -f FILE    Inspect: nft list table ' + t,
    '',
    '# Declare, then delete: recreates our table atomically (the first line makes the delete safe when',
    '# the table does not exist yet). The whole file is one transaction.',
    `table ${t}`,
    `delete table ${t}`,
    '',
    `table ${t} {`,
    ...setBlock('admins_v4', 'ipv4_addr', p.admins.ip),
    ...setBlock('admins_v6', 'ipv6_addr', p.admins.ip6),
    ...setBlock('fronts_v4', 'ipv4_addr', p.fronts.ip),
    ...setBlock('fronts_v6', 'ipv6_addr', p.fronts.ip6),
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '',
    ...commonHead(),
    ...roleRules,
    ...dropTail(),
    '\t}',
    '}',
  ];
  return lines.join('\n') + '\n';
}
