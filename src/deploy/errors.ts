/**
 * @module deploy/errors
 * The one error type of the deploy generators (STYLE rule 5): a bad input names the field and the
 * problem, so an operator (or the config loader that maps its keys onto these inputs) can fix it.
 *
 * Does not: catch or log anything; callers (the `gen` CLI) print the message and exit 2.
 */
import { LnfleetError } from '../errors.js';

/** Closed set of deploy error codes. */
export type DeployErrorCode =
  /** A generator input is missing, malformed or inconsistent (e.g. VIP outside the subnet). */
  | 'DEPLOY_INVALID_INPUT'
  /** An mDNS TXT record set could not be decoded (missing key, bad value, oversize string). */
  | 'DEPLOY_BAD_TXT';

/** A deploy generator refused its input. `field` is a dotted path into the input object. */
export class DeployError extends LnfleetError<DeployErrorCode> {
  /** Dotted path of the offending input field, e.g. `fronts[1].address` or `vip`. */
  readonly field: string;
  /** What is wrong with it, without the field name (e.g. `is not inside subnet 10.0.0.0/24`). */
  readonly problem: string;

  constructor(code: DeployErrorCode, field: string, problem: string, options?: { cause?: unknown }) {
    super(code, `${field}: ${problem}`, options);
    this.field = field;
    this.problem = problem;
  }
}

/** Shorthand for the common case: throw `DEPLOY_INVALID_INPUT` for `field`. */
export function invalid(field: string, problem: string): never {
  throw new DeployError('DEPLOY_INVALID_INPUT', field, problem);
}
