/**
 * The widget's view of an SDK room. The SDK is growing typing, presence, read marks, unread
 * counts and history; where the running SDK does not have a method yet, the adapter does
 * without it (or, for history on the relay's own origin, reads `GET /api/history`), so the
 * widget works with both. What is missing is listed in `supports`.
 */
import type { ChatMessage, Room, SendPromise } from '@parley/sdk';
import { HISTORY_PAGE } from '../shared/constants.js';

/** A user as presence and typing name them. */
export interface Member {
  id: string;
  name?: string;
}

/** The room API the widget is built against (parts of it may be missing at run time). */
interface FutureRoom {
  typing(): void;
  members(): Promise<Member[]>;
  markRead(offset: number): void;
  unreadCount: number;
  history(page: {
    before?: number;
    limit: number;
  }): Promise<{ messages: ChatMessage[] } | ChatMessage[]>;
  on(event: string, fn: (payload: unknown) => void): () => void;
}

/** What the adapter can do with the running SDK. */
export interface Supports {
  typing: boolean;
  presence: boolean;
  read: boolean;
  history: boolean;
}

/** Presence as the relay words it (docs/protocol.md#presence). */
export type PresenceEvent =
  { type: 'members'; members: Member[] } | { type: 'join' | 'leave'; user: Member };

export interface RoomAdapter {
  readonly id: string;
  readonly supports: Supports;
  send(text: string): SendPromise;
  onMessage(fn: (m: ChatMessage) => void): () => void;
  onResync(fn: (messages: readonly ChatMessage[]) => void): () => void;
  /** Everyone typing now (the SDK's set), or one user's signal (`single`: the widget expires it). */
  onTyping(fn: (users: Member[], single: boolean) => void): () => void;
  onPresence(fn: (event: PresenceEvent) => void): () => void;
  onRead(fn: (user: Member, offset: number) => void): () => void;
  typing(): void;
  markRead(offset: number): void;
  members(): Promise<Member[] | undefined>;
  /** A page of older messages (oldest first), or undefined when history cannot be read. */
  history(before?: number): Promise<ChatMessage[] | undefined>;
}

const noop = (): void => undefined;

/** The relay's history JSON as far as the widget reads it. */
interface WireMessage {
  id: string;
  offset: number;
  epoch: string;
  timestamp: number;
  sender: string;
  senderName?: string;
  headers: Record<string, string>;
  body: string;
  encoding: string;
}

function wireToChat(room: string, m: WireMessage): ChatMessage {
  const body = m.encoding === 'utf8' ? m.body : '';
  return {
    id: m.id,
    room,
    body,
    json: <T>() => JSON.parse(body) as T,
    sender: { id: m.sender, ...(m.senderName !== undefined && { name: m.senderName }) },
    timestamp: new Date(m.timestamp),
    offset: m.offset,
    epoch: m.epoch,
    headers: m.headers,
  };
}

/** Reads a page over HTTP: only where no CORS is needed (the page is on the relay's origin). */
async function httpHistory(
  relay: URL,
  room: Room,
  token: () => string | undefined,
  before: number | undefined,
): Promise<ChatMessage[] | undefined> {
  const bearer = token();
  if (relay.origin !== location.origin || !bearer) return undefined;
  const url = new URL('/api/history', relay);
  url.searchParams.set('destination', room.destination);
  url.searchParams.set('limit', String(HISTORY_PAGE));
  if (before !== undefined) url.searchParams.set('before', String(before));
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}` } });
  if (!res.ok) return undefined;
  const page = (await res.json()) as { messages: WireMessage[] };
  return page.messages.map((m) => wireToChat(room.id, m));
}

/** Wraps `room`. `token` returns the current JWT (for the HTTP history fallback). */
export function adaptRoom(room: Room, relay: URL, token: () => string | undefined): RoomAdapter {
  const future = room as unknown as Partial<FutureRoom>;
  const has = (name: keyof FutureRoom): boolean => typeof future[name] === 'function';
  const on = (event: string, fn: (payload: unknown) => void): (() => void) => {
    try {
      return (room.on as unknown as FutureRoom['on'])(event, fn);
    } catch {
      return noop;
    }
  };
  const supports: Supports = {
    typing: has('typing'),
    presence: has('members'),
    read: has('markRead'),
    history: has('history'),
  };
  return {
    id: room.id,
    supports,
    send: (text) => room.send({ text }),
    onMessage: (fn) => room.on('message', fn),
    onResync: (fn) => room.on('resync', (e) => fn(e.messages)),
    onTyping: (fn) =>
      supports.typing
        ? on('typing', (p) => {
            const e = p as { users?: Member[]; user?: Member };
            if (e.users) fn(e.users, false);
            else if (e.user) fn([e.user], true);
          })
        : noop,
    onPresence: (fn) => (supports.presence ? on('presence', (p) => fn(p as PresenceEvent)) : noop),
    onRead: (fn) =>
      supports.read
        ? on('read', (p) => {
            const e = p as { user?: Member; userId?: string; offset: number };
            fn(e.user ?? { id: e.userId ?? '' }, e.offset);
          })
        : noop,
    typing: () => future.typing?.call(room),
    markRead: (offset) => future.markRead?.call(room, offset),
    members: async () => (supports.presence ? future.members!.call(room) : undefined),
    history: async (before) => {
      try {
        if (supports.history) {
          const page = await future.history!.call(room, {
            ...(before !== undefined && { before }),
            limit: HISTORY_PAGE,
          });
          return Array.isArray(page) ? page : page.messages;
        }
        return await httpHistory(relay, room, token, before);
      } catch {
        return undefined;
      }
    },
  };
}
