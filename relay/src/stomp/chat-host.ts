import type { Broker, BrokerMessage } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import type { ReadService } from '../reads/read-service.js';
import type { DestinationRules } from './destinations.js';
import type { LocalSubscription } from './hub-contract.js';

/**
 * What the chat features on SEND (read marks, `/parley/reads`, direct messages) need from the
 * session that received the frame. @internal
 */
export interface ChatHost {
  readonly broker: Broker;
  readonly rules: DestinationRules;
  /** Read positions; absent = read marks and `/parley/reads` are refused. */
  readonly reads: ReadService | undefined;
  /** Whether the frame arrived in a binary WebSocket message. */
  binary(frame: Frame): boolean;
  /** The subscription a request's `reply-to` names (throws a `protocol-error` when none). */
  replySubscription(frame: Frame, what: string, example: string): LocalSubscription;
  /** Writes the one reply MESSAGE of a request. */
  reply(
    frame: Frame,
    sub: LocalSubscription,
    kind: string,
    extra: Array<[string, string]>,
    payload: unknown,
  ): void;
  /** Counts a stored publication (metrics). */
  published(message: BrokerMessage): void;
}
