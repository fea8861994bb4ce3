/**
 * @module config/rules
 * Cross-key rules: settings that are valid alone but not together (a bitcoind chain source without an
 * RPC URL, shared TLS mode without a password, …). One table, one line of intent per rule.
 *
 * Rules run only after every value parsed, so they see typed values. Each problem names the key to
 * fix and, when a value caused it, the key and source of that value. Pure.
 * Does not: touch the file system (a path that does not exist is found when the daemon opens it).
 */
import type { ConfigProblem, ConfigSource } from './errors.js';
import { formatSource } from './errors.js';
import type { ConfigKey, ConfigValues, Role } from './schema.js';

/** What a rule sees: the typed values, their sources and the role being loaded. */
export interface RuleInput {
  readonly role: Role;
  readonly v: ConfigValues;
  readonly src: { readonly [K in ConfigKey]: ConfigSource };
}

interface Rule {
  readonly roles: readonly Role[];
  readonly check: (i: RuleInput) => ConfigProblem[];
}

/** "`need` is required when `because` = value (set at …)". */
function requires(i: RuleInput, need: ConfigKey, because: ConfigKey, shown: string): ConfigProblem[] {
  if (i.v[need] !== undefined) return [];
  return [{ code: 'CONFIG_MISSING', key: need, detail: `is required when ${because} = ${shown} (${formatSource(i.src[because])})` }];
}

/** "`key` is only used when …": a setting that would be silently ignored is an error. */
function unused(i: RuleInput, key: ConfigKey, when: string): ConfigProblem[] {
  return i.v[key] === undefined ? [] : [{ code: 'CONFIG_CONFLICT', key, source: i.src[key], detail: `is only used when ${when}; remove it` }];
}

const TLS_FILES_CA: Readonly<Record<Role, readonly ConfigKey[]>> = {
  back: ['cluster.tls.ca', 'cluster.tls.cert', 'cluster.tls.key'],
  front: ['cluster.tls.ca', 'cluster.tls.cert', 'cluster.tls.key', 'cluster.tls.backend-cert'],
  // `lnfleet dev` provisions a throw-away cluster CA in data-dir when these are unset.
  dev: [],
};

const RULES: readonly Rule[] = [
  {
    roles: ['back', 'dev'],
    check: (i) => {
      if (i.v['chain.source'] !== 'bitcoind') return [];
      const p = requires(i, 'bitcoind.rpc-url', 'chain.source', 'bitcoind');
      const user = i.v['bitcoind.rpc-user'] !== undefined;
      const pass = i.v['bitcoind.rpc-password'] !== undefined;
      const cookie = i.v['bitcoind.rpc-cookie-file'] !== undefined;
      if (cookie && (user || pass)) p.push({ code: 'CONFIG_CONFLICT', key: 'bitcoind.rpc-cookie-file', source: i.src['bitcoind.rpc-cookie-file'], detail: 'use either rpc-cookie-file or rpc-user/rpc-password, not both' });
      else if (user !== pass) p.push({ code: 'CONFIG_MISSING', key: user ? 'bitcoind.rpc-password' : 'bitcoind.rpc-user', detail: 'rpc-user and rpc-password must be set together' });
      else if (!cookie && !user) p.push({ code: 'CONFIG_MISSING', key: 'bitcoind.rpc-cookie-file', detail: 'bitcoind needs credentials: set rpc-cookie-file, or rpc-user and rpc-password' });
      return p;
    },
  },
  {
    roles: ['back', 'dev'],
    check: (i) => i.v['chain.source'] === 'embedded-regtest' && i.v.chain !== 'regtest'
      ? [{ code: 'CONFIG_CONFLICT', key: 'chain', source: i.src.chain, detail: 'must be regtest when chain.source = embedded-regtest' }]
      : [],
  },
  {
    roles: ['back', 'front', 'dev'],
    // Two missed heartbeats must fit in the timeout, or a single late frame drops a healthy link.
    check: (i) => i.v['cluster.peer-timeout-ms'] < 2 * i.v['cluster.heartbeat-ms']
      ? [{ code: 'CONFIG_CONFLICT', key: 'cluster.peer-timeout-ms', source: i.src['cluster.peer-timeout-ms'], detail: `must be at least 2 × cluster.heartbeat-ms (${2 * i.v['cluster.heartbeat-ms']} ms)` }]
      : [],
  },
  {
    roles: ['back', 'front', 'dev'],
    check: (i) => {
      if (i.v['cluster.tls.mode'] === 'shared') {
        const need = i.role === 'dev' ? [] : (['cluster.tls.cert', 'cluster.tls.key', 'cluster.tls.password'] as const);
        return [
          ...need.flatMap((k) => requires(i, k, 'cluster.tls.mode', 'shared')),
          ...(['cluster.tls.ca', 'cluster.tls.backend-cert', 'cluster.tls.revocations'] as const).flatMap((k) => unused(i, k, 'cluster.tls.mode = ca')),
        ];
      }
      return TLS_FILES_CA[i.role].flatMap((k) => requires(i, k, 'cluster.tls.mode', 'ca'));
    },
  },
  {
    roles: ['front'],
    check: (i) => i.v['cluster.backend-address'] === undefined && !i.v['cluster.mdns']
      ? [{ code: 'CONFIG_MISSING', key: 'cluster.backend-address', detail: 'is required when cluster.mdns = false (set it or env BACKEND_IP)' }]
      : [],
  },
  {
    roles: ['front', 'dev'],
    check: (i) => {
      const kp = i.v['front.key-provider'];
      if (kp === 'none') return [];
      // DESIGN §5: whatever the provider, a process that loads the key checks it against NODE_PUB_KEY.
      const p = requires(i, 'node.pub-key', 'front.key-provider', kp);
      return kp === 'file' ? [...p, ...requires(i, 'front.key-file', 'front.key-provider', 'file')] : p;
    },
  },
  {
    roles: ['front', 'dev'],
    check: (i) => {
      const pins = (['board.gpio.led-ok', 'board.gpio.led-warn', 'board.gpio.led-fault', 'board.gpio.status-pin'] as const)
        .filter((k) => i.v[k] !== undefined);
      const seen = new Map<number, ConfigKey>();
      const p: ConfigProblem[] = [];
      for (const k of pins) {
        const pin = i.v[k]!;
        const other = seen.get(pin);
        if (other !== undefined) p.push({ code: 'CONFIG_CONFLICT', key: k, source: i.src[k], detail: `uses GPIO ${pin}, already used by ${other}` });
        seen.set(pin, k);
      }
      return p;
    },
  },
];

/** Runs every rule that applies to `i.role`. */
export function checkRules(i: RuleInput): ConfigProblem[] {
  return RULES.filter((r) => r.roles.includes(i.role)).flatMap((r) => r.check(i));
}
