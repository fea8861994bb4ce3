/**
 * STYLE rule 1: every `BOLT #N: <verbatim>` quote in src/ must be the spec's own words at the pinned
 * commit (the same commit as test/vectors/bolt). A quote runs from `BOLT #N:` over the following comment
 * lines until an empty comment line, code, or the next quote; whitespace is collapsed before matching.
 *
 * The spec itself is not in this repository: test/spec/quote-index.json holds hashes of every run of
 * three consecutive words of each BOLT (built by scripts/spec-quote-index.mjs), and a quote matches when
 * all of its word trigrams are there. The last test proves the check can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';

interface Index {
  commit: string;
  hashBytes: number;
  bolts: Record<string, { file: string; trigrams: string }>;
}
const root = new URL('../../../', import.meta.url);
const index = JSON.parse(readFileSync(new URL('test/spec/quote-index.json', root), 'utf8')) as Index;
const sets = new Map<string, Set<string>>(
  Object.entries(index.bolts).map(([n, b]) => {
    const raw = Buffer.from(b.trigrams, 'base64');
    const s = new Set<string>();
    for (let i = 0; i < raw.length; i += index.hashBytes) s.add(raw.subarray(i, i + index.hashBytes).toString('hex'));
    return [n, s];
  }),
);

const words = (s: string): string[] => s.replace(/\s+/g, ' ').trim().split(' ').filter((w) => w !== '');
const trigramHash = (w: string[]): string => createHash('sha256').update(w.join(' ')).digest().subarray(0, index.hashBytes).toString('hex');

/** The word trigrams of `quote` missing from BOLT `bolt` (empty = verbatim). */
function missing(bolt: string, quote: string): string[] {
  const set = sets.get(bolt);
  if (!set) return [`(no BOLT #${bolt} in the index)`];
  const w = words(quote);
  const out: string[] = [];
  for (let i = 0; i + 3 <= w.length; i++) if (!set.has(trigramHash(w.slice(i, i + 3)))) out.push(w.slice(i, i + 3).join(' '));
  return out;
}

const QUOTE = /^\s*(?:\/\/|\*)\s*BOLT #(\d+): (.*)$/;
const COMMENT = /^\s*(?:\/\/|\*)(?!\/)\s?(.*)$/;

/** Every quote in one source text. */
function extractQuotes(src: string): { line: number; bolt: string; text: string }[] {
  const lines = src.split('\n');
  const out: { line: number; bolt: string; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = QUOTE.exec(lines[i]!);
    if (!m) continue;
    const parts = [m[2]!];
    for (let j = i + 1; j < lines.length; j++) {
      const c = COMMENT.exec(lines[j]!);
      if (!c || c[1]!.trim() === '' || QUOTE.test(lines[j]!)) break;
      parts.push(c[1]!);
    }
    out.push({ line: i + 1, bolt: m[1]!, text: parts.join(' ') });
  }
  return out;
}

function sources(dir: URL): URL[] {
  return readdirSync(dir).flatMap((n) => {
    const u = new URL(n, dir);
    if (statSync(u).isDirectory()) return sources(new URL(`${n}/`, dir));
    return n.endsWith('.ts') ? [u] : [];
  });
}

const all = sources(new URL('src/', root)).flatMap((u) =>
  extractQuotes(readFileSync(u, 'utf8')).map((q) => ({ ...q, file: u.pathname.slice(root.pathname.length) })),
);

test('every BOLT quote in src/ is verbatim from the pinned spec', () => {
  const bad = all.filter((q) => words(q.text).length < 3 || missing(q.bolt, q.text).length > 0);
  const report = bad.map((q) => `${q.file}:${q.line} BOLT #${q.bolt}: "${q.text}" — not in the spec: ${missing(q.bolt, q.text).slice(0, 3).join(' | ')}`);
  assert.deepEqual(report, []);
});

test('the implemented BOLTs are quoted where they are implemented', () => {
  const byBolt = (n: string, dir: string): number => all.filter((q) => q.bolt === n && q.file.startsWith(dir)).length;
  assert.ok(byBolt('8', 'src/noise') >= 20, `src/noise quotes BOLT #8 only ${byBolt('8', 'src/noise')} times`);
  assert.ok(byBolt('1', 'src/wire') + byBolt('7', 'src/wire') >= 20, 'src/wire quotes BOLT #1/#7 too rarely');
});

test('the check catches a paraphrase: changing one word breaks every quote, dropping one almost every quote', () => {
  const long = all.filter((q) => words(q.text).length >= 6);
  assert.ok(long.length >= 20, `only ${long.length} quotes of six words or more`);
  let droppedUnnoticed = 0;
  for (const q of long) {
    const w = words(q.text);
    const mid = w.length >> 1;
    const changed = [...w.slice(0, mid), `${w[mid]}x`, ...w.slice(mid + 1)].join(' ');
    assert.ok(missing(q.bolt, changed).length > 0, `${q.file}:${q.line}: a changed word went unnoticed`);
    // A dropped word can still leave spec words where the spec repeats a phrase ("the the" cases).
    if (missing(q.bolt, [...w.slice(0, mid), ...w.slice(mid + 1)].join(' ')).length === 0) droppedUnnoticed++;
  }
  assert.ok(droppedUnnoticed * 20 <= long.length, `${droppedUnnoticed} of ${long.length} quotes survive a dropped word`);
});
