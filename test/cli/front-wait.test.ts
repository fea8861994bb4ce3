/**
 * `lnfleet front --wait-for PATH` (the board image's front unit): nothing is read and no port is opened
 * until PATH exists; then a missing config file is a clean exit 0 (a card without a bundle), and a
 * present one is loaded as usual. Ordering only: no assertion depends on how long anything takes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeFrontCommand, WAIT_FOR_POLL_MS } from '../../src/cli/front.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** Resolves once `cond()` holds, checking every poll interval; fails after `tries` checks. */
async function until(cond: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, WAIT_FOR_POLL_MS));
  }
  assert.fail(`never happened: ${what}`);
}

test('--wait-for: waits before reading the config; a config missing after the wait exits 0 with a clear line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-front-wait-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'firewall-loaded');
  const cap = capture();
  let code: number | undefined;
  const run = makeFrontCommand({ env: () => ({}) }).run(['--config', join(dir, 'front.conf'), '--wait-for', marker], cap.io)
    .then((c) => { code = c; });
  await until(() => cap.out.some((l) => l.includes(`waiting for ${marker}`)), 'the waiting line');
  // Several polls later it still waits: the marker is what it waits for.
  await new Promise((r) => setTimeout(r, WAIT_FOR_POLL_MS * 3));
  assert.equal(code, undefined);
  writeFileSync(marker, '');
  await run;
  assert.equal(code, 0);
  assert.match(cap.out.at(-1)!, /front\.conf does not exist: this board has no config .*not starting/);
  assert.deepEqual(cap.err, []);
});

test('--wait-for: the config is read only after the marker exists (a bad one is reported then, exit 1)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-front-wait-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const marker = join(dir, 'firewall-loaded');
  const conf = join(dir, 'front.conf');
  writeFileSync(conf, 'front.listen = not-an-address\n');
  const cap = capture();
  let code: number | undefined;
  const run = makeFrontCommand({ env: () => ({}) }).run(['--config', conf, '--wait-for', marker], cap.io).then((c) => { code = c; });
  await until(() => cap.out.some((l) => l.includes('waiting for')), 'the waiting line');
  await new Promise((r) => setTimeout(r, WAIT_FOR_POLL_MS * 3));
  assert.equal(code, undefined);
  assert.deepEqual(cap.err, [], 'the config was not read yet');
  writeFileSync(marker, '');
  await run;
  assert.equal(code, 1);
  assert.match(cap.err.join('\n'), /front configuration is invalid[\s\S]*front\.listen/);
});

test('--wait-for on a path that already exists goes straight on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-front-wait-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'm'), '');
  const cap = capture();
  assert.equal(await makeFrontCommand({ env: () => ({}) }).run(['--config', join(dir, 'none.conf'), '--wait-for', join(dir, 'm')], cap.io), 0);
  assert.equal(cap.out.length, 1, 'no waiting line');
  assert.match(cap.out[0]!, /does not exist/);
});
