/**
 * Every default and protocol constant of the SDK, in one place. Options documented in
 * docs/sdk.md take their defaults from here.
 *
 * @internal
 */
export const DEFAULTS = {
  /** STOMP heart-beat period both ways. */
  heartbeatMs: 10_000,
  /** How long one attempt (token + socket + CONNECTED) may take. */
  connectTimeoutMs: 15_000,
  /** How long a graceful DISCONNECT may take before the socket is dropped. */
  disconnectGraceMs: 3000,
  /** First backoff ceiling. */
  reconnectInitialDelayMs: 500,
  /** Largest backoff ceiling. */
  reconnectMaxDelayMs: 30_000,
  /** A connection up this long resets the backoff. */
  reconnectStableAfterMs: 10_000,
  /** Upper bound of the random delay after a relay `server-shutdown` without a hint. */
  shutdownSpreadMs: 5000,
  /** Messages the outbox holds (pending, not yet acknowledged). */
  outboxMaxMessages: 1000,
  /** Bytes (bodies and headers, UTF-8) the outbox holds. */
  outboxMaxBytes: 1_048_576,
  /** Ids remembered per subscription to drop duplicates. */
  dedupeWindow: 1000,
  /** Messages fetched to resync a room whose gap the relay could not fill. */
  resyncPageSize: 50,
  /** Refresh at exp − max(this, 10 % of the lifetime) (never later than half the lifetime). */
  tokenRefreshMinMarginMs: 30_000,
  /** Share of a token's lifetime kept as margin. */
  tokenRefreshMarginRatio: 0.1,
  /** Never schedule a refresh sooner than this (guards against loops on short tokens). */
  tokenRefreshFloorMs: 1000,
  /** A refresh whose provider call failed is tried again after this long. */
  tokenRefreshRetryMs: 5000,
} as const;

/** Relay destination that swaps the session's token in place. @internal */
export const TOKEN_DESTINATION = '/parley/token';
/** Relay destination that answers history requests. @internal */
export const HISTORY_DESTINATION = '/parley/history';
/** The SDK's own reply queue for history pages. @internal */
export const HISTORY_REPLY_QUEUE = '/user/queue/parley-history';
