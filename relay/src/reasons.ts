/**
 * Machine-readable reason codes. The relay puts one in the `parley-reason` header of every
 * ERROR frame (next to the human-readable `message`), and the SDK maps them to its errors.
 * The list is part of the wire protocol: see docs/protocol.md.
 */
export const REASONS = {
  /** CONNECT carried no token. */
  authRequired: 'auth-required',
  /** The token failed verification (signature, algorithm, issuer, audience, claims). */
  tokenInvalid: 'token-invalid',
  /** The relay could not check the token (e.g. its JWKS endpoint is unreachable); retry later. */
  authUnavailable: 'auth-unavailable',
  /** The token's `exp` has passed (at CONNECT or during the connection). */
  tokenExpired: 'token-expired',
  /** No CONNECT frame arrived within the connect timeout. */
  connectTimeout: 'connect-timeout',
  /** No STOMP version in common with the client's `accept-version`. */
  versionUnsupported: 'version-unsupported',
  /** The bytes are not a well-formed STOMP frame (bad escape, bad header, bad content-length…). */
  frameInvalid: 'frame-invalid',
  /** A frame exceeded a size limit (frame size, header count, header line length). */
  frameTooLarge: 'frame-too-large',
  /** The command is not a STOMP client command. */
  unknownCommand: 'unknown-command',
  /** A well-formed frame broke a protocol rule (missing header, frame before CONNECT…). */
  protocolError: 'protocol-error',
  /** The destination is malformed. */
  destinationInvalid: 'destination-invalid',
  /** The token does not grant this destination. */
  forbidden: 'forbidden',
  /** A per-connection limit was reached (subscriptions…). */
  limitExceeded: 'limit-exceeded',
  /** SENDs came faster than the per-connection rate limit. */
  rateLimited: 'rate-limited',
  /** The client did not read its messages fast enough (send buffer or unacked limit). */
  slowConsumer: 'slow-consumer',
  /** The client's heart-beats stopped. */
  heartbeatTimeout: 'heartbeat-timeout',
  /** The relay cannot reach its broker (Redis) right now; reconnect and recover. */
  brokerUnavailable: 'broker-unavailable',
  /** The relay is shutting down. */
  shutdown: 'server-shutdown',
  /** An unexpected relay fault while handling the frame. */
  internal: 'internal-error',
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];

/** An error that ends a STOMP session with an ERROR frame carrying `reason`. */
export class StompError extends Error {
  override readonly name = 'StompError';
  constructor(
    readonly reason: Reason,
    message: string,
    /** Extra ERROR headers, e.g. `version` for version-unsupported. */
    readonly headers: Array<[string, string]> = [],
  ) {
    super(message);
  }
}
