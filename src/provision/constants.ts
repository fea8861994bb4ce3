/**
 * @module provision/constants
 * File names, modes and limits of provisioning, bundles and first boot, each with its reason
 * (STYLE rule 7). The install paths on the board come from `deploy/constants.ts` so the systemd units,
 * the image and first boot agree on them.
 *
 * Does not: touch the file system.
 */

/** Mode of private keys, seeds and bundles (a bundle carries the board's key): owner only. */
export const SECRET_MODE = 0o600;
/** Mode of certificates, configs and lists: public material. */
export const PUBLIC_MODE = 0o644;
/** Mode of the provisioning directory and the backend data dir: owner only (they hold keys). */
export const PRIVATE_DIR_MODE = 0o700;

/** The fleet description `provision init` writes (operator-editable JSON, see `provision/fleet.ts`). */
export const FLEET_FILE = 'fleet.json';
/** Registry of provisioned boards (written by `provision board`; not meant to be edited). */
export const BOARDS_FILE = 'boards.json';
/** The backend's config file (`key = value`), pointing at the files in the provisioning dir. */
export const BACK_CONF_FILE = 'back.conf';
/** The backend's nftables ruleset, regenerated whenever a board is added (the link port opens to it). */
export const BACK_NFT_FILE = 'back.nft';
/** Per-board output directory inside the provisioning dir: `boards/NAME/`. */
export const BOARDS_DIR = 'boards';
/** Name of the bundle file, both in `boards/NAME/` and on the card's boot partition. */
export const BUNDLE_FILE_NAME = 'lnfleet-bundle.tar';
/** Default backend data dir (seed, DB) inside the provisioning dir when `--data-dir` is not given. */
export const DEFAULT_BACK_DATA_SUBDIR = 'back-data';
/** Default certificate name of the backend (file `back-back.crt`). */
export const DEFAULT_BACKEND_NAME = 'back';

/**
 * Largest bundle we read, in bytes. A real bundle is ~12 KiB (a few PEMs and configs); 1 MiB leaves
 * room for big fleets' keepalived.conf while refusing a wrong file (a kernel image) early.
 */
export const MAX_BUNDLE_BYTES = 1024 * 1024;
/** Largest single member, in bytes (same reasoning as `MAX_BUNDLE_BYTES`). */
export const MAX_MEMBER_BYTES = 256 * 1024;

/**
 * VRRP priority of board index 0; each later board gets `PRIORITY_STEP` less, so the first board
 * provisioned holds the VIP by default. 250 leaves room above for an operator override (254 max, 255
 * is reserved for the address owner, RFC 5798 §5.2.4).
 */
export const FIRST_BOARD_PRIORITY = 250;
/** Priority step between consecutive boards (room to slot a board between two others by hand). */
export const PRIORITY_STEP = 10;
/** Lowest derived priority; boards past index 24 all get this (VRRP breaks ties by address). */
export const MIN_DERIVED_PRIORITY = 10;
/**
 * First host number tried when a board gets no `--ip` (IPv4 only): `.11`, `.12`, … . Low numbers are
 * usually the router and infrastructure; the VIP and backend addresses are skipped as well.
 */
export const FIRST_BOARD_HOST = 11;

/** Default GPIO map of a board (BCM numbers of a Raspberry Pi header: free pins with no alternate use at boot). */
export const DEFAULT_GPIO = { ledOk: 17, ledWarn: 27, ledFault: 22, statusPin: 23, activeLow: false } as const;
