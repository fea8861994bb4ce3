/**
 * @module keys
 * Public surface of `src/keys`: the node key as a use-only object (`NodeKey`), the four providers
 * (`seed`, `env`, `file`, `aws-sm`) and `loadNodeKey`, which every process calls and which refuses a
 * key that does not match `node.pub-key` / `NODE_PUB_KEY` (DESIGN §5).
 *
 * Neutral module: the backend uses it, and so may a front with a front-side key provider. It imports
 * neither `src/front` nor `src/back`. Does not: log, or keep keys anywhere but in the `NodeKey` closure.
 *
 * Typical use:
 * ```ts
 * const source = keySourceFromConfig(config);              // undefined on a front with provider none
 * const key = await loadNodeKey(source, { expectedNodeId: config.values['node.pub-key'] });
 * handshake({ staticEcdh: (p) => key.ecdh(p), … });
 * ```
 */
export { CHANNEL_SEED_LABEL, createNodeKey, KeyError } from './node-key.js';
export type { KeyErrorCode, KeyProviderName, NodeKey } from './node-key.js';
export {
  NODE_KEY_LABEL, NODE_PRIV_KEY_ENV, SEED_BYTES, SEED_FILE_NAME,
  awsSecretKey, envKey, fileKey, keySourceFromConfig, loadNodeKey, providerName, seedKey,
} from './providers.js';
export type { KeySource, LoadKeyOptions } from './providers.js';
