/**
 * @module back/advertise
 * The backend's mDNS advertisement (DESIGN §7 "Discovery"): with `cluster.mdns` on, `_lnfleet._tcp`
 * with TXT node id, link port, cluster-CA fingerprint and link protocol version, on the interface of
 * `cluster.local-address` (or, when unset, the host's only non-loopback IPv4 address). Fronts browse for
 * it; the record is a hint only, the mutual-TLS check decides.
 *
 * Instance and host names come from the node id (`lnfleet-<first 16 hex>`): stable across restarts,
 * unique per node, and independent of the kernel host name, which namespaces and containers share
 * (DESIGN §12). They reveal nothing the TXT record does not.
 *
 * Does not: probe for name conflicts (one backend per LAN), or choose between several interfaces: with
 * more than one candidate address, set `cluster.local-address`.
 */
import { networkInterfaces } from 'node:os';
import type { LoadedConfig } from '../config/index.js';
import { fingerprintOfPem, readPkiFile } from '../cluster/pki.js';
import { advertiseBackend, type BackendAdvertiser } from '../discovery/index.js';
import type { Logger } from '../log.js';
import { BackendError } from './errors.js';

/** What the backend advertises, decided from config and the running link. */
export interface AdvertPlan {
  readonly instance: string;
  readonly host: string;
  readonly ip: string;
  readonly txt: { readonly instance: string; readonly nodeId: string; readonly linkPort: number; readonly caFingerprint: string; readonly protocolVersion: number };
}

/** The address to advertise: `cluster.local-address`, else the single non-internal IPv4 address. */
export function advertAddress(configured: string | undefined, interfaces = networkInterfaces()): string {
  if (configured !== undefined) return configured;
  const v4 = Object.values(interfaces).flatMap((l) => l ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address);
  if (v4.length === 1) return v4[0]!;
  throw new BackendError('BACK_BAD_CONFIG', v4.length === 0
    ? 'cluster.mdns is on but this host has no non-loopback IPv4 address to advertise: set cluster.local-address (LOCAL_IP) or turn cluster.mdns off'
    : `cluster.mdns is on and this host has several IPv4 addresses (${v4.join(', ')}): set cluster.local-address (LOCAL_IP) to the fronts' LAN address`);
}

/** The advert of this backend. The CA fingerprint is of `cluster.tls.ca` (ca mode) or of the shared certificate. */
export function advertPlan(config: LoadedConfig, nodeIdHex: string, linkPort: number, protocolVersion: number): AdvertPlan {
  const v = config.values;
  const caPath = v['cluster.tls.ca'] ?? v['cluster.tls.cert'];
  if (caPath === undefined) throw new BackendError('BACK_BAD_CONFIG', 'cluster.mdns needs cluster.tls.ca (or the shared cluster.tls.cert) to advertise its fingerprint');
  const instance = `lnfleet-${nodeIdHex.slice(0, 16)}`;
  return {
    instance,
    host: instance,
    ip: advertAddress(v['cluster.local-address']),
    txt: { instance, nodeId: nodeIdHex, linkPort, caFingerprint: fingerprintOfPem(readPkiFile(caPath, 'cluster CA certificate')), protocolVersion },
  };
}

/** Starts advertising; resolves once the mDNS socket is bound (rejects with `DISCOVERY_SOCKET`). */
export async function startAdvertising(plan: AdvertPlan, log: Logger): Promise<BackendAdvertiser> {
  const adv = advertiseBackend({ host: plan.host, ip: plan.ip, txt: plan.txt, interfaceAddress: plan.ip, log });
  try {
    await adv.ready;
  } catch (e) {
    await adv.close();
    throw e;
  }
  log.info({ instance: plan.instance, ip: plan.ip, linkPort: plan.txt.linkPort, caFingerprint: plan.txt.caFingerprint }, 'advertising the backend on the LAN by mDNS (_lnfleet._tcp)');
  return adv;
}
