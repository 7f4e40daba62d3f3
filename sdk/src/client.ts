import { TypedEmitter } from './emitter.js';
import type { Listener, Unsubscribe } from './emitter.js';
import { ParleyError } from './errors.js';
import { roomDestination } from './message.js';
import type { OutboundMessage } from './message.js';
import { Room } from './room.js';
import { Session } from './session.js';
import type { SessionOptions } from './session.js';
import { resolveFactory } from './socket.js';
import { canTransition } from './state.js';
import { SubscriptionRegistry } from './subscriptions.js';
import type { FrameHandler } from './subscriptions.js';
import { ClientState } from './types.js';
import type { ClientEvents, ClientOptions } from './types.js';

const DEFAULT_HEARTBEAT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
const DISCONNECT_GRACE_MS = 3000;

interface PendingConnect {
  promise: Promise<void>;
  resolve(): void;
  reject(error: ParleyError): void;
}

/**
 * A Parley chat client: one connection to a relay, its rooms and its events. Create it with
 * {@link createClient}.
 *
 * The client never reconnects on its own yet: after a lost connection it is `disconnected` and
 * `connect()` starts a new one (rooms with listeners are subscribed again).
 */
export class ParleyClient {
  readonly #options: SessionOptions;
  readonly #events = new TypedEmitter<ClientEvents>();
  readonly #subscriptions = new SubscriptionRegistry();
  readonly #rooms = new Map<string, Room>();
  #state: ClientState = ClientState.Disconnected;
  #session: Session | undefined;
  #connecting: PendingConnect | undefined;
  #disconnecting: Promise<void> | undefined;

  /** @internal Use {@link createClient}. */
  constructor(options: SessionOptions) {
    this.#options = options;
  }

  /** The connection state; changes are announced by the `state` event. */
  get state(): ClientState {
    return this.#state;
  }

  /**
   * Listens for a client event (`state`, `connected`, `disconnected`, `error`).
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): Unsubscribe {
    return this.#events.on(event, listener);
  }

  /**
   * Connects: gets a token, opens the WebSocket and sends CONNECT. Calling it while connecting
   * returns the same promise; while connected it resolves at once; while disconnecting it
   * connects again once the disconnect is done.
   *
   * @returns resolves when the relay has accepted the connection (CONNECTED)
   * @throws ParleyError (as a rejection) whose `reason` is the relay's (`token-invalid`,
   *   `token-expired`…) or the SDK's (`connection-closed`, `socket-failed`, `token-unavailable`,
   *   `timeout`, `aborted`); the client is then `disconnected`
   */
  connect(): Promise<void> {
    switch (this.#state) {
      case ClientState.Connected:
        return Promise.resolve();
      case ClientState.Connecting:
        return this.#connecting?.promise ?? Promise.resolve();
      case ClientState.Disconnecting:
        return (this.#disconnecting ?? Promise.resolve()).then(() => this.connect());
      case ClientState.Disconnected:
        return this.#open();
    }
  }

  /**
   * Disconnects gracefully: sends DISCONNECT and waits for the relay's receipt (dropping the
   * socket if it takes too long). A pending `connect()` rejects with reason `aborted`.
   *
   * @returns resolves when the client is `disconnected`
   */
  disconnect(): Promise<void> {
    const session = this.#session;
    if (this.#state === ClientState.Disconnecting && this.#disconnecting)
      return this.#disconnecting;
    if (!session) return Promise.resolve();
    this.#subscriptions.detach();
    this.#setState(ClientState.Disconnecting);
    const done = session.close();
    this.#disconnecting = done;
    return done;
  }

  /**
   * The room `id` (destination `/topic/room.<id>`). The same id always gives the same `Room`.
   *
   * @throws ParleyError with reason `invalid-argument` if `id` is empty or contains `/`, `*`,
   *   `..` or control characters
   */
  room(id: string): Room {
    let room = this.#rooms.get(id);
    if (!room) {
      room = new Room(id, roomDestination(id), {
        subscribe: (destination: string, handler: FrameHandler) =>
          this.#subscriptions.add(destination, handler),
        send: (destination: string, message: OutboundMessage) => this.#send(destination, message),
      });
      this.#rooms.set(id, room);
    }
    return room;
  }

  #open(): Promise<void> {
    let resolve!: () => void;
    let reject!: (error: ParleyError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.#connecting = { promise, resolve, reject };
    const session: Session = new Session(this.#options, {
      connected: (headers) => this.#onConnected(session, headers),
      error: (error) => {
        if (session === this.#session) this.#events.emit('error', error);
      },
      closed: (cause) => this.#onClosed(session, cause),
    });
    this.#session = session;
    this.#setState(ClientState.Connecting);
    session.open();
    return promise;
  }

  #onConnected(session: Session, headers: Record<string, string>): void {
    if (session !== this.#session || this.#state !== ClientState.Connecting) return;
    const pending = this.#connecting;
    this.#connecting = undefined;
    this.#setState(ClientState.Connected);
    // A `state` listener may have called disconnect(): check again before using the session.
    if (session === this.#session && this.state === ClientState.Connected) {
      this.#subscriptions.attach(session);
      this.#events.emit('connected', { headers });
    }
    pending?.resolve();
  }

  #onClosed(session: Session, cause: ParleyError | undefined): void {
    if (session !== this.#session) return;
    this.#session = undefined;
    this.#disconnecting = undefined;
    this.#subscriptions.detach();
    const pending = this.#connecting;
    this.#connecting = undefined;
    this.#setState(ClientState.Disconnected);
    pending?.reject(
      cause ?? new ParleyError('aborted', 'disconnect() was called before the relay accepted'),
    );
    this.#events.emit(
      'disconnected',
      cause ? { reason: cause.reason, message: cause.message } : {},
    );
  }

  #send(destination: string, message: OutboundMessage): Promise<void> {
    const session = this.#session;
    if (this.#state !== ClientState.Connected || !session) {
      return Promise.reject(
        new ParleyError(
          'not-connected',
          `cannot send to ${destination}: the client is ${this.#state}`,
        ),
      );
    }
    return session.send(destination, message);
  }

  #setState(next: ClientState): void {
    const previous = this.#state;
    if (previous === next) return;
    if (!canTransition(previous, next)) {
      throw new Error(`@parley/sdk bug: illegal state change ${previous} -> ${next}`);
    }
    this.#state = next;
    this.#options.debug?.(`state ${previous} -> ${next}`);
    this.#events.emit('state', { oldState: previous, newState: next });
  }
}

/**
 * Creates a client. It does not connect until `connect()` is called.
 *
 * @example Browser
 * ```ts
 * const client = createClient({ url: 'wss://chat.example.com/ws', token: () => fetchJwt() });
 * await client.connect();
 * client.room('lobby').on('message', (m) => console.log(m.sender.id, m.body));
 * ```
 *
 * @example Node 20 (no global WebSocket)
 * ```ts
 * import WebSocket from 'ws';
 * const client = createClient({ url, token, webSocketFactory: (url, p) => new WebSocket(url, p) });
 * ```
 *
 * @throws TypeError for invalid options, or when there is no global WebSocket and no
 *   `webSocketFactory`
 */
export function createClient(options: ClientOptions): ParleyClient {
  if (typeof options?.url !== 'string' || options.url === '') {
    throw new TypeError('@parley/sdk: `url` must be the relay WebSocket URL, e.g. wss://host/ws');
  }
  const { token, heartbeatMs = DEFAULT_HEARTBEAT_MS } = options;
  const { connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS } = options;
  if (typeof token !== 'string' && typeof token !== 'function') {
    throw new TypeError('@parley/sdk: `token` must be a JWT string or a function returning one');
  }
  for (const [name, value] of [
    ['heartbeatMs', heartbeatMs],
    ['connectTimeoutMs', connectTimeoutMs],
  ] as const) {
    if (!Number.isFinite(value) || value < 0) {
      throw new TypeError(`@parley/sdk: \`${name}\` must be a number of milliseconds >= 0`);
    }
  }
  return new ParleyClient({
    url: options.url,
    token,
    factory: resolveFactory(options.webSocketFactory),
    heartbeatMs,
    connectTimeoutMs,
    disconnectGraceMs: DISCONNECT_GRACE_MS,
    debug: options.debug,
  });
}
