/**
 * @module deploy/constants
 * Defaults and limits of the generated deploy files, each with its unit and reason (STYLE rule 7), and
 * the install paths that the systemd units, keepalived hooks and docs must agree on (one place).
 *
 * Does not: read the environment or the config; a later step maps the config loader's output onto the
 * generator inputs and only falls back to these when a key is unset.
 */
import { DEFAULT_LINK_PORT } from '../cluster/constants.js';
import type { Ports } from './types.js';

/** BOLT 1 default Lightning port; fronts listen on it, the backend never does (DESIGN §2). */
export const DEFAULT_PEER_PORT = 9735;
/** Cluster link port (front → backend, mTLS); re-exported so deploy code has one import. */
export const DEFAULT_CLUSTER_LINK_PORT = DEFAULT_LINK_PORT;
/** Prometheus text, `/healthz`, `/readyz` on every daemon (DESIGN §8). */
export const DEFAULT_METRICS_PORT = 9095;
/** Backend HTTP API (DESIGN §1). */
export const DEFAULT_API_PORT = 8080;
/** OpenSSH default; `null` in the input closes ssh entirely. */
export const DEFAULT_SSH_PORT = 22;

/** Our own nftables table, so `nft -f` never touches the operator's tables. */
export const DEFAULT_NFT_TABLE = 'lnfleet';
/**
 * Rate of log lines for dropped input packets, per second (burst below). A public host sees constant
 * scanning; unlimited logging would fill a board's SD card and journald's rate limiter would hide the
 * interesting lines anyway. The counter still counts every drop.
 */
export const NFT_DROP_LOG_RATE_PER_SECOND = 10;
/** Burst allowance for the drop log, in packets (see above). */
export const NFT_DROP_LOG_BURST_PACKETS = 20;
/** Kernel log prefix of dropped packets; grep `journalctl -k` for it. ≤ 127 chars (nft limit). */
export const NFT_DROP_LOG_PREFIX = 'lnfleet-drop: ';

/** mDNS IPv4 group and port (RFC 6762 §3). */
export const MDNS_IPV4_GROUP = '224.0.0.251';
/** mDNS IPv6 link-local group (RFC 6762 §3). */
export const MDNS_IPV6_GROUP = 'ff02::fb';
/** mDNS UDP port (RFC 6762 §3). */
export const MDNS_PORT = 5353;
/** IP protocol number of VRRP (RFC 5798 §5.1.1.4). */
export const VRRP_IP_PROTOCOL = 112;

/**
 * VRRP advertisement interval, in seconds. keepalived's own default of 1 s fails over in ~3.4 s after a
 * power loss, over the 2 s the node promises its peers; 0.1 s measured 0.3–0.6 s in the lab (DESIGN §12,
 * docs/lab.md) at a cost of 10 small multicast packets/s per board, nothing on a LAN. VRRPv3 allows
 * 0.01–40.95 s (RFC 5798 §5.2.7, centiseconds in 12 bits).
 */
export const DEFAULT_VRRP_ADVERT_INT_S = 0.1;
/** VRRPv3 advert interval bounds, in seconds (RFC 5798 §5.2.7: 12-bit centiseconds). */
export const VRRP_ADVERT_INT_MIN_S = 0.01;
/** See `VRRP_ADVERT_INT_MIN_S`. */
export const VRRP_ADVERT_INT_MAX_S = 40.95;
/** Default VRID (1–255, RFC 5798 §5.2.3); pick another if the LAN already runs VRRP with 51. */
export const DEFAULT_VIRTUAL_ROUTER_ID = 51;
/**
 * Readiness check period, in seconds. keepalived 2.2.7 takes whole seconds only (`interval 0.5` is
 * rejected: "must be between 1 and 4294"), so 1 s is the shortest. With `fall` 1 a dead front is seen
 * within one interval, and the board is FAULT and has released the VIP within ~1.1 s (lab: test/lab/
 * cluster-lab.test.ts, `vip-failover-process`; the earlier 2 s × fall 2 measured 2.2–3.0 s).
 */
export const READY_CHECK_INTERVAL_S = 1;
/**
 * Readiness check timeout, in seconds (whole seconds in keepalived 2.2.7, like `interval`). Longer than
 * the interval on purpose: a dead front fails at once (connection refused), so this only decides how
 * long a *slow* answer may take. With 1 s the lab saw checks time out on a loaded host (fork + exec of
 * curl while keepalived's notify hooks start Node), and the board went FAULT while its front was fine.
 */
export const READY_CHECK_TIMEOUT_S = 2;
/**
 * curl's own `--max-time`, in seconds: below `READY_CHECK_TIMEOUT_S` so keepalived never has to kill it.
 * `/readyz` is answered from memory in under a millisecond; 1.5 s absorbs a long GC pause or a busy
 * board, so one slow answer is not a failure.
 */
export const READY_CHECK_CURL_MAX_S = 1.5;
/**
 * Consecutive failures before the board is marked FAULT. 1, because a failure is a refused connect
 * (the front is gone) or a 503 (its backend link is down), never a transient slowness (that is what the
 * 1.5 s `READY_CHECK_CURL_MAX_S` absorbs), and 2 would double the failover time to ~2.1 s.
 */
export const READY_CHECK_FALL = 1;
/** Consecutive successes before it competes for the VIP again (avoids flapping on a restart loop). */
export const READY_CHECK_RISE = 2;
/**
 * LVS persistence, in seconds: a peer that reconnects within this window lands on the same front, which
 * still holds its gossip filter and sync state. Short enough that a drained front empties in minutes.
 */
export const DEFAULT_LVS_PERSISTENCE_S = 300;
/** LVS real-server health check period, in seconds (`delay_loop`). */
export const DEFAULT_LVS_DELAY_LOOP_S = 5;
/** Connect timeout of the LVS HTTP_GET check, in seconds. */
export const LVS_CHECK_CONNECT_TIMEOUT_S = 2;

/** Tor SOCKS port for outgoing onion connections, loopback only. */
export const DEFAULT_TOR_SOCKS_PORT = 9050;
/** Tor control port, loopback only, cookie-authenticated (the node may publish via the controller). */
export const DEFAULT_TOR_CONTROL_PORT = 9051;

/** Dedicated service account of every lnfleet daemon. */
export const SERVICE_USER = 'lnfleet';
/** Node binary used by the units (Debian's `nodejs` package path). */
export const NODE_BIN = '/usr/bin/node';
/** Install root of the compiled tree (`dist/`). */
export const INSTALL_DIR = '/opt/lnfleet';
/** CLI entry inside the install root. */
export const CLI_MAIN = `${INSTALL_DIR}/dist/src/cli/main.js`;
/** Per-role config files live here (`front.conf`, `back.conf`). */
export const CONFIG_DIR = '/etc/lnfleet';
/** Backend state (DB, seed); systemd's `StateDirectory=lnfleet` creates it owned by the service user. */
export const STATE_DIR = '/var/lib/lnfleet';
/** Wrapper the keepalived hooks call (`lnfleet board vrrp-state …`); installed by the board image. */
export const LNFLEET_WRAPPER = '/usr/local/bin/lnfleet';
/** Provisioning bundle the board image drops on the boot partition; first boot consumes it. */
export const FIRSTBOOT_BUNDLE = '/boot/firmware/lnfleet-bundle.tar';
/**
 * Created by the board image's drop-in for `nftables.service` (ExecStartPost) once the ruleset is
 * loaded, removed when it is flushed. The board's front unit starts early and waits for this file
 * before it reads its config or opens a port (`lnfleet front --wait-for`), so the firewall still comes
 * first while Node loads in parallel with first boot (docs/boards.md "Boot time"). /run is per boot.
 */
export const FIREWALL_LOADED_MARKER = '/run/lnfleet-firewall-loaded';
/** systemd `StateDirectory=` of the first-boot oneshot (root-owned, separate from the daemons' state). */
export const FIRSTBOOT_STATE_NAME = 'lnfleet-firstboot';
/** Marker written by `lnfleet board firstboot` once the bundle is applied; its presence skips the unit. */
export const FIRSTBOOT_DONE_MARKER = `/var/lib/${FIRSTBOOT_STATE_NAME}/done`;
/** The board's hostname file; first boot writes it and the first-boot unit applies it at once. */
export const HOSTNAME_FILE = '/etc/hostname';
/**
 * What first boot may write (everything else stays read-only under ProtectSystem=strict): /etc, because
 * it replaces files directly in /etc by rename (hostname, hosts, nftables.conf) besides /etc/lnfleet,
 * /etc/keepalived and the `multi-user.target.wants` links; and the boot partition (it shreds the bundle
 * once applied, so the card's boot partition no longer carries the board key). Its own state directory
 * (the done marker) comes from `StateDirectory=`.
 */
export const FIRSTBOOT_WRITABLE_PATHS = ['/etc', '/boot/firmware'] as const;
/**
 * Open file limit for the front: one socket per peer plus the link and the metrics server. 65536 is
 * far above what a board's memory allows in peers, so memory, not fds, is what bounds a front.
 */
export const FRONT_NOFILE_LIMIT = 65536;

/** The default port set (DESIGN §1, §3, §8); ssh open on 22. */
export const DEFAULT_PORTS: Ports = {
  peer: DEFAULT_PEER_PORT,
  link: DEFAULT_CLUSTER_LINK_PORT,
  api: DEFAULT_API_PORT,
  metrics: DEFAULT_METRICS_PORT,
  ssh: DEFAULT_SSH_PORT,
};
