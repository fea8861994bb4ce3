/**
 * @module log
 * The one way lnfleet logs: pino, JSON lines, one child logger per component (DESIGN §8).
 *
 * `createLogger(role, level)` makes the root; components take `log.child({ component: 'link' })`.
 * Redaction is a safety net, not the policy: code must not pass secrets to a logger at all, but any
 * field named like a key, seed, password or secret is replaced by "[redacted]" if one slips through.
 *
 * Does not: configure transports or pretty-printing (pipe to `pino-pretty` if a human wants colours).
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Field paths pino censors wherever they appear (one level deep and at the top). */
export const REDACTED_PATHS = [
  'privateKey', 'privKey', 'seed', 'password', 'secret', 'key', 'sharedSecret',
  '*.privateKey', '*.privKey', '*.seed', '*.password', '*.secret', '*.key', '*.sharedSecret',
];

/** Root logger of a process. `destination` defaults to stdout (tests pass a stream to read lines). */
export function createLogger(role: string, level = 'info', destination?: DestinationStream): Logger {
  const opts = { level, base: { role }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  return destination ? pino(opts, destination) : pino(opts);
}
