/**
 * @module deploy/keepalived
 * `lnfleet gen keepalived --self BOARD`: the keepalived.conf of one front board (DESIGN §7).
 *
 * - One VRRPv3 instance over all fronts. The VIP is the node's public address; the healthy board with
 *   the highest priority holds it. Adverts go multicast, or unicast to the other fronts (`unicast_peer`,
 *   one address per line, as keepalived wants; DESIGN §12).
 * - A `vrrp_script` asks the local front's `/readyz`; a failing front goes FAULT and gives up the VIP.
 * - `notify_master/backup/fault` call `lnfleet board vrrp-state STATE`, which drives the board's LEDs.
 * - LVS `virtual_server VIP:9735` with one `real_server` per front and an HTTP_GET of `/readyz`, so the
 *   VIP holder spreads peers over every healthy front. Test hosts lack IPVS: the lab checks VRRP and the
 *   syntax (`keepalived -t`); LVS is what production uses.
 *
 * Spec: https://keepalived.readthedocs.io/en/latest/configuration_synopsis.html, RFC 5798 (VRRPv3).
 * Pure: input object in, file text out. Does not: configure the VIP on `lo` or the ARP sysctls that
 * LVS-DR needs on real servers (the board image does; see docs/deploy.md), or run keepalived.
 */
import {
  DEFAULT_LVS_DELAY_LOOP_S, DEFAULT_LVS_PERSISTENCE_S, DEFAULT_VIRTUAL_ROUTER_ID, DEFAULT_VRRP_ADVERT_INT_S,
  LNFLEET_WRAPPER, LVS_CHECK_CONNECT_TIMEOUT_S, READY_CHECK_CURL_MAX_S, READY_CHECK_FALL, READY_CHECK_INTERVAL_S, READY_CHECK_RISE,
  READY_CHECK_TIMEOUT_S, SERVICE_USER, VRRP_ADVERT_INT_MAX_S, VRRP_ADVERT_INT_MIN_S,
} from './constants.js';
import { invalid } from './errors.js';
import type { FrontBoard, KeepalivedInput, LvsAlgo, LvsKind } from './types.js';
import {
  checkInt, checkName, checkNonEmpty, checkPath, checkPort, checkUnique, contains, parseCidr, parseIp,
} from './validate.js';

const LVS_KINDS: readonly LvsKind[] = ['DR', 'NAT'];
const LVS_ALGOS: readonly LvsAlgo[] = ['wlc', 'lc', 'rr', 'wrr', 'sh'];
/** Linux interface names are at most IFNAMSIZ-1 = 15 bytes. */
const IFNAME_MAX = 15;

/** Validated input with defaults applied. */
interface Plan {
  readonly self: FrontBoard;
  readonly others: readonly FrontBoard[];
  readonly fronts: readonly FrontBoard[];
  readonly vip: string;
  readonly vipPrefix: number;
  readonly iface: string;
  readonly peerPort: number;
  readonly metricsPort: number;
  readonly vrid: number;
  readonly advertInt: number;
  readonly unicast: boolean;
  readonly lvsKind: LvsKind;
  readonly lvsAlgo: LvsAlgo;
  readonly persistence: number;
  readonly delayLoop: number;
  readonly scriptUser: string;
  readonly hook: string;
}

function checkFronts(input: KeepalivedInput, subnetText: string): FrontBoard[] {
  const subnet = parseCidr('subnet', subnetText);
  const fronts = checkNonEmpty<FrontBoard>('fronts', input.fronts).map((f, i) => {
    const address = parseIp(`fronts[${i}].address`, f?.address);
    if (!contains(subnet, address)) invalid(`fronts[${i}].address`, `${address.text} is not inside subnet ${subnet.text}`);
    return {
      name: checkName(`fronts[${i}].name`, f.name),
      address: address.text,
      // RFC 5798 §5.2.4: 255 is reserved for the router that owns the address; 0 means "resign".
      priority: checkInt(`fronts[${i}].priority`, f.priority, 1, 254),
    };
  });
  checkUnique('fronts (names)', fronts.map((f) => f.name));
  checkUnique('fronts (addresses)', fronts.map((f) => f.address));
  // Equal priorities are legal VRRP (the higher address wins) but make "who is master" a surprise.
  checkUnique('fronts (priorities)', fronts.map((f) => f.priority));
  return fronts;
}

function checkAdvertInt(v: unknown): number {
  const cs = typeof v === 'number' ? Math.round(v * 100) : NaN;
  if (typeof v !== 'number' || v < VRRP_ADVERT_INT_MIN_S || v > VRRP_ADVERT_INT_MAX_S || Math.abs(cs - v * 100) > 1e-6) {
    invalid('advertInt', `must be ${VRRP_ADVERT_INT_MIN_S}-${VRRP_ADVERT_INT_MAX_S} s in steps of 0.01 (VRRPv3), got ${JSON.stringify(v)}`);
  }
  return v;
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) invalid(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function plan(input: KeepalivedInput): Plan {
  const fronts = checkFronts(input, input.subnet);
  const subnet = parseCidr('subnet', input.subnet);
  const vip = parseIp('vip', input.vip);
  if (!contains(subnet, vip)) invalid('vip', `${vip.text} is not inside subnet ${subnet.text}`);
  if (fronts.some((f) => f.address === vip.text)) invalid('vip', `${vip.text} is also a front's own address`);
  const self = fronts.find((f) => f.name === input.self);
  if (self === undefined) invalid('self', `${JSON.stringify(input.self)} is not the name of any front`);
  const lvs = input.lvs ?? {};
  return {
    self,
    others: fronts.filter((f) => f !== self),
    fronts,
    vip: vip.text,
    vipPrefix: vip.prefix,
    iface: checkName('interface', input.interface, IFNAME_MAX),
    peerPort: checkPort('ports.peer', input.ports?.peer),
    metricsPort: checkPort('ports.metrics', input.ports?.metrics),
    vrid: checkInt('virtualRouterId', input.virtualRouterId ?? DEFAULT_VIRTUAL_ROUTER_ID, 1, 255),
    advertInt: checkAdvertInt(input.advertInt ?? DEFAULT_VRRP_ADVERT_INT_S),
    unicast: input.unicast ?? false,
    lvsKind: oneOf('lvs.kind', lvs.kind ?? 'DR', LVS_KINDS),
    lvsAlgo: oneOf('lvs.algo', lvs.algo ?? 'wlc', LVS_ALGOS),
    persistence: checkInt('lvs.persistenceTimeout', lvs.persistenceTimeout ?? DEFAULT_LVS_PERSISTENCE_S, 0, 86400),
    delayLoop: checkInt('lvs.delayLoop', lvs.delayLoop ?? DEFAULT_LVS_DELAY_LOOP_S, 1, 3600),
    scriptUser: checkName('scriptUser', input.scriptUser ?? SERVICE_USER, 32),
    hook: checkPath('hookCommand', input.hookCommand ?? LNFLEET_WRAPPER),
  };
}

/** The readiness probe keepalived runs every second; see the comment in the output for why curl. */
export function readyCheckCommand(metricsPort: number): string {
  return `/usr/bin/curl -fsS -o /dev/null --max-time ${READY_CHECK_CURL_MAX_S} http://127.0.0.1:${metricsPort}/readyz`;
}

function globalAndScript(p: Plan): string[] {
  return [
    'global_defs {',
    `\trouter_id ${p.self.name}`,
    '\t# VRRPv3 (RFC 5798): sub-second advert_int and IPv6 VIPs; v2 only does whole seconds.',
    '\tvrrp_version 3',
    '\t# Refuse scripts that a non-root user could replace, and run them as the service user, not root.',
    '\tenable_script_security',
    `\tscript_user ${p.scriptUser}`,
    '}',
    '',
    '# Is the local front ready (listening, linked to the backend)? /readyz answers 200 only then.',
    '# curl is used because it is one small static exec (~5 ms) every second; a node one-liner would',
    '# cost a V8 start (~40 MB, ~0.3 s on a small board) per check. The board image installs curl.',
    'vrrp_script lnfleet_ready {',
    `\tscript "${readyCheckCommand(p.metricsPort)}"`,
    `\tinterval ${READY_CHECK_INTERVAL_S}`,
    `\ttimeout ${READY_CHECK_TIMEOUT_S}`,
    '\t# No weight: a failing check puts this board in FAULT, so it gives up the VIP entirely (and its',
    '\t# notify_fault hook shows it on the LEDs). A weight would only lower its priority, and a board whose',
    '\t# front is dead must never win an election. interval and timeout are whole seconds in keepalived;',
    '\t# fall 1 with a 1 s interval releases the VIP ≤ ~1.1 s after the front dies (a refused connect fails',
    '\t# at once; the 2 s timeout only bounds a slow answer); rise 2 avoids flapping.',
    `\tfall ${READY_CHECK_FALL}`,
    `\trise ${READY_CHECK_RISE}`,
    '}',
    '',
  ];
}

function vrrpInstance(p: Plan): string[] {
  const unicast = p.unicast
    ? [
      '\t# Unicast adverts (for LANs that filter multicast); one peer address per line.',
      `\tunicast_src_ip ${p.self.address}`,
      '\tunicast_peer {',
      ...p.others.map((f) => `\t\t${f.address}`),
      '\t}',
    ]
    : [];
  const notify = (state: string) => `\tnotify_${state.toLowerCase()} "${p.hook} board vrrp-state ${state}"`;
  return [
    '# The VIP is the node\'s public address. Every board starts BACKUP; the healthy board with the',
    '# highest priority becomes MASTER and preempts a lower one when it comes back.',
    'vrrp_instance lnfleet_vip {',
    '\tstate BACKUP',
    `\tinterface ${p.iface}`,
    `\tvirtual_router_id ${p.vrid}`,
    `\tpriority ${p.self.priority}`,
    `\tadvert_int ${p.advertInt}`,
    ...unicast,
    '\tvirtual_ipaddress {',
    `\t\t${p.vip}/${p.vipPrefix} dev ${p.iface}`,
    '\t}',
    '\ttrack_script {',
    '\t\tlnfleet_ready',
    '\t}',
    '\t# LED hooks: the board shows whether it holds the VIP (see docs/deploy.md for the patterns).',
    notify('MASTER'),
    notify('BACKUP'),
    notify('FAULT'),
    '}',
    '',
  ];
}

function virtualServer(p: Plan): string[] {
  const persistence = p.persistence === 0 ? [] : [`\tpersistence_timeout ${p.persistence}`];
  return [
    `# LVS on the VIP holder: spread peer connections over every ready front (lb_algo ${p.lvsAlgo}).`,
    '# lb_kind DR (direct routing) by default: the director only rewrites the MAC of inbound packets,',
    '# replies go straight from the chosen front to the peer, so the VIP holder is not a bandwidth',
    '# bottleneck and peers keep their source address. NAT would route every reply back through one',
    '# small board. DR needs each front to accept the VIP without answering ARP for it (VIP on lo,',
    '# arp_ignore=1, arp_announce=2: the board image sets these).',
    '# Persistence keeps a reconnecting peer on the same front for a while (its gossip filter stays).',
    `virtual_server ${p.vip} ${p.peerPort} {`,
    `\tdelay_loop ${p.delayLoop}`,
    `\tlb_algo ${p.lvsAlgo}`,
    `\tlb_kind ${p.lvsKind}`,
    ...persistence,
    '\tprotocol TCP',
    ...p.fronts.flatMap((f) => [
      `\t# ${f.name}`,
      `\treal_server ${f.address} ${p.peerPort} {`,
      '\t\tweight 1',
      '\t\tHTTP_GET {',
      '\t\t\turl {',
      '\t\t\t\tpath /readyz',
      '\t\t\t\tstatus_code 200',
      '\t\t\t}',
      `\t\t\tconnect_port ${p.metricsPort}`,
      `\t\t\tconnect_timeout ${LVS_CHECK_CONNECT_TIMEOUT_S}`,
      '\t\t}',
      '\t}',
    ]),
    '}',
  ];
}

/**
 * Generates `keepalived.conf` for board `input.self`. Throws `DeployError` (`DEPLOY_INVALID_INPUT`)
 * naming the field: empty fronts, unknown `self`, VIP outside `subnet`, bad priority, port or interval.
 */
export function generateKeepalived(input: KeepalivedInput): string {
  const p = plan(input);
  return [
    `# keepalived.conf for front ${p.self.name}. Generated by \`lnfleet gen keepalived --self ${p.self.name}\`:`,
    '# regenerate, do not edit. Check: keepalived -t -f FILE',
    '',
    ...globalAndScript(p),
    ...vrrpInstance(p),
    ...virtualServer(p),
  ].join('\n') + '\n';
}
