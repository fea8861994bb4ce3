/**
 * Shared helpers of the provisioning tests (not a test file): a provision command with a fixed clock,
 * temporary directories, a provisioned sample fleet, golden-file comparison and a fake-root snapshot.
 *
 * Golden files live in `test/provision/golden/`; `UPDATE_GOLDEN=1` rewrites them (review the diff).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeProvisionCommand } from '../../src/cli/provision.js';

/** The fixed clock of every provisioning test (certificates, manifests and markers carry it). */
export const NOW = new Date('2025-06-01T12:00:00.000Z');
/** A node id for aws-sm fleets (any valid compressed key; the test never needs its private key). */
export const NODE_ID = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

const cmd = makeProvisionCommand({ env: () => ({}), now: () => NOW });

/** Runs `lnfleet provision ARGS` in-process. */
export async function provision(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A temporary directory removed after the test. */
export function tmp(t: { after(fn: () => void): void }, prefix = 'lnfleet-prov-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** `init` of the sample fleet (aws-sm with a pinned node id, so every generated text is deterministic). */
export async function initSample(dir: string, extra: string[] = []): Promise<void> {
  const r = await provision('init', '--dir', dir, '--vip', '192.0.2.10', '--subnet', '192.0.2.0/24', '--admins', '198.51.100.7,192.0.2.0/28',
    '--aws-secret', 'lnfleet/node-key', '--aws-region', 'eu-west-1', '--node-id', NODE_ID, ...extra);
  assert.equal(r.code, 0, r.err);
}

/** Every file under `dir` with its content (to prove a failed command changed nothing). */
export function treeState(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  if (!existsSync(dir)) return m;
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isSymbolicLink()) m.set(p, `-> ${readlinkSync(p)}`);
      else m.set(p, `${(st.mode & 0o7777).toString(8)} ${readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir);
  return m;
}

/** `mode owner` of `p` (mode as 4 octal digits). */
export const modeOf = (p: string): string => (lstatSync(p).mode & 0o7777).toString(8).padStart(4, '0');

/**
 * A text snapshot of a fake root: one block per entry, sorted by path, with mode, owner (from
 * `owners`, as recorded by the injected chown) and content. Contents listed in `hashed` (map of
 * sha256 → label) appear as `<label>` instead: certificates and keys are random in each run, and a
 * snapshot must never hold key material anyway.
 */
export function snapshotRoot(root: string, owners: ReadonlyMap<string, string>, hashed: ReadonlyMap<string, string>, replace: ReadonlyMap<string, string>): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const rel = p.slice(root.length);
      const st = lstatSync(p);
      const owner = owners.get(p) ?? '-';
      if (st.isSymbolicLink()) out.push(`${rel} -> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${modeOf(p)} ${owner}`);
        walk(p);
      } else {
        const data = readFileSync(p);
        const label = hashed.get(createHash('sha256').update(data).digest('hex'));
        let text = label !== undefined ? `<${label}>` : data.toString('utf8');
        for (const [from, to] of replace) text = text.split(from).join(to);
        out.push(`${rel} ${modeOf(p)} ${owner}`, ...text.replace(/\n$/, '').split('\n').map((l) => `  | ${l}`));
      }
    }
  };
  walk(root);
  return out.join('\n') + '\n';
}

const GOLDEN = new URL('../../../test/provision/golden/', import.meta.url);

/** Compares with `test/provision/golden/NAME`, or rewrites it when `UPDATE_GOLDEN=1`. */
export function assertGolden(name: string, actual: string): void {
  const path = fileURLToPath(new URL(name, GOLDEN));
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(fileURLToPath(GOLDEN), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${path} differs; if intended, rerun with UPDATE_GOLDEN=1 and review the diff`);
}
