/**
 * The advertiser and the browser of src/discovery talking over an in-memory LAN (packets go through
 * dns-packet encode/decode like on the wire): announce, answer, goodbye, legacy unicast, malformed
 * neighbours, and `resolveBackend`'s order (config address, then mDNS filtered by CA fingerprint,
 * retries, abort). The same code over real sockets between network namespaces, and against avahi,
 * is test/lab/mdns.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { advertiseBackend, BackendBrowser, browseBackends, findBackend } from '../../src/discovery/mdns.js';
import { resolveBackend, type ResolveBackendConfig } from '../../src/discovery/resolve.js';
import type { DiscoveredBackend } from '../../src/discovery/records.js';
import { DiscoveryError } from '../../src/discovery/errors.js';
import { ADVERT, FakeLan, HOST, IP } from './samples.js';

const once = <T>(em: BackendBrowser, ev: 'up' | 'down', ms = 2000) => new Promise<T>((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`no ${ev} within ${ms} ms`)), ms);
  em.once(ev, (v: unknown) => { clearTimeout(t); resolve(v as T); });
});

test('browser finds the advertised backend, then sees its goodbye', async (t) => {
  const lan = new FakeLan();
  const adv = advertiseBackend({ host: HOST, ip: IP, txt: ADVERT, transport: lan.join(IP) });
  t.after(() => adv.close());
  const browser = new BackendBrowser({ transport: lan.join('10.99.0.11') });
  t.after(() => browser.close());
  const up = once<DiscoveredBackend>(browser, 'up');
  browser.start();
  const b = await up;
  assert.deepEqual(b, { name: 'lnfleet-backend', host: 'lnf-back.local', addresses: [IP], port: 25520, txt: { nodeId: ADVERT.nodeId, linkPort: 25520, caFingerprint: ADVERT.caFingerprint, protocolVersion: 1 } });
  const down = once<string>(browser, 'down');
  await adv.close();
  assert.equal(await down, 'lnfleet-backend');
  const goodbye = lan.sent.find((s) => s.packet.type === 'response' && s.packet.answers?.every((a) => 'ttl' in a && a.ttl === 0));
  assert.ok(goodbye, 'goodbye packet with TTL 0');
  assert.equal(goodbye.packet.answers?.length, 4);
});

test('advertiser announces on start (RFC 6762 §8.3) without being asked', async (t) => {
  const lan = new FakeLan();
  const adv = advertiseBackend({ name: ADVERT.instance, port: 25520, host: HOST, ip: IP, txt: ADVERT, transport: lan.join(IP) });
  t.after(() => adv.close());
  await new Promise((r) => setTimeout(r, 20));
  const first = lan.sent[0]?.packet;
  assert.equal(first?.type, 'response');
  assert.deepEqual(first?.answers?.map((a) => a.type), ['PTR', 'SRV', 'TXT', 'A']);
  assert.throws(() => advertiseBackend({ port: 1, host: HOST, ip: IP, txt: ADVERT, transport: lan.join('x') }), (e: unknown) => e instanceof DiscoveryError && e.code === 'DISCOVERY_INVALID_INPUT');
});

test('legacy unicast query (source port ≠ 5353) gets a unicast reply with its id and TTL ≤ 10 s', async (t) => {
  const lan = new FakeLan();
  const adv = advertiseBackend({ host: HOST, ip: IP, txt: ADVERT, transport: lan.join(IP) });
  t.after(() => adv.close());
  const dig = lan.join('10.99.0.50', 40000);
  const reply = new Promise<{ id?: number; answers?: Answer[] }>((resolve) => dig.on('response', (r: { id?: number; answers?: Answer[] }) => { if (r.id === 4242) resolve(r); }));
  dig.query({ id: 4242, questions: [{ name: '_lnfleet._tcp.local', type: 'PTR' }] });
  const r = await reply;
  assert.equal(r.answers?.[0]?.type, 'PTR');
  assert.ok(r.answers?.every((a) => 'ttl' in a && (a.ttl ?? 99) <= 10));
  assert.equal(lan.sent.find((s) => s.packet.id === 4242 && s.packet.type === 'response')?.to, '10.99.0.50');
});

test('a neighbour with malformed TXT is ignored; the good backend is still found', async (t) => {
  const lan = new FakeLan();
  const good = advertiseBackend({ host: HOST, ip: IP, txt: ADVERT, transport: lan.join(IP) });
  t.after(() => good.close());
  const liar = lan.join('10.99.0.66');
  liar.on('query', () => liar.respond({ answers: [
    { name: '_lnfleet._tcp.local', type: 'PTR', ttl: 120, data: 'liar._lnfleet._tcp.local' },
    { name: 'liar._lnfleet._tcp.local', type: 'SRV', ttl: 120, data: { port: 1, target: 'liar.local' } },
    { name: 'liar._lnfleet._tcp.local', type: 'TXT', ttl: 120, data: ['txtvers=9'] },
    { name: 'liar.local', type: 'A', ttl: 120, data: '10.99.0.66' },
  ] }));
  const found = await browseBackends({ timeoutMs: 300, transport: lan.join('10.99.0.11') });
  assert.deepEqual(found.map((b) => b.name), ['lnfleet-backend']);
});

test('findBackend stops at the first accepted backend; returns null on timeout', async (t) => {
  const lan = new FakeLan();
  const adv = advertiseBackend({ host: HOST, ip: IP, txt: ADVERT, transport: lan.join(IP) });
  t.after(() => adv.close());
  const t0 = Date.now();
  const b = await findBackend({ timeoutMs: 5000, transport: lan.join('10.99.0.11') });
  assert.equal(b?.name, 'lnfleet-backend');
  assert.ok(Date.now() - t0 < 1000, 'did not wait for the timeout');
  assert.equal(await findBackend({ timeoutMs: 100, accept: () => false, transport: lan.join('10.99.0.12') }), null);
});

const CONFIG: ResolveBackendConfig = {
  'cluster.backend-address': undefined,
  'cluster.local-address': undefined,
  'cluster.port': 25520,
  'cluster.mdns': true,
  'cluster.reconnect-max-ms': 1000,
  'cluster.tls.ca': undefined,
};
const BACKEND: DiscoveredBackend = { name: 'b', host: 'b.local', addresses: ['10.0.0.2'], port: 25521, txt: { nodeId: ADVERT.nodeId, linkPort: 25521, caFingerprint: ADVERT.caFingerprint, protocolVersion: 1 } };

test('resolveBackend: BACKEND_IP / cluster.backend-address wins without browsing', async () => {
  const r = await resolveBackend({ ...CONFIG, 'cluster.backend-address': '192.0.2.5' }, { find: () => assert.fail('must not browse') });
  assert.deepEqual(r, { source: 'config', host: '192.0.2.5', port: 25520 });
  await assert.rejects(resolveBackend({ ...CONFIG, 'cluster.mdns': false }), (e: unknown) => e instanceof DiscoveryError && e.code === 'DISCOVERY_DISABLED');
});

test('resolveBackend: only a backend with our CA fingerprint is accepted; retries until one appears', async () => {
  const other = { ...BACKEND, name: 'other', txt: { ...BACKEND.txt, caFingerprint: '00'.repeat(32) } };
  let calls = 0;
  const r = await resolveBackend(CONFIG, {
    caFingerprint: ADVERT.caFingerprint.toUpperCase(),
    find: async (o) => {
      calls++;
      assert.equal(o.accept(other), false, 'foreign cluster refused');
      return calls < 3 ? null : (o.accept(BACKEND) ? BACKEND : null);
    },
  });
  assert.equal(calls, 3);
  assert.deepEqual(r, { source: 'mdns', host: '10.0.0.2', port: 25521, backend: BACKEND });
  const any = await resolveBackend(CONFIG, { caFingerprint: null, find: async (o) => (o.accept(other) ? other : null) });
  assert.equal(any.source === 'mdns' && any.backend.name, 'other', 'no CA known (shared mode): no filter');
});

test('resolveBackend: bounded attempts end in DISCOVERY_NOT_FOUND; abort ends the wait', async () => {
  await assert.rejects(resolveBackend(CONFIG, { maxAttempts: 2, find: async () => null }), (e: unknown) => e instanceof DiscoveryError && e.code === 'DISCOVERY_NOT_FOUND');
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('stopping')), 50);
  await assert.rejects(resolveBackend(CONFIG, { signal: ac.signal, find: async () => null }), /stopping/);
});
