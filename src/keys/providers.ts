/**
 * @module keys/providers
 * Where the node key comes from (DESIGN §5): the four providers and the one entry point that every
 * process uses, `loadNodeKey`, which also checks the key against `node.pub-key` / `NODE_PUB_KEY`.
 *
 * | provider | source | used by |
 * |---|---|---|
 * | `seed` (default) | `<data-dir>/node_seed`: 32 random bytes, created on first start with mode 0600; the key is HMAC-SHA256(seed, "lnfleet node key v1") | backend |
 * | `env` | `NODE_PRIV_KEY`: 64 hex characters | backend, front (eclair style) |
 * | `file` | a key file: 64 hex characters (whitespace around them ignored) or 32 raw bytes, mode 0600 | front |
 * | `aws-sm` | AWS Secrets Manager `GetSecretValue` of `node.aws-secret-name`: `SecretString` hex, or `SecretBinary` 32 bytes | backend, front |
 *
 * Files readable by group or others are refused (like ssh does with private keys). Every buffer that
 * held key material is zeroed once the `NodeKey` owns its copy; JavaScript strings (the env var, the
 * AWS `SecretString`) cannot be zeroed, which is why the seed file is the default.
 * Errors name the file, variable or secret name and what to do, never a key, seed or secret.
 *
 * Does not: cache keys, write keys anywhere but the seed file, or log (the caller logs `nodeIdHex`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import { hmacSha256 } from '../crypto/index.js';
import { createNodeKey, KeyError, type KeyProviderName, type NodeKey } from './node-key.js';

/** Name of the seed file inside the data dir. */
export const SEED_FILE_NAME = 'node_seed';
/** Seed length in bytes: 256 bits of entropy, the size of the key it derives. */
export const SEED_BYTES = 32;
/** HMAC-SHA256 label turning the seed into the node key; bump "v1" only with a migration path. */
export const NODE_KEY_LABEL = 'lnfleet node key v1';
/** The env var of the `env` provider (a secret source, never configuration). */
export const NODE_PRIV_KEY_ENV = 'NODE_PRIV_KEY';
/** Largest key file we read, in bytes: 64 hex characters plus generous whitespace; anything bigger is not a key. */
const MAX_KEY_FILE_BYTES = 256;

/** Where to load the node key from. */
export type KeySource =
  | { readonly kind: 'seed'; readonly dataDir: string }
  | { readonly kind: 'env'; readonly env: Readonly<Record<string, string | undefined>> }
  | { readonly kind: 'file'; readonly path: string }
  | {
    readonly kind: 'aws-sm';
    readonly secretName: string;
    readonly region?: string | undefined;
    readonly endpoint?: string | undefined;
    /** SDK attempts per call (default 2: one retry); tests set 1. */
    readonly maxAttempts?: number | undefined;
  };

/** Options of `loadNodeKey`. */
export interface LoadKeyOptions {
  /** Expected node id (hex, from `node.pub-key` / `NODE_PUB_KEY`); a different key is refused. */
  readonly expectedNodeId?: string | undefined;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

/** 64 hex characters → 32 bytes, or `KEY_INVALID` naming `what` (never echoing the text). */
function hexKey(text: string, what: string): Uint8Array {
  if (!HEX64.test(text)) throw new KeyError('KEY_INVALID', `${what} must be exactly 64 hex characters (a 32-byte secp256k1 private key)`);
  const b = Buffer.from(text, 'hex');
  const out = Uint8Array.from(b);
  b.fill(0);
  return out;
}

/** Refuses a file that group or others may read or write (`what` names it in the message). */
function checkPrivateMode(fd: number, path: string, what: string): number {
  const st = fstatSync(fd);
  if (!st.isFile()) throw new KeyError('KEY_INVALID', `${what} ${path} is not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new KeyError('KEY_PERMISSIONS', `${what} ${path} has mode ${mode}; it must be readable by its owner only: chmod 600 ${path}`);
  }
  return st.size;
}

/** Reads at most `max` bytes from an open file into a fresh buffer (the caller zeroes it). */
function readAll(fd: number, max: number): Uint8Array {
  const buf = new Uint8Array(max + 1);
  let n = 0;
  for (;;) {
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0 || n + r > max) {
      n += r;
      break;
    }
    n += r;
  }
  const out = buf.slice(0, n);
  buf.fill(0);
  return out;
}

function ioError(e: unknown, what: string, path: string): KeyError {
  if (e instanceof KeyError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  return new KeyError('KEY_PROVIDER', `cannot read ${what} ${path} (${code})`, { cause: e });
}

/** Creates the seed file (0600, fsynced) and returns the seed; `undefined` if it already exists. */
function createSeed(path: string, dataDir: string): Uint8Array | undefined {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  const seed = new Uint8Array(randomBytes(SEED_BYTES));
  try {
    fchmodSync(fd, 0o600); // the umask can only narrow 0600, but be explicit
    writeSync(fd, seed);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return seed;
}

/** The `seed` provider: reads (or on first start creates) `<dataDir>/node_seed` and derives the key. */
export function seedKey(dataDir: string): NodeKey {
  const path = join(dataDir, SEED_FILE_NAME);
  let seed: Uint8Array | undefined;
  try {
    seed = createSeed(path, dataDir);
    if (seed === undefined) {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      try {
        checkPrivateMode(fd, path, 'node seed file');
        seed = readAll(fd, SEED_BYTES);
      } finally {
        closeSync(fd);
      }
    }
  } catch (e) {
    throw ioError(e, 'node seed file', path);
  }
  if (seed.length !== SEED_BYTES) {
    seed.fill(0);
    throw new KeyError('KEY_INVALID', `node seed file ${path} must hold exactly ${SEED_BYTES} bytes; restore it from your backup`);
  }
  const priv = hmacSha256(seed, new TextEncoder().encode(NODE_KEY_LABEL));
  seed.fill(0);
  // A derived value ≥ n or 0 has probability ~2^-128; createNodeKey refuses it (KEY_INVALID) rather than wrap.
  return createNodeKey(priv, 'seed');
}

/** The `env` provider: `NODE_PRIV_KEY` as 64 hex characters. */
export function envKey(env: Readonly<Record<string, string | undefined>>): NodeKey {
  const text = env[NODE_PRIV_KEY_ENV]?.trim();
  if (text === undefined || text === '') throw new KeyError('KEY_MISSING', `${NODE_PRIV_KEY_ENV} is not set (the env key provider needs it)`);
  return createNodeKey(hexKey(text, NODE_PRIV_KEY_ENV), 'env');
}

/** The `file` provider: 64 hex characters or 32 raw bytes in a file of mode 0600. */
export function fileKey(path: string): NodeKey {
  let raw: Uint8Array;
  try {
    const fd = openSync(path, fsc.O_RDONLY);
    try {
      checkPrivateMode(fd, path, 'node key file');
      raw = readAll(fd, MAX_KEY_FILE_BYTES);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new KeyError('KEY_MISSING', `node key file ${path} does not exist`, { cause: e });
    throw ioError(e, 'node key file', path);
  }
  try {
    if (raw.length === 32) return createNodeKey(raw, 'file');
    const text = Buffer.from(raw).toString('latin1').trim();
    return createNodeKey(hexKey(text, `node key file ${path}`), 'file');
  } finally {
    raw.fill(0);
  }
}

/** The `aws-sm` provider: `GetSecretValue(secretName)`, hex `SecretString` or 32-byte `SecretBinary`. */
export async function awsSecretKey(src: Extract<KeySource, { kind: 'aws-sm' }>): Promise<NodeKey> {
  // Loaded on demand: the SDK is large, and most processes (fronts without a key, seed backends) never need it.
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({
    ...(src.region === undefined ? {} : { region: src.region }),
    ...(src.endpoint === undefined ? {} : { endpoint: src.endpoint }),
    maxAttempts: src.maxAttempts ?? 2,
  });
  let out: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined };
  try {
    out = await client.send(new GetSecretValueCommand({ SecretId: src.secretName }));
  } catch (e) {
    const name = (e as Error).name ?? 'Error';
    throw new KeyError('KEY_PROVIDER', `AWS Secrets Manager GetSecretValue of secret "${src.secretName}" failed (${name}); check node.aws-secret-name, aws.region, aws.endpoint and the AWS credentials`, { cause: e });
  } finally {
    client.destroy();
  }
  if (out.SecretBinary !== undefined && out.SecretBinary.length > 0) {
    const b = Uint8Array.from(out.SecretBinary);
    out.SecretBinary.fill(0);
    if (b.length !== 32) {
      b.fill(0);
      throw new KeyError('KEY_INVALID', `AWS secret "${src.secretName}": SecretBinary must be 32 bytes`);
    }
    return createNodeKey(b, 'aws-sm');
  }
  const text = out.SecretString?.trim();
  if (text === undefined || text === '') throw new KeyError('KEY_MISSING', `AWS secret "${src.secretName}" has no value`);
  return createNodeKey(hexKey(text, `AWS secret "${src.secretName}"`), 'aws-sm');
}

/** Loads the node key from `source` and checks it against `expectedNodeId` if given. */
export async function loadNodeKey(source: KeySource, opts: LoadKeyOptions = {}): Promise<NodeKey> {
  let key: NodeKey;
  switch (source.kind) {
    case 'seed': key = seedKey(source.dataDir); break;
    case 'env': key = envKey(source.env); break;
    case 'file': key = fileKey(source.path); break;
    case 'aws-sm': key = await awsSecretKey(source); break;
  }
  const expected = opts.expectedNodeId?.toLowerCase();
  if (expected !== undefined && expected !== key.nodeIdHex) {
    key.destroy();
    throw new KeyError(
      'KEY_MISMATCH',
      `the node key loaded by the ${source.kind} provider does not match node.pub-key (NODE_PUB_KEY); refusing to start. ` +
        'Check that the provider points at the right key, or unset NODE_PUB_KEY once to see the loaded node id in the start log',
    );
  }
  return key;
}

/**
 * The key source a process of this configuration uses: `node.key-provider` on the backend (and `dev`),
 * `front.key-provider` on a front (`undefined` for `none`: the front asks the backend for ECDH).
 * `env` is where `NODE_PRIV_KEY` is read (default `process.env`).
 */
export function keySourceFromConfig(config: LoadedConfig, env: Readonly<Record<string, string | undefined>> = process.env): KeySource | undefined {
  const v = config.values;
  const aws = (): KeySource => ({ kind: 'aws-sm', secretName: v['node.aws-secret-name'], region: v['aws.region'], endpoint: v['aws.endpoint'] });
  if (config.role === 'front') {
    const p = v['front.key-provider'];
    switch (p) {
      case 'none': return undefined;
      case 'env': return { kind: 'env', env };
      case 'aws-sm': return aws();
      case 'file': {
        const path = v['front.key-file'];
        if (path === undefined) throw new KeyError('KEY_MISSING', 'front.key-file is required when front.key-provider = file');
        return { kind: 'file', path };
      }
    }
  }
  const p = v['node.key-provider'];
  switch (p) {
    case 'seed': return { kind: 'seed', dataDir: v['data-dir'] };
    case 'env': return { kind: 'env', env };
    case 'aws-sm': return aws();
  }
}

/** The name of a source's provider (for logs). */
export function providerName(s: KeySource): KeyProviderName {
  return s.kind;
}
