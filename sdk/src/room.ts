import { TypedEmitter } from './emitter.js';
import type { Listener, Unsubscribe } from './emitter.js';
import { isParleyError, ParleyError } from './errors.js';
import { encodeMessage, toChatMessage } from './message.js';
import type { OutboundMessage } from './message.js';
import type { SubscriptionHooks } from './subscriptions.js';
import type { MessageBody, SendHeaders } from './types.js';
import type { RoomEvents, SendPromise } from './events.js';

/** What a room needs from its client. @internal */
export interface RoomHost {
  /** Wants `destination`'s messages until the returned function is called. */
  subscribe(destination: string, hooks: SubscriptionHooks): () => void;
  /** Puts one message in the outbox. */
  send(destination: string, message: OutboundMessage): SendPromise;
  /** A send that failed before reaching the outbox. */
  rejected(destination: string, error: ParleyError): SendPromise;
}

/**
 * A chat room: the destination `/topic/room.<id>`. Get one with `client.room(id)`; the client
 * returns the same `Room` for the same id.
 *
 * The room is subscribed while it has at least one `message` or `resync` listener: right away
 * when the client is connected, otherwise on the next connect, and again after every reconnect
 * — resuming after the last message it delivered, so nothing is missed and nothing repeats.
 */
export class Room {
  /** The room id. */
  readonly id: string;
  /** The STOMP destination, `/topic/room.<id>`. */
  readonly destination: string;
  readonly #host: RoomHost;
  readonly #events = new TypedEmitter<RoomEvents>();
  #release: (() => void) | undefined;

  /** @internal Use `client.room(id)`. */
  constructor(id: string, destination: string, host: RoomHost) {
    this.id = id;
    this.destination = destination;
    this.#host = host;
  }

  /**
   * Sends a message to the room. A string goes as `text/plain;charset=utf-8`; an object is
   * JSON-encoded with `content-type: application/json`. The message goes through the outbox:
   * it gets a client id, waits while the client is not connected, and is sent again after a
   * reconnect if its receipt did not come (the relay drops the repeat).
   *
   * @param body - the message
   * @param headers - extra STOMP headers; `parley-*`, `destination`, `receipt` and
   *   `content-length` are reserved, `content-type` overrides the default
   * @returns a promise of the relay's receipt, with `clientId` and the outbox entry `outgoing`
   * @throws ParleyError (as a rejection) with reason `invalid-argument` for a bad body or
   *   header, `outbox-full` when the outbox is at its bounds, the relay's reason (such as
   *   `forbidden`) if it refused the message, or the failure's reason if the client `failed`
   */
  send(body: MessageBody, headers?: SendHeaders): SendPromise {
    let message: OutboundMessage;
    try {
      message = encodeMessage(body, headers);
    } catch (error) {
      const failure = isParleyError(error)
        ? error
        : new ParleyError('invalid-argument', String(error), { cause: error });
      return this.#host.rejected(this.destination, failure);
    }
    return this.#host.send(this.destination, message);
  }

  /**
   * Listens for a room event. The first `message` or `resync` listener subscribes the room;
   * removing the last one unsubscribes it.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof RoomEvents>(event: K, listener: Listener<RoomEvents[K]>): Unsubscribe {
    const off = this.#events.on(event, listener);
    if ((event === 'message' || event === 'resync') && !this.#release) {
      this.#release = this.#host.subscribe(this.destination, {
        decode: (frame) => toChatMessage(this.id, frame),
        message: (m) => this.#events.emit('message', m),
        resync: (e) => this.#events.emit('resync', e),
        refused: (error) => this.#events.emit('error', error),
      });
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      off();
      const listeners =
        this.#events.listenerCount('message') + this.#events.listenerCount('resync');
      if (this.#release && listeners === 0) {
        const release = this.#release;
        this.#release = undefined;
        release();
      }
    };
  }
}
