/**
 * @module back/ecdh
 * The ECDH service (DESIGN §5): a front asks for ECDH(node key, point) once per BOLT 8 handshake
 * (act one as responder, act three as initiator); the backend answers with the shared secret. Each
 * front has a token bucket (`ECDH_BURST`, `ECDH_REFILL_PER_SEC`) so a compromised front cannot use the
 * node key as a fast oracle. Statuses (docs/cluster.md): 0 ok, 1 rate limited, 2 invalid point; on 1
 * and 2 the secret is all zero.
 *
 * Order: the bucket is charged first, so invalid points count against the front too.
 * Does not: see the private key (it calls `NodeKey.ecdh`), or log secrets.
 */
import { CryptoError } from '../crypto/index.js';
import { ECDH_STATUS, type LinkMessageNamed } from '../cluster/messages.js';
import type { NodeKey } from '../keys/index.js';

/** A token bucket: `capacity` tokens, refilled at `perSecond`, time given by the caller (ms). */
export class TokenBucket {
  #tokens: number;
  #at: number;
  readonly capacity: number;
  readonly perSecond: number;

  constructor(capacity: number, perSecond: number, now: number) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.#tokens = capacity;
    this.#at = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#at);
    this.#tokens = Math.min(this.capacity, this.#tokens + (elapsed * this.perSecond) / 1000);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** `ecdh_result.status` names, for metrics and logs. */
export type EcdhStatusName = keyof typeof ECDH_STATUS;

const ZERO32 = new Uint8Array(32);

/** Answers one `ecdh_request`; `status` names the outcome for the metric. */
export function answerEcdh(
  key: NodeKey,
  bucket: TokenBucket,
  req: LinkMessageNamed<'ecdh_request'>,
  now: number,
): { reply: LinkMessageNamed<'ecdh_result'>; status: EcdhStatusName } {
  const reply = (status: EcdhStatusName, secret: Uint8Array) => ({
    reply: { name: 'ecdh_result' as const, requestId: req.requestId, status: ECDH_STATUS[status], secret, tlvs: {} },
    status,
  });
  if (!bucket.take(now)) return reply('rateLimited', ZERO32);
  let secret: Uint8Array;
  try {
    secret = key.ecdh(req.point); // checks the point as it parses it (no second parse for a separate check)
  } catch (e) {
    if (e instanceof CryptoError && e.kind === 'invalidPublicKey') return reply('invalidPoint', ZERO32);
    throw e;
  }
  return reply('ok', secret);
}
