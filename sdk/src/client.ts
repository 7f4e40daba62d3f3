import { backoffDelay, reconnectAfterHint, spreadDelay } from './backoff.js';
import { DEFAULTS, TOKEN_DESTINATION } from './defaults.js';
import { TypedEmitter } from './emitter.js';
import type { Listener, Unsubscribe } from './emitter.js';
import { ParleyError } from './errors.js';
import { HistoryRequests, parseHistoryPage } from './history.js';
import type { HistoryPage } from './history.js';
import { roomDestination } from './message.js';
import { Outbox } from './outbox.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions } from './options.js';
import { Room } from './room.js';
import { Session } from './session.js';
import { initialMachine, transition } from './state.js';
import type { CloseKind, Effect, Machine, MachineEvent } from './state.js';
import { SubscriptionRegistry } from './subscriptions.js';
import { fetchToken } from './token.js';
import { refreshDelay, tokenTimes } from './token-schedule.js';
import type { TokenTimes } from './token-schedule.js';
import { ClientState } from './types.js';
import type { ClientEvents, ClientOptions } from './types.js';

/** Relay answers to `SEND /parley/token` that mean "this relay cannot refresh in place". */
const REFRESH_UNSUPPORTED = new Set([
  'destination-invalid',
  'protocol-error',
  'unknown-command',
  'unknown',
]);
const AUTH_REASONS = new Set(['token-expired', 'token-invalid', 'auth-required']);

type Timer = ReturnType<typeof setTimeout>;

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
  readonly #subscriptions: SubscriptionRegistry;
  readonly #outbox: Outbox;
  #machine: Machine;
  #queue: MachineEvent[] = [];
  #dispatching = false;
  /** Bumped whenever a session or attempt is replaced: late callbacks of older ones do nothing. */
  #generation = 0;
  #session: Session | undefined;
  #history: HistoryRequests | undefined;
  #connectedHeaders: Record<string, string> = {};
  #urlIndex = 0;
  #lastError: ParleyError | undefined;
  #waiters: { resolve(): void; reject(e: ParleyError): void }[] = [];
  #closing = new Set<Promise<void>>();
  #retryTimer: Timer | undefined;
  #stableTimer: Timer | undefined;
  #tokenTimer: Timer | undefined;
  #token: TokenTimes = { exp: undefined, iat: undefined };
  #refreshing = false;
  #checkingLink = false;
  #caughtUp = false;
  #environmentOff: (() => void) | undefined;
  #disposed = false;

  /** @internal Use {@link createClient}. */
  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#machine = initialMachine({
      online: options.environment?.isOnline() ?? true,
      inPlace: options.refreshInPlace,
      autoReconnect: options.reconnect !== false,
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
    return this.#events.on(event, listener);
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
    return Promise.all([...this.#closing]).then(() => undefined);
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
      room = new Room(id, roomDestination(id), {
        subscribe: (destination, hooks) => this.#subscriptions.add(destination, hooks),
        send: (destination, message) => {
          const sent = this.#outbox.add(destination, message);
          if (this.#machine.state === ClientState.Failed && this.#lastError) {
            this.#outbox.failAll(this.#lastError);
          }
          return sent;
        },
        rejected: (destination, error) => this.#outbox.rejected(destination, error),
      });
      this.#rooms.set(id, room);
    }
    return room;
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
        this.#options.debug?.(`${next.type}: ${previous} -> ${step.machine.state}`);
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
        return this.#open();
      case 'close':
        return this.#endSession(effect.graceful);
      case 'schedule-retry':
        return this.#scheduleRetry(
          this.#options.reconnect
            ? backoffDelay(this.#options.reconnect, effect.attempt, this.#options.random)
            : 0,
        );
      case 'schedule-spread-retry':
        return this.#scheduleRetry(spreadDelay(effect.upperMs, this.#options.random));
      case 'cancel-retry':
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        return;
      case 'arm-connection-timers':
        return this.#armConnectionTimers();
      case 'disarm-connection-timers':
        clearTimeout(this.#stableTimer);
        clearTimeout(this.#tokenTimer);
        this.#stableTimer = this.#tokenTimer = undefined;
        return;
      case 'refresh-token':
        return void this.#refreshInPlace();
      case 'check-link':
        return this.#checkLink();
      case 'resubscribe':
        if (this.#session) this.#subscriptions.attach(this.#session);
        return;
      case 'flush-outbox':
        if (this.#session) this.#outbox.attach(this.#session);
        return;
      case 'fail-outbox':
        return this.#outbox.failAll(
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

  #open(): void {
    this.#endSession(false);
    const generation = ++this.#generation;
    const { connectTimeoutMs } = this.#options.session;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (connectTimeoutMs > 0) {
        timer = setTimeout(
          () => reject(new ParleyError('timeout', `no token within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        );
      }
    });
    // A graceful close still in progress (disconnect() then connect()) ends first: one socket.
    const closed = Promise.all([...this.#closing]);
    const token = closed.then(() => fetchToken(this.#options.token));
    Promise.race([token, timeout]).then(
      (token) => {
        clearTimeout(timer);
        if (generation === this.#generation) this.#startSession(generation, token);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (generation !== this.#generation) return;
        const failure =
          error instanceof ParleyError
            ? error
            : new ParleyError('token-unavailable', String(error));
        this.#lastError = failure;
        this.#events.emit('error', failure);
        this.#dispatch({
          type: 'closed',
          kind: failure.reason === 'unauthorized' ? 'unauthorized' : 'transient',
        });
      },
    );
  }

  #startSession(generation: number, token: string): void {
    this.#token = tokenTimes(token);
    const urls = this.#options.urls;
    const url = urls[this.#urlIndex % urls.length] ?? urls[0] ?? '';
    const session: Session = new Session(url, token, this.#options.session, {
      connected: (headers) => {
        if (generation !== this.#generation) return;
        this.#connectedHeaders = headers;
        this.#history = new HistoryRequests({
          subscribe: (destination, handler) => session.subscribe(destination, handler),
          publish: (destination, headers) => session.publish(destination, headers),
        });
        this.#dispatch({ type: 'opened' });
      },
      error: (error) => {
        if (generation !== this.#generation) return;
        this.#lastError = error;
        this.#events.emit('error', error);
      },
      closed: (cause) => {
        if (generation !== this.#generation) return;
        this.#session = undefined;
        this.#detach(cause);
        this.#urlIndex++;
        if (cause) this.#lastError = cause;
        this.#dispatch({ type: 'closed', ...this.#classify(cause) });
      },
    });
    this.#session = session;
    session.open();
  }

  #classify(cause: ParleyError | undefined): { kind: CloseKind; spreadMs?: number } {
    const refreshing = this.#refreshing;
    const checking = this.#checkingLink;
    this.#refreshing = this.#checkingLink = false;
    if (checking) return { kind: 'stale' };
    if (!cause) return { kind: 'transient' };
    const reason = cause.reason;
    if (reason === 'unauthorized') return { kind: 'unauthorized' };
    if (AUTH_REASONS.has(reason)) {
      return { kind: typeof this.#options.token === 'string' ? 'fatal' : 'auth' };
    }
    if (reason === 'version-unsupported') return { kind: 'fatal' };
    if (reason === 'server-shutdown') {
      const fallback = this.#options.reconnect ? this.#options.reconnect.shutdownSpreadMs : 0;
      return { kind: 'shutdown', spreadMs: reconnectAfterHint(cause.headers) ?? fallback };
    }
    if (refreshing && REFRESH_UNSUPPORTED.has(reason)) return { kind: 'refresh-unsupported' };
    return { kind: 'transient' };
  }

  /** The connection is gone: nothing may use it any more. */
  #detach(cause: ParleyError | undefined): void {
    this.#subscriptions.detach();
    this.#outbox.detach();
    this.#history?.close(cause ?? new ParleyError('connection-closed', 'the connection ended'));
    this.#history = undefined;
    this.#caughtUp = false;
  }

  #endSession(graceful: boolean): void {
    const session = this.#session;
    this.#generation++;
    if (!session) return;
    this.#session = undefined;
    this.#detach(undefined);
    const closing = graceful ? session.close() : Promise.resolve(session.drop());
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
  }

  #scheduleRetry(delay: number): void {
    clearTimeout(this.#retryTimer);
    const generation = this.#generation;
    this.#options.debug?.(`reconnecting in ${delay} ms`);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (generation === this.#generation) this.#dispatch({ type: 'retry' });
    }, delay);
  }

  #armConnectionTimers(): void {
    const generation = this.#generation;
    const { reconnect } = this.#options;
    if (reconnect) {
      this.#stableTimer = setTimeout(() => {
        if (generation === this.#generation) this.#dispatch({ type: 'stable' });
      }, reconnect.stableAfterMs);
    }
    this.#scheduleTokenRefresh(refreshDelay(this.#token.exp, this.#token.iat, Date.now()));
  }

  #scheduleTokenRefresh(delay: number | undefined): void {
    clearTimeout(this.#tokenTimer);
    this.#tokenTimer = undefined;
    if (delay === undefined || typeof this.#options.token === 'string') return;
    const generation = this.#generation;
    this.#tokenTimer = setTimeout(() => {
      this.#tokenTimer = undefined;
      if (generation === this.#generation) this.#dispatch({ type: 'token-due' });
    }, delay);
  }

  async #refreshInPlace(): Promise<void> {
    const generation = this.#generation;
    const session = this.#session;
    if (!session) return;
    let token: string;
    try {
      token = await fetchToken(this.#options.token);
    } catch (error) {
      if (generation !== this.#generation) return;
      const failure =
        error instanceof ParleyError ? error : new ParleyError('token-unavailable', String(error));
      this.#lastError = failure;
      this.#events.emit('error', failure);
      if (failure.reason === 'unauthorized')
        this.#dispatch({ type: 'closed', kind: 'unauthorized' });
      else this.#scheduleTokenRefresh(DEFAULTS.tokenRefreshRetryMs);
      return;
    }
    if (generation !== this.#generation) return;
    this.#refreshing = true;
    const result = await session.send(TOKEN_DESTINATION, {
      body: token,
      headers: { 'content-type': 'text/plain;charset=utf-8' },
    });
    // An ERROR closed the session: its close handler classified the failure (refreshing flag).
    if (generation !== this.#generation || !result.ok) return;
    this.#refreshing = false;
    const times = tokenTimes(token);
    const wireExp = result.headers['parley-token-exp'];
    this.#token = {
      exp: wireExp && /^\d+$/.test(wireExp) ? Number(wireExp) : times.exp,
      iat: times.iat,
    };
    this.#scheduleTokenRefresh(refreshDelay(this.#token.exp, this.#token.iat, Date.now()));
    this.#events.emit('token', { exp: this.#token.exp, inPlace: true });
    const revoked = result.headers['parley-revoked'];
    if (revoked) {
      const ids = revoked.split(',').map((id) => decodeURIComponent(id));
      this.#subscriptions.revoke(
        ids,
        (destination) =>
          new ParleyError('forbidden', `the refreshed token no longer grants ${destination}`),
      );
    }
  }

  #checkLink(): void {
    const session = this.#session;
    if (!session) return;
    this.#checkingLink = true;
    if (session.checkLink()) this.#checkingLink = false;
  }

  #settle(ok: boolean, aborted: boolean): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    const error =
      aborted || !this.#lastError
        ? new ParleyError('aborted', 'disconnect() was called before the relay accepted')
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
        const url = this.#session?.url ?? '';
        if (typeof this.#options.token === 'function') {
          this.#events.emit('token', { exp: this.#token.exp, inPlace: false });
        }
        return this.#events.emit('connected', { headers: this.#connectedHeaders, url });
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
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#stableTimer);
    clearTimeout(this.#tokenTimer);
    this.#environmentOff?.();
    this.#environmentOff = undefined;
    this.#outbox.close(this.#disposedError());
    this.#events.clear();
  }

  #disposedError(): ParleyError {
    return new ParleyError('disposed', 'the client was disposed');
  }

  async #latestHistory(destination: string): Promise<HistoryPage> {
    const history = this.#history;
    if (!history) throw new ParleyError('not-connected', 'not connected');
    const json = await history.latest(destination, DEFAULTS.resyncPageSize);
    const roomId = [...this.#rooms.values()].find((r) => r.destination === destination)?.id ?? '';
    return parseHistoryPage(roomId, json);
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
