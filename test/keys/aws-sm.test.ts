// The aws-sm key provider against a local Secrets Manager endpoint on 127.0.0.1 that speaks the
// service's JSON protocol (POST, X-Amz-Target: secretsmanager.GetSecretValue). Dummy credentials
// come from the environment, as the SDK's default chain reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { activeEngine } from '../../src/crypto/index.js';
import { KeyError, loadNodeKey } from '../../src/keys/index.js';

const PRIV_HEX = '4444444444444444444444444444444444444444444444444444444444444444';
const PUB_HEX = Buffer.from(activeEngine().publicKey(Buffer.from(PRIV_HEX, 'hex'))).toString('hex');

process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTTESTTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-not-real';
delete process.env.AWS_PROFILE;

interface Seen { target: string | undefined; body: { SecretId?: string } }

async function endpoint(t: { after(fn: () => Promise<void>): void }, secrets: Record<string, unknown>) {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => { text += d; });
    req.on('end', () => {
      const body = JSON.parse(text || '{}') as { SecretId?: string };
      const target = req.headers['x-amz-target'] as string | undefined;
      seen.push({ target, body });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      const value = body.SecretId === undefined ? undefined : secrets[body.SecretId];
      if (req.method !== 'POST' || target !== 'secretsmanager.GetSecretValue' || value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
        return;
      }
      res.end(JSON.stringify({ ARN: `arn:aws:secretsmanager:eu-west-1:000000000000:secret:${body.SecretId}`, Name: body.SecretId, ...value as object }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => { server.close(); await once(server, 'close'); });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

test('aws-sm: SecretString hex from GetSecretValue', async (t) => {
  const ep = await endpoint(t, { 'node-priv-key': { SecretString: PRIV_HEX } });
  const key = await loadNodeKey({ kind: 'aws-sm', secretName: 'node-priv-key', region: 'eu-west-1', endpoint: ep.url, maxAttempts: 1 }, { expectedNodeId: PUB_HEX });
  assert.equal(key.nodeIdHex, PUB_HEX);
  assert.equal(key.provider, 'aws-sm');
  assert.equal(ep.seen.length, 1);
  assert.equal(ep.seen[0]!.target, 'secretsmanager.GetSecretValue');
  assert.equal(ep.seen[0]!.body.SecretId, 'node-priv-key');
});

test('aws-sm: SecretBinary of 32 bytes', async (t) => {
  const ep = await endpoint(t, { bin: { SecretBinary: Buffer.from(PRIV_HEX, 'hex').toString('base64') } });
  const key = await loadNodeKey({ kind: 'aws-sm', secretName: 'bin', region: 'eu-west-1', endpoint: ep.url, maxAttempts: 1 });
  assert.equal(key.nodeIdHex, PUB_HEX);
});

test('aws-sm: unknown secret, malformed value and mismatch are typed errors without key material', async (t) => {
  const ep = await endpoint(t, { short: { SecretString: PRIV_HEX.slice(4) }, good: { SecretString: PRIV_HEX } });
  const base = { kind: 'aws-sm', region: 'eu-west-1', endpoint: ep.url, maxAttempts: 1 } as const;
  const cases: [Promise<unknown>, string][] = [
    [loadNodeKey({ ...base, secretName: 'missing' }), 'KEY_PROVIDER'],
    [loadNodeKey({ ...base, secretName: 'short' }), 'KEY_INVALID'],
    [loadNodeKey({ ...base, secretName: 'good' }, { expectedNodeId: '02' + '11'.repeat(32) }), 'KEY_MISMATCH'],
  ];
  for (const [p, code] of cases) {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof KeyError);
      assert.equal(e.code, code);
      assert.ok(!e.message.includes(PRIV_HEX.slice(4)) && !e.message.includes(PUB_HEX));
      return true;
    });
  }
  assert.match(String(await loadNodeKey({ ...base, secretName: 'missing' }).catch((e: Error) => e.message)), /"missing"/);
});
