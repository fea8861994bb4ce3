/**
 * `lnfleet provision init | board | list | revoke NAME`: files and modes, the seed and aws-sm key
 * providers, generated configs that the real config resolver accepts, derived priorities and
 * addresses, refusals that change nothing (bad IP, unknown board, missing CA, weak key permissions,
 * existing files), and revocation picked up by the backend's RevocationStore without a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { RevocationStore } from '../../src/cluster/pki.js';
import { seedKey } from '../../src/keys/index.js';
import { decodeBundle } from '../../src/provision/bundle.js';
import { CliUsageError } from '../../src/cli/command.js';
import { NODE_ID, initSample, modeOf, provision, tmp, treeState } from './helpers.js';

test('init with the seed provider: CA, backend pair, 0600 seed, fleet, back.conf the backend accepts', async (t) => {
  const dir = join(tmp(t), 'fleet');
  const r = await provision('init', '--dir', dir, '--vip', '192.0.2.10', '--subnet', '192.0.2.0/24', '--chain', 'regtest');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /next steps:/);
  for (const f of ['ca.key', 'back-back.key', 'back-data/node_seed']) assert.equal(modeOf(join(dir, f)), '0600', f);
  assert.equal(modeOf(dir), '0700');
  assert.equal(statSync(join(dir, 'back-data/node_seed')).size, 32);
  const fleet = JSON.parse(readFileSync(join(dir, 'fleet.json'), 'utf8'));
  const key = seedKey(join(dir, 'back-data'));
  assert.equal(fleet.nodeId, key.nodeIdHex, 'fleet.json records the node id of the seed');
  key.destroy();
  assert.equal(fleet.backend.keyProvider, 'seed');
  assert.deepEqual(fleet.admins, ['192.0.2.0/24'], 'admins default to the subnet');
  assert.ok(!readFileSync(join(dir, 'fleet.json'), 'utf8').includes('PRIVATE'), 'no key in the fleet file');
  const back = parseConfig({ role: 'back', fileText: readFileSync(join(dir, 'back.conf'), 'utf8'), env: {} });
  assert.equal(back.values['cluster.tls.revocations'], join(dir, 'revocations.json'));
  assert.equal(back.values['node.key-provider'], 'seed');
  assert.equal(back.values['node.pub-key'], fleet.nodeId);
  assert.equal(back.values['data-dir'], join(dir, 'back-data'));

  const before = treeState(dir);
  const again = await provision('init', '--dir', dir, '--vip', '192.0.2.10', '--subnet', '192.0.2.0/24');
  assert.equal(again.code, 1);
  assert.match(again.err, /already exist.*never overwrites/);
  assert.deepEqual(treeState(dir), before, 'a refused init changes nothing');
});

test('init with --aws-secret records the secret reference and writes no seed', async (t) => {
  const dir = tmp(t);
  await initSample(dir);
  assert.equal(existsSync(join(dir, 'back-data')), false);
  const fleet = JSON.parse(readFileSync(join(dir, 'fleet.json'), 'utf8'));
  assert.deepEqual([fleet.backend.keyProvider, fleet.backend.awsSecretName, fleet.nodeId], ['aws-sm', 'lnfleet/node-key', NODE_ID]);
  const back = parseConfig({ role: 'back', fileText: readFileSync(join(dir, 'back.conf'), 'utf8'), env: {} });
  assert.equal(back.values['node.key-provider'], 'aws-sm');
  assert.equal(back.values['node.aws-secret-name'], 'lnfleet/node-key');
  assert.equal(back.values['aws.region'], 'eu-west-1');
});

test('init refuses bad input before writing anything', async (t) => {
  const root = tmp(t);
  const cases: [string[], RegExp][] = [
    [['--vip', '192.0.2.300', '--subnet', '192.0.2.0/24'], /vip.*not an IPv4 or IPv6/],
    [['--vip', '10.0.0.1', '--subnet', '192.0.2.0/24'], /not inside subnet/],
    [['--vip', '192.0.2.10', '--subnet', '192.0.2.5/24'], /host bits/],
    [['--vip', '192.0.2.10', '--subnet', '192.0.2.0/24', '--backend-address', 'backend.lan'], /--backend-address is not an IPv4/],
    [['--vip', '192.0.2.10', '--subnet', '192.0.2.0/24', '--leds', 'ok=1,warn=1'], /GPIO twice/],
    [['--vip', '192.0.2.10', '--subnet', '192.0.2.0/24', '--chain', 'mainnet'], /chain must be one of/],
    [['--vip', '192.0.2.10'], /--vip and --subnet are required/],
  ];
  for (const [args, re] of cases) {
    const dir = join(root, 'x');
    const r = await provision('init', '--dir', dir, ...args);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.err, re);
    assert.equal(existsSync(dir), false, `${args.join(' ')}: nothing created`);
  }
  await assert.rejects(provision('init', '--dir', join(root, 'y'), '--vip', '192.0.2.10', '--subnet', '192.0.2.0/24', '--force'), CliUsageError);
});

test('board: derived priority and address, bundle, front.conf the front accepts, back.nft; list shows them', async (t) => {
  const dir = tmp(t);
  await initSample(dir);
  const a = await provision('board', 'front-a', '--dir', dir);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /address 192\.0\.2\.11, VRRP priority 250/);
  const b = await provision('board', 'front-b', '--dir', dir, '--ip', '192.0.2.40', '--leds', 'ok=5,warn=6,fault=13,status=19,active-low');
  assert.equal(b.code, 0, b.err);
  assert.match(b.out, /address 192\.0\.2\.40, VRRP priority 240/);
  const c = await provision('board', 'front-c', '--dir', dir, '--priority', '99');
  assert.match(c.out, /address 192\.0\.2\.12, VRRP priority 99/);
  for (const f of ['front-front-a.key', 'boards/front-a/lnfleet-bundle.tar']) assert.equal(modeOf(join(dir, f)), '0600', f);
  const conf = parseConfig({ role: 'front', fileText: readFileSync(join(dir, 'boards/front-b/front.conf'), 'utf8'), env: {} });
  assert.equal(conf.values['front.id'], 'front-b');
  assert.equal(conf.values['network.vrrp-priority'], 240);
  assert.equal(conf.values['board.gpio.led-fault'], 13);
  assert.equal(conf.values['board.gpio.active-low'], true);
  assert.equal(conf.values['cluster.tls.key'], '/etc/lnfleet/front.key');
  assert.equal(conf.values['node.pub-key'], NODE_ID);
  assert.equal(conf.values['cluster.mdns'], true, 'no --backend-address: the front discovers the backend by mDNS');
  const bundle = decodeBundle(readFileSync(join(dir, 'boards/front-b/lnfleet-bundle.tar')));
  assert.equal(bundle.manifest.board, 'front-b');
  const ka = Buffer.from(bundle.files['keepalived.conf']).toString();
  assert.match(ka, /real_server 192\.0\.2\.11 9735/);
  assert.match(ka, /priority 240/);
  const backNft = readFileSync(join(dir, 'back.nft'), 'utf8');
  assert.match(backNft, /192\.0\.2\.11, 192\.0\.2\.40, 192\.0\.2\.12/, 'the link port opens to every board');

  const list = await provision('list', '--dir', dir);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^NAME +ROLE +ADDRESS +PRIO +EXPIRES +STATUS$/m);
  assert.match(list.out, /^front-b +front +192\.0\.2\.40 +240 +2030-05-31 \(1825 d\) +active$/m);
  assert.match(list.out, /^back +back +- +- /m);
  const rows = JSON.parse((await provision('list', '--dir', dir, '--json')).out);
  assert.deepEqual(rows.map((r: { name: string }) => r.name), ['back', 'front-a', 'front-b', 'front-c']);
});

test('board refuses bad input and changes nothing', async (t) => {
  const dir = tmp(t);
  await initSample(dir);
  assert.equal((await provision('board', 'front-a', '--dir', dir, '--ip', '192.0.2.20')).code, 0);
  const before = treeState(dir);
  const cases: [string[], RegExp][] = [
    [['front-b', '--ip', '192.0.2.256'], /--ip is not an IPv4 or IPv6 address/],
    [['front-b', '--ip', '10.1.1.1'], /not inside the fleet subnet/],
    [['front-b', '--ip', '192.0.2.20'], /already used by board front-a/],
    [['front-b', '--ip', '192.0.2.10'], /already used by the VIP/],
    [['front-a'], /already provisioned/],
    [['back'], /already provisioned .*name is taken/],
    [['Front_B'], /must be 1–63 of \[a-z0-9-\]/],
    [['front-b', '--priority', '255'], /1–254/],
    [['front-b', '--leds', 'ok=2000'], /GPIO number 0–1023/],
  ];
  for (const [args, re] of cases) {
    const r = await provision('board', ...args, '--dir', dir);
    assert.equal(r.code, 1, args.join(' '));
    assert.match(r.err, re, args.join(' '));
  }
  assert.deepEqual(treeState(dir), before, 'refused commands change nothing');

  chmodSync(join(dir, 'ca.key'), 0o644);
  const weak = await provision('board', 'front-b', '--dir', dir);
  assert.equal(weak.code, 1);
  assert.match(weak.err, /ca\.key has mode 0644: a private key must be readable by its owner only\. Fix it with: chmod 600/);
  chmodSync(join(dir, 'ca.key'), 0o600);

  const empty = tmp(t);
  const noFleet = await provision('board', 'front-a', '--dir', empty);
  assert.match(noFleet.err, /fleet\.json not found: run 'lnfleet provision init/);
  const noCa = tmp(t);
  await initSample(noCa);
  const { unlinkSync } = await import('node:fs');
  unlinkSync(join(noCa, 'ca.key'));
  assert.match((await provision('board', 'front-a', '--dir', noCa)).err, /ca\.key not found/);
  assert.match((await provision('list', '--dir', empty)).err, /nothing provisioned/);
});

test('revoke NAME: the backend reloads the list without a restart; list and back.nft follow', async (t) => {
  const dir = tmp(t);
  await initSample(dir);
  await provision('board', 'front-a', '--dir', dir);
  await provision('board', 'front-b', '--dir', dir);
  const store = new RevocationStore(join(dir, 'revocations.json'));
  const reloaded = new Promise<void>((resolve) => {
    const w = store.watch(() => { if (store.size === 1) { w?.close(); resolve(); } });
  });
  const unknown = await provision('revoke', 'front-z', '--dir', dir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /no certificate named front-z/);
  const r = await provision('revoke', 'front-a', '--dir', dir, '--reason', 'keyCompromise');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /reloads it now, without a restart/);
  await reloaded;
  const serialA = JSON.parse(readFileSync(join(dir, 'issued.json'), 'utf8')).certs.find((c: { name: string }) => c.name === 'front-a').serial;
  assert.equal(store.check({ serial: serialA, fingerprint: '' })?.reason, 'keyCompromise');
  assert.match((await provision('list', '--dir', dir)).out, /^front-a .* revoked \(keyCompromise\)$/m);
  assert.doesNotMatch(readFileSync(join(dir, 'back.nft'), 'utf8'), /192\.0\.2\.11/, 'the revoked board no longer reaches the link port');
  await assert.rejects(provision('revoke', 'front-b', '--name', 'front-b', '--dir', dir), CliUsageError);
});
