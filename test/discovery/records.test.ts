/**
 * Pure mDNS halves of src/discovery: the records the backend advertises, which of them answer a
 * question (RFC 6762 §6, RFC 6763 §12 additionals), and how the browser assembles received records
 * into backends (goodbyes, malformed TXT ignored, follow-up questions, bounds). No sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { encodeMdnsTxt } from '../../src/deploy/mdns.js';
import { DeployError } from '../../src/deploy/errors.js';
import { MDNS_MAX_TRACKED_INSTANCES } from '../../src/discovery/constants.js';
import {
  allRecords, answerQuery, BackendCollector, hostFqdn, instanceOf, SERVICE_FQDN, SERVICES_META_FQDN, serviceRecords,
} from '../../src/discovery/records.js';
import { ADVERT, HOST, IP } from './samples.js';

const recs = serviceRecords(ADVERT, HOST, IP);
const types = (as: readonly Answer[]) => as.map((a) => a.type).join(',');

test('service records: names, ports, TTLs, cache-flush on unique records only', () => {
  assert.equal(recs.instanceFqdn, 'lnfleet-backend._lnfleet._tcp.local');
  assert.equal(recs.hostFqdn, 'lnf-back.local');
  assert.deepEqual(recs.ptr, { name: SERVICE_FQDN, type: 'PTR', ttl: 4500, data: recs.instanceFqdn });
  assert.deepEqual(recs.srv, { name: recs.instanceFqdn, type: 'SRV', ttl: 120, flush: true, data: { port: 25520, target: 'lnf-back.local', priority: 0, weight: 0 } });
  assert.deepEqual((recs.txt as { data: Buffer[] }).data.map(String), encodeMdnsTxt(ADVERT).map((b) => Buffer.from(b).toString()));
  assert.deepEqual(recs.a, { name: 'lnf-back.local', type: 'A', ttl: 120, flush: true, data: IP });
  assert.ok(allRecords(recs, 0).answers.every((a) => 'ttl' in a && a.ttl === 0), 'goodbye sets every TTL to 0');
  assert.equal(hostFqdn('x.local.'), 'x.local');
  assert.throws(() => serviceRecords(ADVERT, HOST, '::1'), (e: unknown) => e instanceof DeployError && e.field === 'ip');
  assert.throws(() => serviceRecords({ ...ADVERT, instance: 'a.b' }, HOST, IP), (e: unknown) => e instanceof DeployError && e.field === 'instance');
});

test('answers: PTR brings SRV+TXT+A as additionals; SRV brings A; names are case-insensitive', () => {
  const table: [string, string, string | null, string][] = [
    [SERVICE_FQDN, 'PTR', 'PTR', 'SRV,TXT,A'],
    ['_LNFLEET._TCP.LOCAL', 'PTR', 'PTR', 'SRV,TXT,A'],
    [recs.instanceFqdn, 'SRV', 'SRV', 'A'],
    [recs.instanceFqdn, 'TXT', 'TXT', ''],
    [recs.instanceFqdn, 'ANY', 'SRV,TXT', 'A'],
    ['lnf-back.local', 'A', 'A', ''],
    [SERVICES_META_FQDN, 'PTR', 'PTR', ''],
    ['other._lnfleet._tcp.local', 'SRV', null, ''],
    ['_http._tcp.local', 'PTR', null, ''],
    ['lnf-back.local', 'AAAA', null, ''],
  ];
  for (const [name, type, answers, additionals] of table) {
    const r = answerQuery(recs, [{ name, type: type as 'A' }]);
    if (answers === null) { assert.equal(r, null, `${name} ${type}`); continue; }
    assert.ok(r, `${name} ${type}`);
    assert.equal(types(r.answers), answers, `${name} ${type} answers`);
    assert.equal(types(r.additionals), additionals, `${name} ${type} additionals`);
  }
  const meta = answerQuery(recs, [{ name: SERVICES_META_FQDN, type: 'PTR' }]);
  assert.deepEqual(meta?.answers[0], { name: SERVICES_META_FQDN, type: 'PTR', ttl: 4500, data: SERVICE_FQDN }, 'the meta-query lists our service type');
});

test('instance names: only direct children of _lnfleet._tcp.local', () => {
  assert.equal(instanceOf('back 1._lnfleet._tcp.local.'), 'back 1');
  assert.equal(instanceOf('_lnfleet._tcp.local'), null);
  assert.equal(instanceOf('x._http._tcp.local'), null);
});

const full = (): Answer[] => [recs.ptr, recs.srv, recs.txt, recs.a];

test('collector: a full response yields the backend once; a change re-emits; a goodbye removes it', () => {
  const c = new BackendCollector();
  const r = c.ingest(full(), 0);
  assert.deepEqual(r.up, [{ name: 'lnfleet-backend', host: 'lnf-back.local', addresses: [IP], port: 25520, txt: { nodeId: ADVERT.nodeId, linkPort: 25520, caFingerprint: ADVERT.caFingerprint, protocolVersion: 1 } }]);
  assert.deepEqual(c.ingest(full(), 10).up, [], 'same records: no new event');
  const moved = c.ingest([{ name: recs.hostFqdn, type: 'A', ttl: 120, data: '10.0.0.9' }, { name: recs.hostFqdn, type: 'A', ttl: 0, data: IP }], 20);
  assert.deepEqual(moved.up.map((b) => b.addresses), [['10.0.0.9']], 'address change re-emits');
  const v6 = c.ingest([{ name: recs.hostFqdn, type: 'AAAA', ttl: 120, data: 'fe80::1' }, { name: recs.hostFqdn, type: 'AAAA', ttl: 120, data: '2001:db8::2' }], 25);
  assert.deepEqual(v6.up.map((b) => b.addresses), [['10.0.0.9', '2001:db8::2']], 'IPv4 first; link-local IPv6 (no zone in mDNS) dropped');
  assert.deepEqual(c.ingest(allRecords(recs, 0).answers, 30).down, ['lnfleet-backend']);
  assert.deepEqual(c.current(), []);
});

test('collector: records may arrive in any order and packets; missing() asks for the gaps', () => {
  const c = new BackendCollector();
  assert.deepEqual(c.ingest([recs.ptr], 0).up, []);
  assert.deepEqual(c.missing().map((q) => q.type), ['SRV', 'TXT']);
  c.ingest([recs.srv], 1);
  assert.deepEqual(c.missing(), [{ name: recs.instanceFqdn, type: 'TXT' }, { name: 'lnf-back.local', type: 'A' }]);
  c.ingest([recs.txt], 2);
  assert.equal(c.ingest([recs.a], 3).up.length, 1);
  assert.deepEqual(c.missing(), []);
});

test('collector: malformed TXT is reported for a debug line and never yields a backend', () => {
  const c = new BackendCollector();
  const bad = { ...recs.txt, data: [Buffer.from('txtvers=1'), Buffer.from('id=nothex')] } as unknown as Answer;
  const r = c.ingest([recs.ptr, recs.srv, bad, recs.a], 0);
  assert.deepEqual(r.up, []);
  assert.equal(r.malformed.length, 1);
  assert.equal(r.malformed[0]?.error.code, 'DEPLOY_BAD_TXT');
  assert.deepEqual(c.missing(), [], 'a bad TXT is not re-asked forever');
  assert.equal(c.ingest([recs.txt], 1).up.length, 1, 'a later good TXT recovers');
});

test('collector: PTR expiry drops an instance; tracked instances are bounded', () => {
  const c = new BackendCollector();
  c.ingest(full(), 0);
  assert.deepEqual(c.expire(4499_000), []);
  assert.deepEqual(c.expire(4500_000), ['lnfleet-backend']);
  const flood: Answer[] = [];
  for (let i = 0; i < MDNS_MAX_TRACKED_INSTANCES * 2; i++) flood.push({ name: SERVICE_FQDN, type: 'PTR', ttl: 120, data: `fake${i}.${SERVICE_FQDN}` });
  c.ingest(flood, 0);
  assert.equal(c.missing().filter((q) => q.type === 'SRV').length, MDNS_MAX_TRACKED_INSTANCES);
});
