// The schema table itself: every default is valid for its type, docs exist, env names are unique.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_KEYS, ROLES, SCHEMA, defaultFor, specOf, describeSchemaMarkdown } from '../../src/config/index.js';
import { parseValue } from '../../src/config/types.js';

test('every default (including per-role defaults) parses as its type', () => {
  for (const key of CONFIG_KEYS) {
    for (const role of ROLES) {
      const d = defaultFor(key, role);
      if (d === null || d === '') continue;
      const r = parseValue(specOf(key).type, d);
      assert.ok(r.ok, `${key} default for ${role}: ${r.ok ? '' : r.problem}`);
    }
  }
});

test('every key has a doc line, at least one role, and secrets have no default', () => {
  for (const key of CONFIG_KEYS) {
    const s = specOf(key);
    assert.ok(s.doc.length > 10 && !s.doc.includes('\n'), key);
    assert.ok(s.roles.length > 0, key);
    assert.match(key, /^[a-z0-9-]+(\.[a-z0-9-]+)*$/);
    if (s.secret === true) assert.equal(s.default, null, `${key} is secret and must not have a default`);
  }
});

test('env aliases are unique across keys and the required ones exist', () => {
  const seen = new Map<string, string>();
  for (const key of CONFIG_KEYS) for (const e of specOf(key).env ?? []) {
    assert.equal(seen.get(e), undefined, `${e} used twice`);
    seen.set(e, key);
  }
  assert.equal(seen.get('BACKEND_IP'), 'cluster.backend-address');
  assert.equal(seen.get('LOCAL_IP'), 'cluster.local-address');
  assert.equal(seen.get('NODE_PUB_KEY'), 'node.pub-key');
  assert.equal(seen.get('CLUSTER_TLS_PASSWORD'), 'cluster.tls.password');
  assert.equal(seen.get('AKKA_TLS_PASSWORD'), 'cluster.tls.password');
  assert.equal(seen.has('NODE_PRIV_KEY'), false, 'NODE_PRIV_KEY is a secret source, not config');
});

test('brief defaults: cluster.port 25520, heartbeat 1000, timeout 2500 (a dead end noticed within 3 s), sync 5, listen addresses', () => {
  assert.equal(SCHEMA['cluster.port'].default, '25520');
  assert.equal(SCHEMA['cluster.heartbeat-ms'].default, '1000');
  assert.equal(SCHEMA['cluster.peer-timeout-ms'].default, '2500');
  assert.equal(SCHEMA['sync.peer-limit'].default, '5');
  assert.equal(SCHEMA['front.listen'].default, '0.0.0.0:9735');
  assert.equal(SCHEMA['api.listen'].default, '127.0.0.1:8080');
  assert.equal(SCHEMA['node.aws-secret-name'].default, 'node-priv-key');
  assert.ok(SCHEMA['metrics.listen'].default.endsWith(':9095'));
});

test('describeSchemaMarkdown has one row per key', () => {
  const md = describeSchemaMarkdown();
  for (const key of CONFIG_KEYS) assert.ok(md.includes(`| \`${key}\` |`), key);
  assert.ok(md.includes('`CLUSTER_TLS_PASSWORD`, `AKKA_TLS_PASSWORD`'));
});
