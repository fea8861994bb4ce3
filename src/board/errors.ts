/**
 * @module board/errors
 * The one error type of `src/board` (STYLE rule 5), with a closed set of codes that tests assert on.
 *
 * A host without GPIO is *not* an error (it is logged once and the LEDs stay dark); these codes are for
 * wrong configuration and for the VRRP hook failing to reach the front.
 *
 * Does not: log or exit; callers decide (the CLI prints the message and exits 1).
 */
import { LnfleetError } from '../errors.js';

/** Closed set of board error codes. */
export type BoardErrorCode =
  /** Two roles (LEDs, status pin) are configured on the same GPIO number. */
  | 'BOARD_PIN_CONFLICT'
  /** An LED pattern is malformed (non-positive or too short a phase). */
  | 'BOARD_BAD_PATTERN'
  /** `board vrrp-state` could not reach the front's health endpoint (not running, wrong address). */
  | 'BOARD_FRONT_UNREACHABLE'
  /** The front answered `/vrrp` with an error status. */
  | 'BOARD_VRRP_REJECTED';

/** A board-level failure; the message says what to check. */
export class BoardError extends LnfleetError<BoardErrorCode> {
  constructor(code: BoardErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
