/**
 * What the hub's users need to know of it, apart from the {@link Hub} class (hub.ts): the
 * subscription and sink shapes it delivers to, which destinations are queues, and the error a
 * full queue raises. Kept apart so that sessions, the HTTP API and error mapping import these
 * without importing the implementation.
 */
import type { BrokerMessage } from '../broker/broker.js';

/** One STOMP subscription of one session, as the hub sees it. */
export interface LocalSubscription {
  /** The client's subscription id. */
  readonly id: string;
  /** The destination as the client wrote it (echoed in MESSAGE frames). */
  readonly destination: string;
  /** The internal destination after prefix mapping and user resolution. */
  readonly target: string;
  readonly sink: MessageSink;
}

/** Whatever receives messages for a subscription (a STOMP session). */
export interface MessageSink {
  deliver(message: BrokerMessage, subscription: LocalSubscription, redelivered?: boolean): void;
  /** Whether this sink's socket can join topics, and with which STOMP escaping; undefined = no. */
  topicEscapes?(): boolean | undefined;
  /** Joins / leaves a uWS topic (the fast lane). `joinTopic` returns false when it cannot. */
  joinTopic?(topic: string): boolean;
  leaveTopic?(topic: string): void;
  /** Ends the sink with `slow-consumer` if its socket buffer is over the limit. */
  checkBackpressure?(): void;
}

/** `/queue/<name>` destinations have competing consumers; everything else broadcasts. */
export function isQueue(target: string): boolean {
  return target.startsWith('/queue/');
}

/** A `/queue/` destination's backlog is full; the SEND is refused. */
export class QueueFullError extends Error {
  constructor(
    readonly target: string,
    readonly limit: number,
  ) {
    super(`queue ${target} already holds ${limit} messages waiting for a consumer`);
  }
}
