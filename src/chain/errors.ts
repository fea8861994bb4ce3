/**
 * @module chain/errors
 * The typed errors of `src/chain` (STYLE rule 5): `ChainError` for talking to a chain backend and
 * `BitcoinParseError` for raw block/transaction bytes that do not parse. Both have a closed `kind`.
 *
 * | ChainError kind | meaning                                                     | what to do                      |
 * |-----------------|-------------------------------------------------------------|---------------------------------|
 * | `unreachable`   | TCP connect/IO failed (refused, reset, DNS)                 | check bitcoind runs, rpc-url    |
 * | `timeout`       | no complete answer within `bitcoind.rpc-timeout-ms`         | raise the timeout, check load   |
 * | `unauthorized`  | HTTP 401/403                                                | check rpc-user/password/cookie  |
 * | `cookie`        | the `.cookie` file is missing, unreadable or malformed      | check rpc-cookie-file, perms    |
 * | `httpStatus`    | another HTTP status without a JSON-RPC body                 | rpc-url points at the wrong app |
 * | `badResponse`   | the body is not the JSON-RPC answer we asked for, or too big | wrong endpoint / version        |
 * | `rpcError`      | bitcoind answered with a JSON-RPC `error` (`rpcCode` set)   | read the message                |
 * | `unsupported`   | the source has no chain (`none`)                            | configure a chain source        |
 *
 * Messages never contain the RPC password or cookie (they would end up in logs).
 * Does not: retry (callers decide; a gossip decision maps any ChainError to `chainUnavailable`).
 */
import { KindedError } from '../errors.js';

/** Closed set of chain-backend failure kinds. */
export const CHAIN_ERROR_KINDS = ['unreachable', 'timeout', 'unauthorized', 'cookie', 'httpStatus', 'badResponse', 'rpcError', 'unsupported'] as const;
/** One of {@link CHAIN_ERROR_KINDS}. */
export type ChainErrorKind = (typeof CHAIN_ERROR_KINDS)[number];

/** A chain backend call failed. `rpcCode` is bitcoind's JSON-RPC error code for `rpcError`. */
export class ChainError extends KindedError<'CHAIN', ChainErrorKind> {
  /** bitcoind's error code (e.g. -8 invalid parameter, -5 not found) when `kind` is `rpcError`. */
  readonly rpcCode: number | undefined;

  constructor(kind: ChainErrorKind, message: string, options?: { cause?: unknown; rpcCode?: number }) {
    super('CHAIN', kind, message, options);
    this.rpcCode = options?.rpcCode;
  }
}

/** Closed set of raw Bitcoin parse failures. */
export const BITCOIN_PARSE_KINDS = ['shortRead', 'invalidValue', 'trailingBytes'] as const;
/** One of {@link BITCOIN_PARSE_KINDS}. */
export type BitcoinParseKind = (typeof BITCOIN_PARSE_KINDS)[number];

/** Raw block or transaction bytes did not parse; `offset` is where the parser stopped. */
export class BitcoinParseError extends KindedError<'BITCOIN_PARSE', BitcoinParseKind> {
  /** Byte offset in the input. */
  readonly offset: number;

  constructor(kind: BitcoinParseKind, message: string, offset: number) {
    super('BITCOIN_PARSE', kind, `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}
