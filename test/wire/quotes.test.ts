// STYLE rule 1: every `// BOLT #N: <text>` comment in src/wire must be verbatim spec text at the pinned
// commit (test/wire/bolts, whitespace-normalised). A quote runs until a bare `//` line or code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readRepoText, REPO_ROOT } from '../helpers/vectors.js';

const SPEC: Record<string, string> = {
  '1': '01-messaging.md',
  '2': '02-peer-protocol.md',
  '7': '07-routing-gossip.md',
  '9': '09-features.md',
};
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

function walk(dir: URL): URL[] {
  return readdirSync(dir).flatMap((name) => {
    const u = new URL(name, dir);
    return statSync(u).isDirectory() ? walk(new URL(`${name}/`, dir)) : name.endsWith('.ts') ? [u] : [];
  });
}

interface Quote {
  file: string;
  line: number;
  bolt: string;
  text: string;
}

function extractQuotes(): Quote[] {
  const out: Quote[] = [];
  for (const file of walk(new URL('src/wire/', REPO_ROOT))) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((l, i) => {
      const m = /^\s*\/\/ BOLT #(\d+): (.*)$/.exec(l);
      if (!m) return;
      const parts = [m[2]!];
      for (let j = i + 1; j < lines.length; j++) {
        const c = /^\s*\/\/(.*)$/.exec(lines[j]!);
        if (!c || c[1]!.trim() === '' || /^\s*BOLT #\d+:/.test(c[1]!)) break;
        parts.push(c[1]!);
      }
      out.push({ file: file.pathname.split('/src/wire/')[1]!, line: i + 1, bolt: m[1]!, text: norm(parts.join(' ')) });
    });
  }
  return out;
}

test('every BOLT quote in src/wire is verbatim spec text', () => {
  const quotes = extractQuotes();
  assert.ok(quotes.length >= 30, `found only ${quotes.length} quotes`);
  const specs = Object.fromEntries(Object.entries(SPEC).map(([k, f]) => [k, norm(readRepoText(`test/wire/bolts/${f}`))]));
  const bad = quotes.filter((q) => !specs[q.bolt]?.includes(q.text));
  assert.deepEqual(bad.map((q) => `${q.file}:${q.line} BOLT #${q.bolt}: ${q.text.slice(0, 80)}`), []);
});

test('the quote checker rejects altered text', () => {
  const spec = norm(readRepoText('test/wire/bolts/01-messaging.md'));
  assert.ok(spec.includes('MUST fail to parse the `tlv_stream`.'));
  assert.ok(!spec.includes('MUST fail to parse the `tlv_streams`.'));
});
