import type { Transport } from '../stomp/transport.js';

/** The SockJS transports the relay serves, by the names `sockjs-client` uses. */
export type SockJsTransportName =
  'websocket' | 'xhr-streaming' | 'xhr-polling' | 'eventsource' | 'raw-websocket';

/** Every transport name, for metrics (a gauge per transport, zeros included). */
export const TRANSPORT_NAMES: readonly SockJsTransportName[] = [
  'websocket',
  'xhr-streaming',
  'xhr-polling',
  'eventsource',
  'raw-websocket',
];

/** Why a SockJS request was refused (a metrics label). */
export type BadRequestKind =
  | 'origin'
  | 'bad-path'
  | 'method'
  | 'unknown-session'
  | 'empty-payload'
  | 'broken-json'
  | 'too-large'
  | 'too-many-sessions'
  | 'per-ip-limit'
  | 'per-ip-rate'
  | 'second-receiver'
  | 'token-in-url'
  | 'not-upgrade';

/** What a new SockJS session is told about its client. */
export interface SockJsSessionInfo {
  /** The transport that opened the session. */
  transport: SockJsTransportName;
  /** The browser's `Origin` ('' when none was sent). */
  origin: string;
  /** The SockJS session id from the URL ('' for the raw WebSocket). */
  sessionId: string;
}

/** What a service does with one session's messages. */
export interface SockJsHandler {
  /** One message from the client, in order. */
  onMessage(message: string): void;
  /**
   * The session is over (client gone, timed out, or closed by the service). Called once, with
   * the close code: the server's own, the client's WebSocket close code, or 1006 when the client
   * went away without closing (the disconnect delay passed).
   */
  onClose(code: number): void;
}

/**
 * An application carried over SockJS: given the session's outgoing side as a {@link Transport}
 * (text only: binary data is sent as UTF-8 text), it returns what handles the incoming side.
 * STOMP is one such service; the conformance test services (`echo`, `close`) are others.
 */
export type SockJsService = (transport: Transport, info: SockJsSessionInfo) => SockJsHandler;

/** Limits and timings shared by every SockJS endpoint of a relay. */
export interface SockJsSettings {
  /** Browser origins allowed; empty = any (as for `/ws`). */
  allowedOrigins: readonly string[];
  /** A heart-beat frame is sent after this long without any other (ms; SockJS: 25 s). */
  heartbeatMs: number;
  /** A session with no receiving request open for this long is closed (ms; SockJS: 5 s). */
  disconnectDelayMs: number;
  /** Most SockJS sessions open at once on this relay. */
  maxSessions: number;
  /** Bytes queued for one session before it is closed as a slow consumer. */
  maxQueuedBytes: number;
  /** Largest `xhr_send` body and largest WebSocket message, in bytes (413 / close past it). */
  maxSendBytes: number;
  /** Bytes one streaming response carries before it is ended (the client opens another). */
  streamingLimitBytes: number;
}
