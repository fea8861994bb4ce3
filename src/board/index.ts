/**
 * @module board
 * Public surface of `src/board`: LEDs and the status pin (`BoardIndicator` over a `GpioProvider`), the
 * state table, health sampling, the VRRP hook's handler and client, and the board metrics.
 * See docs/board.md for the operator's view and each module's header for details.
 */
export { BoardIndicator, boardPinsFromConfig } from './board-indicator.js';
export type { BoardIndicatorOptions, BoardPins, BoardSnapshot } from './board-indicator.js';
export * from './constants.js';
export { BoardError } from './errors.js';
export type { BoardErrorCode } from './errors.js';
export { HealthMonitor, evaluateHealth, systemHealthSource, thresholdsFromConfig } from './health.js';
export type { HealthMonitorOptions, HealthReport, HealthSample, HealthSource, HealthThresholds } from './health.js';
export { DARK_OUTPUT, FakeGpioProvider, GPIO_EXPORT_POLL_MS, GPIO_EXPORT_TIMEOUT_MS, OnoffGpioProvider, createGpioProvider, darkGpioProvider, realGpioSysfs } from './indicator.js';
export type { BoardLogger, FakeWrite, GpioOutput, GpioProvider, GpioSysfs, OnoffModule, OnoffProviderParts } from './indicator.js';
export { showFaultWithoutFront } from './fallback.js';
export { registerBoardMetrics } from './metrics.js';
export type { BoardMetrics, BoardMetricsSource } from './metrics.js';
export { ManualScheduler, realScheduler } from './scheduler.js';
export type { Cancel, Scheduler } from './scheduler.js';
export {
  BOARD_STATES, LEDS, STATE_PRIORITY, STATE_TABLE, VRRP_ROLES, combineState, describePattern, describeStateTable,
  levelAt, patternPhases, statusPinHigh,
} from './states.js';
export type { BoardInputs, BoardState, FrontState, Led, LedPattern, Phase, StateRow, VrrpRole } from './states.js';
export { handleVrrpPost, parseVrrpRole, postVrrpState, staleVrrpReport, vrrpUrl } from './vrrp.js';
export type { VrrpPostResult } from './vrrp.js';
