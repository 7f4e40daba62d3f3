/**
 * `@parley/sdk`: the typed chat client of Parley, over STOMP 1.2 on WebSocket.
 *
 * @packageDocumentation
 */
export { createClient } from './client.js';
export type { ParleyClient } from './client.js';
export type { Room } from './room.js';
export { ParleyError, UnauthorizedError, isParleyError, RELAY_REASONS } from './errors.js';
export type { ClientReason, ParleyErrorOptions, ParleyReason, RelayReason } from './errors.js';
export type { Listener, Unsubscribe } from './emitter.js';
export { ClientState } from './types.js';
export type {
  ChatMessage,
  ClientEvents,
  ClientOptions,
  ConnectedEvent,
  DisconnectedEvent,
  EnvironmentLike,
  FailedEvent,
  HeartbeatStrategy,
  MessageBody,
  OutboxOptions,
  OutgoingMessage,
  OutgoingStatus,
  ReconnectOptions,
  ReconnectingEvent,
  ResyncEvent,
  RoomEvents,
  SendHeaders,
  SendPromise,
  SendReceipt,
  StateChange,
  TokenRefreshedEvent,
  TokenSource,
  WebSocketFactory,
  WebSocketLike,
} from './types.js';
