import type { ParleyError, ParleyReason } from './errors.js';

/**
 * The part of the WebSocket interface the SDK uses: the browser's `WebSocket` and the `ws`
 * package's `WebSocket` both fit. Handlers take `never` so that sockets whose handlers expect
 * their own event types can be passed in; the SDK only ever reads the fields it needs.
 */
export interface WebSocketLike {
  /** The URL the socket was opened with. */
  readonly url: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Set to `'arraybuffer'` by the SDK. */
  binaryType?: string;
  /** Called when the socket opens. */
  onopen: ((event: never) => unknown) | null;
  /** Called with each incoming message (`event.data` is a string or an ArrayBuffer). */
  onmessage: ((event: never) => unknown) | null;
  /** Called on a socket error; a close follows. */
  onerror: ((event: never) => unknown) | null;
  /** Called once when the socket has closed. */
  onclose: ((event: never) => unknown) | null;
  /** Sends one WebSocket message. */
  send(data: string | ArrayBuffer | Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Drops the connection at once, where supported (the `ws` package has it). */
  terminate?: () => void;
}

/**
 * Makes a WebSocket. Called once per connection attempt with the URL and the STOMP
 * sub-protocols (`v12.stomp`, `v11.stomp`, `v10.stomp`).
 *
 * @example
 * ```ts
 * import WebSocket from 'ws';
 * const webSocketFactory = (url: string, protocols: string[]) => new WebSocket(url, protocols);
 * ```
 */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/**
 * A JWT, or a function that returns one. A function is called before every connection attempt
 * and again before the token's `exp`, so it can hand out a fresh token each time. Throw
 * `UnauthorizedError` from it to stop the client (`failed`) instead of retrying.
 */
export type TokenSource = string | (() => Promise<string> | string);

/** Reconnect settings (all in ms). */
export interface ReconnectOptions {
  /** First backoff ceiling: the first retry waits a random time in `[0, initialDelayMs]`. Default 500. */
  initialDelayMs?: number;
  /** Largest backoff ceiling; the ceiling doubles per failed attempt up to this. Default 30000. */
  maxDelayMs?: number;
  /** A connection that stays up this long resets the backoff. Default 10000. */
  stableAfterMs?: number;
  /**
   * After a relay `server-shutdown`, reconnect after a random delay in `[0, shutdownSpreadMs]`
   * (the relay's `parley-reconnect-after` header, when present, replaces the bound). Default 5000.
   */
  shutdownSpreadMs?: number;
}

/** Bounds of the outbox (messages sent but not yet acknowledged, or waiting for a connection). */
export interface OutboxOptions {
  /** At most this many messages. Default 1000. */
  maxMessages?: number;
  /** At most this many bytes (UTF-8 bodies and headers). Default 1 MiB. */
  maxBytes?: number;
}

/**
 * The page events the client listens to. Defaults to `window`/`document` in browsers and to
 * nothing in Node; pass your own to drive them (tests, React Native's NetInfo/AppState).
 */
export interface EnvironmentLike {
  /** Subscribes to `online`/`offline`/`visible`; returns the function that unsubscribes. */
  subscribe(listener: (event: 'online' | 'offline' | 'visible') => void): () => void;
  /** Whether the network is up now (`navigator.onLine`). */
  isOnline(): boolean;
}

/**
 * How outgoing heart-beats are timed: `worker` (a Web Worker, not throttled in background
 * tabs; needs `worker-src blob:` under a strict CSP), `interval` (`setInterval`), or `auto`
 * (`worker` where a Worker from a `blob:` URL can be made, else `interval`).
 */
export type HeartbeatStrategy = 'auto' | 'worker' | 'interval';

/** Options for {@link createClient}. */
export interface ClientOptions {
  /**
   * The relay's WebSocket endpoint, e.g. `wss://chat.example.com/ws`, or several relays: the
   * client stays on one while it works and moves to the next after a failed attempt or a
   * lost connection.
   */
  url: string | readonly string[];
  /**
   * The JWT sent in the CONNECT frame as `Authorization: Bearer <jwt>`, or a function returning
   * it (called before every connect and before the token's `exp`). Never put the token in the URL.
   */
  token: TokenSource;
  /**
   * Makes the WebSocket. Defaults to the global `WebSocket` (browsers, Node 22+). On Node 20,
   * pass one built on the `ws` package: `(url, p) => new WebSocket(url, p)`.
   */
  webSocketFactory?: WebSocketFactory;
  /** STOMP heart-beat interval in both directions, in ms; `0` turns heart-beats off. Default 10000. */
  heartbeatMs?: number;
  /** How outgoing heart-beats are timed. Default `auto`. */
  heartbeatStrategy?: HeartbeatStrategy;
  /**
   * How long one connection attempt (token, socket, CONNECTED) may take before it counts as
   * failed (reason `timeout`) and is retried, in ms; `0` waits forever. Default 15000.
   */
  connectTimeoutMs?: number;
  /** Reconnect on its own after a lost connection (default), or `false` to stay `disconnected`. */
  reconnect?: ReconnectOptions | false;
  /**
   * Refresh the token before `exp` on the open connection (`SEND /parley/token`) instead of
   * reconnecting. Falls back to a reconnect on relays that don't support it. Default true.
   */
  refreshInPlace?: boolean;
  /** Outbox bounds. */
  outbox?: OutboxOptions;
  /** Online/offline and page-visibility signals; `null` turns them off. Default: the browser's. */
  environment?: EnvironmentLike | null;
  /** Random numbers in `[0, 1)` for the backoff jitter (tests pass a seeded one). */
  random?: () => number;
  /** Receives verbose protocol logs (tokens are redacted). Off by default. */
  debug?: (message: string) => void;
}

/**
 * The client's connection state.
 *
 * - `idle`: created, `connect()` not called yet.
 * - `connecting`: the first attempt after `connect()`: token, socket, CONNECTED.
 * - `connected`: the socket is up and the relay accepted it (see `caughtUp` for "in sync").
 * - `reconnecting`: the connection was lost (or an attempt failed); waiting or trying again.
 * - `disconnected`: `disconnect()` was called; `connect()` starts again.
 * - `failed`: retrying cannot help (token refused twice, `UnauthorizedError`); `connect()`
 *   starts again.
 */
export const ClientState = {
  Idle: 'idle',
  Connecting: 'connecting',
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Disconnected: 'disconnected',
  Failed: 'failed',
} as const;

/** One of the {@link ClientState} values. */
export type ClientState = (typeof ClientState)[keyof typeof ClientState];

/** Payload of the client's `state` event. */
export interface StateChange {
  /** The state before the change. */
  oldState: ClientState;
  /** The state after the change (equal to `client.state` when listeners run). */
  newState: ClientState;
}

/** Payload of the client's `connected` event. */
export interface ConnectedEvent {
  /** The headers of the relay's CONNECTED frame (`version`, `server`, `heart-beat`…). */
  headers: Readonly<Record<string, string>>;
  /** The relay URL of this connection. */
  url: string;
}

/** Payload of the client's `disconnected` event. */
export interface DisconnectedEvent {
  /** Why the connection ended; absent after a `disconnect()` the app asked for. */
  reason?: ParleyReason;
  /** Human-readable detail for `reason`. */
  message?: string;
}

/** Payload of the client's `reconnecting` event. */
export interface ReconnectingEvent {
  /** Consecutive failed attempts so far. */
  attempt: number;
  /** Why the last connection or attempt ended. */
  reason?: ParleyReason;
}

/** Payload of the client's `failed` event. */
export interface FailedEvent {
  /** Why the client gave up. */
  error: ParleyError;
}

/** Payload of the client's `token` event. */
export interface TokenRefreshedEvent {
  /** The new token's `exp` (seconds since 1970), if it has one. */
  exp: number | undefined;
  /** True when swapped on the open connection, false when a reconnect carried it. */
  inPlace: boolean;
}

/** What the relay stamped on a message it accepted (the SEND's RECEIPT). */
export interface SendReceipt {
  /** The client id sent as `parley-client-id`. */
  clientId: string;
  /** The message's offset in its destination (`-1` if not stamped). */
  offset: number;
  /** The history epoch of `offset`. */
  epoch: string;
  /** The relay's message id. */
  messageId: string;
  /** The relay had already accepted this client id: this was a resend, not delivered again. */
  duplicate: boolean;
}

/** Where a message in the outbox is. */
export type OutgoingStatus = 'pending' | 'sent' | 'failed';

/** A message in the outbox, as the `outbox` event and `room.send()` show it. */
export interface OutgoingMessage {
  /** The client id (a UUID), sent as `parley-client-id`; the same on every resend. */
  readonly clientId: string;
  /** The STOMP destination. */
  readonly destination: string;
  /** The body as sent. */
  readonly body: string;
  /** `pending` (waiting or in flight), `sent` (the relay acknowledged it) or `failed`. */
  readonly status: OutgoingStatus;
  /** Set when `sent`. */
  readonly receipt: SendReceipt | undefined;
  /** Set when `failed`. */
  readonly error: ParleyError | undefined;
  /**
   * Puts a `failed` message back in the outbox (same client id, at the end of the queue).
   *
   * @returns resolves on the relay's receipt, like `room.send()`
   * @throws ParleyError (as a rejection) `invalid-argument` if the message is not `failed`
   */
  retry(): Promise<SendReceipt>;
}

/**
 * What `room.send()` returns: a promise of the relay's receipt that also carries the outbox
 * entry, so a UI can show the message as sending at once.
 */
export type SendPromise = Promise<SendReceipt> & {
  /** The client id of the message. */
  readonly clientId: string;
  /** The outbox entry (its `status` changes as the message goes). */
  readonly outgoing: OutgoingMessage;
};

/** The events of a {@link ParleyClient}, by name, with their payloads. */
export interface ClientEvents {
  /** The state changed. Emitted before the more specific events. */
  state: StateChange;
  /** The socket is up and the relay accepted the connection. */
  connected: ConnectedEvent;
  /**
   * Every subscription has resumed (or resynced) after a connect: the app's view is current.
   * Emitted after `connected`, once per connection.
   */
  caughtUp: Record<string, never>;
  /** A connection ended (lost, refused, or `disconnect()`). */
  disconnected: DisconnectedEvent;
  /** The client is waiting to, or trying to, connect again. */
  reconnecting: ReconnectingEvent;
  /** The client gave up (state `failed`). */
  failed: FailedEvent;
  /** A fresh token is in use. */
  token: TokenRefreshedEvent;
  /** An outbox message changed status (`pending` when queued, then `sent` or `failed`). */
  outbox: OutgoingMessage;
  /** Something went wrong: an ERROR frame from the relay, a failed token fetch, a lost socket. */
  error: ParleyError;
}

/** A message body: a string is sent as `text/plain;charset=utf-8`, anything else as JSON. */
export type MessageBody = string | object;

/**
 * Extra STOMP headers for a SEND. Names are RFC 7230 tokens (ASCII letters, digits and
 * ``!#$%&'*+-.^_`|~``). Names starting with `parley-`, and `destination`, `message-id`,
 * `subscription`, `ack`, `content-length`, `redelivered`, `receipt`, `transaction` are reserved
 * in any case; `content-type` may be set to override the default.
 */
export type SendHeaders = Readonly<Record<string, string>>;

/** A chat message as delivered by the relay. */
export interface ChatMessage {
  /** The relay's `message-id`. */
  readonly id: string;
  /** The room id (`lobby` for `/topic/room.lobby`). */
  readonly room: string;
  /** The body as text. */
  readonly body: string;
  /**
   * Parses the body as JSON.
   *
   * @throws SyntaxError if the body is not JSON
   */
  json<T = unknown>(): T;
  /** Who sent it, as verified by the relay from the sender's JWT (never from the body). */
  readonly sender: { readonly id: string; readonly name?: string };
  /** When the relay accepted it (the arrival time if the relay did not stamp one). */
  readonly timestamp: Date;
  /** The relay's per-room sequence number; `-1` if the relay did not stamp one. */
  readonly offset: number;
  /** The history epoch the offset belongs to; `''` if the relay did not stamp one. */
  readonly epoch: string;
  /**
   * Every header of the MESSAGE frame, including the sender's own headers; a spelling of a
   * reserved name other than the relay's exact one (`Parley-Sender`) is left out.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/** Payload of a room's `resync` event. */
export interface ResyncEvent {
  /** The newest page of the room's history, oldest first: replace the room's view with it. */
  messages: readonly ChatMessage[];
  /** The history epoch the page belongs to. */
  epoch: string;
}

/** The events of a {@link Room}, by name, with their payloads. */
export interface RoomEvents {
  /**
   * A message arrived in the room (including the client's own), exactly once: resends and
   * replays the client has already seen are dropped.
   */
  message: ChatMessage;
  /**
   * The relay could not replay everything missed while disconnected (history trimmed, epoch
   * changed, a gap it could not fill): the room's view is stale. The payload is the newest page
   * of history; later `message` events continue after it.
   */
  resync: ResyncEvent;
  /**
   * The relay refused the room's subscription (`forbidden`, `destination-invalid`…), or a
   * refreshed token no longer grants it. The room is not subscribed again — no reconnect loop —
   * until its listeners are all removed and one is added again.
   */
  error: ParleyError;
}
