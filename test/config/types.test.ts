// Table-driven checks of every value type: accepted texts with their typed values, refused texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseValue, t, type TypeSpec } from '../../src/config/types.js';

const cases: { spec: TypeSpec; good: [string, unknown][]; bad: string[] }[] = [
  { spec: t.string(32), good: [['Zap ⚡', 'Zap ⚡'], ['', '']], bad: ['x'.repeat(33), 'é'.repeat(17), 'a\0b'] },
  { spec: t.name(), good: [['front-a', 'front-a']], bad: ['Front', '-a', 'a-', 'a_b', ''] },
  { spec: t.int(1, 10), good: [['1', 1], ['10', 10]], bad: ['0', '11', '1.5', 'x', '1e3'] },
  { spec: t.decimal(0.1, 64), good: [['2', 2], ['0.5', 0.5]], bad: ['0', 'abc', '1e2', '65'] },
  { spec: t.port(), good: [['9735', 9735], ['1', 1], ['65535', 65535]], bad: ['0', '65536', '-1', 'http'] },
  { spec: t.bool(), good: [['true', true], ['YES', true], ['off', false], ['0', false]], bad: ['maybe', ''] },
  { spec: t.enumOf(['a', 'b']), good: [['a', 'a']], bad: ['A', 'c'] },
  { spec: t.ip(), good: [['10.0.0.1', '10.0.0.1'], ['::1', '::1']], bad: ['10.0.0', 'host'] },
  { spec: t.host(), good: [['backend.local', 'backend.local'], ['10.0.0.1', '10.0.0.1']], bad: ['bad host', 'a..b', '-x.com'] },
  { spec: t.hostport(), good: [['0.0.0.0:9735', { host: '0.0.0.0', port: 9735 }], ['[::1]:80', { host: '::1', port: 80 }], ['n.onion:9735', { host: 'n.onion', port: 9735 }]], bad: ['8080', 'a:0', 'a:99999', '::1:80', '[1.2.3.4]:80'] },
  { spec: t.cidr(), good: [['10.0.0.0/24', '10.0.0.0/24'], ['fd00::/8', 'fd00::/8'], ['10.0.0.5', '10.0.0.5']], bad: ['10.0.0.0/33', 'x/8', '10.0.0.0/8/1'] },
  { spec: t.url('http', 'https'), good: [['http://127.0.0.1:8332', 'http://127.0.0.1:8332']], bad: ['ftp://x', 'nope', 'http://u:p@host:8332'] },
  { spec: t.path(), good: [['/etc/lnfleet/ca.crt', '/etc/lnfleet/ca.crt']], bad: ['a\0b'] },
  { spec: t.durationMs(100, 60_000), good: [['1000', 1000], ['1500ms', 1500], ['2s', 2000], ['1m', 60_000]], bad: ['50', '2h', '1.5s', 'soon'] },
  { spec: t.hexPubkey(), good: [['02' + 'AB'.repeat(32), '02' + 'ab'.repeat(32)]], bad: ['04' + 'ab'.repeat(32), '02' + 'ab'.repeat(31), 'xyz'] },
  { spec: t.color(), good: [['#3399FF', '#3399ff']], bad: ['3399ff', '#39f', '#gggggg'] },
  { spec: t.list(t.cidr()), good: [['', []], ['10.0.0.0/8, 192.168.1.1', ['10.0.0.0/8', '192.168.1.1']]], bad: ['10.0.0.0/8,,', '10.0.0.0/8, nope'] },
];

for (const { spec, good, bad } of cases) {
  test(`type ${spec.kind}: accepts and refuses`, () => {
    for (const [raw, want] of good) {
      const r = parseValue(spec, raw);
      assert.ok(r.ok, `${JSON.stringify(raw)} should parse: ${r.ok ? '' : r.problem}`);
      assert.deepEqual(r.value, want);
    }
    for (const raw of bad) {
      const r = parseValue(spec, raw);
      assert.equal(r.ok, false, `${JSON.stringify(raw)} should be refused`);
      if (!r.ok && raw.length > 3) assert.ok(!r.problem.includes(raw), 'problem text never echoes the value');
    }
  });
}
