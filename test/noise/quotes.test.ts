/**
 * STYLE rule 1: every `BOLT #8: <verbatim>` quote in src/noise and src/crypto must appear in the BOLT 8
 * text at the pinned commit (test/noise/08-transport.md, commit a3772650d8eb…, same as the vectors).
 * A quote runs from `BOLT #8:` over the following comment lines until an empty comment line or code;
 * whitespace is collapsed before matching.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { bolt8Spec } from './helpers.js';

const norm = (s: string): string => s.replace(/\s+/g, ' ').trim();
const COMMENT = /^\s*(?:\/\/|\*)\s?(.*)$/;

/** All quotes in one source text, with their line numbers. */
function extractQuotes(src: string): { line: number; text: string }[] {
  const lines = src.split('\n');
  const out: { line: number; text: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(?:\/\/|\*)\s*BOLT #8: (.*)$/.exec(lines[i]!);
    if (!m) continue;
    const parts = [m[1]!];
    for (let j = i + 1; j < lines.length; j++) {
      const c = COMMENT.exec(lines[j]!);
      if (!c || c[1]!.trim() === '' || c[1]!.trim() === '/' || /BOLT #8:/.test(c[1]!)) break;
      parts.push(c[1]!);
    }
    out.push({ line: i + 1, text: norm(parts.join(' ')) });
  }
  return out;
}

test('every BOLT #8 quote in src/noise and src/crypto is verbatim from the pinned spec', () => {
  const spec = norm(bolt8Spec());
  let count = 0;
  for (const dir of ['src/noise', 'src/crypto']) {
    const url = new URL(`../../../${dir}/`, import.meta.url);
    for (const f of readdirSync(url).filter((n) => n.endsWith('.ts'))) {
      for (const q of extractQuotes(readFileSync(new URL(f, url), 'utf8'))) {
        count++;
        assert.ok(spec.includes(q.text), `${dir}/${f}:${q.line} is not in BOLT 8: "${q.text}"`);
      }
    }
  }
  assert.ok(count >= 25, `expected the BOLT 8 requirements to be quoted, found only ${count} quotes`);
});

test('the spec copy is the pinned BOLT 8 text', () => {
  const spec = bolt8Spec();
  assert.match(spec, /^# BOLT #8: Encrypted and Authenticated Transport/);
  assert.ok(spec.includes('Noise_XK_secp256k1_ChaChaPoly_SHA256'));
});
