/**
 * @module noise/acts
 * Parsing and checks shared by the three handshake acts: exact length, version byte, the remote
 * ephemeral key, tag failures; plus small byte helpers. Used by `./handshake.ts`.
 *
 * Spec: <https://github.com/lightning/bolts/blob/master/08-transport.md#handshake-exchange>.
 * Does not: hold state or do any cryptography beyond point validation through the engine.
 */
import type { Secp256k1Engine } from '../crypto/secp256k1.js';
import { HANDSHAKE_VERSION } from './constants.js';
import { NoiseError, type Act } from './errors.js';

/** The version byte every act starts with. */
export const VERSION = Uint8Array.of(HANDSHAKE_VERSION);

/** Length and version checks shared by all three acts. */
export function checkActFrame(m: Uint8Array, len: number, act: Act): void {
  // BOLT #8: Read _exactly_ 50 bytes from the network buffer.
  if (m.length < len) throw new NoiseError('shortRead', `act ${act}: got ${m.length} of ${len} bytes`, act);
  if (m.length > len) throw new NoiseError('badState', `act ${act} is exactly ${len} bytes; pass longer input to push()`, act);
  // BOLT #8: If `v` is an unrecognized handshake version, then the responder MUST
  // abort the connection attempt.
  if (m[0] !== HANDSHAKE_VERSION) throw new NoiseError('badVersion', `act ${act}: unknown handshake version ${m[0]}`, act);
}

/** Acts one and two: frame checks, then the remote ephemeral key, which must be a valid point. */
export function parseEphemeralAct(m: Uint8Array, len: number, act: Act, engine: Secp256k1Engine): Uint8Array {
  checkActFrame(m, len, act);
  // BOLT #8: where `v` is the _first_ byte of `m`, `re` is the next 33
  // bytes of `m`, and `c` is the last 16 bytes of `m`
  const re = Uint8Array.from(m.subarray(1, 34)); // a copy even when `m` is a Buffer (whose slice is a view)
  if (!engine.isValidPublicKey(re)) throw new NoiseError('badPublicKey', `act ${act}: ephemeral key is not a valid point`, act);
  return re;
}

/** Throws the act's `badMac` error when a tag did not verify. */
export function checkTag(p: Uint8Array | null, act: Act): void {
  if (p === null) throw new NoiseError('badMac', `act ${act}: MAC check failed`, act);
}

/** Wrap anything unexpected as `badState` for the act (a NoiseError passes through). */
export function asNoiseError(e: unknown, act: Act): NoiseError {
  return e instanceof NoiseError ? e : new NoiseError('badState', `act ${act}: unexpected failure`, act, { cause: e });
}

