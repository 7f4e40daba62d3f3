import { Client } from '@stomp/stompjs';
import type { IFrame, IStompSocket } from '@stomp/stompjs';
import { ParleyError, errorFromFrame, isParleyError } from './errors.js';
import type { OutboundMessage } from './message.js';
import { STOMP_PROTOCOLS, failedSocket, redact } from './socket.js';
import type { CloseEventLike } from './socket.js';
import type { FrameHandler, SubscriptionTarget } from './subscriptions.js';
import { fetchToken } from './token.js';
import type { TokenSource, WebSocketFactory } from './types.js';

/** @internal */
export interface SessionOptions {
  url: string;
  token: TokenSource;
  factory: WebSocketFactory;
  heartbeatMs: number;
  connectTimeoutMs: number;
  /** How long a graceful DISCONNECT may take before the socket is dropped. */
  disconnectGraceMs: number;
  debug: ((message: string) => void) | undefined;
}

/** What a session reports to its owner. @internal */
export interface SessionHandlers {
  /** The relay sent CONNECTED. */
  connected(headers: Record<string, string>): void;
  /** A failure: an ERROR frame, a token failure, a timeout, a lost socket. */
  error(error: ParleyError): void;
  /** The session is over; called exactly once. `cause` is the first failure, if any. */
  closed(cause: ParleyError | undefined): void;
}

interface PendingReceipt {
  resolve(): void;
  reject(error: ParleyError): void;
}

function describeClose(event: CloseEventLike | undefined): string {
  const code = event?.code ?? 1006;
  return event?.reason ? `code ${code}: ${event.reason}` : `code ${code}`;
}

/**
 * One connection attempt and, if it succeeds, the connection's life, on its own stompjs `Client`
 * (so no stompjs state survives from one connection to the next). It never reconnects.
 *
 * @internal
 */
export class Session implements SubscriptionTarget {
  readonly #options: SessionOptions;
  readonly #handlers: SessionHandlers;
  readonly #stomp: Client;
  readonly #receipts = new Map<string, PendingReceipt>();
  #connected = false;
  #closing = false;
  #finished = false;
  #cause: ParleyError | undefined;
  #socketError: string | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #receiptCounter = 0;

  constructor(options: SessionOptions, handlers: SessionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    const debug = options.debug;
    this.#stomp = new Client({
      webSocketFactory: () => this.#createSocket(),
      reconnectDelay: 0,
      heartbeatIncoming: options.heartbeatMs,
      heartbeatOutgoing: options.heartbeatMs,
      debug: debug ? (line) => debug(redact(line)) : () => {},
      beforeConnect: (client) => this.#beforeConnect(client),
      onConnect: (frame) => this.#onConnect(frame),
      onStompError: (frame) => this.#onStompError(frame),
      onWebSocketError: (event: { message?: unknown }) => {
        if (typeof event?.message === 'string') this.#socketError = event.message;
      },
      onWebSocketClose: (event: CloseEventLike) => this.#onSocketClose(event),
      onHeartbeatLost: () =>
        this.#fail(new ParleyError('heartbeat-timeout', 'no heart-beat from the relay')),
    });
  }

  /** True between CONNECTED and the start of the end. */
  get connected(): boolean {
    return this.#connected && !this.#closing && !this.#finished;
  }

  /** Starts the attempt: token, socket, CONNECT. */
  open(): void {
    if (this.#options.connectTimeoutMs > 0) {
      this.#timer = setTimeout(() => {
        const ms = this.#options.connectTimeoutMs;
        void this.#abort(new ParleyError('timeout', `the relay did not accept within ${ms} ms`));
      }, this.#options.connectTimeoutMs);
    }
    this.#stomp.activate();
  }

  /** Ends the session: DISCONNECT and wait for the receipt if connected, else drop the socket. */
  async close(): Promise<void> {
    if (this.#finished) return;
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

  /** Sends SUBSCRIBE for `destination`; returns the subscription id. */
  subscribe(destination: string, handler: FrameHandler): string {
    this.#requireConnected(destination);
    const subscription = this.#stomp.subscribe(destination, (message) =>
      handler({ headers: message.headers, body: message.body }),
    );
    return subscription.id;
  }

  /** Sends UNSUBSCRIBE for subscription `id`, if still connected. */
  unsubscribe(id: string): void {
    if (this.connected) this.#stomp.unsubscribe(id);
  }

  /** Sends SEND with a receipt; resolves when the relay's RECEIPT arrives. */
  send(destination: string, message: OutboundMessage): Promise<void> {
    try {
      this.#requireConnected(destination);
    } catch (error) {
      return Promise.reject(error);
    }
    const receipt = `send-${++this.#receiptCounter}`;
    return new Promise<void>((resolve, reject) => {
      this.#receipts.set(receipt, { resolve, reject });
      this.#stomp.watchForReceipt(receipt, () => {
        const pending = this.#receipts.get(receipt);
        this.#receipts.delete(receipt);
        pending?.resolve();
      });
      this.#stomp.publish({
        destination,
        body: message.body,
        headers: { ...message.headers, receipt },
      });
    });
  }

  #requireConnected(destination: string): void {
    if (!this.connected) {
      throw new ParleyError('not-connected', `cannot use ${destination}: not connected`);
    }
  }

  #createSocket(): IStompSocket {
    const { url, factory } = this.#options;
    try {
      return factory(url, [...STOMP_PROTOCOLS]) as IStompSocket;
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

  async #beforeConnect(client: Client): Promise<void> {
    let token: string;
    try {
      token = await fetchToken(this.#options.token);
    } catch (error) {
      const failure = isParleyError(error)
        ? error
        : new ParleyError('token-unavailable', 'the token function failed', { cause: error });
      await this.#abort(failure);
      return;
    }
    // If close() or the timeout came first, the stompjs client is already inactive and stops here.
    if (this.#finished || this.#closing) return;
    const host = hostOf(this.#options.url);
    client.connectHeaders = { ...(host && { host }), Authorization: `Bearer ${token}` };
  }

  #onConnect(frame: IFrame): void {
    if (this.#finished || this.#closing) return;
    clearTimeout(this.#timer);
    this.#connected = true;
    this.#handlers.connected({ ...frame.headers });
  }

  #onStompError(frame: IFrame): void {
    if (this.#finished) return;
    this.#fail(errorFromFrame(frame.headers, frame.body));
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
        this.#connected
          ? new ParleyError('connection-closed', `the connection to the relay was lost (${detail})`)
          : new ParleyError(
              'connection-closed',
              `the WebSocket closed before the relay accepted (${detail})`,
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

  async #abort(error: ParleyError): Promise<void> {
    if (this.#finished) return;
    this.#fail(error);
    await this.#stomp.deactivate({ force: true });
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    const cause = this.#cause;
    for (const pending of this.#receipts.values()) {
      pending.reject(
        cause ?? new ParleyError('aborted', 'disconnect() was called before the relay confirmed'),
      );
    }
    this.#receipts.clear();
    // With reconnectDelay 0 stompjs stays "active" after a close; make it inactive for good.
    void this.#stomp.deactivate();
    this.#handlers.closed(cause);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}
