/**
 * @module discovery/errors
 * The one error type of backend discovery (STYLE rule 5): a stable code and a message that says what
 * to do. Does not: log; callers decide (the front shows "waiting for the backend" on its LED and /healthz).
 */
import { LnfleetError } from '../errors.js';

/** Closed set of discovery error codes. */
export type DiscoveryErrorCode =
  /** The mDNS socket could not be opened (port in use without SO_REUSEADDR, no permission, bad address). */
  | 'DISCOVERY_SOCKET'
  /** Inconsistent options (e.g. SRV port ≠ TXT link port). */
  | 'DISCOVERY_INVALID_INPUT'
  /** `cluster.backend-address` is unset and `cluster.mdns` is false: set one of them. */
  | 'DISCOVERY_DISABLED'
  /** No acceptable backend answered within the allowed attempts. */
  | 'DISCOVERY_NOT_FOUND';

/** Discovery failed; `code` says how. */
export class DiscoveryError extends LnfleetError<DiscoveryErrorCode> {}
