import type { TransportName } from './transport.js';
import type { ParleyError, ParleyReason } from './errors.js';
import type { ChatMessage, ClientState } from './types.js';

/** Payload of the client's `state` event. */
export interface StateChange {
  /** The state before the change. */
  oldState: ClientState;
  /** The state after the change (equal to `client.state` when listeners run). */
  newState: ClientState;
}

/** Payload of the client's `connected` event. */
export interface ConnectedEvent {
  /** The headers of the relay's CONNECTED frame (`version`, `server`, `heart-beat`…). */
  headers: Readonly<Record<string, string>>;
  /** The relay URL of this connection. */
  url: string;
  /** What carries it: `websocket`, or `sockjs` after a fallback. */
  transport: TransportName;
}

/** Payload of the client's `disconnected` event. */
export interface DisconnectedEvent {
  /** Why the connection ended; absent after a `disconnect()` the app asked for. */
  reason?: ParleyReason;
  /** Human-readable detail for `reason`. */
  message?: string;
}

/** Payload of the client's `reconnecting` event. */
export interface ReconnectingEvent {
  /** Consecutive failed attempts so far. */
  attempt: number;
  /** Why the last connection or attempt ended. */
  reason?: ParleyReason;
}

/** Payload of the client's `failed` event. */
export interface FailedEvent {
  /** Why the client gave up. */
  error: ParleyError;
}

/** Payload of the client's `token` event. */
export interface TokenRefreshedEvent {
  /** The new token's `exp` (seconds since 1970), if it has one. */
  exp: number | undefined;
  /** True when swapped on the open connection, false when a reconnect carried it. */
  inPlace: boolean;
}

/** What the relay stamped on a message it accepted (the SEND's RECEIPT). */
export interface SendReceipt {
  /** The client id sent as `parley-client-id`. */
  clientId: string;
  /** The message's offset in its destination (`-1` if not stamped). */
  offset: number;
  /** The history epoch of `offset`. */
  epoch: string;
  /** The relay's message id. */
  messageId: string;
  /** The relay had already accepted this client id: this was a resend, not delivered again. */
  duplicate: boolean;
}

/** Where a message in the outbox is. */
export type OutgoingStatus = 'pending' | 'sent' | 'failed';

/** A message in the outbox, as the `outbox` event and `room.send()` show it. */
export interface OutgoingMessage {
  /** The client id (a UUID), sent as `parley-client-id`; the same on every resend. */
  readonly clientId: string;
  /** The STOMP destination. */
  readonly destination: string;
  /** The body as sent. */
  readonly body: string;
  /** `pending` (waiting or in flight), `sent` (the relay acknowledged it) or `failed`. */
  readonly status: OutgoingStatus;
  /** Set when `sent`. */
  readonly receipt: SendReceipt | undefined;
  /** Set when `failed`. */
  readonly error: ParleyError | undefined;
  /**
   * Puts a `failed` message back in the outbox (same client id, at the end of the queue).
   *
   * @returns resolves on the relay's receipt, like `room.send()`
   * @throws ParleyError (as a rejection) `invalid-argument` if the message is not `failed`
   */
  retry(): Promise<SendReceipt>;
}

/**
 * What `room.send()` returns: a promise of the relay's receipt that also carries the outbox
 * entry, so a UI can show the message as sending at once.
 */
export type SendPromise = Promise<SendReceipt> & {
  /** The client id of the message. */
  readonly clientId: string;
  /** The outbox entry (its `status` changes as the message goes). */
  readonly outgoing: OutgoingMessage;
};

/** The events of a {@link ParleyClient}, by name, with their payloads. */
export interface ClientEvents {
  /** The state changed. Emitted before the more specific events. */
  state: StateChange;
  /** The socket is up and the relay accepted the connection. */
  connected: ConnectedEvent;
  /**
   * Every subscription has resumed (or resynced) after a connect: the app's view is current.
   * Emitted after `connected`, once per connection.
   */
  caughtUp: Record<string, never>;
  /** A connection ended (lost, refused, or `disconnect()`). */
  disconnected: DisconnectedEvent;
  /** The client is waiting to, or trying to, connect again. */
  reconnecting: ReconnectingEvent;
  /** The client gave up (state `failed`). */
  failed: FailedEvent;
  /** A fresh token is in use. */
  token: TokenRefreshedEvent;
  /** An outbox message changed status (`pending` when queued, then `sent` or `failed`). */
  outbox: OutgoingMessage;
  /** Something went wrong: an ERROR frame from the relay, a failed token fetch, a lost socket. */
  error: ParleyError;
  /**
   * Someone wrote to the local user (a new-conversation notice). The client listens for these
   * while it has a `dm` listener.
   */
  dm: DmNotice;
}

/** Payload of a room's `resync` event. */
export interface ResyncEvent {
  /** The newest page of the room's history, oldest first: replace the room's view with it. */
  messages: readonly ChatMessage[];
  /** The history epoch the page belongs to. */
  epoch: string;
}

/** A user as presence, typing and read events name them (from the relay's stamps). */
export interface Member {
  /** The user id (the token's `sub`). */
  readonly id: string;
  /** The token's `name` claim, when it has one. */
  readonly name?: string;
}

/** Payload of the `typing` event: who is typing now (never the local user). */
export interface TypingEvent {
  /** Everyone typing, in the order they started; empty when the last one stopped. */
  users: readonly Member[];
}

/**
 * Payload of a room's `presence` event, as the relay words it: the member list (on every
 * subscribe, including after a reconnect), then one event per change.
 */
export type PresenceEvent =
  { type: 'members'; members: readonly Member[] } | { type: 'join' | 'leave'; user: Member };

/** Payload of a room's `members` event: the whole member set after a change. */
export interface MembersEvent {
  /** Everyone present, the local user included. */
  members: readonly Member[];
}

/** How far one user has read a room. */
export interface ReadPosition {
  /** Offsets up to this one are read. */
  offset: number;
  /** When the position last moved (ms since 1970; for live events, when it arrived). */
  at: number;
  /** The relay timestamp of the message at `offset` (ms since 1970), when known. */
  timestamp?: number;
}

/** Payload of a room's `read` event: someone's read position moved. */
export interface ReadEvent extends ReadPosition {
  /** Who read (the local user too, from any of their tabs). */
  user: Member;
}

/**
 * Payload of a conversation's `read` event: the peer has read your messages up to `timestamp`
 * (compare with `ChatMessage.timestamp`; `dm.isReadByPeer(m)` does).
 */
export interface PeerReadEvent {
  /** The peer. */
  user: Member;
  /** The relay timestamp of the last message they read (ms since 1970). */
  timestamp: number;
}

/** Payload of the `unread` event. */
export interface UnreadEvent {
  /** Messages after my read position: `newest − readOffset`, never negative. */
  count: number;
  /** The newest offset seen or reported by the relay. */
  newest: number;
  /** My read position. */
  readOffset: number;
}

/** Which page `history()` reads. */
export interface HistoryOptions {
  /** Only messages with offsets below this (pass the oldest offset you have); default: the newest. */
  before?: number;
  /** At most this many messages, 1–500. Default 50. */
  limit?: number;
}

/** What `history()` resolves with. */
export interface HistoryResult {
  /** The page, oldest first. */
  messages: ChatMessage[];
  /** Older messages are still kept: ask again with `before: messages[0].offset`. */
  hasMore: boolean;
}

/** Payload of the client's `dm` event: someone wrote to the local user. */
export interface DmNotice {
  /** Who wrote: open the conversation with `client.dm(from)`. */
  from: string;
  /** Their name, when their token has one. */
  name?: string;
  /** The local user's copy of the conversation (`/user/queue/dm.<from>`). */
  destination: string;
  /** The message's offset in that copy. */
  offset: number;
  /** The relay timestamp of the message (ms since 1970). */
  timestamp: number;
}

/** The events rooms and conversations share, by name, with their payloads. */
export interface ChannelEvents {
  /**
   * A message arrived (including the client's own), exactly once: resends and replays the
   * client has already seen are dropped.
   */
  message: ChatMessage;
  /**
   * The relay could not replay everything missed while disconnected (history trimmed, epoch
   * changed, a gap it could not fill): the view is stale. The payload is the newest page of
   * history; later `message` events continue after it.
   */
  resync: ResyncEvent;
  /**
   * The relay refused the subscription (`forbidden`, `destination-invalid`…), or a refreshed
   * token no longer grants it. It is not subscribed again — no reconnect loop — until its
   * listeners are all removed and one is added again.
   */
  error: ParleyError;
  /** Who is typing changed. */
  typing: TypingEvent;
  /** The unread count changed (`unreadCount`). */
  unread: UnreadEvent;
}

/** The events of a {@link Room}, by name, with their payloads. */
export interface RoomEvents extends ChannelEvents {
  /** Someone's read position moved (see `room.reads()`). */
  read: ReadEvent;
  /** A presence event as the relay sent it (member list, join, leave). */
  presence: PresenceEvent;
  /** The member set changed (see `room.members()`). */
  members: MembersEvent;
}

/** The events of a {@link Dm} (a direct conversation), by name, with their payloads. */
export interface DmEvents extends ChannelEvents {
  /** The peer read further (see `dm.peerReadTimestamp`). */
  read: PeerReadEvent;
}
