/**
 * Start-up refusals of the real daemons, run as processes: a backend whose node key does not match
 * NODE_PUB_KEY refuses to start and says why without printing any key; a config error names the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../helpers/ports.js';
import { provisionCommand } from '../../src/cli/provision.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const PRIV = '11'.repeat(32);
const OTHER_NODE_ID = '024d4b6cd1361032ca9bd2aeb9d900aa4d45d9ead80ac9423374c451a7254d0766'; // pubkey of 0x02…02

function runBack(env: Record<string, string>, conf: string): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [MAIN, 'back', '--config', conf], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
}

test('a backend whose key does not match NODE_PUB_KEY refuses to start, printing no key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-refuse-'));
  try {
    const [link, api, metrics] = await freePorts(3);
    const pki = join(dir, 'pki');
    const quiet = { out: () => {}, err: () => {} };
    assert.equal(await provisionCommand.run(['ca', '--dir', pki], quiet), 0);
    assert.equal(await provisionCommand.run(['cert', '--role', 'back', '--name', 'backend', '--dir', pki], quiet), 0);
    const conf = join(dir, 'back.conf');
    writeFileSync(conf, [
      'chain = regtest', `data-dir = ${dir}`, 'node.key-provider = env', 'cluster.bind = 127.0.0.1', `cluster.port = ${link}`,
      'cluster.mdns = false', `cluster.tls.ca = ${pki}/ca.crt`, `cluster.tls.cert = ${pki}/back-backend.crt`,
      `cluster.tls.key = ${pki}/back-backend.key`, `api.listen = 127.0.0.1:${api}`, `metrics.listen = 127.0.0.1:${metrics}`,
    ].join('\n') + '\n');
    const r = runBack({ NODE_PRIV_KEY: PRIV, NODE_PUB_KEY: OTHER_NODE_ID }, conf);
    assert.notEqual(r.status, 0);
    const out = `${r.stdout}${r.stderr}`;
    assert.match(out, /KEY_MISMATCH|does not match/i, out);
    assert.ok(!out.includes(PRIV), 'the private key must never be printed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a config error names the key and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-refuse-'));
  try {
    const conf = join(dir, 'back.conf');
    writeFileSync(conf, 'cluster.port = seventy\n');
    const r = runBack({}, conf);
    assert.equal(r.status, 1);
    assert.match(`${r.stderr}`, /cluster\.port/);
    assert.match(`${r.stderr}`, /back\.conf:1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
