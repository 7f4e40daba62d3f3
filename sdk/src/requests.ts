import { ParleyError } from './errors.js';
import type { InboundFrame } from './message.js';

/** The session side a request needs. @internal */
export interface RequestTransport {
  subscribe(destination: string, handler: (frame: InboundFrame) => void): string;
  publish(destination: string, headers: Record<string, string>): void;
}

/**
 * Request/reply over STOMP on one connection (`/parley/history`, `/parley/reads`): subscribes to
 * its reply queue on first use and matches replies to requests by `parley-request-id`.
 *
 * @internal
 */
export class Requests {
  readonly #transport: RequestTransport;
  readonly #replyQueue: string;
  readonly #prefix: string;
  readonly #waiting = new Map<
    string,
    { resolve(frame: InboundFrame): void; reject(e: ParleyError): void }
  >();
  #subscribed = false;
  #counter = 0;

  /**
   * @param replyQueue - one of the user's own queues (`/user/queue/…`)
   * @param prefix - request ids are `<prefix>-<n>`
   */
  constructor(transport: RequestTransport, replyQueue: string, prefix: string) {
    this.#transport = transport;
    this.#replyQueue = replyQueue;
    this.#prefix = prefix;
  }

  /** Sends a request to `destination`; resolves with the reply frame. */
  ask(destination: string, headers: Record<string, string>): Promise<InboundFrame> {
    try {
      if (!this.#subscribed) {
        this.#transport.subscribe(this.#replyQueue, (frame) => this.#reply(frame));
        this.#subscribed = true;
      }
      const id = `${this.#prefix}-${++this.#counter}`;
      const promise = new Promise<InboundFrame>((resolve, reject) =>
        this.#waiting.set(id, { resolve, reject }),
      );
      this.#transport.publish(destination, {
        ...headers,
        'reply-to': this.#replyQueue,
        'parley-request-id': id,
      });
      return promise;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The connection ended: every waiting request fails. */
  close(error: ParleyError): void {
    for (const w of this.#waiting.values()) w.reject(error);
    this.#waiting.clear();
  }

  #reply(frame: InboundFrame): void {
    const id = frame.headers['parley-request-id'];
    const waiting = id === undefined ? undefined : this.#waiting.get(id);
    if (!waiting || id === undefined) return;
    this.#waiting.delete(id);
    waiting.resolve(frame);
  }
}

/** A request that the connection ended before its reply. @internal */
export const notConnected = (): ParleyError => new ParleyError('not-connected', 'not connected');
