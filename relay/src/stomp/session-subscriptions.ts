import type { Principal } from '../auth/principal.js';
import type { BrokerMessage, HistoryPage, HistoryQuery } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import type { DestinationRules } from './destinations.js';
import { resolveDestination } from './destinations.js';
import type { Hub } from './hub.js';
import type { MessageSink } from './hub-contract.js';
import { isQueue } from './hub-contract.js';
import { recoveryPoint, replay } from './recovery.js';
import { isAckMode, Subscription } from './subscription.js';

export interface SubscriptionLimits {
  maxSubscriptions: number;
  maxUnacked: number;
  maxReplay: number;
}

/** Extra RECEIPT headers a frame's handling may produce. */
export type ReceiptHeaders = Array<[string, string]>;

export type HistoryReader = (target: string, query: HistoryQuery) => Promise<HistoryPage>;

/** What a session does for presence subscriptions (joins the room, sends the member list). */
export interface PresenceHooks {
  join(sub: Subscription): Promise<void>;
  leave(sub: Subscription): void;
}

/**
 * A session's subscriptions: SUBSCRIBE, UNSUBSCRIBE, and the ACK/NACK bookkeeping of the
 * client ack modes (`ack` ids are unique per session).
 * @internal
 */
export class SessionSubscriptions {
  private readonly byId = new Map<string, Subscription>();
  private readonly byAckId = new Map<string, Subscription>();
  private ackSeq = 0;

  constructor(
    private readonly hub: Hub,
    private readonly sink: MessageSink,
    private readonly rules: DestinationRules,
    private readonly limits: SubscriptionLimits,
    private readonly history: HistoryReader,
    private readonly presence: PresenceHooks,
  ) {}

  /**
   * Validates and registers a SUBSCRIBE; resolves once the hub is listening. With `parley-since`
   * it first replays what the client missed (see {@link recover}) and resolves to the RECEIPT
   * headers that say how that went.
   */
  subscribe(frame: Frame, principal: Principal): Promise<ReceiptHeaders | void> {
    const id = header(frame, 'id');
    if (id === undefined || id === '')
      throw new StompError(REASONS.protocolError, 'SUBSCRIBE needs an id header');
    if (this.byId.has(id)) {
      throw new StompError(
        REASONS.protocolError,
        `subscription id "${id.slice(0, 64)}" is already in use`,
      );
    }
    if (this.byId.size >= this.limits.maxSubscriptions) {
      throw new StompError(
        REASONS.limitExceeded,
        `at most ${this.limits.maxSubscriptions} subscriptions per connection`,
      );
    }
    const ack = header(frame, 'ack') ?? 'auto';
    if (!isAckMode(ack)) {
      throw new StompError(
        REASONS.protocolError,
        `ack must be auto, client or client-individual, not "${ack.slice(0, 32)}"`,
      );
    }
    const destination = header(frame, 'destination');
    const target = resolveDestination(principal, destination, 'sub', this.rules);
    const point = recoveryPoint(header(frame, 'parley-since'), header(frame, 'parley-epoch'));
    if (point && isQueue(target)) {
      throw new StompError(
        REASONS.protocolError,
        'parley-since is for broadcast destinations, not /queue/',
      );
    }
    const presence = header(frame, 'parley-presence');
    if (presence !== undefined && presence !== 'true' && presence !== 'false') {
      throw new StompError(REASONS.protocolError, 'parley-presence must be true or false');
    }
    if (presence === 'true' && (isQueue(target) || target.startsWith('/user/'))) {
      throw new StompError(
        REASONS.protocolError,
        'parley-presence is for rooms (broadcast destinations)',
      );
    }
    const sub = new Subscription(id, destination!, target, ack, this.sink, this.limits.maxUnacked);
    sub.presence = presence === 'true';
    this.byId.set(id, sub);
    if (point) sub.recovering = [];
    const added = this.hub.add(sub);
    const joined = sub.presence ? added.then(() => this.presence.join(sub)) : added;
    return point ? joined.then(() => this.recover(sub, point)) : joined;
  }

  /**
   * Replays history after the client's offset, then the live messages that arrived meanwhile,
   * skipping those already replayed: no gap and no duplicate at the seam.
   */
  private async recover(
    sub: Subscription,
    point: { since: number; epoch?: string },
  ): Promise<ReceiptHeaders> {
    const max =
      sub.ack === 'auto'
        ? this.limits.maxReplay
        : Math.min(this.limits.maxReplay, this.limits.maxUnacked);
    let result: Awaited<ReturnType<typeof replay>> | undefined;
    try {
      result = await replay((q) => this.history(sub.target, q), point, max);
    } finally {
      // Whatever happens, the subscription goes live with what it held.
      const live = sub.recovering ?? [];
      sub.recovering = undefined;
      const lastReplayed = result?.replayed.at(-1)?.offset ?? point.since;
      if (this.byId.get(sub.id) === sub) {
        for (const m of result?.replayed ?? []) this.sink.deliver(m, sub);
        for (const m of live) {
          if (m.offset === 0 || m.offset > lastReplayed || (result && m.epoch !== result.epoch))
            this.sink.deliver(m, sub);
        }
      }
    }
    if (!result) throw new Error('unreachable: replay resolved without a result');
    return [
      ['parley-recovered', String(result.recovered)],
      ['parley-epoch', result.epoch],
      ['parley-offset', String(result.last)],
      ['parley-replayed', String(result.replayed.length)],
    ];
  }

  /** Removes a subscription; its unacknowledged queue messages go to other consumers. */
  unsubscribe(frame: Frame): Promise<void> | undefined {
    const id = header(frame, 'id');
    if (id === undefined)
      throw new StompError(REASONS.protocolError, 'UNSUBSCRIBE needs an id header');
    return this.end(id);
  }

  /**
   * Ends subscription `id` as UNSUBSCRIBE does (e.g. its grant was revoked by a refreshed token);
   * undefined when there is no such subscription.
   */
  end(id: string): Promise<void> | undefined {
    const sub = this.byId.get(id);
    if (!sub) return undefined;
    this.forget(sub);
    if (sub.presence) this.presence.leave(sub);
    return this.hub.remove(sub);
  }

  /** Every subscription, in the order they were made. */
  list(): Subscription[] {
    return [...this.byId.values()];
  }

  /**
   * The `ack` header for a message about to be delivered to `sub`, or undefined in auto mode.
   * Throws `limit-exceeded` when a broadcast subscription has too many unacknowledged messages.
   */
  track(sub: Subscription, message: BrokerMessage): string | undefined {
    if (sub.ack === 'auto') return undefined;
    if (sub.pending.size >= sub.maxUnacked) {
      throw new StompError(
        REASONS.limitExceeded,
        `subscription "${sub.id.slice(0, 64)}" has ${sub.maxUnacked} unacknowledged messages`,
      );
    }
    const ackId = (++this.ackSeq).toString(36);
    sub.track(ackId, message);
    this.byAckId.set(ackId, sub);
    return ackId;
  }

  /** Checks an ACK/NACK now; returns the effect to apply (at once, or at COMMIT). */
  settle(frame: Frame, nack: boolean): () => void {
    const command = nack ? 'NACK' : 'ACK';
    const ackId = header(frame, 'id') ?? this.legacyAckId(frame);
    if (ackId === undefined)
      throw new StompError(REASONS.protocolError, `${command} needs an id header`);
    const sub = this.byAckId.get(ackId);
    if (!sub) {
      throw new StompError(
        REASONS.protocolError,
        `${command} id "${ackId.slice(0, 64)}" matches no unacknowledged message`,
      );
    }
    return () => {
      const settled = sub.settle(ackId);
      if (!settled) return; // settled meanwhile (cumulative ACK, unsubscribe)
      for (const [id] of settled) this.byAckId.delete(id);
      const messages = settled.map(([, m]) => m);
      if (nack && isQueue(sub.target)) this.hub.requeue(sub, messages);
      else this.hub.acked(sub, messages);
    };
  }

  /** STOMP 1.0/1.1 ACK frames name `subscription` and `message-id` instead of an ack id. */
  private legacyAckId(frame: Frame): string | undefined {
    const messageId = header(frame, 'message-id');
    const subId = header(frame, 'subscription');
    if (messageId === undefined) return undefined;
    const subs = subId !== undefined ? [this.byId.get(subId)] : [...this.byId.values()];
    for (const sub of subs) {
      if (!sub) continue;
      for (const [id, m] of sub.pending) if (m.id === messageId) return id;
    }
    return messageId;
  }

  /** Whether another presence subscription of this session still covers `target`. */
  hasPresence(target: string): boolean {
    for (const sub of this.byId.values()) if (sub.presence && sub.target === target) return true;
    return false;
  }

  /** The subscription whose destination is spelled `destination`, if any. */
  byDestination(destination: string): Subscription | undefined {
    for (const sub of this.byId.values()) if (sub.destination === destination) return sub;
    return undefined;
  }

  /** Every subscription, for cleanup when the session ends. */
  removeAll(): Subscription[] {
    const all = [...this.byId.values()];
    this.byId.clear();
    this.byAckId.clear();
    return all;
  }

  private forget(sub: Subscription): void {
    this.byId.delete(sub.id);
    for (const id of sub.pending.keys()) this.byAckId.delete(id);
  }
}
