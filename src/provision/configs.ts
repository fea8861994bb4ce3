/**
 * @module provision/configs
 * Text of the generated config files (`key = value`, the syntax of `src/config`): a board's
 * `front.conf` and the backend's `back.conf`. Every key is one `lnfleet config describe` lists; tests
 * parse the output with the real config resolver.
 *
 * Pure. Does not: write files or decide paths of the provisioning dir (the caller passes them).
 */
import { DEFAULT_HEALTH_LISTEN } from '../board/constants.js';
import type { BoardRecord, Fleet } from './fleet.js';
import { INSTALL } from './layout.js';

type Line = readonly [key: string, value: string | number | boolean] | string;

function render(title: readonly string[], lines: readonly Line[]): string {
  const out = title.map((t) => `# ${t}`);
  for (const l of lines) {
    if (typeof l === 'string') out.push('', `# ${l}`);
    else out.push(`${l[0]} = ${String(l[1])}`);
  }
  return out.join('\n') + '\n';
}

/** `front.conf` of board `b` (paths are the board's install paths). */
export function frontConf(fleet: Fleet, b: BoardRecord): string {
  const g = b.gpio;
  const backend: Line[] = fleet.backend.address === null
    ? [['cluster.mdns', true]]
    : [['cluster.backend-address', fleet.backend.address], ['cluster.mdns', false]];
  return render([
    `lnfleet front config of board ${b.name}. Written by \`lnfleet provision board ${b.name}\`; installed by first boot.`,
    'Reprovision instead of editing on the board. Keys: `lnfleet config describe`.',
  ], [
    ['chain', fleet.chain],
    ['front.id', b.name],
    ...(fleet.nodeId === null ? [] : [['node.pub-key', fleet.nodeId] as Line]),
    'Cluster link: mTLS with this board\'s certificate; the backend\'s certificate is pinned.',
    ['cluster.port', fleet.ports.link],
    ...backend,
    ['cluster.local-address', b.address],
    ['cluster.tls.mode', 'ca'],
    ['cluster.tls.ca', INSTALL['ca.crt'].path],
    ['cluster.tls.cert', INSTALL['front.crt'].path],
    ['cluster.tls.key', INSTALL['front.key'].path],
    ['cluster.tls.backend-cert', INSTALL['backend.crt'].path],
    'Peers, health and metrics.',
    ['front.listen', `0.0.0.0:${fleet.ports.peer}`],
    ['front.health-listen', DEFAULT_HEALTH_LISTEN],
    ['metrics.listen', `0.0.0.0:${fleet.ports.metrics}`],
    'Network (keepalived and nftables were generated from the same values).',
    ['network.interface', fleet.interface],
    ['network.vip', fleet.vip],
    ['network.subnet', fleet.subnet],
    ['network.admin-addresses', fleet.admins.join(',')],
    ['network.vrrp-router-id', fleet.vrrpRouterId],
    ['network.vrrp-priority', b.priority],
    'LEDs and status pin (sysfs GPIO numbers).',
    ['board.gpio.enabled', g.enabled],
    ['board.gpio.led-ok', g.ledOk],
    ['board.gpio.led-warn', g.ledWarn],
    ['board.gpio.led-fault', g.ledFault],
    ['board.gpio.status-pin', g.statusPin],
    ['board.gpio.active-low', g.activeLow],
  ]);
}

/** Paths of the backend's files in the provisioning dir. */
export interface BackPaths {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly revocations: string;
}

/** `back.conf`: the backend reads the provisioning dir's certificate files and revocation list. */
export function backConf(fleet: Fleet, p: BackPaths): string {
  const key: Line[] = fleet.backend.keyProvider === 'seed'
    ? [['node.key-provider', 'seed']]
    : [
      ['node.key-provider', 'aws-sm'],
      ['node.aws-secret-name', fleet.backend.awsSecretName ?? ''],
      ...(fleet.backend.awsRegion === null ? [] : [['aws.region', fleet.backend.awsRegion] as Line]),
    ];
  return render([
    'lnfleet backend config. Written by `lnfleet provision init`. Keys: `lnfleet config describe`.',
    'Run: lnfleet back --config THIS_FILE',
  ], [
    ['chain', fleet.chain],
    ['data-dir', fleet.backend.dataDir],
    ...key,
    ...(fleet.nodeId === null ? [] : [['node.pub-key', fleet.nodeId] as Line]),
    'Cluster link. `lnfleet provision revoke` rewrites the revocation list; the backend reloads it on change.',
    ['cluster.port', fleet.ports.link],
    ...(fleet.backend.address === null ? [] : [['cluster.local-address', fleet.backend.address] as Line]),
    ['cluster.tls.mode', 'ca'],
    ['cluster.tls.ca', p.ca],
    ['cluster.tls.cert', p.cert],
    ['cluster.tls.key', p.key],
    ['cluster.tls.revocations', p.revocations],
    'Network.',
    ['network.interface', fleet.interface],
    ['network.vip', fleet.vip],
    ['network.subnet', fleet.subnet],
    ['network.admin-addresses', fleet.admins.join(',')],
    ['node.announce-addresses', `${fleet.vip.includes(':') ? `[${fleet.vip}]` : fleet.vip}:${fleet.ports.peer}`],
  ]);
}
