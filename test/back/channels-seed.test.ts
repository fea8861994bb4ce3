// The channel master seed NodeKey derives (src/keys/node-key.ts channelMasterSeed): HMAC-SHA256 of the
// private key over the fixed label (checked against node:crypto), a fresh copy per call the caller may zero,
// unavailable after destroy, and different keys give different seeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { CHANNEL_SEED_LABEL, createNodeKey, KeyError } from '../../src/keys/index.js';

test('NodeKey.channelMasterSeed: HMAC-SHA256(priv, label), fresh copies, gone after destroy', () => {
  const priv = Buffer.from('11'.repeat(32), 'hex');
  const expected = createHmac('sha256', priv).update(Buffer.from('lnfleet/channel-master-seed/v1')).digest();
  assert.deepEqual(Buffer.from(CHANNEL_SEED_LABEL).toString(), 'lnfleet/channel-master-seed/v1');
  const k = createNodeKey(Uint8Array.from(priv), 'env');
  const a = k.channelMasterSeed();
  assert.deepEqual(Buffer.from(a), expected);
  a.fill(0);
  assert.deepEqual(Buffer.from(k.channelMasterSeed()), expected, 'zeroing a copy leaves the key intact');
  const other = createNodeKey(Uint8Array.from(Buffer.from('22'.repeat(32), 'hex')), 'env');
  assert.notDeepEqual(Buffer.from(other.channelMasterSeed()), expected);
  k.destroy();
  assert.throws(() => k.channelMasterSeed(), (e: unknown) => e instanceof KeyError && e.code === 'KEY_DESTROYED');
});
