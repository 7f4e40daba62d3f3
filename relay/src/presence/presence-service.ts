import { randomBytes } from 'node:crypto';
import type { Member, PresenceStore } from './presence-store.js';

/** Value of the `parley-kind` header on presence events. */
export const PRESENCE_KIND = 'presence';

/** Whether a broker message is a presence event (join/leave), which only presence subscribers get. */
export function isPresenceEvent(message: { headers: Array<[string, string]> }): boolean {
  for (const [k, v] of message.headers) if (k === 'parley-kind') return v === PRESENCE_KIND;
  return false;
}

/** A presence event, published to the room's destination (JSON body, see {@link encodePresenceEvent}). */
export interface PresenceEvent {
  type: 'join' | 'leave';
  user: { id: string; name?: string };
}

/** Hands an event to the broker (the relay publishes it as an ephemeral `presence` message). */
export type PresencePublish = (room: string, event: PresenceEvent) => void | Promise<void>;

export interface PresenceServiceOptions {
  store: PresenceStore;
  publish: PresencePublish;
  /** Makes connection ids unique cluster-wide: the store sees `<relayId>-<conn>` (default: random). */
  relayId?: string;
  /** How long an entry lives without a refresh (default 30 s). */
  ttlMs?: number;
  /** How often this relay refreshes its entries and sweeps expired ones (default `ttlMs / 3`). */
  refreshMs?: number;
  /** Store and publish failures; the service heals by itself on the next refresh. */
  onError?: (err: unknown, during: string) => void;
}

/** Default time an entry lives without a refresh. */
export const DEFAULT_PRESENCE_TTL_MS = 30_000;

/** The JSON body of a presence event: `{"type":"join","user":{"id":"u1","name":"Ann"}}`. */
export function encodePresenceEvent(event: PresenceEvent): string {
  const { id, name } = event.user;
  return JSON.stringify({ type: event.type, user: name === undefined ? { id } : { id, name } });
}

const eventOf = (type: PresenceEvent['type'], member: Member): PresenceEvent => ({
  type,
  user:
    member.name === undefined ? { id: member.userId } : { id: member.userId, name: member.name },
});

interface Connection {
  /** The relay's own id for it. */
  readonly local: string;
  /** The id the store knows: `<relayId>-<conn>`. */
  readonly id: string;
  readonly member: Member;
  readonly rooms: Set<string>;
}

/**
 * Room presence and online status on one relay: registers its connections in a
 * {@link PresenceStore}, keeps them alive, sweeps what dead relays left behind and publishes
 * join/leave events — each exactly once per user and room across all relays.
 *
 * Calls never reject because of the store or the publish callback (failures go to `onError`);
 * local state is kept, and the periodic refresh puts back what the store missed, so presence
 * heals after a Redis outage. Only {@link members} and {@link online}, which answer questions,
 * reject when the store cannot answer.
 */
export class PresenceService {
  readonly relayId: string;
  readonly ttlMs: number;
  readonly refreshMs: number;
  private readonly store: PresenceStore;
  private readonly publishEvent: PresencePublish;
  private readonly onError: (err: unknown, during: string) => void;
  /** Local connection id → what this relay registered for it. */
  private readonly conns = new Map<string, Connection>();
  private readonly timer: NodeJS.Timeout;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(options: PresenceServiceOptions) {
    this.store = options.store;
    this.publishEvent = options.publish;
    this.relayId = options.relayId ?? randomBytes(6).toString('hex');
    this.ttlMs = options.ttlMs ?? DEFAULT_PRESENCE_TTL_MS;
    this.refreshMs = options.refreshMs ?? Math.max(1, Math.floor(this.ttlMs / 3));
    if (!(this.ttlMs > 0) || !(this.refreshMs > 0) || this.refreshMs >= this.ttlMs) {
      throw new RangeError('presence needs 0 < refreshMs < ttlMs');
    }
    this.onError = options.onError ?? (() => undefined);
    this.timer = setInterval(() => void this.tick(), this.refreshMs);
    this.timer.unref();
  }

  /**
   * Registers a connection as online (STOMP CONNECT). Tracking it in a room does this too.
   */
  async connect(conn: string, member: Member): Promise<void> {
    if (this.stopped) return;
    const c = this.connection(conn, member);
    await this.guard('connect', this.store.connect(c.id, c.member.userId, this.ttlMs));
  }

  /**
   * Adds the connection's presence in a room (SUBSCRIBE with the presence flag) and publishes a
   * join when it makes the user present there. Tracking a room twice is a no-op.
   */
  async track(room: string, conn: string, member: Member): Promise<void> {
    if (this.stopped) return;
    const known = this.conns.has(conn);
    const c = this.connection(conn, member);
    if (c.rooms.has(room)) return;
    c.rooms.add(room);
    const online = known ? undefined : this.store.connect(c.id, c.member.userId, this.ttlMs);
    await Promise.all([online && this.guard('connect', online), this.join(room, c)]);
  }

  /** Removes the connection's presence in a room (UNSUBSCRIBE); publishes a leave if it was the user's last. */
  async untrack(room: string, conn: string): Promise<void> {
    const c = this.conns.get(conn);
    if (!c?.rooms.delete(room)) return;
    await this.leave(room, c);
  }

  /** Removes the connection from every room, keeping it online. */
  async untrackAll(conn: string): Promise<void> {
    const c = this.conns.get(conn);
    if (!c) return;
    const rooms = [...c.rooms];
    c.rooms.clear();
    await Promise.all(rooms.map((room) => this.leave(room, c)));
  }

  /** Forgets the connection entirely (connection closed): leaves every room and goes offline. */
  async disconnect(conn: string): Promise<void> {
    const c = this.conns.get(conn);
    if (!c) return;
    this.conns.delete(conn);
    const rooms = [...c.rooms];
    c.rooms.clear();
    const offline = this.guard('disconnect', this.store.disconnect(c.id, c.member.userId));
    await Promise.all([offline, ...rooms.map((room) => this.leave(room, c))]);
  }

  /** Who is in the room now (for the snapshot sent to a presence subscriber). */
  members(room: string): Promise<Member[]> {
    return this.store.members(room);
  }

  /** Online status of these users across every relay. */
  online(userIds: readonly string[]): Promise<Record<string, boolean>> {
    return this.store.online(userIds);
  }

  /**
   * One round of upkeep (the timer runs it every `refreshMs`): extends this relay's entries,
   * joins again those the store lost, then sweeps expired entries and publishes their leaves.
   * Overlapping calls share the round in progress.
   */
  tick(): Promise<void> {
    this.ticking ??= this.upkeep().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /**
   * Stops the timer and removes this relay's entries, publishing the leaves they cause (graceful
   * shutdown). Does not close the store.
   */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stop();
    await this.ticking;
    const conns = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(
      conns.map(async (c) => {
        const rooms = [...c.rooms];
        c.rooms.clear();
        await Promise.all([
          this.guard('disconnect', this.store.disconnect(c.id, c.member.userId)),
          ...rooms.map((room) => this.leave(room, c)),
        ]);
      }),
    );
  }

  /**
   * Stops the timer and forgets everything without touching the store, as if this relay died:
   * its entries expire and another relay's sweep publishes the leaves.
   */
  abandon(): void {
    this.stop();
    this.conns.clear();
  }

  private stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private connection(conn: string, member: Member): Connection {
    let c = this.conns.get(conn);
    if (!c) {
      c = { local: conn, id: `${this.relayId}-${conn}`, member: { ...member }, rooms: new Set() };
      this.conns.set(conn, c);
    }
    return c;
  }

  /*
   * join() and leave() issue the store call at once and publish in a reaction attached to it
   * directly: store calls complete in the order they were issued, so for one relay the events
   * are published in the order the store decided them, even for calls not awaited in between.
   */

  private join(room: string, c: Connection): Promise<void> {
    return this.guard('join', this.store.join(room, c.id, c.member, this.ttlMs)).then((first) => {
      if (first === true) this.publish(room, eventOf('join', c.member));
    });
  }

  private leave(room: string, c: Connection): Promise<void> {
    return this.guard('leave', this.store.leave(room, c.id, c.member.userId)).then((last) => {
      if (last === true) this.publish(room, eventOf('leave', c.member));
    });
  }

  private async upkeep(): Promise<void> {
    if (this.stopped) return;
    const byId = new Map<string, Connection>();
    for (const c of this.conns.values()) byId.set(c.id, c);
    if (byId.size > 0) {
      const live = [...byId.values()].map((c) => ({
        conn: c.id,
        userId: c.member.userId,
        rooms: [...c.rooms],
      }));
      const missing = await this.guard('refresh', this.store.refresh(live, this.ttlMs));
      for (const { room, conn } of missing ?? []) {
        const c = byId.get(conn);
        // Put back only what is still tracked (an untrack may have happened meanwhile).
        if (!c || this.stopped || this.conns.get(c.local) !== c || !c.rooms.has(room)) continue;
        await this.join(room, c);
      }
    }
    if (this.stopped) return;
    const departures = await this.guard('sweep', this.store.sweep());
    for (const { room, member } of departures ?? []) this.publish(room, eventOf('leave', member));
  }

  private publish(room: string, event: PresenceEvent): void {
    try {
      const result = this.publishEvent(room, event);
      if (result instanceof Promise) result.catch((err: unknown) => this.onError(err, 'publish'));
    } catch (err) {
      this.onError(err, 'publish');
    }
  }

  /** Awaits a store call; on failure reports it and resolves undefined. */
  private async guard<T>(during: string, promise: Promise<T>): Promise<T | undefined> {
    try {
      return await promise;
    } catch (err) {
      this.onError(err, during);
      return undefined;
    }
  }
}
