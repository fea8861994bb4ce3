// Resolution of file text + env into a typed config: layering, syntax, every error's key and source,
// unknown keys with suggestions, cross-key rules and secret redaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, REDACTED, confEnvForRole, describeConfig, formatSource, parseConfig, resolveConfig, type ConfigProblem, type ResolveInput,
} from '../../src/config/index.js';

/** TLS paths a front needs in ca mode, so tests can focus on other keys. */
const FRONT_TLS = 'cluster.tls.ca = /etc/lnfleet/ca.crt\ncluster.tls.cert = /etc/lnfleet/front.crt\ncluster.tls.key = /etc/lnfleet/front.key\ncluster.tls.backend-cert = /etc/lnfleet/back.crt\n';
const BACK_TLS = 'cluster.tls.ca = /etc/lnfleet/ca.crt\ncluster.tls.cert = /etc/lnfleet/back.crt\ncluster.tls.key = /etc/lnfleet/back.key\n';
const SECRET = 'hunter2-very-secret';

function problems(input: ResolveInput): readonly ConfigProblem[] {
  const r = resolveConfig(input);
  assert.equal(r.ok, false, 'expected a ConfigError');
  return r.ok ? [] : r.error.problems;
}

function one(input: ResolveInput): ConfigProblem {
  const ps = problems(input);
  assert.equal(ps.length, 1, ps.map((p) => p.detail).join('; '));
  return ps[0]!;
}

test('defaults: dev needs nothing and runs on regtest/loopback; typed values', () => {
  const c = parseConfig({ role: 'dev', env: {} });
  assert.equal(c.values.chain, 'regtest');
  assert.equal(c.values['chain.source'], 'embedded-regtest');
  assert.equal(c.get('cluster.port'), 25520);
  assert.deepEqual(c.values['front.listen'], { host: '127.0.0.1', port: 9735 });
  assert.equal(c.values['cluster.backend-address'], undefined);
  assert.deepEqual(c.sources['cluster.port'], { kind: 'default' });
  const back = parseConfig({ role: 'back', fileText: BACK_TLS, env: {} });
  assert.equal(back.values.chain, 'bitcoin');
  assert.equal(back.values['chain.source'], 'none');
  assert.deepEqual(back.values['api.listen'], { host: '127.0.0.1', port: 8080 });
});

test('file syntax: comments, blank lines, quotes, CRLF, line numbers in sources', () => {
  const text = [
    '# front of board a', '', '  node.pub-key = 02' + 'ab'.repeat(32),
    'front.id = "front-a"', "log.level='debug'", 'cluster.heartbeat-ms = 500ms', 'front.socks5-proxy = 127.0.0.1:9050',
    'tor.targets = "10.0.0.11:9735, 10.0.0.12:9735"',
  ].join('\r\n');
  const c = parseConfig({ role: 'front', fileText: FRONT_TLS + text, fileName: 'front.conf', env: {} });
  assert.equal(c.values['front.id'], 'front-a');
  assert.equal(c.values['log.level'], 'debug');
  assert.equal(c.values['cluster.heartbeat-ms'], 500);
  assert.deepEqual(c.values['tor.targets'], [{ host: '10.0.0.11', port: 9735 }, { host: '10.0.0.12', port: 9735 }]);
  assert.deepEqual(c.sources['front.id'], { kind: 'file', file: 'front.conf', line: 8 });
  assert.equal(formatSource(c.sources['log.level']), 'front.conf:9');
});

test('file syntax errors carry the line number and never echo the line', () => {
  const text = 'cluster.port = 25520\ncluster.tls.password hunter2\n= x\nfront.id = "unterminated\nfront.id2 = "a" trailing\n';
  const ps = problems({ role: 'front', fileText: text, fileName: 'f.conf', env: {} });
  const syntax = ps.filter((p) => p.code === 'CONFIG_SYNTAX');
  assert.deepEqual(syntax.map((p) => (p.source?.kind === 'file' ? p.source.line : 0)), [2, 3, 4, 5]);
  const err = new ConfigError([ps[0]!, ...ps.slice(1)]);
  assert.ok(!err.message.includes('hunter2'));
  assert.match(err.message, /f\.conf:2: expected `key = value`/);
});

test('LNFLEET_CONF: entries, quotes with ; inside, trailing ; and entry numbers', () => {
  const env = { LNFLEET_CONF: 'log.level=warn;node.alias="a;b";front.id=front-x;', BACKEND_IP: '10.0.0.2' };
  const c = parseConfig({ role: 'dev', env });
  assert.equal(c.values['log.level'], 'warn');
  assert.equal(c.values['node.alias'], 'a;b');
  assert.deepEqual(c.sources['front.id'], { kind: 'LNFLEET_CONF', entry: 3 });
  const p = one({ role: 'dev', env: { LNFLEET_CONF: 'log.level=warn;cluster.port=x' } });
  assert.equal(p.code, 'CONFIG_INVALID_VALUE');
  assert.equal(p.key, 'cluster.port');
  assert.deepEqual(p.source, { kind: 'LNFLEET_CONF', entry: 2 });
});

test('LNFLEET_CONF shared by several roles (lnfleet dev): each role keeps its entries, numbers unchanged', () => {
  const conf = 'node.alias="a;b"\nfront.max-connections=0;log.level=warn;nosuch.key=1;node.color=zz';
  // Without the split, the backend refuses the front's keys (and a front the backend's).
  assert.equal(one({ role: 'back', fileText: BACK_TLS, env: { LNFLEET_CONF: 'front.max-connections=500' } }).code, 'CONFIG_WRONG_ROLE');
  const back = confEnvForRole(conf, 'back');
  const front = confEnvForRole(conf, 'front');
  assert.equal(back, 'node.alias="a;b";;log.level=warn;nosuch.key=1;node.color=zz');
  assert.equal(front, ';front.max-connections=0;log.level=warn;nosuch.key=1;');
  // What is left is still checked, and every problem keeps its entry number.
  const pb = problems({ role: 'back', fileText: BACK_TLS, env: { LNFLEET_CONF: back } });
  assert.deepEqual(pb.map((p) => [p.code, p.key, p.source]), [
    ['CONFIG_UNKNOWN_KEY', 'nosuch.key', { kind: 'LNFLEET_CONF', entry: 4 }],
    ['CONFIG_INVALID_VALUE', 'node.color', { kind: 'LNFLEET_CONF', entry: 5 }],
  ]);
  const pf = problems({ role: 'front', fileText: FRONT_TLS, env: { LNFLEET_CONF: front } });
  assert.deepEqual(pf.map((p) => [p.code, p.key, p.source]), [
    ['CONFIG_UNKNOWN_KEY', 'nosuch.key', { kind: 'LNFLEET_CONF', entry: 4 }],
    ['CONFIG_INVALID_VALUE', 'front.max-connections', { kind: 'LNFLEET_CONF', entry: 2 }],
  ]);
  const ok = parseConfig({ role: 'back', fileText: BACK_TLS, env: { LNFLEET_CONF: confEnvForRole('node.alias="a;b";front.max-connections=500', 'back') } });
  assert.equal(ok.values['node.alias'], 'a;b');
});

test('precedence: default < file < LNFLEET_CONF < specific env vars', () => {
  const fileText = FRONT_TLS + 'cluster.backend-address = 10.0.0.1\ncluster.port = 1000\nlog.level = debug\n';
  const env = { LNFLEET_CONF: 'cluster.backend-address=10.0.0.2;cluster.port=2000', BACKEND_IP: '10.0.0.3', LOCAL_IP: '10.0.0.50' };
  const c = parseConfig({ role: 'front', fileText, fileName: 'front.conf', env });
  assert.equal(c.values['cluster.backend-address'], '10.0.0.3');
  assert.deepEqual(c.sources['cluster.backend-address'], { kind: 'env', name: 'BACKEND_IP' });
  assert.equal(c.values['cluster.port'], 2000);
  assert.equal(c.values['log.level'], 'debug');
  assert.equal(c.values['cluster.local-address'], '10.0.0.50');
  assert.equal(c.values['metrics.enabled'], true);
  // An empty env var counts as unset: LNFLEET_CONF wins then.
  const c2 = parseConfig({ role: 'front', fileText, env: { ...env, BACKEND_IP: '' } });
  assert.equal(c2.values['cluster.backend-address'], '10.0.0.2');
});

test('env: NODE_PUB_KEY validated; AKKA_TLS_PASSWORD alias; conflicting aliases refused without values', () => {
  const p = one({ role: 'front', fileText: FRONT_TLS, env: { NODE_PUB_KEY: '04abcd' } });
  assert.equal(p.key, 'node.pub-key');
  assert.deepEqual(p.source, { kind: 'env', name: 'NODE_PUB_KEY' });
  const shared = 'cluster.tls.mode = shared\ncluster.tls.cert = /s.crt\ncluster.tls.key = /s.key\n';
  const c = parseConfig({ role: 'back', fileText: shared, env: { AKKA_TLS_PASSWORD: SECRET } });
  assert.equal(c.values['cluster.tls.password'], SECRET);
  assert.deepEqual(c.sources['cluster.tls.password'], { kind: 'env', name: 'AKKA_TLS_PASSWORD' });
  const c2 = parseConfig({ role: 'back', fileText: shared, env: { AKKA_TLS_PASSWORD: SECRET, CLUSTER_TLS_PASSWORD: SECRET } });
  assert.deepEqual(c2.sources['cluster.tls.password'], { kind: 'env', name: 'CLUSTER_TLS_PASSWORD' });
  const ps = problems({ role: 'back', fileText: shared, env: { AKKA_TLS_PASSWORD: 'other-one', CLUSTER_TLS_PASSWORD: SECRET } });
  assert.equal(ps[0]!.code, 'CONFIG_CONFLICT');
  const msg = new ConfigError([ps[0]!]).message;
  assert.ok(!msg.includes(SECRET) && !msg.includes('other-one'));
  assert.match(msg, /env AKKA_TLS_PASSWORD/);
});

test('env vars for keys the role does not use are ignored; the same key in a file is an error', () => {
  const c = parseConfig({ role: 'back', fileText: BACK_TLS, env: { BACKEND_IP: '10.0.0.2' } });
  assert.equal(c.values['cluster.backend-address'], undefined);
  const p = one({ role: 'back', fileText: BACK_TLS + 'front.listen = 0.0.0.0:9735\n', fileName: 'back.conf', env: {} });
  assert.equal(p.code, 'CONFIG_WRONG_ROLE');
  assert.deepEqual(p.source, { kind: 'file', file: 'back.conf', line: 4 });
});

test('every invalid value names key and source; secrets are not echoed', () => {
  const rows: [string, string][] = [
    ['cluster.port = 99999', 'cluster.port'], ['front.remote-addr = maybe', 'front.remote-addr'],
    ['chain = mainnet', 'chain'], ['front.listen = 9735', 'front.listen'], ['network.subnet = 10.0.0.0/40', 'network.subnet'],
    ['cluster.heartbeat-ms = 5 seconds', 'cluster.heartbeat-ms'], ['node.pub-key = 02xx', 'node.pub-key'],
    ['cluster.backend-address = not a host', 'cluster.backend-address'], ['front.max-connections = 0', 'front.max-connections'],
    ['board.health.max-load = lots', 'board.health.max-load'], ['front.id = Front_A', 'front.id'],
    ['cluster.local-address = 10.0.0', 'cluster.local-address'], ['network.admin-addresses = 10.0.0.0/8, x', 'network.admin-addresses'],
    ['metrics.listen = ', 'metrics.listen'],
  ];
  for (const [line, key] of rows) {
    const p = one({ role: 'front', fileText: FRONT_TLS + line + '\n', fileName: 'f.conf', env: {} });
    assert.equal(p.code, 'CONFIG_INVALID_VALUE', line);
    assert.equal(p.key, key);
    assert.deepEqual(p.source, { kind: 'file', file: 'f.conf', line: 5 });
  }
  const url = one({ role: 'back', fileText: BACK_TLS + `chain.source = bitcoind\nbitcoind.rpc-url = http://u:${SECRET}@h:8332\n`, env: {} });
  assert.equal(url.key, 'bitcoind.rpc-url');
  assert.ok(!url.detail.includes(SECRET));
  const sec = one({ role: 'back', fileText: BACK_TLS, env: { BITCOIND_RPC_PASSWORD: SECRET, LNFLEET_CONF: `api.password=${SECRET}\u0000` } });
  assert.equal(sec.key, 'api.password');
  assert.ok(!new ConfigError([sec]).message.includes(SECRET));
});

test('unknown keys are errors with a suggestion; duplicates are errors', () => {
  const cases: [string, string][] = [
    ['cluster.prot', 'cluster.port'], ['Cluster.Port', 'cluster.port'], ['cluster_heartbeat_ms', 'cluster.heartbeat-ms'],
    ['heartbeat-ms', 'cluster.heartbeat-ms'], ['BACKEND_IP', 'cluster.backend-address'],
  ];
  for (const [given, want] of cases) {
    const p = one({ role: 'front', fileText: FRONT_TLS + `${given} = 1\n`, env: {} });
    assert.equal(p.code, 'CONFIG_UNKNOWN_KEY');
    assert.equal(p.key, given);
    assert.match(p.detail, new RegExp(`did you mean ${want.replace(/\./g, '\\.')}`));
  }
  assert.doesNotMatch(one({ role: 'front', fileText: FRONT_TLS + 'zzzzzzzz = 1\n', env: {} }).detail, /did you mean/);
  const priv = one({ role: 'back', fileText: BACK_TLS, env: { LNFLEET_CONF: `node.priv-key=${SECRET}` } });
  assert.match(priv.detail, /NODE_PRIV_KEY/);
  assert.ok(!priv.detail.includes(SECRET));
  const dup = one({ role: 'front', fileText: FRONT_TLS + 'log.level = info\nlog.level = debug\n', env: {} });
  assert.equal(dup.code, 'CONFIG_DUPLICATE_KEY');
  assert.match(dup.detail, /line 5/);
});

test('cross-key rules name the key to fix', () => {
  const code = (input: ResolveInput) => problems(input).map((p) => `${p.code} ${p.key}`);
  assert.deepEqual(code({ role: 'back', env: {} }), ['CONFIG_MISSING cluster.tls.ca', 'CONFIG_MISSING cluster.tls.cert', 'CONFIG_MISSING cluster.tls.key']);
  assert.deepEqual(code({ role: 'back', fileText: BACK_TLS + 'chain.source = bitcoind\n', env: {} }),
    ['CONFIG_MISSING bitcoind.rpc-url', 'CONFIG_MISSING bitcoind.rpc-cookie-file']);
  assert.deepEqual(code({ role: 'dev', env: { LNFLEET_CONF: 'chain=bitcoin' } }), ['CONFIG_CONFLICT chain']);
  assert.deepEqual(code({ role: 'dev', env: { LNFLEET_CONF: 'cluster.peer-timeout-ms=1500' } }), ['CONFIG_CONFLICT cluster.peer-timeout-ms']);
  assert.deepEqual(code({ role: 'front', fileText: 'cluster.tls.mode = shared\ncluster.tls.cert=/a\ncluster.tls.key=/b\ncluster.tls.ca=/c\n', env: {} }),
    ['CONFIG_MISSING cluster.tls.password', 'CONFIG_CONFLICT cluster.tls.ca']);
  assert.deepEqual(code({ role: 'front', fileText: FRONT_TLS + 'front.key-provider = file\n', env: {} }),
    ['CONFIG_MISSING node.pub-key', 'CONFIG_MISSING front.key-file']);
  assert.deepEqual(code({ role: 'front', fileText: FRONT_TLS + 'cluster.mdns = false\n', env: {} }), ['CONFIG_MISSING cluster.backend-address']);
  assert.deepEqual(code({ role: 'front', fileText: FRONT_TLS + 'board.gpio.led-ok = 17\nboard.gpio.status-pin = 17\n', env: {} }), ['CONFIG_CONFLICT board.gpio.status-pin']);
});

test('describeConfig redacts secrets and shows sources', () => {
  const env = { BITCOIND_RPC_PASSWORD: SECRET, LNFLEET_CONF: `api.password="${SECRET}x"` };
  const c = parseConfig({ role: 'back', fileText: BACK_TLS + 'chain.source = bitcoind\nbitcoind.rpc-url = http://127.0.0.1:8332\nbitcoind.rpc-user = lnfleet\n', fileName: 'back.conf', env });
  const dump = describeConfig(c);
  assert.ok(!dump.includes(SECRET));
  assert.match(dump, new RegExp(`bitcoind\\.rpc-password = ${REDACTED.replace(/[<>]/g, '.')} +# env BITCOIND_RPC_PASSWORD`));
  assert.match(dump, /api\.password = <redacted> +# LNFLEET_CONF entry 1/);
  assert.match(dump, /bitcoind\.rpc-user = lnfleet +# back\.conf:6/);
  assert.match(dump, /cluster\.port = 25520 +# default/);
  assert.doesNotMatch(dump, /front\.listen/, 'only the role\'s keys are listed');
  assert.ok(!JSON.stringify(c.sources).includes(SECRET));
});
