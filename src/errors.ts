/**
 * @module errors
 * The one base class for every error lnfleet throws on purpose (STYLE rule 5).
 *
 * Each error has a stable `code` that tests and callers switch on, a human message that says what to
 * do, and an optional `cause`. Subclasses narrow `code` to a closed union. Messages must never contain
 * secrets (keys, seeds, plaintext): callers describe *what* failed, never echo secret material.
 *
 * Does not: log, format for users, or map errors to peer actions (that is the caller's policy).
 */

/** Base of all lnfleet errors. `code` is stable across releases; `message` is for humans. */
export class LnfleetError<C extends string = string> extends Error {
  /** Stable machine-readable code, e.g. `WIRE_DECODE`, `CONFIG_INVALID`. */
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * An error of one module with a stable `code` and a `kind` from that module's closed set (STYLE rule 5):
 * callers switch on `kind`; `code` names the module. Subclasses fix both type parameters and may add
 * fields (the offset of a decode error, the act of a handshake error).
 */
export class KindedError<C extends string, K extends string> extends LnfleetError<C> {
  /** What went wrong, from the module's closed set. */
  readonly kind: K;

  constructor(code: C, kind: K, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.kind = kind;
  }
}

/**
 * Exhaustiveness helper for discriminated-union switches (STYLE rule 6): call it in the place a
 * `default:` would go, so a new variant is a compile error rather than a silent fall-through.
 */
export function assertNever(x: never, what = 'value'): never {
  throw new LnfleetError('INTERNAL', `unhandled ${what}: ${JSON.stringify(x)}`);
}
