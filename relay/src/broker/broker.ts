/**
 * The fan-out engine behind the relay. It knows destinations and messages, never sockets:
 * the relay's {@link Hub} subscribes once per destination and fans out to its sessions.
 */

/** What a publisher hands to the broker. */
export interface PublishInput {
  /** Internal (mapped) destination, e.g. `/topic/room.42`. */
  destination: string;
  body: Uint8Array;
  /** Headers passed through to MESSAGE frames (content-type, user headers). */
  headers: Array<[string, string]>;
  /** Verified user id of the sender. */
  sender: string;
  /** Display name of the sender, from the token. */
  senderName?: string;
  /** The body arrived in a binary WebSocket message and must leave in one. */
  binary?: boolean;
}

/** A message as the broker stamped it. Offsets are per destination, gapless, starting at 1. */
export interface BrokerMessage extends PublishInput {
  /** Unique message id (relay-wide for memory, cluster-wide for Redis). */
  id: string;
  offset: number;
  /** Changes when the destination's history is lost (e.g. broker restart). */
  epoch: string;
  /** Server time of publication, ms since the epoch. */
  timestamp: number;
}

export type BrokerListener = (message: BrokerMessage) => void;

export interface Broker {
  /** Stamps and delivers a message to every listener of its destination, in offset order. */
  publish(input: PublishInput): Promise<BrokerMessage>;
  /** Adds a listener for one destination. Listeners of a destination see one total order. */
  subscribe(destination: string, listener: BrokerListener): Promise<void>;
  /** Removes a listener; a no-op if it is not subscribed. */
  unsubscribe(destination: string, listener: BrokerListener): Promise<void>;
  /** Whether the broker can currently publish (for `/readyz`). */
  ready(): boolean;
  /** Releases connections and timers; later calls fail. */
  close(): Promise<void>;
}
