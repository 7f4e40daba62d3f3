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
  /** At most one typing signal per this long while the user types. */
  typingThrottleMs: 2500,
  /** The local user counts as stopped after this long without a `typing()` call. */
  typingIdleMs: 5000,
  /** Someone else counts as stopped this long after their last typing signal. */
  typingExpiryMs: 6000,
  /** Messages per `history()` page when no `limit` is given. */
  historyPageSize: 50,
  /** The relay's largest history page. */
  historyMaxPageSize: 500,
} as const;

/** Relay destination that swaps the session's token in place. @internal */
export const TOKEN_DESTINATION = '/parley/token';
/** Relay destination that answers history requests. @internal */
export const HISTORY_DESTINATION = '/parley/history';
/** The SDK's own reply queue for history pages. @internal */
export const HISTORY_REPLY_QUEUE = '/user/queue/parley-history';
/** Relay destination that answers read-position requests. @internal */
export const READS_DESTINATION = '/parley/reads';
/** The SDK's own reply queue for read positions. @internal */
export const READS_REPLY_QUEUE = '/user/queue/parley-reads';
/** Where the relay announces new conversations to a user. @internal */
export const DM_NOTICE_QUEUE = '/user/queue/parley-dm';
/** Header naming a message's kind (`message`, `typing`, `read`, `presence`, `dm`). @internal */
export const KIND_HEADER = 'parley-kind';
/** Header of a read mark and of read events: the offset read up to. @internal */
export const READ_OFFSET_HEADER = 'parley-read-offset';
/** Header of read events: the relay timestamp of the last message read. @internal */
export const READ_TIMESTAMP_HEADER = 'parley-read-timestamp';
/** SUBSCRIBE header that makes the subscriber present in a room. @internal */
export const PRESENCE_HEADER = 'parley-presence';
/** The `parley-kind` values the SDK handles. @internal */
export const KIND = {
  message: 'message',
  typing: 'typing',
  read: 'read',
  presence: 'presence',
  dm: 'dm',
} as const;
