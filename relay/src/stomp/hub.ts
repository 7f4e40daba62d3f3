import type { Broker, BrokerListener, BrokerMessage } from '../broker/broker.js';
import { QueueDispatcher } from './queue-dispatcher.js';
import { UnfilledGapError } from './gap.js';
import { Sequencer } from './sequencer.js';
import type { SequencerLimits } from './sequencer.js';
import { SharedQueue } from './shared-queue.js';
import { FastLane } from './fast-lane.js';
import type { TopicPublisher } from './fast-lane.js';
import type { Subscription } from './subscription.js';
import { QueueFullError, isQueue } from './hub-contract.js';

interface Target {
  subs: Set<Subscription>;
  /** Broker subscription (broadcast destinations, and queues of single-process brokers). */
  listener?: BrokerListener;
  sequencer?: Sequencer;
  queue?: QueueDispatcher;
  /** Queues shared with other relays through the broker's queue feed. */
  shared?: SharedQueue;
  /** Broadcast subscribers served by uWS topic publish. */
  fast?: FastLane;
  /** Settles once the broker listens; every concurrent `add` waits for it and shares its fate. */
  opening: Promise<void>;
}

/** Messages per history page read to fill a gap (a fill reads several pages if it must). */
const GAP_FILL_PAGE = 1000;

export interface HubOptions {
  /** Most messages a `/queue/` destination holds for its consumers on this relay. */
  maxQueueBacklog: number;
  /**
   * A delivery or gap fill failed; `subscription` is absent for gap fills. A gap that could not
   * be filled comes as an {@link UnfilledGapError} (its subscribers were told with `parley-gap`).
   */
  onError?: (err: unknown, target: string, subscription?: string) => void;
  /** How long and how much each destination holds while a gap is filled (tests shorten these). */
  sequencer?: Partial<SequencerLimits>;
  onDrop?: (target: string, message: BrokerMessage) => void;
  /** uWS `app.publish`: enables the fast lane for broadcast destinations. */
  publishTopic?: TopicPublisher;
  /** Counts MESSAGE frames the fast lane delivered (for metrics). */
  onFastDelivered?: (count: number) => void;
}

/**
 * Local subscription registry: one broker subscription per internal destination,
 * reference-counted by the sessions of this relay, fanned out here (broadcast), or handed to
 * one consumer at a time (`/queue/`).
 * @internal
 */
export class Hub {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly broker: Broker,
    private readonly options: HubOptions = { maxQueueBacklog: 10_000 },
  ) {}

  async add(sub: Subscription): Promise<void> {
    const entry = await this.open(sub.target);
    if (
      entry.fast &&
      sub.ack === 'auto' &&
      !sub.presence &&
      !sub.recovering &&
      entry.fast.join(sub)
    )
      return;
    entry.subs.add(sub);
    entry.queue?.add(sub);
    entry.shared?.add(sub);
  }

  async remove(sub: Subscription): Promise<void> {
    const entry = this.targets.get(sub.target);
    if (!entry) return;
    if (sub.topic !== undefined) entry.fast?.leave(sub);
    else if (!entry.subs.delete(sub)) return;
    if (entry.queue) {
      entry.queue.remove(sub);
      const orphans = sub.drainPending();
      if (orphans.length > 0) entry.queue.requeue(orphans);
    }
    entry.shared?.remove(sub);
    await this.closeIfIdle(sub.target, entry);
  }

  /** Gives NACKed messages back to a queue, to another consumer when there is one. */
  requeue(sub: Subscription, messages: BrokerMessage[]): void {
    const entry = this.targets.get(sub.target);
    entry?.queue?.requeue(messages, sub);
    entry?.shared?.requeue(sub, messages);
  }

  /** A consumer acknowledged messages (done with them for good) and may take more. */
  acked(sub: Subscription, messages: BrokerMessage[]): void {
    const entry = this.targets.get(sub.target);
    entry?.queue?.dispatch();
    entry?.shared?.acked(messages);
  }

  /**
   * Makes sure a `/queue/` destination listens to the broker before a message is published to
   * it, so messages sent before any consumer subscribes wait in the backlog. Throws when full.
   */
  async prepareQueue(target: string): Promise<void> {
    // A shared queue's backlog lives in the broker, not here.
    if (this.broker.consumeQueue) return;
    const entry = await this.open(target);
    if (entry.queue?.full) {
      await this.closeIfIdle(target, entry);
      throw new QueueFullError(target, entry.queue.maxBacklog);
    }
  }

  /** After a broker reconnect: deliver what every destination missed while the feed was down. */
  resync(): void {
    for (const entry of this.targets.values()) entry.sequencer?.resync();
  }

  /** Number of internal destinations this relay listens to. */
  get size(): number {
    return this.targets.size;
  }

  private async open(target: string): Promise<Target> {
    const existing = this.targets.get(target);
    if (existing) {
      // Never hand out a target before the broker listens: its subscribers would wait forever.
      await existing.opening;
      return existing;
    }
    const subs = new Set<Subscription>();
    if (isQueue(target) && this.broker.consumeQueue) {
      const entry: Target = { subs, opening: Promise.resolve() };
      entry.opening = SharedQueue.open(this.broker, target, this.options.maxQueueBacklog, (m) =>
        this.options.onDrop?.(target, m),
      ).then((shared) => {
        entry.shared = shared;
      });
      return this.settle(target, entry);
    }
    const queue = isQueue(target)
      ? new QueueDispatcher(this.options.maxQueueBacklog, (m) => this.options.onDrop?.(target, m))
      : undefined;
    const publishTopic = this.options.publishTopic;
    const fast =
      !queue && publishTopic
        ? new FastLane(
            publishTopic,
            (n) => this.options.onFastDelivered?.(n),
            (err) => this.options.onError?.(err, target),
          )
        : undefined;
    // Delivery never throws back into the broker or the sequencer: by now the message is in
    // history, so a failure is the receiver's problem, never the publisher's (nor a gap fill's).
    const fanOut = queue
      ? (message: BrokerMessage) => {
          try {
            queue.offer(message);
          } catch (err) {
            this.options.onError?.(err, target);
          }
        }
      : (message: BrokerMessage) => {
          try {
            fast?.deliver(message);
          } catch (err) {
            this.options.onError?.(err, target);
          }
          for (const s of subs) {
            try {
              s.sink.deliver(message, s);
            } catch (err) {
              // One broken receiver must not cost the others the message, nor fail the publisher.
              this.options.onError?.(err, target, s.id);
            }
          }
        };
    const sequencer = new Sequencer(
      (after, before) =>
        this.broker
          .history(target, {
            after,
            ...(before !== undefined && { before }),
            limit: GAP_FILL_PAGE,
          })
          .then((page) => ({ messages: page.messages, epoch: page.epoch })),
      fanOut,
      {
        onError: (err) => this.options.onError?.(err, target),
        onGap: (gap, reason) => this.options.onError?.(new UnfilledGapError(gap, reason), target),
      },
      this.options.sequencer,
    );
    const listener: BrokerListener = (message) => sequencer.push(message);
    const entry: Target = {
      subs,
      listener,
      sequencer,
      opening: Promise.resolve(),
      ...(queue && { queue }),
      ...(fast && { fast }),
    };
    entry.opening = this.broker.subscribe(target, listener);
    return this.settle(target, entry);
  }

  /** Registers a target while it opens; forgets it (and fails every waiter) if opening fails. */
  private async settle(target: string, entry: Target): Promise<Target> {
    this.targets.set(target, entry);
    entry.opening.catch(() => {
      if (this.targets.get(target) === entry) this.targets.delete(target);
    });
    await entry.opening;
    return entry;
  }

  private async closeIfIdle(target: string, entry: Target): Promise<void> {
    if (entry.subs.size > 0 || (entry.fast?.size ?? 0) > 0 || (entry.queue && !entry.queue.idle))
      return;
    if (this.targets.get(target) !== entry) return;
    this.targets.delete(target);
    entry.sequencer?.close();
    if (entry.shared) await entry.shared.close();
    if (entry.listener) await this.broker.unsubscribe(target, entry.listener);
  }
}
