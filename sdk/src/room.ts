import { Channel } from './channel.js';
import type { ChannelHost } from './channel.js';
import { KIND, PRESENCE_HEADER } from './defaults.js';
import { applyPresence, parsePresence } from './members.js';
import type { InboundFrame } from './message.js';
import type { ReadEventFrame, ReadsReply } from './reads.js';
import type { Member, ReadPosition, RoomEvents } from './events.js';

/** What a room needs from its client. @internal */
export type RoomHost = ChannelHost;

/**
 * A chat room: the destination `/topic/room.<id>`. Get one with `client.room(id)`; the client
 * returns the same `Room` for the same id.
 *
 * The room is subscribed while it has a listener that needs it (`message`, `resync`, `typing`,
 * `read`, `unread`, `presence`, `members`): right away when the client is connected, otherwise
 * on the next connect, and again after every reconnect — resuming after the last message it
 * delivered, so nothing is missed and nothing repeats.
 *
 * The local user is **present** in the room (others see them in the member set) while it has a
 * `presence` or `members` listener, or from a `members()` call until `leave()`.
 */
export class Room extends Channel<RoomEvents> {
  #members: ReadonlyMap<string, Member> = new Map();
  readonly #reads = new Map<string, ReadPosition>();
  /** `members()` was called (until `leave()`). */
  #held = false;
  /** The subscription asks for presence. */
  #present = false;

  /** @internal Use `client.room(id)`. */
  constructor(id: string, destination: string, host: RoomHost) {
    super(id, destination, host);
  }

  /**
   * Who is present in the room now, the local user included (empty until the relay's member
   * list has come). Calling it makes the local user present (and subscribes the room) until
   * `leave()`; the `members` event announces every change.
   */
  members(): readonly Member[] {
    if (!this.#held) {
      this.#held = true;
      this.update();
    }
    return [...this.#members.values()];
  }

  /**
   * Ends the presence that `members()` started (listeners of `presence`/`members` keep it while
   * they are there); unsubscribes the room if no listener needs it.
   */
  leave(): void {
    if (!this.#held) return;
    this.#held = false;
    this.update();
  }

  /**
   * Who has read the room how far, by user id: fetched on subscribe and after every reconnect
   * (the relay lists the 100 most recent readers and the local user), kept current by read
   * events (the `read` event).
   */
  reads(): ReadonlyMap<string, ReadPosition> {
    return new Map(this.#reads);
  }

  /** @internal */
  protected override _wanted(): boolean {
    return super._wanted() || this.#wantsPresence();
  }

  /** @internal */
  protected override update(): void {
    const present = this.#wantsPresence();
    const changed = present !== this.#present;
    const was = this._subscribed;
    this.#present = present;
    super.update();
    if (!changed) return;
    if (was && this._subscribed) this.host.refresh(this.destination);
    if (!present) this.#setMembers(new Map());
  }

  /** @internal */
  protected override _subscribeHeaders(): Record<string, string> {
    return this.#present ? { [PRESENCE_HEADER]: 'true' } : {};
  }

  /** @internal */
  protected override _typingDestination(): string {
    return this.destination;
  }

  /** @internal */
  protected override _readEvent(event: ReadEventFrame): void {
    if (event.offset === undefined) return;
    const position: ReadPosition = {
      offset: event.offset,
      at: Date.now(),
      ...(event.timestamp !== undefined && { timestamp: event.timestamp }),
    };
    this.#reads.set(event.user.id, position);
    this.events.emit('read', { user: event.user, ...position });
  }

  /** @internal */
  protected override _readsFetched(reply: ReadsReply): void {
    for (const [id, position] of reply.reads) {
      const known = this.#reads.get(id);
      if (known?.offset === position.offset && known.at === position.at) continue;
      this.#reads.set(id, position);
      this.events.emit('read', { user: { id }, ...position });
    }
  }

  /** @internal */
  protected override _otherEvent(kind: string, frame: InboundFrame): void {
    if (kind !== KIND.presence || !this.#present) return;
    const event = parsePresence(frame.body);
    if (!event) return;
    this.events.emit('presence', event);
    this.#setMembers(applyPresence(this.#members, event));
  }

  /** @internal */
  protected override left(): void {
    this.#setMembers(new Map());
  }

  #wantsPresence(): boolean {
    return (
      this.#held ||
      this.events.listenerCount('presence') > 0 ||
      this.events.listenerCount('members') > 0
    );
  }

  #setMembers(next: ReadonlyMap<string, Member>): void {
    if (next === this.#members || (next.size === 0 && this.#members.size === 0)) return;
    this.#members = next;
    this.events.emit('members', { members: [...next.values()] });
  }
}
