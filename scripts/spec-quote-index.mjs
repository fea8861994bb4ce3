// Builds test/spec/quote-index.json: a one-way index of the BOLT texts at the pinned commit, so tests
// can check that every `BOLT #N: <quote>` in src/ is verbatim without the repository carrying the spec.
//
// The index holds, per BOLT, the sorted first 6 bytes of SHA-256 of every run of three consecutive words
// (whitespace collapsed). A quote matches when each of its word trigrams is in its BOLT's set: a
// paraphrase, a typo or a dropped word breaks at least one trigram.
//
// usage: node scripts/spec-quote-index.mjs DIR_WITH_BOLT_MARKDOWN COMMIT
//   DIR holds 01-messaging.md … 09-features.md exported from github.com/lightning/bolts at COMMIT.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, commit] = process.argv.slice(2);
if (!dir || !commit) {
  console.error('usage: node scripts/spec-quote-index.mjs DIR COMMIT');
  process.exit(2);
}
const words = (s) => s.replace(/\s+/g, ' ').trim().split(' ');
const bolts = {};
for (const f of readdirSync(dir).filter((n) => /^\d\d-.*\.md$/.test(n)).sort()) {
  const w = words(readFileSync(join(dir, f), 'utf8'));
  const set = new Set();
  for (let i = 0; i + 3 <= w.length; i++) {
    set.add(createHash('sha256').update(w.slice(i, i + 3).join(' ')).digest().subarray(0, 6).toString('hex'));
  }
  const sorted = [...set].sort();
  bolts[String(Number(f.slice(0, 2)))] = { file: f, words: w.length, trigrams: Buffer.from(sorted.join(''), 'hex').toString('base64') };
}
const out = new URL('../test/spec/quote-index.json', import.meta.url);
writeFileSync(out, JSON.stringify({ source: 'github.com/lightning/bolts', commit, hashBytes: 6, bolts }, null, 1) + '\n');
console.log(`wrote ${out.pathname}: ${Object.keys(bolts).length} BOLTs`);
