import type { BrokerMessage } from '../broker/broker.js';
import type { LocalSubscription, MessageSink } from './hub-contract.js';

/** Messages fetched ahead for an auto-ack queue consumer (they are acknowledged on delivery). */
const AUTO_ACK_WINDOW = 64;

/** STOMP 1.2 acknowledgement modes. */
export type AckMode = 'auto' | 'client' | 'client-individual';

export function isAckMode(v: string): v is AckMode {
  return v === 'auto' || v === 'client' || v === 'client-individual';
}

/**
 * One STOMP subscription of one session, with its unacknowledged messages (client ack modes).
 * Pending messages are kept in delivery order, which is what makes `client` acks cumulative.
 * @internal
 */
export class Subscription implements LocalSubscription {
  private pendingMap?: Map<string, BrokerMessage>;

  /** ack id → message, in delivery order (created on first use: auto-ack never needs it). */
  get pending(): Map<string, BrokerMessage> {
    return (this.pendingMap ??= new Map());
  }
  /** Live messages held while history is replayed (`parley-since`); undefined when live. */
  recovering?: BrokerMessage[];
  /** The uWS topic this subscription rides on the fast lane, if it does. */
  topic?: string;
  /** Newest offset delivered (broadcast destinations), so no offset is ever delivered twice. */
  lastOffset = 0;
  lastEpoch = '';
  /** Subscribed with `parley-presence:true`: the session is present here and gets presence events. */
  presence = false;
  /** Presence events held until the member list has been sent (so the list comes first). */
  presenceHold?: BrokerMessage[];

  constructor(
    readonly id: string,
    readonly destination: string,
    readonly target: string,
    readonly ack: AckMode,
    readonly sink: MessageSink,
    /** Most unacknowledged messages held for this subscription. */
    readonly maxUnacked: number,
  ) {}

  /** Whether a competing-consumer queue may hand this subscription another message. */
  get hasCapacity(): boolean {
    return this.ack === 'auto' || (this.pendingMap?.size ?? 0) < this.maxUnacked;
  }

  /** How many more messages a queue may hand it now; auto-ack consumers get a fixed window. */
  get freeSlots(): number {
    return this.ack === 'auto'
      ? AUTO_ACK_WINDOW
      : Math.max(0, this.maxUnacked - (this.pendingMap?.size ?? 0));
  }

  track(ackId: string, message: BrokerMessage): void {
    this.pending.set(ackId, message);
  }

  /**
   * Settles `ackId` (and, in `client` mode, every message delivered before it) and returns the
   * settled `[ackId, message]` pairs, oldest first; `undefined` if the id is not pending here.
   */
  settle(ackId: string): Array<[string, BrokerMessage]> | undefined {
    const target = this.pending.get(ackId);
    if (!target) return undefined;
    if (this.ack !== 'client') {
      this.pending.delete(ackId);
      return [[ackId, target]];
    }
    const settled: Array<[string, BrokerMessage]> = [];
    for (const [id, m] of this.pending) {
      this.pending.delete(id);
      settled.push([id, m]);
      if (id === ackId) break;
    }
    return settled;
  }

  /** Removes and returns every pending message (unsubscribe, lost consumer). */
  drainPending(): BrokerMessage[] {
    if (!this.pendingMap) return [];
    const all = [...this.pendingMap.values()];
    this.pendingMap.clear();
    return all;
  }
}
