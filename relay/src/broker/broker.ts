/**
 * The fan-out engine behind the relay. It knows destinations and messages, never sockets:
 * the relay's Hub subscribes once per destination and fans out to its sessions.
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
  /**
   * Not stored and not counted: delivered live only, with offset 0 (typing indicators,
   * presence events).
   */
  ephemeral?: boolean;
  /**
   * The client's id for the message (`parley-client-id`). A repeat with the same sender,
   * destination and client id within the broker's de-dup window is neither stored nor delivered:
   * `publish` resolves to the first one's stamp with `duplicate: true`. Ignored when ephemeral.
   */
  clientId?: string;
  /**
   * The relay timestamp to stamp instead of the broker's clock: a direct message's mirror in the
   * sender's copy carries its original's, so both copies agree (docs/protocol.md#direct-messages).
   * Meant for a timestamp a moment old; offsets and de-duplication are unaffected.
   */
  timestamp?: number;
}

/**
 * A message as the broker stamped it. Offsets are per destination, gapless, starting at 1
 * (0 for ephemeral messages, which have no place in the history).
 */
export interface BrokerMessage extends PublishInput {
  /** Unique message id (relay-wide for memory, cluster-wide for Redis). */
  id: string;
  offset: number;
  /** Changes when the destination's history is lost (e.g. broker restart). */
  epoch: string;
  /** Server time of publication, ms since the epoch. */
  timestamp: number;
  /**
   * Set by a relay on the first message it delivers after offsets `from`..`to` of this epoch
   * that it could not deliver (history no longer had them); sent as `parley-gap`. Never stored.
   */
  gap?: { from: number; to: number };
  /** Set by `publish` on a repeat of a client id it remembers: nothing was stored or delivered. */
  duplicate?: true;
}

export type BrokerListener = (message: BrokerMessage) => void;

/** Which slice of a destination's history to read. */
export interface HistoryQuery {
  /** Only messages with a larger offset (recovery: the last offset the client saw). */
  after?: number;
  /** Only messages with a smaller offset (paging back). */
  before?: number;
  /**
   * Most messages to return. Without `after`: the newest ones (before `before`, if given) — the
   * latest page of a chat, or the page before one. With `after`: the oldest ones after it.
   */
  limit: number;
}

/** A slice of history and where it sits in the destination's retained range. */
export interface HistoryPage {
  /** Oldest first. */
  messages: BrokerMessage[];
  /** The destination's current epoch ('' when it has never had a message). */
  epoch: string;
  /** Offset of the oldest retained message (0 when none is retained). */
  first: number;
  /** Offset of the newest message ever published in this epoch (0 when none). */
  last: number;
}

/** How long and how much history a destination keeps. */
export interface Retention {
  /** Most messages kept per destination. */
  maxCount: number;
  /** Oldest message kept, in ms. */
  maxAgeMs: number;
}

/**
 * Competing-consumer delivery of one `/queue/` destination to one relay, shared with every other
 * relay (Redis Streams consumer groups). The relay's hub tells it how many messages its local
 * consumers can take; each message goes to exactly one relay until acknowledged; messages a relay
 * holds unacknowledged when it dies are taken over by another after a visibility timeout.
 */
export interface QueueFeed {
  /** How many more messages this relay can take now; the feed fetches at most that many. */
  setCredit(n: number): void;
  /** The message was processed (ACK, or delivered to an auto-ack consumer): gone for good. */
  ack(message: BrokerMessage): void;
  /** Gives messages back (no local consumer can take them): other relays may deliver them now. */
  release(messages: BrokerMessage[]): void;
  /** Stops fetching; messages still unacknowledged are released. */
  close(): Promise<void>;
}

export interface Broker {
  /** Stamps and delivers a message to every listener of its destination, in offset order. */
  publish(input: PublishInput): Promise<BrokerMessage>;
  /** Adds a listener for one destination. Listeners of a destination see one total order. */
  subscribe(destination: string, listener: BrokerListener): Promise<void>;
  /** Removes a listener; a no-op if it is not subscribed. */
  unsubscribe(destination: string, listener: BrokerListener): Promise<void>;
  /**
   * Starts competing-consumer delivery of a `/queue/` destination to this relay. Brokers that span
   * one process omit it: their `/queue/` messages arrive through {@link subscribe} and the relay's
   * hub picks one local consumer.
   */
  consumeQueue?(destination: string, deliver: (message: BrokerMessage) => void): Promise<QueueFeed>;
  /** Reads retained history (never ephemeral messages). */
  history(destination: string, query: HistoryQuery): Promise<HistoryPage>;
  /** Whether the broker can currently publish (for `/readyz`). */
  ready(): boolean;
  /**
   * What history this process holds (for `/metrics`): destinations with a log and the messages
   * in them. Brokers that keep history elsewhere (Redis) omit it.
   */
  historySize?(): { destinations: number; messages: number };
  /**
   * Called after the broker's live feed was lost and is back (every subscription restored);
   * messages published meanwhile were not delivered and must be read from history.
   * Returns a function that removes the listener. Brokers that cannot lose their feed omit it.
   */
  onReconnect?(listener: () => void): () => void;
  /** Releases connections and timers; later calls fail. */
  close(): Promise<void>;
}
