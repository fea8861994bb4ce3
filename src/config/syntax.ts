/**
 * @module config/syntax
 * The text syntax shared by config files and `LNFLEET_CONF`: `key = value` assignments.
 *
 * Files: one assignment per line; blank lines and lines whose first non-blank character is `#` are
 * ignored. There are no trailing comments, because values such as `node.color = #3399ff` contain `#`.
 * Values may be quoted: `"…"` understands `\"` and `\\`; `'…'` is literal. Unquoted values are trimmed.
 * `LNFLEET_CONF` holds the same assignments separated by `;` (or newlines), outside quotes, as eclair's
 * `AKKA_CONF` does: `cluster.port=25521;log.level=debug`.
 *
 * Problems name the file and line (or the LNFLEET_CONF entry) but never echo the line's text, which
 * might hold a password. Does not: know the schema (see `config/resolve`).
 */
import type { ConfigProblem, ConfigSource } from './errors.js';

/** One `key = value` with the raw (unquoted) value and where it was written. */
export interface Assignment {
  readonly key: string;
  readonly raw: string;
  readonly source: ConfigSource;
}

/** All assignments of one source plus the syntax problems found. */
export interface SyntaxResult {
  readonly assignments: readonly Assignment[];
  readonly problems: readonly ConfigProblem[];
}

/** Key characters: dotted lowercase words with dashes; upper case is accepted here so the resolver can suggest. */
const KEY_RE = /^[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*$/;

const syntaxProblem = (source: ConfigSource, detail: string): ConfigProblem => ({ code: 'CONFIG_SYNTAX', source, detail });

/** Removes the quotes of `v` if quoted; returns a problem text if the quoting is broken. */
function unquote(v: string): { ok: true; value: string } | { ok: false; problem: string } {
  const q = v[0];
  if (q !== '"' && q !== "'") return { ok: true, value: v };
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i]!;
    if (c === q) {
      if (v.slice(i + 1).trim() !== '') return { ok: false, problem: 'unexpected text after the closing quote (comments must be on their own line)' };
      return { ok: true, value: out };
    }
    if (q === '"' && c === '\\') {
      const n = v[i + 1];
      if (n !== '"' && n !== '\\') return { ok: false, problem: 'only \\" and \\\\ escapes are allowed inside double quotes' };
      out += n;
      i++;
    } else {
      out += c;
    }
  }
  return { ok: false, problem: `unterminated ${q === '"' ? 'double' : 'single'} quote` };
}

/** Parses one `key = value` text. */
function parseAssignment(text: string, source: ConfigSource): Assignment | ConfigProblem {
  const eq = text.indexOf('=');
  if (eq === -1) return syntaxProblem(source, 'expected `key = value`');
  const key = text.slice(0, eq).trim();
  if (key === '') return syntaxProblem(source, 'missing key before `=`');
  if (!KEY_RE.test(key)) return syntaxProblem(source, 'the key may only contain letters, digits, `.`, `-` and `_`');
  const v = unquote(text.slice(eq + 1).trim());
  if (!v.ok) return { code: 'CONFIG_SYNTAX', key, source, detail: v.problem };
  return { key, raw: v.value, source };
}

function collect(items: readonly { text: string; source: ConfigSource }[]): SyntaxResult {
  const assignments: Assignment[] = [];
  const problems: ConfigProblem[] = [];
  for (const { text, source } of items) {
    const r = parseAssignment(text, source);
    if ('raw' in r) assignments.push(r);
    else problems.push(r);
  }
  return { assignments, problems };
}

/** Parses the text of a config file; `file` is only used to name sources in messages. */
export function parseConfigText(text: string, file: string): SyntaxResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const items = lines.flatMap((line, i) => {
    const trimmed = line.trim();
    return trimmed === '' || trimmed.startsWith('#') ? [] : [{ text: trimmed, source: { kind: 'file', file, line: i + 1 } as const }];
  });
  return collect(items);
}

/** Splits `s` on `;` and newlines that are outside quotes (the entries of `LNFLEET_CONF`). */
export function splitEntries(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote !== undefined) {
      if (quote === '"' && c === '\\' && i + 1 < s.length) {
        cur += c + s[++i]!;
        continue;
      }
      if (c === quote) quote = undefined;
      cur += c;
    } else if (c === ';' || c === '\n') {
      out.push(cur);
      cur = '';
    } else {
      // A quote opens only at the start of a value (right after `=` and blanks).
      if ((c === '"' || c === "'") && /=\s*$/.test(cur)) quote = c;
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/** Parses the value of the `LNFLEET_CONF` env var. Empty entries (e.g. a trailing `;`) are skipped. */
export function parseConfEnv(value: string): SyntaxResult {
  const items = splitEntries(value).flatMap((text, i) =>
    text.trim() === '' ? [] : [{ text: text.trim(), source: { kind: 'LNFLEET_CONF', entry: i + 1 } as const }],
  );
  return collect(items);
}
