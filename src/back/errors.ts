/**
 * @module back/errors
 * The backend's typed error (STYLE rule 5): `BackendError` with a closed set of codes. Messages say
 * what to do and never contain secrets.
 */
import { LnfleetError } from '../errors.js';

/** Closed set of backend error codes. */
export type BackendErrorCode =
  /** `connect` with no front on the link: nothing can dial. */
  | 'BACK_NO_FRONT'
  /** The front reported that the dial failed (the message carries its reason). */
  | 'BACK_CONNECT_FAILED'
  /** No `connect_result`/`peer_attached` within `CONNECT_TIMEOUT_MS`. */
  | 'BACK_CONNECT_TIMEOUT'
  /** The front's link went down while a request on it was pending. */
  | 'BACK_LINK_LOST'
  /** The API would listen beyond loopback without `api.password`. */
  | 'BACK_API_INSECURE'
  /** A malformed request (bad node id, host, port). */
  | 'BACK_BAD_REQUEST'
  /** The backend is shutting down. */
  | 'BACK_CLOSED'
  /** A setting the backend needs at start is missing or ambiguous (the message names the key). */
  | 'BACK_BAD_CONFIG'
  /** Opening a channel needs an on-chain wallet and `chain.source` is none. */
  | 'BACK_NO_WALLET'
  /** The channel operation needs the peer connected (through any front). */
  | 'BACK_PEER_NOT_CONNECTED'
  /** The wallet cannot pay for the channel. */
  | 'BACK_INSUFFICIENT_FUNDS'
  /** No channel matches the given id. */
  | 'BACK_UNKNOWN_CHANNEL'
  /** The peer refused or failed the channel operation (the message carries its reason). */
  | 'BACK_CHANNEL_FAILED'
  /** The peer did not answer a channel operation in time. */
  | 'BACK_CHANNEL_TIMEOUT';

/** Error of `src/back`. */
export class BackendError extends LnfleetError<BackendErrorCode> {}
