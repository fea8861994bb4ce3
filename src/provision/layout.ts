/**
 * @module provision/layout
 * Where each bundle member goes on a board, with owner and mode, and the units first boot enables.
 * One table, read by the front config generator (paths) and by first boot (install).
 *
 * Does not: write anything (see `provision/firstboot`).
 */
import { CONFIG_DIR, HOSTNAME_FILE, SERVICE_USER } from '../deploy/constants.js';
import type { BundleMember } from './bundle.js';

/** Owner of an installed file: root, or the service account the front runs as. */
export type Owner = 'root' | typeof SERVICE_USER;

/** One installed file. */
export interface InstallTarget {
  readonly path: string;
  readonly mode: number;
  readonly owner: Owner;
  readonly group: Owner;
}

/** The board's config directory: root-owned, the front's group may enter and read. */
export const BOARD_CONFIG_DIR: InstallTarget = { path: CONFIG_DIR, mode: 0o750, owner: 'root', group: SERVICE_USER };

/** Install target of every bundle member except `hostname` (which writes /etc/hostname and /etc/hosts). */
export const INSTALL: Readonly<Record<Exclude<BundleMember, 'hostname'>, InstallTarget>> = {
  // Read by the front (group lnfleet); root-owned so a compromised daemon cannot rewrite its own config.
  'front.conf': { path: `${CONFIG_DIR}/front.conf`, mode: 0o640, owner: 'root', group: SERVICE_USER },
  'ca.crt': { path: `${CONFIG_DIR}/ca.crt`, mode: 0o644, owner: 'root', group: 'root' },
  'backend.crt': { path: `${CONFIG_DIR}/backend.crt`, mode: 0o644, owner: 'root', group: 'root' },
  'front.crt': { path: `${CONFIG_DIR}/front.crt`, mode: 0o644, owner: 'root', group: 'root' },
  // The board key: the front (not root) must read it, and the TLS loader refuses group/world bits.
  'front.key': { path: `${CONFIG_DIR}/front.key`, mode: 0o600, owner: SERVICE_USER, group: SERVICE_USER },
  // Debian's nftables.service loads this file at boot (`nft -f /etc/nftables.conf`).
  'nftables.conf': { path: '/etc/nftables.conf', mode: 0o755, owner: 'root', group: 'root' },
  'keepalived.conf': { path: '/etc/keepalived/keepalived.conf', mode: 0o644, owner: 'root', group: 'root' },
};

/** /etc/hostname (declared with the units, whose first-boot unit applies it) and /etc/hosts. */
export { HOSTNAME_FILE };
/** See `HOSTNAME_FILE`. */
export const HOSTS_FILE = '/etc/hosts';

/**
 * Units first boot enables (`systemctl enable` = a symlink in the target's `.wants/`), with the unit
 * file each link points at. The image installs ours under /etc/systemd/system; Debian's packages ship
 * theirs under /usr/lib/systemd/system.
 */
export const ENABLE_UNITS = [
  { unit: 'nftables.service', target: '/usr/lib/systemd/system/nftables.service' },
  { unit: 'keepalived.service', target: '/usr/lib/systemd/system/keepalived.service' },
  { unit: 'lnfleet-front.service', target: '/etc/systemd/system/lnfleet-front.service' },
] as const;
/** Where `WantedBy=multi-user.target` links live. */
export const WANTS_DIR = '/etc/systemd/system/multi-user.target.wants';
