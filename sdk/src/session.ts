import { Client } from '@stomp/stompjs';
import type { IFrame, IStompSocket } from '@stomp/stompjs';
import { FULL } from './build-flags.js';
import { ParleyError, errorFromFrame, headersLeftEscaped } from './errors.js';
import { LinkWatchdog, incomingPeriod, tickerStrategy } from './heartbeat.js';
import type { OutboundMessage } from './message.js';
import type { OutboxSender, SendResult } from './outbox.js';
import { STOMP_PROTOCOLS, failedSocket, redact } from './socket.js';
import type { CloseEventLike } from './socket.js';
import { watchSocket } from './socket-watch.js';
import type { FrameHandler, SubscriptionTarget } from './subscriptions.js';
import type { HeartbeatStrategy, WebSocketFactory } from './types.js';

/** @internal */
export interface SessionOptions {
  factory: WebSocketFactory;
  heartbeatMs: number;
  heartbeatStrategy: HeartbeatStrategy;
  connectTimeoutMs: number;
  /** How long a graceful DISCONNECT may take before the socket is dropped. */
  disconnectGraceMs: number;
  debug: ((message: string) => void) | undefined;
}

/** What a session reports to its owner. @internal */
export interface SessionHandlers {
  /** The relay sent CONNECTED. */
  connected(headers: Record<string, string>): void;
  /** A failure: an ERROR frame, a timeout, a lost socket. */
  error(error: ParleyError): void;
  /** The session is over; called exactly once. `cause` is the first failure, if any. */
  closed(cause: ParleyError | undefined): void;
}

function describeClose(event: CloseEventLike | undefined): string {
  const code = event?.code ?? 1006;
  return event?.reason ? `code ${code}: ${event.reason}` : `code ${code}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/**
 * One connection attempt and, if it succeeds, the connection's life, on its own stompjs `Client`
 * (so no stompjs state survives from one connection to the next). It never reconnects: the
 * client makes a new session.
 *
 * @internal
 */
export class Session implements SubscriptionTarget, OutboxSender {
  readonly url: string;
  readonly #options: SessionOptions;
  readonly #handlers: SessionHandlers;
  readonly #stomp: Client;
  /** Receipt id → what to do with the RECEIPT or with an ERROR naming it. */
  readonly #receipts = new Map<string, (result: SendResult) => void>();
  #connected = false;
  #closing = false;
  #finished = false;
  #cause: ParleyError | undefined;
  #socketError: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: LinkWatchdog | undefined;
  #watchTimer: ReturnType<typeof setInterval> | undefined;
  #counter = 0;

  constructor(url: string, token: string, options: SessionOptions, handlers: SessionHandlers) {
    this.url = url;
    this.#options = options;
    this.#handlers = handlers;
    const debug = options.debug;
    const host = hostOf(url);
    this.#stomp = new Client({
      webSocketFactory: () => this.#createSocket(),
      connectHeaders: { ...(host && { host }), Authorization: `Bearer ${token}` },
      reconnectDelay: 0,
      heartbeatIncoming: options.heartbeatMs,
      heartbeatOutgoing: options.heartbeatMs,
      heartbeatStrategy: tickerStrategy(options.heartbeatStrategy),
      // A lean build (build-flags.ts) does not log.
      debug: FULL && debug ? (line) => debug(redact(line)) : () => {},
      onConnect: (frame) => this.#onConnect(frame),
      onStompError: (frame) => this.#onStompError(frame),
      onWebSocketError: (event: { message?: unknown }) => {
        if (typeof event?.message === 'string') this.#socketError = event.message;
      },
      onWebSocketClose: (event: CloseEventLike) => this.#onSocketClose(event),
    });
    // The watchdog below judges incoming heart-beats, leniently; stompjs's own check never fires.
    this.#stomp.heartbeatToleranceMultiplier = Number.POSITIVE_INFINITY;
  }

  /** True between CONNECTED and the start of the end. */
  get connected(): boolean {
    return this.#connected && !this.#closing && !this.#finished;
  }

  /** Starts the attempt: socket, CONNECT. */
  open(): void {
    if (this.#options.connectTimeoutMs > 0) {
      this.#timer = setTimeout(() => {
        const ms = this.#options.connectTimeoutMs;
        this.drop(new ParleyError('timeout', `the relay did not accept within ${ms} ms`));
      }, this.#options.connectTimeoutMs);
    }
    this.#stomp.activate();
  }

  /** Ends the session: DISCONNECT and wait for the receipt if connected, else drop the socket. */
  async close(): Promise<void> {
    if (this.#finished) return;
    if (!this.#connected) return this.drop();
    this.#closing = true;
    const grace = this.#options.disconnectGraceMs;
    const force = setTimeout(() => void this.#stomp.deactivate({ force: true }), grace);
    try {
      await this.#stomp.deactivate();
    } finally {
      clearTimeout(force);
    }
    this.#finish();
  }

  /** Drops the socket at once (no DISCONNECT), recording `cause` if given. */
  drop(cause?: ParleyError): void {
    if (this.#finished) return;
    if (cause) this.#fail(cause);
    else this.#closing = true;
    void this.#stomp.deactivate({ force: true });
    this.#finish();
  }

  /**
   * After the page was hidden: false if the link is certainly dead (then it is dropped), true
   * if it is up or merely quiet (the watchdog gives it one more heart-beat period).
   */
  _checkLink(): boolean {
    if (!this.connected) return false;
    const socket = this.#stomp.webSocket;
    if (!socket || socket.readyState !== 1) {
      this.drop(new ParleyError('connection-closed', 'the connection was found closed'));
      return false;
    }
    return !this.#watchdog?.check(Date.now());
  }

  /** Sends SUBSCRIBE for `destination` with extra headers; returns the subscription id. */
  subscribe(
    destination: string,
    handler: FrameHandler,
    headers: Record<string, string> = {},
    onReceipt?: (result: SendResult) => void,
  ): string {
    this.#requireConnected(destination);
    const receipt = onReceipt ? this.#receipt('sub', onReceipt) : undefined;
    const subscription = this.#stomp.subscribe(
      destination,
      (message) => handler({ headers: message.headers, body: message.body }),
      { ...headers, ...(receipt && { receipt }) },
    );
    return subscription.id;
  }

  /** Sends UNSUBSCRIBE for subscription `id`, if still connected. */
  unsubscribe(id: string): void {
    if (this.connected) this.#stomp.unsubscribe(id);
  }

  /** Sends a frame without a receipt (history requests). */
  publish(destination: string, headers: Record<string, string>, body = ''): void {
    this.#requireConnected(destination);
    this.#stomp.publish({ destination, headers, body });
  }

  /** Sends SEND with a receipt; resolves with how it went (never rejects). */
  send(destination: string, message: OutboundMessage): Promise<SendResult> {
    if (!this.connected) {
      return Promise.resolve({
        ok: false,
        refused: false,
        error: new ParleyError('not-connected', `cannot send to ${destination}: not connected`),
      });
    }
    return new Promise<SendResult>((resolve) => {
      const receipt = this.#receipt('send', resolve);
      this.#stomp.publish({
        destination,
        body: message.body,
        headers: { ...message.headers, receipt },
      });
    });
  }

  #receipt(kind: string, done: (result: SendResult) => void): string {
    const id = `${kind}-${++this.#counter}`;
    this.#receipts.set(id, done);
    this.#stomp.watchForReceipt(id, (frame) => {
      const pending = this.#receipts.get(id);
      this.#receipts.delete(id);
      pending?.({ ok: true, headers: { ...frame.headers } });
    });
    return id;
  }

  #requireConnected(destination: string): void {
    if (!this.connected) {
      throw new ParleyError('not-connected', `cannot use ${destination}: not connected`);
    }
  }

  #createSocket(): IStompSocket {
    const { factory } = this.#options;
    const url = this.url;
    try {
      const socket = factory(url, [...STOMP_PROTOCOLS]);
      return watchSocket(socket, () => this.#watchdog?.activity(Date.now())) as IStompSocket;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.#fail(
        new ParleyError('socket-failed', `cannot open a WebSocket to ${url}: ${detail}`, {
          cause: error,
        }),
      );
      return failedSocket(url, detail) as IStompSocket;
    }
  }

  #onConnect(frame: IFrame): void {
    if (this.#finished || this.#closing) return;
    clearTimeout(this.#timer);
    this.#connected = true;
    const period = incomingPeriod(this.#options.heartbeatMs, frame.headers['heart-beat']);
    if (period > 0) {
      const watchdog = new LinkWatchdog(period, Date.now());
      this.#watchdog = watchdog;
      this.#watchTimer = setInterval(() => {
        if (watchdog.tick(Date.now())) {
          this.drop(new ParleyError('heartbeat-timeout', 'no heart-beat from the relay'));
        }
      }, period);
    }
    this.#handlers.connected({ ...frame.headers });
  }

  #onStompError(frame: IFrame): void {
    if (this.#finished) return;
    const error = errorFromFrame(frame.headers, frame.body, {
      escaped: headersLeftEscaped(frame),
    });
    const receiptId = frame.headers['receipt-id'];
    const pending = receiptId === undefined ? undefined : this.#receipts.get(receiptId);
    if (receiptId !== undefined) this.#receipts.delete(receiptId);
    pending?.({ ok: false, error, refused: true });
    this.#fail(error);
    // The relay closes after ERROR; don't depend on it.
    this.#stomp.forceDisconnect();
  }

  #onSocketClose(event: CloseEventLike | undefined): void {
    if (this.#finished) return;
    if (!this.#closing && !this.#cause) {
      const detail = this.#socketError
        ? `${describeClose(event)}; ${this.#socketError}`
        : describeClose(event);
      this.#fail(
        new ParleyError(
          'connection-closed',
          this.#connected
            ? `connection lost (${detail})`
            : `closed before the relay accepted (${detail})`,
        ),
      );
    }
    this.#finish();
  }

  #fail(error: ParleyError): void {
    if (this.#finished) return;
    this.#cause ??= error;
    this.#handlers.error(error);
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    clearInterval(this.#watchTimer);
    const error = this.#cause ?? new ParleyError('aborted', 'closed before the relay confirmed');
    for (const pending of this.#receipts.values()) pending({ ok: false, error, refused: false });
    this.#receipts.clear();
    // With reconnectDelay 0 stompjs stays "active" after a close; make it inactive for good.
    void this.#stomp.deactivate();
    this.#handlers.closed(this.#cause);
  }
}
