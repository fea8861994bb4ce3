/**
 * @module front/init
 * BOLT 1 `init` on a front: what we send (features from `hello_ack`, `networks`, optional
 * `remote_addr`) and the checks on the peer's (unknown even features, dependencies, networks). Pure.
 *
 * Spec: BOLT #1 "The `init` Message" <https://github.com/lightning/bolts/blob/master/01-messaging.md#the-init-message>.
 * Does not: decide when to send it (the peer core does), or negotiate channel features (the backend).
 */
import { FeatureVector, encodeMessage, missingDependencies, unknownRequiredBits, type Init } from '../wire/index.js';
import { MAX_LOGGED_PEER_TEXT } from './constants.js';

/** What we put in our `init`: features from `hello_ack`, our chain, and optionally `remote_addr`. */
export interface OurInit {
  readonly features: Uint8Array;
  readonly chainHash: Uint8Array;
  /** One encoded address descriptor of the peer as we see it (BOLT 1 `remote_addr`), if we send it. */
  readonly remoteAddr?: Uint8Array | undefined;
}

/**
 * Checks a peer's `init` against our chain; returns why to close, or `undefined` when it is fine.
 * Pure, exported for tests.
 */
export function checkTheirInit(init: Init, chainHash: Uint8Array): string | undefined {
  // BOLT 1 has the receiver OR `globalfeatures` and `features` into one map.
  const features = FeatureVector.union(FeatureVector.fromBytes(init.globalfeatures), FeatureVector.fromBytes(init.features));
  // BOLT #1: - upon receiving unknown _even_ feature bits that are non-zero:
  //     - MUST close the connection.
  const unknown = unknownRequiredBits(features);
  if (unknown.length > 0) return `init requires unknown feature bit(s) ${unknown.join(', ')}`;
  // BOLT #1: - if the feature vector does not set all known, transitive dependencies:
  //     - MUST close the connection.
  const missing = missingDependencies(features);
  if (missing.length > 0) return `init feature ${missing[0]!.feature} lacks its dependency ${missing[0]!.missing}`;
  // BOLT #1: - upon receiving `networks` containing no common chains
  //     - MAY close the connection.
  const networks = init.tlvs.networks;
  if (networks !== undefined && !networks.some((c) => equal(c, chainHash))) {
    const theirs = networks.map((c) => hex(c).slice(0, 16)).join(', ') || 'none';
    return `init networks (${theirs}…) do not include our chain ${hex(chainHash).slice(0, 16)}…`;
  }
  return undefined;
}

/** Encodes our `init`: no global features, ours from the backend, `networks` = our chain, optional `remote_addr`. */
export function encodeOurInit(o: OurInit): Uint8Array {
  // BOLT #1: - SHOULD set `networks` to all chains it will gossip or open channels for.
  const tlvs = o.remoteAddr === undefined ? { networks: [o.chainHash] } : { networks: [o.chainHash], remoteAddr: o.remoteAddr };
  return encodeMessage({ name: 'init', globalfeatures: new Uint8Array(0), features: o.features, tlvs });
}

/** Byte equality. */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Lowercase hex. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

/**
 * Peer text for a log line: printable ASCII only, cut to a bounded length.
 * BOLT 1: data that is not printable ASCII "SHOULD NOT print out `data` verbatim", so it is hex-shown.
 */
export function printable(data: Uint8Array): string {
  const cut = data.subarray(0, MAX_LOGGED_PEER_TEXT);
  const more = data.length > cut.length ? '…' : '';
  return cut.every((c) => c >= 32 && c <= 126) ? `"${String.fromCharCode(...cut)}"${more}` : `0x${hex(cut)}${more}`;
}
