import type { Broker, BrokerMessage, QueueFeed } from '../broker/broker.js';
import { QueueDispatcher } from './queue-dispatcher.js';
import type { Subscription } from './subscription.js';

/**
 * A `/queue/` destination whose messages are shared with other relays through the broker's
 * {@link QueueFeed}: the feed hands this relay as many messages as its consumers can take, the
 * dispatcher picks a consumer for each, and acknowledgements go back to the feed.
 * @internal
 */
export class SharedQueue {
  private constructor(
    private readonly dispatcher: QueueDispatcher,
    private readonly feed: QueueFeed,
  ) {}

  static async open(
    broker: Broker,
    target: string,
    maxBacklog: number,
    onDrop: (m: BrokerMessage) => void,
  ): Promise<SharedQueue> {
    const ref: { queue?: SharedQueue } = {};
    // A message the local backlog cannot hold goes back to the feed, never lost.
    const drop = (m: BrokerMessage): void => {
      ref.queue?.feed.release([m]);
      onDrop(m);
    };
    const dispatcher = new QueueDispatcher(maxBacklog, drop, (consumer, message) => {
      if ((consumer as Subscription).ack === 'auto') ref.queue?.feed.ack(message);
    });
    const feed = await broker.consumeQueue!(target, (message) => {
      dispatcher.offer(message);
      ref.queue?.updateCredit();
    });
    ref.queue = new SharedQueue(dispatcher, feed);
    return ref.queue;
  }

  get idle(): boolean {
    return this.dispatcher.consumerCount === 0;
  }

  add(sub: Subscription): void {
    this.dispatcher.add(sub);
    this.updateCredit();
  }

  /** A consumer left: its unacknowledged messages go to another local consumer, or back to the feed. */
  remove(sub: Subscription): void {
    this.dispatcher.remove(sub);
    const orphans = sub.drainPending();
    if (this.dispatcher.consumerCount > 0) this.dispatcher.requeue(orphans);
    else if (orphans.length > 0) this.feed.release(orphans);
    this.updateCredit();
  }

  /** NACKed messages: to another local consumer when there is one. */
  requeue(sub: Subscription, messages: BrokerMessage[]): void {
    this.dispatcher.requeue(messages, sub);
    this.updateCredit();
  }

  acked(messages: BrokerMessage[]): void {
    for (const m of messages) this.feed.ack(m);
    this.dispatcher.dispatch();
    this.updateCredit();
  }

  /** Hands back what waits locally and stops the feed. */
  async close(): Promise<void> {
    const left = this.dispatcher.takeBacklog();
    if (left.length > 0) this.feed.release(left);
    await this.feed.close();
  }

  private updateCredit(): void {
    this.feed.setCredit(this.dispatcher.freeSlots);
  }
}
