/**
 * `@parley/sdk`: the typed chat client of Parley, over STOMP 1.2 on WebSocket.
 *
 * @packageDocumentation
 */
export { createClient } from './client.js';
export type { ParleyClient } from './client.js';
export type { Room } from './room.js';
export type { Dm } from './dm.js';
export type { Channel } from './channel.js';
export { ParleyError, UnauthorizedError, isParleyError, RELAY_REASONS } from './errors.js';
export type { ClientReason, ParleyErrorOptions, ParleyReason, RelayReason } from './errors.js';
export type { Listener, Unsubscribe } from './emitter.js';
export { ClientState } from './types.js';
export type { TransportMode, TransportName } from './transport.js';
export type {
  ChatMessage,
  ClientOptions,
  EnvironmentLike,
  HeartbeatStrategy,
  MessageBody,
  OutboxOptions,
  ReconnectOptions,
  SendHeaders,
  TokenSource,
  WebSocketFactory,
  WebSocketLike,
} from './types.js';
export type {
  ClientEvents,
  ConnectedEvent,
  DisconnectedEvent,
  FailedEvent,
  OutgoingMessage,
  OutgoingStatus,
  ReconnectingEvent,
  ResyncEvent,
  RoomEvents,
  ChannelEvents,
  DmEvents,
  DmNotice,
  HistoryOptions,
  HistoryResult,
  Member,
  MembersEvent,
  PeerReadEvent,
  PresenceEvent,
  ReadEvent,
  ReadPosition,
  TypingEvent,
  UnreadEvent,
  SendPromise,
  SendReceipt,
  StateChange,
  TokenRefreshedEvent,
} from './events.js';
