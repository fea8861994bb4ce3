/**
 * @module front
 * Public surface of the front daemon: `startFront` and its handle, the sans-I/O peer core, the link
 * client and the SOCKS5 core. See `./daemon.ts` for the tour.
 *
 * Does not: import `src/back` (DESIGN §11).
 */
export { startFront, resolveBackendFromConfig } from './daemon.js';
export type { FrontHandle, FrontHandleStatus, StartFrontOptions } from './daemon.js';
export {
  PeerConnection, checkTheirInit, encodeOurInit, isForwardedEvenType, NO_PONG_THRESHOLD, printable,
} from './peer-fsm.js';
export type { OurInit, PeerAction, PeerConnectionOptions, PeerEvent, PeerStateName, PeerTimings } from './peer-fsm.js';
export { LinkClient, LinkEcdhError } from './link-client.js';
export type { BackendAddress, HelloAck, LinkHandlers, LinkStateName, ResolveBackend } from './link-client.js';
export { Socks5Connect, Socks5Error, socks5Connect } from './socks5.js';
export { FrontMetrics, typeLabel } from './metrics.js';
export * from './constants.js';
