import { backoffDelay, spreadDelay } from './backoff.js';
import { FULL } from './build-flags.js';
import type { ChannelHost } from './channel.js';
import { Connection } from './connection.js';
import { DM_NOTICE_QUEUE, KIND } from './defaults.js';
import { Dm } from './dm.js';
import { dmCopy, wireDestination } from './dm-destination.js';
import { parseDmNotice } from './dm-notice.js';
import type { HistoryPage } from './history.js';
import { TypedEmitter } from './emitter.js';
import type { Listener, Unsubscribe } from './emitter.js';
import { ParleyError, notInThisBuild } from './errors.js';
import { roomDestination, toChatMessage } from './message.js';
import { Outbox } from './outbox.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions } from './options.js';
import type { TransportName } from './transport.js';
import { Room } from './room.js';
import { initialMachine, transition } from './state.js';
import type { Effect, Machine, MachineEvent } from './state.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { Timers } from './timers.js';
import { refreshDelay } from './token-schedule.js';
import { ClientState } from './types.js';
import type { ClientOptions } from './types.js';
import type { ClientEvents } from './events.js';

/**
 * A Parley chat client: one connection to a relay (never two), its rooms, its outbox and its
 * events. Create it with {@link createClient}.
 *
 * Its state changes only through one state machine; it reconnects on its own with jittered
 * backoff, refreshes its token before it expires, resumes every room where it left off and
 * resends what the relay did not acknowledge.
 */
export class ParleyClient {
  readonly #options: ResolvedOptions;
  readonly #events = new TypedEmitter<ClientEvents>();
  readonly #rooms = new Map<string, Room>();
  readonly #dms = new Map<string, Dm>();
  /** Room or conversation id by destination (labels resync pages). */
  readonly #labels = new Map<string, string>();
  #host: ChannelHost | undefined;
  #dmNotices: (() => void) | undefined;
  readonly #subscriptions: SubscriptionRegistry;
  readonly #outbox: Outbox;
  readonly #connection: Connection;
  readonly #timers = new Timers();
  #machine: Machine;
  #queue: MachineEvent[] = [];
  #dispatching = false;
  #lastError: ParleyError | undefined;
  #waiters: { resolve(): void; reject(e: ParleyError): void }[] = [];
  #caughtUp = false;
  #environmentOff: (() => void) | undefined;
  #disposed = false;

  /** @internal Use {@link createClient}. */
  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#machine = initialMachine({
      online: options.environment?.isOnline() ?? true,
      inPlace: options.refreshInPlace,
      _autoReconnect: options.reconnect !== false,
    });
    this.#subscriptions = new SubscriptionRegistry({
      history: (destination) => this.#latestHistory(destination),
      caughtUp: () => {
        if (this.#machine.state !== ClientState.Connected || this.#caughtUp) return;
        this.#caughtUp = true;
        this.#events.emit('caughtUp', {});
      },
    });
    this.#outbox = new Outbox(options.outbox, (m) => this.#events.emit('outbox', m));
    this.#connection = new Connection(options, {
      dispatch: (event) => this.#dispatch(event),
      error: (error) => {
        this.#lastError = error;
        this.#events.emit('error', error);
      },
      _detached: () => {
        this.#subscriptions._detach();
        this.#outbox._detach();
        this.#caughtUp = false;
      },
      token: (event) => this.#events.emit('token', event),
      _revoked: (ids) =>
        this.#subscriptions.revoke(
          ids,
          (destination) =>
            new ParleyError('forbidden', `the refreshed token no longer grants ${destination}`),
        ),
      _scheduleRefresh: (delay) => this.#scheduleTokenRefresh(delay),
    });
  }

  /**
   * The transport of the current (or last) connection: `websocket`, or `sockjs` after a fallback
   * (see the `transport` option); undefined before the first connection opened.
   */
  get transport(): TransportName | undefined {
    return this.#options.transport.current;
  }

  /** The connection state; changes are announced by the `state` event. */
  get state(): ClientState {
    return this.#machine.state;
  }

  /**
   * True once every room has resumed (or resynced) on the current connection: the app's view is
   * current. False while not connected. The `caughtUp` event announces it.
   */
  get caughtUp(): boolean {
    return this.#caughtUp && this.#machine.state === ClientState.Connected;
  }

  /** Messages in the outbox: waiting for a connection or for the relay's receipt. */
  get pendingMessages(): number {
    return this.#outbox.size;
  }

  /**
   * Listens for a client event (`state`, `connected`, `caughtUp`, `disconnected`,
   * `reconnecting`, `failed`, `token`, `outbox`, `error`).
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): Unsubscribe {
    if (!FULL && event === 'dm') throw notInThisBuild("client.on('dm')");
    const off = this.#events.on(event, listener);
    if (event !== 'dm') return off;
    this.#watchDms();
    return () => {
      off();
      this.#watchDms();
    };
  }

  /**
   * The local user's id as the relay knows it (the token's `sub`, from CONNECTED's
   * `user-name`); undefined until the first connection.
   */
  get userId(): string | undefined {
    return this.#connection.userId;
  }

  /**
   * Connects, and keeps connected: on a lost connection the client reconnects on its own.
   * Calling it again while connecting or connected does nothing more (one client never holds
   * two sockets), so it is safe under React StrictMode double effects.
   *
   * @returns resolves when the relay has accepted the connection (CONNECTED)
   * @throws ParleyError (as a rejection) when the client gives up (`failed`: the token was
   *   refused twice, `unauthorized`…), when `disconnect()`/`dispose()` cut it short
   *   (`aborted`), or with `disposed` after `dispose()`
   */
  connect(): Promise<void> {
    if (this.#disposed) return Promise.reject(this.#disposedError());
    if (this.#machine.state === ClientState.Connected) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#listenToEnvironment();
    this.#dispatch({ type: 'connect' });
    return promise;
  }

  /**
   * Disconnects gracefully: sends DISCONNECT and waits for the relay's receipt (dropping the
   * socket if it takes too long), and stops reconnecting. Messages still in the outbox stay
   * there and go on the next `connect()`. A pending `connect()` rejects with `aborted`.
   *
   * @returns resolves when the socket is closed
   */
  disconnect(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    this.#lastError = undefined;
    this.#dispatch({ type: 'disconnect' });
    return this.#connection.closed();
  }

  /**
   * Releases everything: the socket, every timer, every listener (window listeners too).
   * Pending sends fail with `disposed`; the client cannot be used afterwards.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#lastError = undefined;
    this.#dispatch({ type: 'dispose' });
  }

  /**
   * The room `id` (destination `/topic/room.<id>`). The same id always gives the same `Room`.
   *
   * @throws ParleyError with reason `invalid-argument` if `id` is empty or contains `/`, `*`,
   *   `..` or control characters, or `disposed` after `dispose()`
   */
  room(id: string): Room {
    if (this.#disposed) throw this.#disposedError();
    let room = this.#rooms.get(id);
    if (!room) {
      room = new Room(id, roomDestination(id), this.#channelHost());
      this.#rooms.set(id, room);
      this.#labels.set(room.destination, id);
    }
    return room;
  }

  /**
   * The direct conversation with user `userId` (the local user's copy,
   * `/user/queue/dm.<userId>`). The same id always gives the same `Dm`.
   *
   * @throws ParleyError with reason `invalid-argument` if `userId` is empty, `.` or `..`, or
   *   contains `/` or control characters, or `disposed` after `dispose()`
   */
  dm(userId: string): Dm {
    if (!FULL) throw notInThisBuild('client.dm()');
    if (this.#disposed) throw this.#disposedError();
    let dm = this.#dms.get(userId);
    if (!dm) {
      dm = new Dm(userId, dmCopy(userId), this.#channelHost());
      this.#dms.set(userId, dm);
      this.#labels.set(dm.destination, userId);
    }
    return dm;
  }

  #channelHost(): ChannelHost {
    this.#host ??= {
      subscribe: (destination, hooks) => this.#subscriptions.add(destination, hooks),
      refresh: (destination) => this.#subscriptions.refresh(destination),
      send: (destination, message) => {
        const sent = this.#outbox.add(destination, message);
        if (this.#machine.state === ClientState.Failed && this.#lastError) {
          this.#outbox._failAll(this.#lastError);
        }
        return sent;
      },
      rejected: (destination, error) => this.#outbox.rejected(destination, error),
      publish: (destination, headers) => this.#connection.publish(destination, headers),
      mark: (destination, message) => this.#connection.send(destination, message),
      history: (destination, label, query) => this.#connection.history(destination, label, query),
      reads: (destination) => this.#connection.reads(destination),
      userId: () => this.#connection.userId,
    };
    return this.#host;
  }

  /** Listens for new-conversation notices while the client has a `dm` listener. */
  #watchDms(): void {
    if (!FULL) return;
    const wanted = this.#events.listenerCount('dm') > 0 && !this.#disposed;
    if (wanted && !this.#dmNotices) {
      this.#dmNotices = this.#subscriptions.add(DM_NOTICE_QUEUE, {
        resumable: false,
        decode: (frame) => toChatMessage('', frame),
        message: () => undefined,
        resync: () => undefined,
        refused: (error) => this.#events.emit('error', error),
        event: (kind, frame) => {
          const notice = kind === KIND.dm ? parseDmNotice(frame.body) : undefined;
          if (notice) this.#events.emit('dm', notice);
        },
      });
    } else if (!wanted && this.#dmNotices) {
      const release = this.#dmNotices;
      this.#dmNotices = undefined;
      release();
    }
  }

  #dispatch(event: MachineEvent): void {
    this.#queue.push(event);
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
        if (this.#disposed) break;
        const previous = this.#machine.state;
        const step = transition(this.#machine, next);
        this.#machine = step.machine;
        if (FULL) this.#options.debug?.(`${next.type}: ${previous} -> ${step.machine.state}`);
        if (step.machine.state !== previous) {
          if (step.machine.state !== ClientState.Connected) this.#caughtUp = false;
          this.#events.emit('state', { oldState: previous, newState: step.machine.state });
        }
        for (const effect of step.effects) this.#run(effect);
      }
    } finally {
      this.#dispatching = false;
      this.#queue = [];
    }
  }

  #run(effect: Effect): void {
    switch (effect.type) {
      case 'open':
        return this.#connection.open();
      case 'close':
        return this.#connection.end(effect.graceful);
      case 'schedule-retry':
        return this.#scheduleRetry(
          this.#options.reconnect
            ? backoffDelay(this.#options.reconnect, effect.attempt, this.#options.random)
            : 0,
        );
      case 'schedule-spread-retry':
        return this.#scheduleRetry(spreadDelay(effect.upperMs, this.#options.random));
      case 'cancel-retry':
        return this.#timers.clear('retry');
      case 'arm-connection-timers':
        return this.#armConnectionTimers();
      case 'disarm-connection-timers':
        this.#timers.clear('stable');
        this.#timers.clear('token');
        return;
      case 'refresh-token':
        return void this.#connection.refreshInPlace();
      case 'check-link':
        return this.#connection._checkLink();
      case 'resubscribe': {
        const session = this.#connection.session;
        if (session) this.#subscriptions._attach(session);
        return;
      }
      case 'flush-outbox': {
        const session = this.#connection.session;
        // Messages for one's own copy of a conversation are written to the peer's copy.
        if (session) {
          this.#outbox._attach({
            send: (destination, message) =>
              session.send(
                FULL ? wireDestination(destination, this.#connection.userId) : destination,
                message,
              ),
          });
        }
        return;
      }
      case 'fail-outbox':
        return this.#outbox._failAll(
          this.#lastError ?? new ParleyError('unknown', 'the client failed'),
        );
      case 'settle':
        return this.#settle(effect.ok, effect.aborted === true);
      case 'emit':
        return this.#emit(effect.event);
      case 'release':
        return this.#release();
    }
  }

  #scheduleRetry(delay: number): void {
    const generation = this.#connection.generation;
    if (FULL) this.#options.debug?.(`reconnecting in ${delay} ms`);
    this.#timers.set('retry', delay, () => {
      if (generation === this.#connection.generation) this.#dispatch({ type: 'retry' });
    });
  }

  #armConnectionTimers(): void {
    const generation = this.#connection.generation;
    const { reconnect } = this.#options;
    if (reconnect) {
      this.#timers.set('stable', reconnect.stableAfterMs, () => {
        if (generation === this.#connection.generation) this.#dispatch({ type: 'stable' });
      });
    }
    const { exp, iat } = this.#connection.token;
    this.#scheduleTokenRefresh(refreshDelay(exp, iat, Date.now()));
  }

  #scheduleTokenRefresh(delay: number | undefined): void {
    this.#timers.clear('token');
    if (delay === undefined || typeof this.#options.token === 'string') return;
    const generation = this.#connection.generation;
    this.#timers.set('token', delay, () => {
      if (generation === this.#connection.generation) this.#dispatch({ type: 'token-due' });
    });
  }

  #settle(ok: boolean, aborted: boolean): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    const error =
      aborted || !this.#lastError
        ? new ParleyError('aborted', 'disconnect() before the relay accepted')
        : this.#lastError;
    for (const w of waiters) {
      if (ok) w.resolve();
      else w.reject(error);
    }
  }

  #emit(event: 'connected' | 'disconnected' | 'reconnecting' | 'failed'): void {
    const error = this.#lastError;
    switch (event) {
      case 'connected': {
        const url = this.#connection.session?.url ?? '';
        if (typeof this.#options.token === 'function') {
          this.#events.emit('token', { exp: this.#connection.token.exp, inPlace: false });
        }
        const transport = this.#options.transport.current ?? 'websocket';
        return this.#events.emit('connected', {
          headers: this.#connection.headers,
          url,
          transport,
        });
      }
      case 'disconnected':
        return this.#events.emit(
          'disconnected',
          error ? { reason: error.reason, message: error.message } : {},
        );
      case 'reconnecting':
        return this.#events.emit('reconnecting', {
          attempt: this.#machine.attempt,
          ...(error && { reason: error.reason }),
        });
      case 'failed':
        return this.#events.emit('failed', {
          error: error ?? new ParleyError('unknown', 'the client failed'),
        });
    }
  }

  #listenToEnvironment(): void {
    const environment = this.#options.environment;
    if (!environment || this.#environmentOff) return;
    this.#environmentOff = environment.subscribe((event) => this.#dispatch({ type: event }));
  }

  #release(): void {
    this.#disposed = true;
    this.#timers.clearAll();
    this.#environmentOff?.();
    this.#environmentOff = undefined;
    this.#outbox.close(this.#disposedError());
    for (const channel of [...this.#rooms.values(), ...this.#dms.values()]) channel.dispose();
    this.#events.clear();
  }

  #disposedError(): ParleyError {
    return new ParleyError('disposed', 'the client was disposed');
  }

  #latestHistory(destination: string): Promise<HistoryPage> {
    return this.#connection._latestHistory(destination, this.#labels.get(destination) ?? '');
  }
}

/**
 * Creates a client. It does not connect until `connect()` is called.
 *
 * @example Browser
 * ```ts
 * const client = createClient({ url: 'wss://chat.example.com/ws', token: () => fetchJwt() });
 * client.room('lobby').on('message', (m) => console.log(m.sender.id, m.body));
 * await client.connect();
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
  return new ParleyClient(resolveOptions(options));
}
