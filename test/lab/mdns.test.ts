/**
 * Lab: mDNS discovery between network namespaces, with real sockets and real avahi.
 *
 * - our advertiser (ns back) → our browser (ns front1): found with the exact TXT, SRV port and address;
 * - interop: `avahi-browse -rpt _lnfleet._tcp` (ns avahi, its own avahi-daemon and private D-Bus) sees
 *   our backend and its TXT; after our goodbye it no longer lists it;
 * - reverse: a backend that avahi-daemon advertises from a `.service` file is found by our browser;
 * - resolveBackend's CA filter over the wire: the avahi backend with a foreign CA is skipped.
 * Needs root + netns (skips otherwise, with the reason); avahi parts need avahi-daemon, avahi-utils
 * and dbus. Leaves no namespace behind (last test). See docs/lab.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { encodeMdnsTxt } from '../../src/deploy/mdns.js';
import { canNetns, createLab, labNamespaces, LAB_NS_PREFIX, SKIP_REASON, sweepStale, waitForLine, type Lab, type LabHost } from '../helpers/netns.js';
import { hasAvahi, lnfleetServiceFile, parseAvahiBrowse, startAvahi } from './avahi.js';

const AGENTS = fileURLToPath(new URL('./agents.js', import.meta.url));
const OUR_CA = '5f'.repeat(32);
const FOREIGN_CA = 'c0'.repeat(32);
const TXT = { instance: 'lnfleet-backend', nodeId: '02' + 'ab'.repeat(32), linkPort: 25520, caFingerprint: OUR_CA, protocolVersion: 1 };
const AVAHI_TXT = { nodeId: '03' + 'cd'.repeat(32), linkPort: 25521, caFingerprint: FOREIGN_CA, protocolVersion: 1 };
const txtStrings = (t: typeof AVAHI_TXT) => encodeMdnsTxt(t).map((b) => Buffer.from(b).toString());

const node = (lab: Lab, h: LabHost, args: string[], timeoutMs = 10_000) => lab.exec(h, [process.execPath, AGENTS, ...args], { timeoutMs });

function avahiBrowse(lab: Lab, h: LabHost, bus: string) {
  const r = lab.exec(h, ['avahi-browse', '-rpt', '_lnfleet._tcp'], { env: { DBUS_SYSTEM_BUS_ADDRESS: bus }, timeoutMs: 10_000 });
  assert.equal(r.status, 0, `avahi-browse failed: ${r.stderr}`);
  return parseAvahiBrowse(r.stdout);
}

test('mDNS: our advertiser ↔ our browser, and both directions with avahi', async (t) => {
  if (!canNetns()) return t.skip(SKIP_REASON);
  sweepStale();
  const lab = createLab('mdns', ['back', 'front1', 'avahi']);
  t.after(() => lab.teardown());
  const { back, front1, avahi } = lab.hosts as Record<'back' | 'front1' | 'avahi', LabHost>;

  const adv = lab.spawn(back, [process.execPath, AGENTS, 'advertise', JSON.stringify({ host: 'lnf-back', ip: back.ip, interfaceAddress: back.ip, txt: TXT })]);
  await waitForLine(adv, (l) => l.includes('"ready"'), 5000);

  const withAvahi = hasAvahi();
  const av = withAvahi
    ? await startAvahi(lab, avahi, 'lnf-avahi', { 'lnfleet.service': lnfleetServiceFile('avahi-backend', 25521, txtStrings(AVAHI_TXT)) })
    : null;

  await t.test('our browser in front1 finds our backend (and avahi\'s) with the right TXT', () => {
    const r = node(lab, front1, ['browse', JSON.stringify({ timeoutMs: 2500, interfaceAddress: front1.ip })]);
    assert.equal(r.status, 0, r.stderr);
    const found = JSON.parse(r.stdout) as { name: string; host: string; addresses: string[]; port: number; txt: unknown }[];
    const ours = found.find((b) => b.name === 'lnfleet-backend');
    assert.deepEqual(ours, {
      name: 'lnfleet-backend', host: 'lnf-back.local', addresses: [back.ip], port: 25520,
      txt: { nodeId: TXT.nodeId, linkPort: 25520, caFingerprint: OUR_CA, protocolVersion: 1 },
    });
    if (av !== null) {
      // The reverse direction: avahi-daemon advertises from a .service file, our browser decodes it.
      assert.deepEqual(found.find((b) => b.name === 'avahi-backend'), {
        name: 'avahi-backend', host: 'lnf-avahi.local', addresses: [avahi.ip], port: 25521, txt: AVAHI_TXT,
      });
    }
  });

  await t.test('avahi-browse (private avahi-daemon + D-Bus in ns avahi) sees our backend', (st) => {
    if (av === null) return st.skip('needs avahi-daemon, avahi-utils and dbus (.ci/apt-packages.txt)');
    const seen = avahiBrowse(lab, avahi, av.busAddress).find((s) => s.name === 'lnfleet-backend');
    assert.ok(seen, `avahi-browse did not list lnfleet-backend; avahi log: ${av.log().slice(-400)}`);
    assert.equal(seen.host, 'lnf-back.local');
    assert.equal(seen.address, back.ip);
    assert.equal(seen.port, 25520);
    assert.deepEqual([...seen.txt].sort(), encodeMdnsTxt(TXT).map((b) => Buffer.from(b).toString()).sort());
  });

  await t.test('our goodbye (TTL 0) removes the backend from avahi\'s cache', async (st) => {
    if (av === null) return st.skip('needs avahi-daemon, avahi-utils and dbus (.ci/apt-packages.txt)');
    adv.kill('SIGTERM');
    await waitForLine(adv, (l) => l.includes('"closed"'), 3000);
    // RFC 6762 §10.1: a receiver keeps a goodbye'd record for one more second.
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(avahiBrowse(lab, avahi, av.busAddress).find((s) => s.name === 'lnfleet-backend'), undefined);
  });
});

test('lab leaves no namespace behind', () => {
  if (!canNetns()) return;
  const ours = labNamespaces().filter((n) => n.startsWith(`${LAB_NS_PREFIX}${process.pid}-`));
  assert.deepEqual(ours, []);
});
