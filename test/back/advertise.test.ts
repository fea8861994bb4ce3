/**
 * The backend's mDNS plan without multicast: which address it advertises (`cluster.local-address`, or
 * the single non-loopback IPv4 address, else a `BACK_BAD_CONFIG` naming the key) and the TXT content
 * (node id, link port, CA fingerprint, protocol version). The advertiser on the wire is covered by
 * test/lab (mdns and cluster-lab).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { advertAddress, advertPlan } from '../../src/back/advertise.js';
import { backendConfig, createTempPki, TEST_NODE_ID_HEX } from '../helpers/cluster-fixtures.js';

const nic = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` }) as NetworkInterfaceInfo;

test('advertAddress: configured wins; else the only LAN IPv4; else a clear error', () => {
  assert.equal(advertAddress('10.0.0.9', {}), '10.0.0.9');
  assert.equal(advertAddress(undefined, { lo: [nic('127.0.0.1', true)], eth0: [nic('10.77.0.2')] }), '10.77.0.2');
  assert.throws(() => advertAddress(undefined, { lo: [nic('127.0.0.1', true)] }), (e: Error & { code?: string }) => e.code === 'BACK_BAD_CONFIG' && /cluster\.local-address/.test(e.message));
  assert.throws(() => advertAddress(undefined, { eth0: [nic('10.0.0.2')], eth1: [nic('10.1.0.2')] }), (e: Error & { code?: string }) => e.code === 'BACK_BAD_CONFIG' && /several/.test(e.message));
});

test('advertPlan: TXT carries node id, bound link port, CA fingerprint, protocol version', async (t) => {
  const pki = await createTempPki();
  t.after(() => pki.cleanup());
  const plan = advertPlan(backendConfig(pki, { 'cluster.mdns': 'true', 'cluster.local-address': '10.77.0.2' }), TEST_NODE_ID_HEX, 25521, 1);
  assert.equal(plan.ip, '10.77.0.2');
  assert.equal(plan.instance, `lnfleet-${TEST_NODE_ID_HEX.slice(0, 16)}`);
  assert.deepEqual(plan.txt, { instance: plan.instance, nodeId: TEST_NODE_ID_HEX, linkPort: 25521, caFingerprint: pki.ca.fingerprint, protocolVersion: 1 });
});
