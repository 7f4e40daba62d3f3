import { classifyClose } from './close-kind.js';
import {
  DEFAULTS,
  HISTORY_DESTINATION,
  HISTORY_REPLY_QUEUE,
  READS_DESTINATION,
  READS_REPLY_QUEUE,
  TOKEN_DESTINATION,
} from './defaults.js';
import { ParleyError } from './errors.js';
import { historyHeaders, parseHistoryPage } from './history.js';
import type { HistoryPage, HistoryQuery } from './history.js';
import type { OutboundMessage } from './message.js';
import type { SendResult } from './outbox.js';
import { parseReads } from './reads.js';
import type { ReadsReply } from './reads.js';
import { Requests, notConnected } from './requests.js';
import type { ResolvedOptions } from './options.js';
import { Session } from './session.js';
import type { MachineEvent } from './state.js';
import { fetchTokenWithin, tokenFailure } from './token.js';
import { refreshDelay, tokenTimes } from './token-schedule.js';
import type { TokenTimes } from './token-schedule.js';
import type { TokenRefreshedEvent } from './events.js';

/** What the connection reports to the client. @internal */
export interface ConnectionHooks {
  /** An input for the state machine (`opened`, `closed`). */
  dispatch(event: MachineEvent): void;
  /** A failure worth telling the app about (it may be retried). */
  error(error: ParleyError): void;
  /** The live session is gone: nothing may use it any more. */
  _detached(): void;
  /** A fresh token is in use. */
  token(event: TokenRefreshedEvent): void;
  /** A refreshed token no longer grants these subscription ids (`parley-revoked`). */
  _revoked(ids: string[]): void;
  /** When the token should be refreshed next (ms from now), if at all. */
  _scheduleRefresh(delayMs: number | undefined): void;
}

/**
 * The socket side of the client: one session (stompjs client + socket) at a time. Gets the token,
 * opens sessions on the next URL, ends them, swaps tokens in place and checks the link; every
 * `await` continuation and callback checks the generation, so a late callback from an old socket
 * or attempt does nothing.
 *
 * @internal
 */
export class Connection {
  readonly #options: ResolvedOptions;
  readonly #hooks: ConnectionHooks;
  /** Bumped whenever a session or attempt is replaced. */
  #generation = 0;
  #session: Session | undefined;
  #history: Requests | undefined;
  #reads: Requests | undefined;
  #headers: Record<string, string> = {};
  #urlIndex = 0;
  #closing = new Set<Promise<void>>();
  #token: TokenTimes = { exp: undefined, iat: undefined };
  #refreshing = false;
  #checkingLink = false;

  constructor(options: ResolvedOptions, hooks: ConnectionHooks) {
    this.#options = options;
    this.#hooks = hooks;
  }

  /** Changes whenever the session or attempt changes: timers compare it before acting. */
  get generation(): number {
    return this.#generation;
  }

  /** The live session, if connected or connecting. */
  get session(): Session | undefined {
    return this.#session;
  }

  /** The CONNECTED headers of the current session. */
  get headers(): Record<string, string> {
    return this.#headers;
  }

  /** The time claims of the token in use. */
  get token(): TokenTimes {
    return this.#token;
  }

  /** Resolves when every session being closed is closed. */
  closed(): Promise<void> {
    return Promise.all([...this.#closing]).then(() => undefined);
  }

  /** Starts an attempt: (after any graceful close) token, then a session on the current URL. */
  open(): void {
    this.end(false);
    const generation = ++this.#generation;
    // A graceful close still in progress (disconnect() then connect()) ends first: one socket.
    this.closed()
      .then(() => fetchTokenWithin(this.#options.token, this.#options.session.connectTimeoutMs))
      .then(
        (token) => {
          if (generation === this.#generation) this.#start(generation, token);
        },
        (error: unknown) => {
          if (generation !== this.#generation) return;
          const failure = tokenFailure(error);
          this.#hooks.error(failure);
          const kind = failure.reason === 'unauthorized' ? 'unauthorized' : 'transient';
          this.#hooks.dispatch({ type: 'closed', kind });
        },
      );
  }

  /** Ends the current session (gracefully: DISCONNECT and wait) and any attempt in flight. */
  end(graceful: boolean): void {
    const session = this.#session;
    this.#generation++;
    if (!session) return;
    this.#session = undefined;
    this.#detach(undefined);
    const closing = graceful ? session.close() : Promise.resolve(session.drop());
    this.#closing.add(closing);
    void closing.finally(() => this.#closing.delete(closing));
  }

  /** Swaps a fresh token in on the open connection (`SEND /parley/token`). */
  async refreshInPlace(): Promise<void> {
    const generation = this.#generation;
    const session = this.#session;
    if (!session) return;
    let token: string;
    try {
      token = await fetchTokenWithin(this.#options.token, this.#options.session.connectTimeoutMs);
    } catch (error) {
      if (generation !== this.#generation) return;
      const failure = tokenFailure(error);
      this.#hooks.error(failure);
      if (failure.reason === 'unauthorized') {
        this.#hooks.dispatch({ type: 'closed', kind: 'unauthorized' });
      } else this.#hooks._scheduleRefresh(DEFAULTS.tokenRefreshRetryMs);
      return;
    }
    if (generation !== this.#generation) return;
    this.#refreshing = true;
    const result = await session.send(TOKEN_DESTINATION, {
      body: token,
      headers: { 'content-type': 'text/plain;charset=utf-8' },
    });
    // An ERROR closed the session: its close handler classified it (the refreshing flag).
    if (generation !== this.#generation || !result.ok) return;
    this.#refreshing = false;
    const times = tokenTimes(token);
    const wireExp = result.headers['parley-token-exp'];
    const exp = wireExp && /^\d+$/.test(wireExp) ? Number(wireExp) : times.exp;
    this.#token = { exp, iat: times.iat };
    this.#hooks._scheduleRefresh(refreshDelay(exp, times.iat, Date.now()));
    this.#hooks.token({ exp, inPlace: true });
    const revoked = result.headers['parley-revoked'];
    if (revoked) this.#hooks._revoked(revoked.split(',').map((id) => decodeURIComponent(id)));
  }

  /** The page is visible again: drop the link (and reconnect at once) if it is dead. */
  _checkLink(): void {
    const session = this.#session;
    if (!session) return;
    this.#checkingLink = true;
    if (session._checkLink()) this.#checkingLink = false;
  }

  /** The user id the relay knows this client as (CONNECTED's `user-name`), once connected. */
  get userId(): string | undefined {
    return this.#headers['user-name'];
  }

  /** A page of `destination`'s history (messages labelled `room`), over the live connection. */
  async history(destination: string, room: string, query: HistoryQuery): Promise<HistoryPage> {
    const history = this.#history;
    if (!history) throw notConnected();
    const reply = await history.ask(HISTORY_DESTINATION, historyHeaders(destination, query));
    return parseHistoryPage(room, reply.body);
  }

  /** The newest page of `destination`'s history, over the live connection. */
  _latestHistory(destination: string, room: string): Promise<HistoryPage> {
    return this.history(destination, room, { limit: DEFAULTS.resyncPageSize });
  }

  /** The read positions of `destination` (`/parley/reads`), over the live connection. */
  async reads(destination: string): Promise<ReadsReply> {
    const reads = this.#reads;
    if (!reads) throw notConnected();
    const reply = await reads.ask(READS_DESTINATION, { 'parley-target': destination });
    return parseReads(reply.body);
  }

  /** Sends a frame without a receipt (typing); false when not connected. */
  publish(destination: string, headers: Record<string, string>): boolean {
    const session = this.#session;
    if (!session?.connected) return false;
    try {
      session.publish(destination, headers);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends a frame with a receipt outside the outbox (read marks); never rejects. */
  send(destination: string, message: OutboundMessage): Promise<SendResult> {
    const session = this.#session;
    if (!session) return Promise.resolve({ ok: false, refused: false, error: notConnected() });
    return session.send(destination, message);
  }

  #start(generation: number, token: string): void {
    this.#token = tokenTimes(token);
    const urls = this.#options.urls;
    const url = urls[this.#urlIndex % urls.length] ?? urls[0] ?? '';
    const session: Session = new Session(url, token, this.#options.session, {
      connected: (headers) => {
        if (generation !== this.#generation) return;
        this.#headers = headers;
        const transport = {
          subscribe: session.subscribe.bind(session),
          publish: session.publish.bind(session),
        };
        this.#history = new Requests(transport, HISTORY_REPLY_QUEUE, 'h');
        this.#reads = new Requests(transport, READS_REPLY_QUEUE, 'r');
        this.#hooks.dispatch({ type: 'opened' });
      },
      error: (error) => {
        if (generation === this.#generation) this.#hooks.error(error);
      },
      closed: (cause) => {
        if (generation !== this.#generation) return;
        this.#session = undefined;
        this.#detach(cause);
        this.#urlIndex++; // the next attempt goes to the next relay
        this.#hooks.dispatch({ type: 'closed', ...this.#classify(cause) });
      },
    });
    this.#session = session;
    session.open();
  }

  #classify(cause: ParleyError | undefined): ReturnType<typeof classifyClose> {
    const { reconnect, token } = this.#options;
    const kind = classifyClose(cause, {
      staticToken: typeof token === 'string',
      refreshing: this.#refreshing,
      checkingLink: this.#checkingLink,
      shutdownSpreadMs: reconnect ? reconnect.shutdownSpreadMs : 0,
    });
    this.#refreshing = this.#checkingLink = false;
    return kind;
  }

  #detach(cause: ParleyError | undefined): void {
    const error = cause ?? new ParleyError('connection-closed', 'the connection ended');
    this.#history?.close(error);
    this.#reads?.close(error);
    this.#history = this.#reads = undefined;
    this.#hooks._detached();
  }
}
