/**
 * @module deploy/types
 * Input types of the deploy generators. Each generator is a pure function from one of these objects
 * to the text of a file; a later step maps the config loader's output onto them (DESIGN §7, §8).
 *
 * Addresses are literal IPv4/IPv6 strings, prefixes are CIDR strings (`10.0.0.0/24`), ports are
 * integers 1–65535. Fields marked optional have a default in `deploy/constants.ts`, applied by the
 * generator. Does not: validate (each generator does, throwing `DeployError`) or read files.
 */

/** Which machine a role-specific file is for. */
export type Role = 'back' | 'front';

/** The closed set of roles, for CLI parsing and exhaustive loops. */
export const ROLES = ['back', 'front'] as const satisfies readonly Role[];

/** One front board of the fleet. */
export interface FrontBoard {
  /** Board name (hostname-like, `[A-Za-z0-9._-]`), used as keepalived `router_id` and in comments. */
  readonly name: string;
  /** The board's fixed LAN address; must be inside `subnet`. */
  readonly address: string;
  /** VRRP priority 1–254 (255 is reserved for the address owner, RFC 5798 §5.2.4); highest wins. */
  readonly priority: number;
}

/** Ports every generator agrees on. */
export interface Ports {
  /** Lightning peer port (default 9735). */
  readonly peer: number;
  /** Cluster link port on the backend (default 25520). */
  readonly link: number;
  /** Backend HTTP API (default 8080). */
  readonly api: number;
  /** Metrics, `/healthz`, `/readyz` on every daemon (default 9095). */
  readonly metrics: number;
  /** sshd port, or `null` to keep ssh closed (console-only boards). */
  readonly ssh: number | null;
}

/** Input of `generateNftables`. */
export interface NftablesInput {
  /** Which ruleset: the backend's (9735 closed) or a front's (9735 open). */
  readonly role: Role;
  /** The fronts' LAN prefix (VRRP and mDNS are accepted only from here). */
  readonly subnet: string;
  /** Every front; on the backend only these may open the cluster link. Non-empty. */
  readonly fronts: readonly FrontBoard[];
  /** Admin addresses or prefixes (IPv4/IPv6) allowed to reach API, metrics and ssh. Non-empty. */
  readonly admins: readonly string[];
  /** Port numbers (see `Ports`). */
  readonly ports: Ports;
  /** nftables table name in family `inet` (default `lnfleet`). */
  readonly table?: string;
}

/** LVS forwarding method; see the comment in the generated keepalived.conf for why DR is the default. */
export type LvsKind = 'DR' | 'NAT';
/** LVS schedulers we allow (the ones that make sense for long-lived peer connections). */
export type LvsAlgo = 'wlc' | 'lc' | 'rr' | 'wrr' | 'sh';

/** Input of `generateKeepalived`. One file per board: `self` picks the board it is written for. */
export interface KeepalivedInput {
  /** Name of the board this file is for; must be one of `fronts`. */
  readonly self: string;
  /** All fronts; each is a VRRP member and an LVS real server. Non-empty. */
  readonly fronts: readonly FrontBoard[];
  /** The node's public address, held by the VRRP master; must be inside `subnet`. */
  readonly vip: string;
  /** The fronts' LAN prefix; gives the VIP's prefix length. */
  readonly subnet: string;
  /** Network interface carrying VRRP and the VIP (e.g. `eth0`). */
  readonly interface: string;
  /** Ports (only `peer` and `metrics` are used). */
  readonly ports: Pick<Ports, 'peer' | 'metrics'>;
  /** VRRP virtual router id 1–255 (default 51). */
  readonly virtualRouterId?: number;
  /** VRRP advert interval in seconds, 0.01–40.95 (default 1). */
  readonly advertInt?: number;
  /** Send adverts unicast to the other fronts (`unicast_peer`) instead of multicast (default false). */
  readonly unicast?: boolean;
  /** LVS settings (defaults: DR, wlc, 300 s persistence, 5 s delay loop). */
  readonly lvs?: {
    readonly kind?: LvsKind;
    readonly algo?: LvsAlgo;
    readonly persistenceTimeout?: number;
    readonly delayLoop?: number;
  };
  /** User the check and notify scripts run as (default `lnfleet`; keepalived refuses root-writable-only paths otherwise). */
  readonly scriptUser?: string;
  /** The lnfleet wrapper the notify hooks call (default `/usr/local/bin/lnfleet`). */
  readonly hookCommand?: string;
}

/** Input of `generateTorrc`. */
export interface TorrcInput {
  /** Where tor keeps the onion service key (`HiddenServiceDir`), e.g. `/var/lib/tor/lnfleet`. */
  readonly hiddenServiceDir: string;
  /** Tor's `DataDirectory` (default omitted: the distribution's, `/var/lib/tor` on Debian). */
  readonly dataDirectory?: string;
  /** eclair's `tor.targets`: the fronts as `host` or `host:port` (`[v6]:port`); one HiddenServicePort each. */
  readonly targets: readonly string[];
  /** The onion's virtual port (default 9735). */
  readonly virtualPort?: number;
  /** SOCKS port on 127.0.0.1 for outgoing onion dials (default 9050). */
  readonly socksPort?: number;
  /** Control port on 127.0.0.1, cookie auth (default 9051); `null` disables it. */
  readonly controlPort?: number | null;
}

/** Input of `generateSystemdUnit`. */
export interface SystemdInput {
  /**
   * Which unit: the two daemons, the board's first-boot oneshot, or the board image's front (which
   * starts early and waits for the firewall itself instead of being ordered after it).
   */
  readonly unit: Role | 'firstboot' | 'board-front';
}

/** What the backend advertises by mDNS (DESIGN §7). */
export interface MdnsAdvert {
  /** Instance name (the part before `._lnfleet._tcp.local`), e.g. the backend's hostname. */
  readonly instance: string;
  /** 33-byte compressed node public key, hex (66 chars). */
  readonly nodeId: string;
  /** Cluster link port (the SRV port and a TXT copy). */
  readonly linkPort: number;
  /** SHA-256 of the cluster CA certificate (DER), hex (64 chars); a hint, the TLS check decides. */
  readonly caFingerprint: string;
  /** Cluster link protocol version (u16). */
  readonly protocolVersion: number;
}
