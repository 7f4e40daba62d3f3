import { Channel } from './channel.js';
import type { ChannelHost } from './channel.js';
import { dmPeerCopy } from './dm-destination.js';
import type { ReadEventFrame, ReadsReply } from './reads.js';
import type { ChatMessage } from './types.js';
import type { DmEvents, Member } from './events.js';

/**
 * A direct conversation with one user. Get one with `client.dm(userId)`; the client returns the
 * same `Dm` for the same user.
 *
 * The conversation lives in two copies (docs/protocol.md#direct-messages): the client reads the
 * local user's own copy, `/user/queue/dm.<peer>` (its `destination`), which holds both sides —
 * the relay mirrors what the local user writes into it — so every tab of the local user sees
 * every message once. Messages are written to the peer's copy, typing goes there too, and read
 * marks go to the own copy; the peer's reading is known by timestamp (`peerReadTimestamp`).
 * `ChatMessage.room` is the peer's user id.
 */
export class Dm extends Channel<DmEvents> {
  #peerRead: number | undefined;

  /** @internal Use `client.dm(userId)`. */
  constructor(peer: string, destination: string, host: ChannelHost) {
    super(peer, destination, host);
  }

  /** The other participant's user id (the same as `id`). */
  get peer(): string {
    return this.id;
  }

  /**
   * The relay timestamp (ms since 1970) of the last message the peer has read, or undefined
   * while they have read nothing (as far as the client knows). Every message of the local
   * user's with `timestamp` at or before it is read. The `read` event announces changes.
   */
  get peerReadTimestamp(): number | undefined {
    return this.#peerRead;
  }

  /** Whether the peer has read `message` (a message of this conversation). */
  isReadByPeer(message: ChatMessage): boolean {
    return this.#peerRead !== undefined && message.timestamp.getTime() <= this.#peerRead;
  }

  /** @internal */
  protected override _typingDestination(): string | undefined {
    const me = this.host.userId();
    return me === undefined ? undefined : dmPeerCopy(this.id, me);
  }

  /** @internal */
  protected override _readEvent(event: ReadEventFrame, me: string | undefined): void {
    // The peer's copy tells this one only the timestamp of what the peer read.
    if (event.user.id !== this.id || event.user.id === me || event.timestamp === undefined) return;
    this.#peerReadTo(event.user, event.timestamp);
  }

  /** @internal */
  protected override _readsFetched(reply: ReadsReply): void {
    const timestamp = reply.peer?.timestamp;
    if (reply.peer?.user === this.id && timestamp !== undefined) {
      this.#peerReadTo({ id: this.id }, timestamp);
    }
  }

  #peerReadTo(user: Member, timestamp: number): void {
    if (this.#peerRead !== undefined && timestamp <= this.#peerRead) return;
    this.#peerRead = timestamp;
    this.events.emit('read', { user, timestamp });
  }
}
