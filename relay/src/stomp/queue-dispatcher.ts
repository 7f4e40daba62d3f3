import type { BrokerMessage } from '../broker/broker.js';
import type { LocalSubscription } from './hub-contract.js';

/** A consumer as the dispatcher needs it. */
export interface QueueConsumer extends LocalSubscription {
  readonly hasCapacity: boolean;
  /** Messages it can take now (a fixed window for auto-ack consumers). */
  readonly freeSlots: number;
}

/**
 * Competing consumers for one `/queue/<name>` destination on this relay: each message goes to
 * one consumer with free capacity (round robin); messages wait in a bounded backlog while none
 * has; NACKed and orphaned messages are offered again, to another consumer when there is one.
 * @internal
 */
export class QueueDispatcher {
  private readonly consumers: QueueConsumer[] = [];
  private readonly backlog: Array<{
    message: BrokerMessage;
    redelivered: boolean;
    avoid?: QueueConsumer;
  }> = [];
  private next = 0;

  constructor(
    readonly maxBacklog: number,
    private readonly onDrop: (message: BrokerMessage) => void = () => undefined,
    /** Called after each hand-over (shared queues ack auto-ack deliveries here). */
    private readonly onDeliver: (consumer: QueueConsumer, message: BrokerMessage) => void = () =>
      undefined,
  ) {}

  /** Messages the consumers can take now, minus what already waits. */
  get freeSlots(): number {
    let free = 0;
    for (const c of this.consumers) free += c.freeSlots;
    return Math.max(0, free - this.backlog.length);
  }

  get consumerCount(): number {
    return this.consumers.length;
  }

  /** Empties the backlog (handing it back to a shared queue). */
  takeBacklog(): BrokerMessage[] {
    return this.backlog.splice(0).map((item) => item.message);
  }

  get size(): number {
    return this.backlog.length;
  }

  get idle(): boolean {
    return this.consumers.length === 0 && this.backlog.length === 0;
  }

  get full(): boolean {
    return this.backlog.length >= this.maxBacklog;
  }

  add(consumer: QueueConsumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  remove(consumer: QueueConsumer): void {
    const i = this.consumers.indexOf(consumer);
    if (i >= 0) this.consumers.splice(i, 1);
    if (this.next > i && i >= 0) this.next--;
  }

  /** A new message from the broker. */
  offer(message: BrokerMessage): void {
    this.enqueue({ message, redelivered: false });
    this.dispatch();
  }

  /** Messages back from a consumer (NACK, unsubscribe, lost connection), oldest first. */
  requeue(messages: BrokerMessage[], from?: QueueConsumer): void {
    // Put them at the front, keeping their order, ahead of newer messages.
    const items = messages.map((message) => ({
      message,
      redelivered: true,
      ...(from && { avoid: from }),
    }));
    this.backlog.unshift(...items);
    while (this.backlog.length > this.maxBacklog) this.onDrop(this.backlog.pop()!.message);
    this.dispatch();
  }

  /** Hands backlog to consumers with capacity; call when one gains capacity (after an ACK). */
  dispatch(): void {
    while (this.backlog.length > 0) {
      const item = this.backlog[0]!;
      const consumer = this.pick(item.avoid);
      if (!consumer) return;
      this.backlog.shift();
      consumer.sink.deliver(item.message, consumer, item.redelivered);
      this.onDeliver(consumer, item.message);
    }
  }

  private enqueue(item: { message: BrokerMessage; redelivered: boolean }): void {
    if (this.backlog.length >= this.maxBacklog) {
      this.onDrop(item.message);
      return;
    }
    this.backlog.push(item);
  }

  /** Next consumer with capacity, round robin, preferring one other than `avoid`. */
  private pick(avoid?: QueueConsumer): QueueConsumer | undefined {
    const n = this.consumers.length;
    let fallback: QueueConsumer | undefined;
    for (let k = 0; k < n; k++) {
      const idx = (this.next + k) % n;
      const c = this.consumers[idx]!;
      if (!c.hasCapacity) continue;
      if (c === avoid) {
        fallback ??= c;
        continue;
      }
      this.next = (idx + 1) % n;
      return c;
    }
    return fallback;
  }
}
