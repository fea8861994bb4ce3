/**
 * @module discovery/resolve
 * Where should this front dial the backend? (DESIGN §7 "Discovery", §6 "the backend is gone at boot".)
 *
 * 1. `cluster.backend-address` (env `BACKEND_IP`) wins: no mDNS at all.
 * 2. Else, with `cluster.mdns` on, browse `_lnfleet._tcp` (on `cluster.local-address`'s interface when
 *    set), retrying with doubling pauses capped at `cluster.reconnect-max-ms`, and return the first
 *    backend whose TXT `ca` equals our cluster CA's SHA-256 fingerprint (when we know it: `ca` mode).
 *    Backends of another cluster on the same LAN are skipped with a warning.
 *
 * The answer is a hint: the caller still dials mutual TLS, and the certificate check decides.
 * Does not: dial, cache, or watch for a backend moving (use `BackendBrowser` for that).
 */
import { fingerprintOfPem, readPkiFile } from '../cluster/pki.js';
import type { ConfigValues } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import { RESOLVE_ATTEMPT_MS, RESOLVE_RETRY_FIRST_MS } from './constants.js';
import { DiscoveryError } from './errors.js';
import { findBackend, type FindOptions } from './mdns.js';
import type { DiscoveredBackend } from './records.js';

/** The config keys discovery reads (a `LoadedConfig['values']` fits). */
export type ResolveBackendConfig = Pick<ConfigValues,
  'cluster.backend-address' | 'cluster.local-address' | 'cluster.port' | 'cluster.mdns' | 'cluster.reconnect-max-ms' | 'cluster.tls.ca'>;

/** Where to dial, and why. */
export type ResolvedBackend =
  | { readonly source: 'config'; readonly host: string; readonly port: number }
  | { readonly source: 'mdns'; readonly host: string; readonly port: number; readonly backend: DiscoveredBackend };

/** Options of `resolveBackend`. */
export interface ResolveOptions {
  /** Stops retrying (rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
  readonly log?: Logger | undefined;
  /** Our cluster CA fingerprint (hex); default: computed from `cluster.tls.ca` when set, else no filter. */
  readonly caFingerprint?: string | null | undefined;
  /** Browse attempts before `DISCOVERY_NOT_FOUND` (default unlimited: a front waits for its backend). */
  readonly maxAttempts?: number | undefined;
  /** Browse time per attempt, in ms (default `RESOLVE_ATTEMPT_MS`). */
  readonly attemptMs?: number | undefined;
  /** The browse function (tests inject a fake; default `findBackend`). */
  readonly find?: ((o: FindOptions & { accept: (b: DiscoveredBackend) => boolean }) => Promise<DiscoveredBackend | null>) | undefined;
  /** mDNS UDP port (tests only). */
  readonly mdnsPort?: number | undefined;
}

function ourCaFingerprint(config: ResolveBackendConfig, o: ResolveOptions): string | null {
  if (o.caFingerprint !== undefined) return o.caFingerprint?.toLowerCase() ?? null;
  const ca = config['cluster.tls.ca'];
  return ca === undefined ? null : fingerprintOfPem(readPkiFile(ca, 'cluster CA certificate'));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => { clearTimeout(t); reject(signal?.reason); };
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves the backend's address for a front. Throws `DISCOVERY_DISABLED` when neither an address nor
 * mDNS is configured, `DISCOVERY_NOT_FOUND` after `maxAttempts`, `DISCOVERY_SOCKET` if the mDNS socket
 * cannot open, `PKI_*` if `cluster.tls.ca` is unreadable, or the signal's reason when aborted.
 */
export async function resolveBackend(config: ResolveBackendConfig, o: ResolveOptions = {}): Promise<ResolvedBackend> {
  const log = (o.log ?? createLogger('discovery', 'silent')).child({ component: 'discovery' });
  const fixed = config['cluster.backend-address'];
  if (fixed !== undefined) return { source: 'config', host: fixed, port: config['cluster.port'] };
  if (!config['cluster.mdns']) {
    throw new DiscoveryError('DISCOVERY_DISABLED', 'no backend address: set cluster.backend-address (env BACKEND_IP) or turn cluster.mdns on');
  }
  const ca = ourCaFingerprint(config, o);
  const warned = new Set<string>();
  const accept = (b: DiscoveredBackend): boolean => {
    if (ca === null || b.txt.caFingerprint === ca) return true;
    if (!warned.has(b.name)) {
      warned.add(b.name);
      log.warn({ instance: b.name, host: b.host }, 'ignoring an mDNS backend of another cluster (its CA fingerprint differs from ours)');
    }
    return false;
  };
  const find = o.find ?? findBackend;
  const maxAttempts = o.maxAttempts ?? Infinity;
  let pause = RESOLVE_RETRY_FIRST_MS;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const b = await find({
      timeoutMs: o.attemptMs ?? RESOLVE_ATTEMPT_MS, signal: o.signal, accept, log: o.log,
      interfaceAddress: config['cluster.local-address'] ?? null, mdnsPort: o.mdnsPort,
    });
    if (b !== null) {
      const host = b.addresses[0] as string; // complete backends have ≥ 1 address, IPv4 first
      log.info({ instance: b.name, host, port: b.port, attempt }, 'backend found by mDNS (a hint: the TLS check decides)');
      return { source: 'mdns', host, port: b.port, backend: b };
    }
    if (attempt === maxAttempts) break;
    log.info({ attempt, retryInMs: pause }, 'no backend answered on mDNS yet; retrying');
    await sleep(pause, o.signal);
    pause = Math.min(pause * 2, config['cluster.reconnect-max-ms']);
  }
  throw new DiscoveryError('DISCOVERY_NOT_FOUND', `no backend of our cluster answered on mDNS after ${maxAttempts} attempts: check the backend runs with cluster.mdns on, or set cluster.backend-address`);
}
