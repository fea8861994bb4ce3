/**
 * `lnfleet gen` (src/cli/gen.ts): inputs from `--input FILE.json` or flags give the same text as the
 * golden files, `--out` writes a file, `--help` works for every kind, and bad input exits 2 naming
 * the field. Uses the golden files of the generator tests; nothing here rewrites them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { genCommand, parseFrontsFlag } from '../../src/cli/gen.js';
import type { CliIo } from '../../src/cli/command.js';
import { generateSystemdUnit } from '../../src/deploy/systemd.js';
import { FRONTS, goldenUrl, KEEPALIVED_A, NFT_BACK, TORRC, withTempDirAsync } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await genCommand.run(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const golden = (name: string) => readFileSync(goldenUrl(name), 'utf8').replace(/\n$/, '');
const FRONTS_FLAG = 'front-a=203.0.113.11:150,front-b=203.0.113.12:140,front-c=203.0.113.13:130';

test('gen nftables from --input JSON and from flags', async () => {
  await withTempDirAsync(async (dir) => {
    const input = join(dir, 'in.json');
    writeFileSync(input, JSON.stringify({ ...NFT_BACK, role: undefined, ports: undefined }));
    const fromFile = await run(['nftables', '--role', 'back', '--input', input]);
    assert.equal(fromFile.code, 0, fromFile.err);
    assert.equal(fromFile.out, golden('nftables-back.nft'));
  });
  const fromFlags = await run(['nftables', '--role=front', '--subnet', '203.0.113.0/24', '--fronts', FRONTS_FLAG,
    '--admins', '198.51.100.7,192.0.2.0/28,2001:db8:1::/64']);
  assert.equal(fromFlags.code, 0, fromFlags.err);
  assert.equal(fromFlags.out, golden('nftables-front.nft'));
});

test('gen keepalived, torrc, systemd', async () => {
  const k = await run(['keepalived', '--self', 'front-b', '--vip', KEEPALIVED_A.vip, '--subnet', KEEPALIVED_A.subnet,
    '--interface', 'eth0', '--fronts', FRONTS_FLAG, '--unicast', '--advert-int', '0.1']);
  assert.equal(k.code, 0, k.err);
  assert.equal(k.out, golden('keepalived-front-b-unicast.conf'));
  const t = await run(['torrc', '--hs-dir', TORRC.hiddenServiceDir, '--targets', TORRC.targets.join(',')]);
  assert.equal(t.code, 0, t.err);
  assert.equal(t.out, golden('torrc'));
  await withTempDirAsync(async (dir) => {
    const out = join(dir, 'front.service');
    const s = await run(['systemd', '--role', 'front', '--out', out]);
    assert.equal(s.code, 0, s.err);
    assert.equal(s.out, '');
    assert.equal(readFileSync(out, 'utf8'), generateSystemdUnit({ unit: 'front' }));
  });
});

test('--help for gen and each kind', async () => {
  const all = await run(['--help']);
  assert.equal(all.code, 0);
  assert.match(all.out, /lnfleet gen KIND/);
  for (const kind of ['nftables', 'keepalived', 'torrc', 'systemd']) {
    const r = await run([kind, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^lnfleet gen ${kind}`));
  }
});

test('bad input exits 2 naming the field; bad arguments are usage errors', async () => {
  const r = await run(['keepalived', '--self', 'front-a', '--vip', '198.51.100.1', '--subnet', '203.0.113.0/24',
    '--interface', 'eth0', '--fronts', FRONTS_FLAG]);
  assert.equal(r.code, 2);
  assert.match(r.err, /vip: 198\.51\.100\.1 is not inside subnet 203\.0\.113\.0\/24/);
  const p = await run(['nftables', '--role', 'back', '--subnet', '203.0.113.0/24', '--fronts', FRONTS_FLAG, '--admins', '192.0.2.1', '--link-port', '0']);
  assert.equal(p.code, 2);
  assert.match(p.err, /ports\.link/);
  await assert.rejects(run([]), { code: 'CLI_USAGE' });
  await assert.rejects(run(['bogus']), { code: 'CLI_USAGE' });
  await assert.rejects(run(['nftables', '--nope']), { code: 'CLI_USAGE' });
  await assert.rejects(run(['nftables', '--link-port', 'x']), { code: 'CLI_USAGE' });
  await assert.rejects(run(['nftables', '--input', '/nonexistent/in.json']), { code: 'CLI_USAGE' });
});

test('--fronts flag parsing', () => {
  assert.deepEqual(parseFrontsFlag(FRONTS_FLAG), FRONTS);
  assert.deepEqual(parseFrontsFlag('a=10.0.0.1,b=[fd00::2]:7'), [
    { name: 'a', address: '10.0.0.1', priority: 250 },
    { name: 'b', address: 'fd00::2', priority: 7 },
  ]);
});
