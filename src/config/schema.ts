/**
 * @module config/schema
 * The one declarative table of every configuration key (DESIGN §8): type, default, the roles that use
 * it, a one-line doc, env aliases and secrecy. Everything else in `src/config` (parsing, validation,
 * the typed result, `describeConfig`, `lnfleet config describe`) is driven by this table.
 *
 * Defaults are written as text and parsed by the same code as user input, so a test can check that
 * every default is valid. A `null` default means "unset": the value's type then includes `undefined`.
 * Relative paths are relative to the process's working directory (systemd units set it to `data-dir`).
 *
 * Does not: read files or env (see `config/load`), or check cross-key rules (see `config/rules`).
 */
import { DEFAULT_LINK_PORT } from '../cluster/constants.js';
import { t, type TypeSpec, type ValueOfType } from './types.js';

/** The process roles: the backend, a front, or the whole cluster on one machine (`lnfleet dev`). */
export const ROLES = ['back', 'front', 'dev'] as const;
/** One process role. */
export type Role = (typeof ROLES)[number];

/** One row of the schema table. */
export interface KeySpec {
  readonly type: TypeSpec;
  /** Default as text (parsed like user input); `null` = unset. */
  readonly default: string | null;
  /** Per-role defaults that override `default` (e.g. `dev` runs on loopback with an embedded chain). */
  readonly roleDefaults?: Partial<Record<Role, string>>;
  /** Roles that read the key; setting it in a file or LNFLEET_CONF for another role is an error. */
  readonly roles: readonly Role[];
  readonly doc: string;
  /** Env vars that set this key, highest precedence first (the first is the canonical name). */
  readonly env?: readonly string[];
  /** Secret values are never printed: `describeConfig` redacts them and errors never echo them. */
  readonly secret?: boolean;
}

type Extra = Pick<KeySpec, 'roleDefaults' | 'env' | 'secret'>;

/** Builds one row, keeping the literal type of `type` and of a `null` default for `ConfigValue`. */
function k<const T extends TypeSpec, const D extends string | null>(
  type: T, dflt: D, roles: readonly Role[], doc: string, extra: Extra = {},
): { readonly type: T; readonly default: D; readonly roles: readonly Role[]; readonly doc: string } & Extra {
  return { type, default: dflt, roles, doc, ...extra };
}

const ALL: readonly Role[] = ['back', 'front', 'dev'];
const BACK: readonly Role[] = ['back', 'dev'];
const FRONT: readonly Role[] = ['front', 'dev'];
/** Keys only the deploy generators (`lnfleet gen …`) read, on the host they generate for. */
const NET: readonly Role[] = ['back', 'front'];

/** The schema table, in the order `config describe` prints it. */
export const SCHEMA = {
  // ── chain ──
  'chain': k(t.enumOf(['bitcoin', 'testnet', 'signet', 'regtest']), 'bitcoin', ALL, 'Bitcoin network the node runs on (sets the chain hash).', { roleDefaults: { dev: 'regtest' } }),
  'chain.source': k(t.enumOf(['none', 'bitcoind', 'embedded-regtest']), 'none', BACK, 'Where on-chain checks come from; none = accept announcements on signatures alone (status says so).', { roleDefaults: { dev: 'embedded-regtest' } }),
  'bitcoind.rpc-url': k(t.url('http', 'https'), null, BACK, 'bitcoind JSON-RPC endpoint, e.g. http://127.0.0.1:8332 (required when chain.source = bitcoind).'),
  'bitcoind.rpc-user': k(t.string(), null, BACK, 'bitcoind RPC user (with rpc-password; or use rpc-cookie-file).'),
  'bitcoind.rpc-password': k(t.string(), null, BACK, 'bitcoind RPC password.', { secret: true, env: ['BITCOIND_RPC_PASSWORD'] }),
  'bitcoind.rpc-cookie-file': k(t.path(), null, BACK, 'bitcoind .cookie file, instead of rpc-user/rpc-password.'),
  'bitcoind.rpc-timeout-ms': k(t.durationMs(100, 600_000), '30000', BACK, 'Timeout of one RPC call.'),
  'data-dir': k(t.path(), '/var/lib/lnfleet', ALL, 'State directory: database and seed (backend); nothing durable on fronts.', { roleDefaults: { dev: './lnfleet-dev' } }),

  // ── node identity ──
  'node.alias': k(t.string(32), '', BACK, 'node_announcement alias (BOLT 7: at most 32 bytes of UTF-8).'),
  'node.color': k(t.color(), '#3399ff', BACK, 'node_announcement rgb color.'),
  'node.announce-addresses': k(t.list(t.hostport()), '', BACK, 'Public addresses announced for the node (normally the VIP on 9735 and onion addresses).'),
  'node.key-provider': k(t.enumOf(['seed', 'env', 'aws-sm']), 'seed', BACK, 'Where the backend loads the node key: seed file in data-dir, NODE_PRIV_KEY env, or AWS Secrets Manager.'),
  'node.aws-secret-name': k(t.string(512), 'node-priv-key', ALL, 'Secret name of the node key when a key provider is aws-sm.'),
  'node.pub-key': k(t.hexPubkey(), null, ALL, 'Expected node id; a process whose loaded key does not match refuses to start.', { env: ['NODE_PUB_KEY'] }),
  'aws.region': k(t.string(64), null, ALL, 'AWS region for aws-sm (default: the SDK\'s own resolution).'),
  'aws.endpoint': k(t.url('http', 'https'), null, ALL, 'Custom Secrets Manager endpoint (tests, VPC endpoints).'),

  // ── cluster link ──
  'cluster.port': k(t.port(), String(DEFAULT_LINK_PORT), ALL, 'TCP port of the cluster link (backend listens, fronts dial).'),
  'cluster.bind': k(t.ip(), '0.0.0.0', BACK, 'Address the backend binds the link on.', { roleDefaults: { dev: '127.0.0.1' } }),
  'cluster.backend-address': k(t.host(), null, FRONT, 'Backend address for fronts; unset = discover by mDNS.', { env: ['BACKEND_IP'] }),
  'cluster.local-address': k(t.ip(), null, ALL, 'This host\'s LAN address (link source address on fronts, mDNS record on the backend).', { env: ['LOCAL_IP'] }),
  'cluster.mdns': k(t.bool(), 'true', ALL, 'Backend advertises _lnfleet._tcp; fronts browse it when backend-address is unset.', { roleDefaults: { dev: 'false' } }),
  'cluster.heartbeat-ms': k(t.durationMs(100, 60_000), '1000', ALL, 'Interval between link heartbeats.'),
  'cluster.peer-timeout-ms': k(t.durationMs(200, 600_000), '2500', ALL, 'Link declared lost after this long without a frame (≥ 2 heartbeats); with the 250 ms liveness tick a dead peer is noticed within 3 s.'),
  'cluster.reconnect-max-ms': k(t.durationMs(100, 3_600_000), '30000', FRONT, 'Cap of the front\'s redial backoff when the backend is unreachable.'),
  'cluster.tls.mode': k(t.enumOf(['ca', 'shared']), 'ca', ALL, 'ca = per-member certificates from the cluster CA; shared = one certificate for all (eclair style).'),
  'cluster.tls.ca': k(t.path(), null, ALL, 'Cluster CA certificate (PEM); required in ca mode.'),
  'cluster.tls.cert': k(t.path(), null, ALL, 'This member\'s certificate (PEM); the shared certificate in shared mode.'),
  'cluster.tls.key': k(t.path(), null, ALL, 'This member\'s private key (PEM, mode 0600); encrypted with cluster.tls.password in shared mode.'),
  'cluster.tls.backend-cert': k(t.path(), null, FRONT, 'Backend certificate a front pins by SHA-256 fingerprint (ca mode).'),
  'cluster.tls.revocations': k(t.path(), null, BACK, 'Revocation list the backend checks fronts against; reloaded on change.'),
  'cluster.tls.password': k(t.string(), null, ALL, 'Passphrase of the shared-mode key.', { secret: true, env: ['CLUSTER_TLS_PASSWORD', 'AKKA_TLS_PASSWORD'] }),

  // ── front ──
  'front.id': k(t.name(), null, FRONT, 'Front id in hello and logs; unset = the certificate name.'),
  'front.listen': k(t.hostport(), '0.0.0.0:9735', FRONT, 'Where peers connect (BOLT 8).', { roleDefaults: { dev: '127.0.0.1:9735' } }),
  'front.max-connections': k(t.int(1, 100_000), '1000', FRONT, 'Peer connections per front; ~0.5 MiB each on a small board.'),
  'front.key-provider': k(t.enumOf(['none', 'env', 'file', 'aws-sm']), 'none', FRONT, 'none = ask the backend for each handshake ECDH; else load the node key on the front (eclair style).'),
  'front.key-file': k(t.path(), null, FRONT, 'Node key file when front.key-provider = file.'),
  'front.remote-addr': k(t.bool(), 'true', FRONT, 'Send the peer its address in init (BOLT 1 remote_addr).'),
  'front.socks5-proxy': k(t.hostport(), null, FRONT, 'SOCKS5 proxy for outgoing dials (Tor), e.g. 127.0.0.1:9050.'),
  'front.verify-threads': k(t.int(0, 16), null, FRONT, 'Threads that check incoming gossip signatures; unset = min(3, cores - 1); 0 = on the main thread.'),
  'front.health-listen': k(t.hostport(), '127.0.0.1:9736', FRONT, 'Local endpoint: /healthz, /readyz, /metrics and POST /vrrp (keepalived\'s notify hook). The track script and LVS ask /readyz on metrics.listen.'),
  'sync.peer-limit': k(t.int(0, 100), '5', BACK, 'Peers the backend syncs gossip from at once.'),

  // ── channels (BOLT 2; the backend's acceptance policy and limits, docs/channels.md) ──
  'channels.accept-inbound': k(t.bool(), 'true', BACK, 'Accept channels peers open to us (open_channel); false = answer each with an error.'),
  'channels.min-funding-sat': k(t.int(1_000, 2_100_000_000_000_000), '20000', BACK, 'Smallest channel we open or accept, satoshis.'),
  'channels.max-funding-sat': k(t.int(1_000, 2_100_000_000_000_000), '16777215', BACK, 'Largest channel we open or accept, satoshis (16777215 = 2^24 - 1, the limit without option_support_large_channel).'),
  'channels.max-per-peer': k(t.int(0, 1000), '10', BACK, 'Channels (not yet closed) one peer may have with us; more inbound opens are refused.'),
  'channels.minimum-depth': k(t.int(1, 100), '3', BACK, 'Confirmations we require of a funding transaction the peer funds (accept_channel minimum_depth).'),
  'channels.to-self-delay': k(t.int(1, 2016, 'blocks'), '144', BACK, 'CSV delay we impose on the peer\'s to_local output (about a day).'),
  'channels.max-to-self-delay': k(t.int(1, 2016, 'blocks'), '2016', BACK, 'Largest to_self_delay we accept from a peer on our own outputs (two weeks).'),
  'channels.max-accepted-htlcs': k(t.int(1, 483), '30', BACK, 'HTLCs the peer may have pending towards us at once (BOLT 2 cap: 483).'),
  'channels.htlc-minimum-msat': k(t.int(0, 1_000_000_000), '1', BACK, 'Smallest HTLC we accept, millisatoshis.'),
  'channels.max-htlc-in-flight-percent': k(t.int(1, 100, '%'), '100', BACK, 'Total value of HTLCs pending towards us, as a percentage of the channel capacity.'),
  'channels.reserve-percent': k(t.int(1, 20, '%'), '1', BACK, 'Reserve the peer must keep on its side, percentage of capacity (BOLT 2 suggests 1%).'),
  'channels.dust-limit-sat': k(t.int(354, 10_000), '546', BACK, 'Dust limit of our commitment transaction, satoshis (354 is the BOLT 2 floor).'),
  'channels.fee-floor': k(t.int(253, 1_000_000, 'sat/kw'), '253', BACK, 'Lowest feerate we ever use or accept for commitments and funding, sat/kw (253 = 1 sat/vB, the relay minimum).'),
  'channels.fee-target-blocks': k(t.int(1, 1008, 'blocks'), '6', BACK, 'Confirmation target of the fee estimate (estimatesmartfee) for funding and commitment feerates.'),
  'channels.fee-base-msat': k(t.int(0, 4_294_967_295), '1000', BACK, 'Base fee of our channel_update: charged per HTLC we forward, millisatoshis.'),
  'channels.fee-ppm': k(t.int(0, 4_294_967_295), '100', BACK, 'Proportional fee of our channel_update: millionths of the forwarded amount.'),
  'channels.cltv-expiry-delta': k(t.int(18, 2016, 'blocks'), '80', BACK, 'cltv_expiry_delta of our channel_update: blocks we subtract from a forwarded HTLC\'s expiry.'),

  // ── operations ──
  'api.listen': k(t.hostport(), '127.0.0.1:8080', BACK, 'Backend HTTP API and status page.'),
  'api.password': k(t.string(), null, BACK, 'HTTP basic-auth password of the API; unset = no auth (keep api.listen on loopback then).', { secret: true, env: ['LNFLEET_API_PASSWORD'] }),
  'metrics.enabled': k(t.bool(), 'true', ALL, 'Serve Prometheus metrics.'),
  'metrics.listen': k(t.hostport(), '0.0.0.0:9095', ALL, 'Prometheus endpoint (nftables opens it to network.admin-addresses only).', { roleDefaults: { dev: '127.0.0.1:9095' } }),
  'log.level': k(t.enumOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal']), 'info', ALL, 'pino log level.'),

  // ── network (deploy generators) ──
  'network.interface': k(t.string(15), 'eth0', NET, 'LAN interface for keepalived and nftables (Linux names are ≤ 15 bytes).'),
  'network.vip': k(t.ip(), null, NET, 'Virtual IP the fronts share by VRRP: the node\'s public address.'),
  'network.subnet': k(t.cidr(), null, NET, 'Fronts\' subnet: the only source allowed to reach the link port.'),
  'network.admin-addresses': k(t.list(t.cidr()), '', NET, 'Addresses allowed to reach the API and metrics.'),
  'network.vrrp-router-id': k(t.int(1, 255), '51', NET, 'VRRP virtual_router_id, unique on the LAN.'),
  'network.vrrp-priority': k(t.int(1, 254), '100', NET, 'This front\'s VRRP priority (highest holds the VIP).'),
  'tor.targets': k(t.list(t.hostport()), '', NET, 'Fronts a Tor hidden service forwards 9735 to (HiddenServicePort lines).'),

  // ── board ──
  'board.gpio.enabled': k(t.bool(), 'false', FRONT, 'Drive LEDs and the status pin (off on hosts without GPIO).'),
  'board.gpio.led-ok': k(t.int(0, 1023, 'gpio'), null, FRONT, 'GPIO of the "serving" LED.'),
  'board.gpio.led-warn': k(t.int(0, 1023, 'gpio'), null, FRONT, 'GPIO of the "degraded" LED (no backend, high temperature).'),
  'board.gpio.led-fault': k(t.int(0, 1023, 'gpio'), null, FRONT, 'GPIO of the "fault" LED.'),
  'board.gpio.status-pin': k(t.int(0, 1023, 'gpio'), null, FRONT, 'GPIO output held high while the front is healthy.'),
  'board.gpio.active-low': k(t.bool(), 'false', FRONT, 'LEDs light on a low output.'),
  'board.health.interval-ms': k(t.durationMs(500, 600_000), '5000', FRONT, 'How often health is sampled.'),
  'board.health.max-cpu-temp-c': k(t.int(30, 110, '°C'), '80', FRONT, 'Above this the board is degraded (most ARM SoCs throttle at 80–85 °C).'),
  'board.health.max-load': k(t.decimal(0.1, 64), '2', FRONT, '1-minute load average per CPU above which the board is degraded.'),
  'board.health.max-mem-percent': k(t.int(1, 100, '%'), '90', FRONT, 'Memory use above which the board is degraded.'),
  'board.health.max-disk-percent': k(t.int(1, 100, '%'), '90', FRONT, 'Disk use (root fs) above which the board is degraded.'),
} as const satisfies Record<string, KeySpec>;

type Schema = typeof SCHEMA;
/** Every configuration key. */
export type ConfigKey = keyof Schema & string;
/** The typed value of `K`: `undefined` is possible only for keys with no default. */
export type ConfigValue<K extends ConfigKey> = Schema[K]['default'] extends null
  ? ValueOfType<Schema[K]['type']> | undefined
  : ValueOfType<Schema[K]['type']>;
/** The whole typed configuration, flat by dotted key: `values['cluster.port']` is a `number`. */
export type ConfigValues = { readonly [K in ConfigKey]: ConfigValue<K> };

/** All keys in table order. */
export const CONFIG_KEYS = Object.keys(SCHEMA) as ConfigKey[];

/** The row of `key` (typed as the general `KeySpec`). */
export function specOf(key: ConfigKey): KeySpec {
  return SCHEMA[key];
}

/** True if `s` is a known key (narrows to `ConfigKey`). */
export function isConfigKey(s: string): s is ConfigKey {
  return Object.prototype.hasOwnProperty.call(SCHEMA, s);
}

/** The default text of `key` for `role` (`null` = unset). */
export function defaultFor(key: ConfigKey, role: Role): string | null {
  const spec = specOf(key);
  return spec.roleDefaults?.[role] ?? spec.default;
}

/**
 * Env vars that are secret *sources*, not configuration: they are read by key providers only, never
 * copied into the config object, never printed. Listed so the loader can refuse them as config keys.
 */
export const SECRET_SOURCE_ENV = ['NODE_PRIV_KEY'] as const;
