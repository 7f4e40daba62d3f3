import type { Broker, BrokerListener, BrokerMessage } from '../broker/broker.js';

/** One STOMP subscription of one session, as the hub tracks it. */
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
  deliver(message: BrokerMessage, subscription: LocalSubscription): void;
}

/**
 * Local subscription registry: one broker subscription per internal destination,
 * reference-counted by the sessions of this relay, fanned out here.
 * @internal
 */
export class Hub {
  private readonly targets = new Map<
    string,
    { subs: Set<LocalSubscription>; listener: BrokerListener }
  >();

  constructor(
    private readonly broker: Broker,
    private readonly onError: (err: unknown, sub: LocalSubscription) => void = () => undefined,
  ) {}

  async add(sub: LocalSubscription): Promise<void> {
    const entry = this.targets.get(sub.target);
    if (entry) {
      entry.subs.add(sub);
      return;
    }
    const subs = new Set<LocalSubscription>([sub]);
    const listener: BrokerListener = (message) => {
      for (const s of subs) {
        try {
          s.sink.deliver(message, s);
        } catch (err) {
          // One broken receiver must not cost the others the message, nor fail the publisher.
          this.onError(err, s);
        }
      }
    };
    this.targets.set(sub.target, { subs, listener });
    try {
      await this.broker.subscribe(sub.target, listener);
    } catch (err) {
      subs.delete(sub);
      if (subs.size === 0 && this.targets.get(sub.target)?.listener === listener) {
        this.targets.delete(sub.target);
      }
      throw err;
    }
  }

  async remove(sub: LocalSubscription): Promise<void> {
    const entry = this.targets.get(sub.target);
    if (!entry?.subs.delete(sub) || entry.subs.size > 0) return;
    this.targets.delete(sub.target);
    await this.broker.unsubscribe(sub.target, entry.listener);
  }

  /** Number of internal destinations with local subscribers. */
  get size(): number {
    return this.targets.size;
  }
}
