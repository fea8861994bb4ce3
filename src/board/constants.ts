/**
 * @module board/constants
 * Every number the board code uses, with its unit and the reason for its value (STYLE rule 7).
 *
 * Blink timings are chosen for a human glancing at a rack of boards, not for precision: timers on a
 * loaded board drift by a few ms, which nobody sees on an LED. Health thresholds are not here: they are
 * configuration (`board.health.*`, see `src/config/schema.ts`).
 *
 * Does not: touch GPIO, timers or the network.
 */

/** Slow blink period (ms): "waiting for something outside this board". 1 Hz is readable across a room. */
export const SLOW_BLINK_MS = 1000;

/** Fast blink period (ms): "coming up, working". 2 Hz is clearly distinct from the 1 Hz slow blink. */
export const FAST_BLINK_MS = 500;

/**
 * Double-blink cycle (ms): two flashes then a pause, the classic "look at me" code for over-temperature.
 * Long enough that the pause reads as a separator between pairs.
 */
export const DOUBLE_BLINK_PERIOD_MS = 1500;

/** Length of one flash and of the gap between the two flashes of a double blink (ms). */
export const DOUBLE_BLINK_FLASH_MS = 150;

/** Cycle of the "wink" (ms): LED mostly on with one short dark blip, marking the VRRP master. */
export const WINK_PERIOD_MS = 2000;

/** Length of the dark blip of a wink (ms); 150 ms is the shortest gap that is reliably noticed. */
export const WINK_OFF_MS = 150;

/** Shortest phase a pattern may have (ms): below ~20 ms timer jitter on a small board eats the phase. */
export const MIN_PHASE_MS = 20;

/** URL path of the front's local endpoint that keepalived's notify hook posts the VRRP role to. */
export const VRRP_PATH = '/vrrp';

/** Largest `/vrrp` request body accepted (bytes): `{"state":"MASTER"}` is 18; anything big is not ours. */
export const VRRP_MAX_BODY_BYTES = 256;

/**
 * How long `lnfleet board vrrp-state` waits for the front (ms). keepalived runs notify scripts while it
 * changes roles; a hook that hangs delays nothing of VRRP but piles up processes, so give up quickly. The
 * front answers from memory in well under a millisecond.
 */
export const VRRP_HOOK_TIMEOUT_MS = 2000;

/** The front's health endpoint when `front.health-listen` is not set (mirrors the schema default). */
export const DEFAULT_HEALTH_LISTEN = '127.0.0.1:9736';
