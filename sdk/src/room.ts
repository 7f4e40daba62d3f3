import { TypedEmitter } from './emitter.js';
import type { Listener, Unsubscribe } from './emitter.js';
import { encodeMessage, toChatMessage } from './message.js';
import type { OutboundMessage } from './message.js';
import type { FrameHandler } from './subscriptions.js';
import type { MessageBody, RoomEvents, SendHeaders } from './types.js';

/** What a room needs from its client. @internal */
export interface RoomHost {
  /** Wants `destination`'s messages until the returned function is called. */
  subscribe(destination: string, handler: FrameHandler): () => void;
  /** Sends one message and resolves on the relay's receipt. */
  send(destination: string, message: OutboundMessage): Promise<void>;
}

/**
 * A chat room: the destination `/topic/room.<id>`. Get one with `client.room(id)`; the client
 * returns the same `Room` for the same id.
 *
 * The room is subscribed while it has at least one `message` listener: right away when the client
 * is connected, otherwise on the next connect, and again after every reconnect.
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
   * JSON-encoded with `content-type: application/json`.
   *
   * @param body - the message
   * @param headers - extra STOMP headers; `parley-*`, `destination`, `receipt` and
   *   `content-length` are reserved, `content-type` overrides the default
   * @returns resolves when the relay has accepted the message (its RECEIPT arrived)
   * @throws ParleyError (as a rejection) with reason `not-connected` when the client is not
   *   connected, `invalid-argument` for a bad body or header, or the relay's reason (such as
   *   `forbidden`) if it refused the message
   */
  async send(body: MessageBody, headers?: SendHeaders): Promise<void> {
    const message = encodeMessage(body, headers);
    await this.#host.send(this.destination, message);
  }

  /**
   * Listens for a room event. The first `message` listener subscribes the room; removing the
   * last one unsubscribes it.
   *
   * @returns a function that removes the listener
   */
  on<K extends keyof RoomEvents>(event: K, listener: Listener<RoomEvents[K]>): Unsubscribe {
    const off = this.#events.on(event, listener);
    if (event === 'message' && !this.#release) {
      this.#release = this.#host.subscribe(this.destination, (frame) =>
        this.#events.emit('message', toChatMessage(this.id, frame)),
      );
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      off();
      if (this.#release && this.#events.listenerCount('message') === 0) {
        const release = this.#release;
        this.#release = undefined;
        release();
      }
    };
  }
}
