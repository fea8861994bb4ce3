/**
 * Shared helpers of the deploy tests (not a test file): sample inputs, golden-file comparison, and a
 * runner for the real consumer tools (nft, keepalived, tor, systemd-analyze) in check-only modes.
 *
 * Golden files live in `test/deploy/golden/` (and `systemd/` for the units) and are located from the
 * compiled file (`dist/test/deploy/*.js`) with `new URL('../../../…', import.meta.url)`. Run the tests
 * with `UPDATE_GOLDEN=1` to rewrite them after an intended change, then review the diff.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '../../src/deploy/constants.js';
import type { KeepalivedInput, NftablesInput, TorrcInput } from '../../src/deploy/types.js';

/** The sample fleet: three fronts on a documentation prefix, the VIP .10 among them. */
export const FRONTS = [
  { name: 'front-a', address: '203.0.113.11', priority: 150 },
  { name: 'front-b', address: '203.0.113.12', priority: 140 },
  { name: 'front-c', address: '203.0.113.13', priority: 130 },
] as const;
export const SUBNET = '203.0.113.0/24';
export const VIP = '203.0.113.10';
export const ADMINS = ['198.51.100.7', '192.0.2.0/28', '2001:db8:1::/64'] as const;

export const NFT_BACK: NftablesInput = { role: 'back', subnet: SUBNET, fronts: FRONTS, admins: ADMINS, ports: DEFAULT_PORTS };
export const NFT_FRONT: NftablesInput = { ...NFT_BACK, role: 'front' };
export const KEEPALIVED_A: KeepalivedInput = {
  self: 'front-a', fronts: FRONTS, vip: VIP, subnet: SUBNET, interface: 'eth0', ports: DEFAULT_PORTS,
};
export const KEEPALIVED_B_UNICAST: KeepalivedInput = { ...KEEPALIVED_A, self: 'front-b', unicast: true, advertInt: 0.1 };
export const TORRC: TorrcInput = {
  hiddenServiceDir: '/var/lib/tor/lnfleet',
  targets: ['203.0.113.11:9735', '203.0.113.12', '[2001:db8:2::13]:9735'],
};

const GOLDEN_BASE = new URL('../../../test/deploy/golden/', import.meta.url);
const SYSTEMD_BASE = new URL('../../../systemd/', import.meta.url);

/** URL of a golden file in `test/deploy/golden/`. */
export const goldenUrl = (name: string): URL => new URL(name, GOLDEN_BASE);
/** URL of a unit file in the repo's `systemd/` directory (the units' golden files). */
export const systemdUrl = (name: string): URL => new URL(name, SYSTEMD_BASE);

/** Compares `actual` with the golden file exactly, or rewrites it when `UPDATE_GOLDEN=1`. */
export function assertGolden(url: URL, actual: string): void {
  const path = fileURLToPath(url);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${path} differs; if intended, rerun with UPDATE_GOLDEN=1 and review the diff`);
}

/** Path of `bin` if it is on a standard PATH directory, else undefined. */
export function findTool(bin: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin']) {
    if (existsSync(join(dir, bin))) return join(dir, bin);
  }
  return undefined;
}

/** Upper bound for one tool run, in ms: they finish in well under a second; this only stops a hang. */
export const TOOL_TIMEOUT_MS = 30_000;

/** Runs a tool synchronously with a hard timeout and no shell. */
export function runTool(bin: string, args: readonly string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(bin, args, { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS, cwd, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' } });
}

/** Creates a temp dir, passes it to `fn`, removes it afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-deploy-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when running as root (nft -c needs CAP_NET_ADMIN to talk netlink, even in check mode). */
export const isRoot = (): boolean => process.getuid?.() === 0;

/** Asserts `fn` throws an error with this `code` (and `field`, when given). */
export function assertCode(fn: () => unknown, code: string, field?: string): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as { code?: unknown; field?: unknown; message?: unknown };
    assert.equal(err.code, code, `wrong code; message: ${String(err.message)}`);
    if (field !== undefined) assert.equal(err.field, field, `wrong field; message: ${String(err.message)}`);
    return true;
  });
}

/** Async variant of `withTempDir`: removes the dir only after `fn`'s promise settles. */
export async function withTempDirAsync<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'lnfleet-deploy-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
