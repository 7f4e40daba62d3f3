/**
 * Reason codes the relay puts in the `parley-reason` header of an ERROR frame. The relay closes
 * the connection after every ERROR frame. The list is part of the wire protocol (docs/protocol.md)
 * and mirrors `REASONS` in `@parley/relay`.
 */
export const RELAY_REASONS = [
  'auth-required',
  'token-invalid',
  'auth-unavailable',
  'token-expired',
  'connect-timeout',
  'version-unsupported',
  'frame-invalid',
  'frame-too-large',
  'unknown-command',
  'protocol-error',
  'destination-invalid',
  'forbidden',
  'limit-exceeded',
  'rate-limited',
  'slow-consumer',
  'heartbeat-timeout',
  'broker-unavailable',
  'server-shutdown',
  'internal-error',
] as const;

/** A reason code sent by the relay in an ERROR frame. See {@link RELAY_REASONS}. */
export type RelayReason = (typeof RELAY_REASONS)[number];

/**
 * Reason codes the SDK itself produces.
 *
 * - `not-connected`: the operation needs a connected client (e.g. `room.send()` while disconnected).
 * - `connection-closed`: the WebSocket closed without an ERROR frame (network loss, relay gone,
 *   nothing listening at the URL), before or after the relay accepted the connection.
 * - `socket-failed`: the WebSocket could not be created (usually a malformed URL).
 * - `token-unavailable`: the `token` function threw or returned an empty token.
 * - `timeout`: the relay did not answer CONNECT within `connectTimeoutMs`.
 * - `aborted`: `disconnect()` was called while the operation was in flight.
 * - `invalid-argument`: a bad room id, header or body was passed in.
 * - `outbox-full`: a send would take the outbox over `outbox.maxMessages` or `outbox.maxBytes`.
 * - `unauthorized`: the token provider threw {@link UnauthorizedError}; the client is `failed`.
 * - `disposed`: the client was disposed (pending sends fail with it; later calls throw it).
 * - `unknown`: the relay sent an ERROR frame without a reason this SDK knows.
 * - `unsupported`: the feature is not in this build of the SDK (a lean build, such as the
 *   widget's, leaves out direct conversations and SockJS; the npm package has everything).
 */
export type ClientReason =
  | 'not-connected'
  | 'connection-closed'
  | 'socket-failed'
  | 'token-unavailable'
  | 'timeout'
  | 'aborted'
  | 'invalid-argument'
  | 'outbox-full'
  | 'unauthorized'
  | 'disposed'
  | 'unknown'
  | 'unsupported';

/** Every reason a {@link ParleyError} can carry. */
export type ParleyReason = RelayReason | ClientReason;

/** Options for {@link ParleyError}. */
export interface ParleyErrorOptions {
  /** The underlying error, if any (a token function's error, a socket error…). */
  cause?: unknown;
  /** The headers of the ERROR frame this error came from, if it came from one. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The one error type of the SDK. `reason` is a stable code to branch on; `message` is for humans.
 *
 * @example
 * ```ts
 * try {
 *   await client.connect();
 * } catch (e) {
 *   if (isParleyError(e) && e.reason === 'token-expired') refreshLogin();
 * }
 * ```
 */
export class ParleyError extends Error {
  override readonly name = 'ParleyError';
  /** A stable, machine-readable reason code. */
  readonly reason: ParleyReason;
  /** The headers of the ERROR frame this error came from (empty when the SDK raised it). */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param reason - a stable reason code
   * @param message - human-readable text
   * @param options - cause and ERROR frame headers
   */
  constructor(reason: ParleyReason, message: string, options: ParleyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.headers = options.headers ?? {};
  }
}

/**
 * Throw this from a token provider when the user is not allowed a token (logged out, banned):
 * the client stops in state `failed` instead of retrying. Any other error from the provider is
 * retried with backoff.
 *
 * @example
 * ```ts
 * const token = async () => {
 *   const res = await fetch('/api/chat-token');
 *   if (res.status === 401) throw new UnauthorizedError('logged out');
 *   return res.text();
 * };
 * ```
 */
export class UnauthorizedError extends ParleyError {
  /** @param message - why no token can be had */
  constructor(
    message = 'the token provider refused: not authorized',
    options: ParleyErrorOptions = {},
  ) {
    super('unauthorized', message, options);
  }
}

/** True if `value` is a {@link ParleyError} (optionally one with the given `reason`). */
export function isParleyError(value: unknown, reason?: ParleyReason): value is ParleyError {
  return value instanceof ParleyError && (reason === undefined || value.reason === reason);
}

const relayReasons: ReadonlySet<string> = new Set(RELAY_REASONS);

const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', c: ':', n: '\n', r: '\r' };

/** Undoes STOMP 1.2 header-value escapes (`\\`, `\c`, `\n`, `\r`). @internal */
export function unescapeHeaderValue(value: string): string {
  return value.replace(/\\([\\cnr])/g, (_, c: string) => ESCAPES[c] ?? c);
}

/**
 * Whether stompjs left a frame's header values escaped: it unescapes only once a STOMP 1.2
 * CONNECTED has arrived, so an ERROR that refuses CONNECT comes through raw
 * (`invalid token\c …`). Reads stompjs's runtime flag `escapeHeaderValues`.
 *
 * @internal
 */
export function headersLeftEscaped(frame: object): boolean {
  return (frame as { escapeHeaderValues?: unknown }).escapeHeaderValues !== true;
}

/**
 * Builds the error for an ERROR frame: `parley-reason` gives the reason, `message` (or the body)
 * the text. With `escaped`, header values are unescaped first (see {@link headersLeftEscaped}).
 *
 * @internal
 */
export function errorFromFrame(
  raw: Record<string, string>,
  body: string,
  options: { escaped?: boolean } = {},
): ParleyError {
  const headers = options.escaped
    ? Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, unescapeHeaderValue(v)]))
    : raw;
  const wire = headers['parley-reason'];
  const reason: ParleyReason =
    wire !== undefined && relayReasons.has(wire) ? (wire as RelayReason) : 'unknown';
  const message =
    headers['message'] || body.trim() || `the relay sent an ERROR frame (${wire ?? 'no reason'})`;
  return new ParleyError(reason, message, { headers: { ...headers } });
}

/**
 * The error for a feature a lean build of the SDK leaves out (see `build-flags.ts`).
 *
 * @internal
 */
export function notInThisBuild(feature: string): ParleyError {
  return new ParleyError('unsupported', `${feature} is not in this build of @parley/sdk`);
}
