/**
 * Lab: the generated nftables rulesets applied with `nft -f` inside network namespaces (never the root
 * namespace), checked with real TCP connects (DESIGN §6, §7):
 * - back: 9735 has a listener but is dropped from the LAN (and counted), reachable on loopback; the
 *   cluster link port is reachable from a front's address and not from another host;
 * - front: 9735 open to anyone; other ports (here the link port) dropped.
 * Every connect that must fail is bounded (`DROP_PROBE_MS`). Needs root + netns, else skips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '../../src/deploy/constants.js';
import { generateNftables } from '../../src/deploy/nftables.js';
import type { NftablesInput } from '../../src/deploy/types.js';
import { canNetns, createLab, labNamespaces, LAB_NS_PREFIX, LAB_SUBNET, SKIP_REASON, sweepStale, waitForLine, type Lab, type LabHost } from '../helpers/netns.js';

const AGENTS = fileURLToPath(new URL('./agents.js', import.meta.url));
/** A dropped SYN never gets an answer: give up after this long (ms). A LAN connect takes < 5 ms. */
const DROP_PROBE_MS = 600;

function connect(lab: Lab, from: LabHost, host: string, port: number): { ok: boolean; error?: string } {
  const r = lab.exec(from, [process.execPath, AGENTS, 'connect', host, String(port), String(DROP_PROBE_MS)], { timeoutMs: 5000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { ok: boolean; error?: string };
}

function apply(lab: Lab, h: LabHost, input: NftablesInput): void {
  const file = join(lab.dir, `nft-${h.name}.nft`);
  writeFileSync(file, generateNftables(input));
  const r = lab.exec(h, ['nft', '-f', file]);
  assert.equal(r.status, 0, `nft -f failed in ${h.ns}: ${r.stderr}`);
}

test('nftables: backend drops 9735 and admits the link only from fronts; a front keeps 9735 open', async (t) => {
  if (!canNetns()) return t.skip(SKIP_REASON);
  sweepStale();
  const lab = createLab('nft', ['back', 'front1', 'client']);
  t.after(() => lab.teardown());
  const { back, front1, client } = lab.hosts as Record<'back' | 'front1' | 'client', LabHost>;
  const input: NftablesInput = {
    role: 'back', subnet: LAB_SUBNET, fronts: [{ name: 'front1', address: front1.ip, priority: 100 }],
    admins: ['192.0.2.1'], ports: DEFAULT_PORTS,
  };
  const { peer, link } = DEFAULT_PORTS;
  const listen = (h: LabHost) => waitForLine(lab.spawn(h, [process.execPath, AGENTS, 'listen', String(peer), String(link)]), (l) => l.includes('"ready"'), 5000);
  await Promise.all([listen(back), listen(front1)]);
  // Baseline without rules: both ports answer, so a failure below is the firewall's doing.
  assert.equal(connect(lab, client, back.ip, peer).ok, true, 'baseline: 9735 reachable before the ruleset');

  apply(lab, back, input);
  await t.test('back: 9735 from the LAN is dropped (listener present), counted, open on loopback', () => {
    assert.deepEqual(connect(lab, client, back.ip, peer), { ok: false, error: 'timeout' });
    assert.deepEqual(connect(lab, front1, back.ip, peer), { ok: false, error: 'timeout' });
    assert.equal(connect(lab, back, '127.0.0.1', peer).ok, true);
    const table = lab.exec(back, ['nft', 'list', 'table', 'inet', 'lnfleet']).stdout;
    const counted = /tcp dport 9735 counter packets (\d+)/.exec(table);
    assert.ok(counted && Number(counted[1]) > 0, `9735 counter should have counted the SYNs:\n${table}`);
  });
  await t.test('back: the link port admits a front, not another LAN host', () => {
    assert.equal(connect(lab, front1, back.ip, link).ok, true);
    assert.deepEqual(connect(lab, client, back.ip, link), { ok: false, error: 'timeout' });
  });

  apply(lab, front1, { ...input, role: 'front' });
  await t.test('front: 9735 open to anyone; the link port (no input rule on a front) dropped', () => {
    assert.equal(connect(lab, client, front1.ip, peer).ok, true);
    assert.deepEqual(connect(lab, client, front1.ip, link), { ok: false, error: 'timeout' });
    // The front dials the backend; replies come back as "established" through its own ruleset.
    assert.equal(connect(lab, front1, back.ip, link).ok, true);
  });
});

test('lab leaves no namespace behind', () => {
  if (!canNetns()) return;
  assert.deepEqual(labNamespaces().filter((n) => n.startsWith(`${LAB_NS_PREFIX}${process.pid}-`)), []);
});
