/**
 * @module board/fallback
 * What a board shows when its front process is gone: keepalived notices first (the `/readyz` track
 * script fails, the instance goes FAULT) and runs its notify hook, `lnfleet board vrrp-state FAULT`,
 * which finds nobody at `/vrrp`. Rather than leave the LEDs saying "serving" (a SIGKILLed or crashed
 * front cannot clear them, and sysfs keeps the last value), the hook drives the pins to the `fault`
 * row of the state table itself: fault LED on, the others off, status pin low.
 *
 * There is no fight over the pins: this runs only after the front did not answer, and a front that
 * starts again re-applies its own state on its first tick. The pins stay exported on exit, so the
 * levels hold until the front takes them back.
 *
 * Does not: blink (the fault row is steady), or run when `board.gpio.enabled` is false.
 */
import type { LoadedConfig } from '../config/index.js';
import { boardPinsFromConfig } from './board-indicator.js';
import type { GpioProvider } from './indicator.js';
import { LEDS, STATE_TABLE, type Led } from './states.js';

const PIN_OF = { ok: 'ledOk', warn: 'ledWarn', fault: 'ledFault' } as const satisfies Record<Led, string>;

/**
 * Writes the `fault` row to the configured pins through `provider` and leaves them exported. Resolves
 * with the pins written (empty when none are configured) once the levels are on the pins (a line
 * exported just now waits for udev first).
 */
export async function showFaultWithoutFront(config: Pick<LoadedConfig, 'get'>, provider: GpioProvider): Promise<number[]> {
  const pins = boardPinsFromConfig(config);
  const row = STATE_TABLE.fault;
  const written: number[] = [];
  for (const led of LEDS) {
    const pin = pins[PIN_OF[led]];
    if (pin === undefined) continue;
    const lit = row[led].kind === 'on' ? 1 : 0;
    provider.open(pin).write(pins.activeLow ? (lit === 1 ? 0 : 1) : lit);
    written.push(pin);
  }
  if (pins.statusPin !== undefined) {
    provider.open(pins.statusPin).write(row.status);
    written.push(pins.statusPin);
  }
  await provider.settled?.();
  return written;
}
