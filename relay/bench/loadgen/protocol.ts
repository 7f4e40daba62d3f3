/** Messages between the coordinator and the load generator's workers. */

export type ClientProtocol = 'stomp' | 'uws' | 'socketio';

/** How a client proves who it is. */
export type ClientAuth =
  | { kind: 'jwt'; user: string }
  | { kind: 'login'; login: string; passcode: string }
  | { kind: 'none' };

/** One simulated client. */
export interface ClientSpec {
  protocol: ClientProtocol;
  /** ws:// URL (STOMP, raw uWS) or http:// URL (Socket.IO). */
  url: string;
  auth: ClientAuth;
  /** Destinations (STOMP) or topics/rooms (uWS, Socket.IO) to subscribe to. */
  subs: string[];
  /** Where this client publishes, if it does. */
  pub?: string;
  /** Reconnect with jittered backoff when the server drops the connection. */
  reconnect?: boolean;
}

export interface WorkerInit {
  /** HS256 secret for the relay's (and the Socket.IO peer's) JWTs. */
  secret: string;
  /** Check every frame fully (smoke tests) instead of the fast path. */
  strict: boolean;
}

/** Every command names a group of clients (one per system under test). */
export type Command = { group: string } & (
  | { op: 'open'; clients: ClientSpec[]; concurrency: number; timeoutMs: number }
  | { op: 'body'; size: number }
  | { op: 'publish'; rate: number; durationMs: number }
  | { op: 'stopPublish' }
  | { op: 'window'; start: boolean }
  | { op: 'stats' }
  | { op: 'waitReady'; timeoutMs: number }
  | { op: 'close' }
);

export interface OpenResult {
  opened: number;
  failed: number;
  errors: string[];
  /** nowUs() when the first connect started / the last client became ready. */
  startUs: number;
  endUs: number;
}

export interface PublishResult {
  sent: number;
  /** Sends skipped because the client's socket was backed up, or it was not ready. */
  skipped: number;
}

export interface Stats {
  /** MESSAGE frames / messages received since the clients were opened. */
  received: number;
  /** Received inside the current or last measurement window. */
  windowReceived: number;
  sent: number;
  malformed: number;
  /** Connections the server ended that the client did not close. */
  dropped: number;
  ready: number;
  total: number;
  errors: string[];
  /** nowUs() at which the last client became ready (after reconnects too). */
  lastReadyUs: number;
  /** Latency histogram of the window (µs buckets). */
  hist?: Uint32Array;
}

export type Reply = { ok: true; result: unknown } | { ok: false; error: string };
