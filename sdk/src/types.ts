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
 * A JWT, or a function that returns one. A function is called before every connection attempt,
 * so it can hand out a fresh token each time.
 */
export type TokenSource = string | (() => Promise<string> | string);

/** Options for {@link createClient}. */
export interface ClientOptions {
  /** The relay's WebSocket endpoint, e.g. `wss://chat.example.com/ws`. */
  url: string;
  /**
   * The JWT sent in the CONNECT frame as `Authorization: Bearer <jwt>`, or a function returning
   * it (called before every connect). Never put the token in the URL.
   */
  token: TokenSource;
  /**
   * Makes the WebSocket. Defaults to the global `WebSocket` (browsers, Node 22+). On Node 20,
   * pass one built on the `ws` package: `(url, p) => new WebSocket(url, p)`.
   */
  webSocketFactory?: WebSocketFactory;
  /** STOMP heart-beat interval in both directions, in ms; `0` turns heart-beats off. Default 10000. */
  heartbeatMs?: number;
  /**
   * How long `connect()` waits for the relay's CONNECTED frame before giving up with reason
   * `timeout`, in ms; `0` waits forever. Default 15000.
   */
  connectTimeoutMs?: number;
  /** Receives verbose protocol logs (tokens are redacted). Off by default. */
  debug?: (message: string) => void;
}

/**
 * The client's connection state.
 *
 * - `disconnected`: no connection; `connect()` starts one.
 * - `connecting`: getting a token, opening the socket, waiting for CONNECTED.
 * - `connected`: the relay accepted the connection; rooms are subscribed.
 * - `disconnecting`: `disconnect()` is closing the connection gracefully.
 */
export const ClientState = {
  Disconnected: 'disconnected',
  Connecting: 'connecting',
  Connected: 'connected',
  Disconnecting: 'disconnecting',
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
}

/** Payload of the client's `disconnected` event. */
export interface DisconnectedEvent {
  /** Why the connection ended; absent after a `disconnect()` the app asked for. */
  reason?: ParleyReason;
  /** Human-readable detail for `reason`. */
  message?: string;
}

/** The events of a {@link ParleyClient}, by name, with their payloads. */
export interface ClientEvents {
  /** The state changed. Emitted before the more specific `connected`/`disconnected`. */
  state: StateChange;
  /** The relay accepted the connection. */
  connected: ConnectedEvent;
  /** The client entered `disconnected`: after `disconnect()`, a lost connection or a failed connect. */
  disconnected: DisconnectedEvent;
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

/** The events of a {@link Room}, by name, with their payloads. */
export interface RoomEvents {
  /** A message arrived in the room (including the client's own). */
  message: ChatMessage;
}
