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
  /**
   * `auto` (default): a WebSocket, and when one cannot be opened (refused, blocked, closed before
   * it opened), SockJS to the same relay — `sockjs-client` is then loaded on demand (a global
   * `SockJS` from a `<script>` is used when present). `websocket` or `sockjs` force one transport.
   */
  transport?: 'auto' | 'websocket' | 'sockjs';
  /**
   * The relay's SockJS URL. Default: derived from each `url` (`ws`→`http`, `wss`→`https`, a last
   * path segment `/ws` → `/sockjs`: `wss://chat.example.com/ws` → `https://chat.example.com/sockjs`).
   */
  sockjsUrl?: string;
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
