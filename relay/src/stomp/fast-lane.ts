import type { BrokerMessage } from '../broker/broker.js';
import type { LocalSubscription } from './hub-contract.js';
import { isPresenceEvent } from '../presence/presence-service.js';
import { deliveryFrame } from './message-frame.js';
import type { Subscription } from './subscription.js';

/** Publishes one buffer to every socket subscribed to a uWS topic (`app.publish`, in C++). */
export type TopicPublisher = (topic: string, bytes: Uint8Array, binary: boolean) => void;

interface Group {
  /** The first member: its id, destination spelling and target shape every member's frame. */
  template: LocalSubscription;
  escapes: boolean;
  members: Set<Subscription>;
}

/** How often, at most, a busy lane looks at its members' socket buffers for slow consumers. */
const BACKPRESSURE_CHECK_MS = 10;

/**
 * Broadcast delivery at the physical limit: subscribers whose MESSAGE frames are byte-for-byte
 * the same — same destination spelling, same subscription id (clients mostly use `sub-0`), same
 * STOMP escaping, auto ack, live only — share one uWS topic, so a message costs one
 * `app.publish` per group instead of one `send` per socket. Everyone else is delivered one by one.
 * @internal
 */
export class FastLane {
  private readonly groups = new Map<string, Group>();
  private lastCheck = 0;

  constructor(
    private readonly publish: TopicPublisher,
    private readonly onDelivered: (count: number) => void,
    /** A group's frame could not be built or published; its members were served one by one. */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /** Puts `sub` on the fast lane if its session can join topics; false = deliver it one by one. */
  join(sub: Subscription): boolean {
    const escapes = sub.sink.topicEscapes?.();
    if (escapes === undefined) return false;
    const key = `parley\0${sub.target}\0${sub.id}\0${sub.destination}\0${escapes ? 1 : 0}`;
    if (!sub.sink.joinTopic?.(key)) return false;
    const group = this.groups.get(key);
    if (group) group.members.add(sub);
    else this.groups.set(key, { template: sub, escapes, members: new Set([sub]) });
    sub.topic = key;
    return true;
  }

  leave(sub: Subscription): void {
    const key = sub.topic;
    if (key === undefined) return;
    sub.topic = undefined;
    sub.sink.leaveTopic?.(key);
    const group = this.groups.get(key);
    if (group?.members.delete(sub) && group.members.size === 0) this.groups.delete(key);
  }

  /**
   * Publishes `message` to every group. Never throws: a group whose frame cannot be built (a
   * STOMP 1.0 group and a header even {@link deliveryFrame}'s safe copy cannot carry) is served
   * member by member through its sinks, which end only the subscribers that cannot take it.
   */
  deliver(message: BrokerMessage): void {
    if (this.groups.size === 0) return;
    // Presence events only go to presence subscriptions, which never ride the fast lane.
    if (message.ephemeral && isPresenceEvent(message)) return;
    const binary = message.binary === true;
    let delivered = 0;
    for (const [key, group] of this.groups) {
      try {
        this.publish(key, deliveryFrame(message, group.template, group.escapes), binary);
        delivered += group.members.size;
      } catch (err) {
        this.onError(err);
        this.oneByOne(message, group);
      }
    }
    this.onDelivered(delivered);
    // uWS skips a socket past its hard buffer cap; catch slow readers well before that, so
    // their ERROR still fits in the buffer.
    const now = Date.now();
    if (now - this.lastCheck >= BACKPRESSURE_CHECK_MS) {
      this.lastCheck = now;
      for (const group of this.groups.values()) {
        for (const sub of [...group.members]) sub.sink.checkBackpressure?.();
      }
    }
  }

  /** The slow path for one group: each member's own sink decides (and fails only itself). */
  private oneByOne(message: BrokerMessage, group: Group): void {
    for (const sub of [...group.members]) {
      try {
        sub.sink.deliver(message, sub);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
