import type { ChatMessage } from '@parley/sdk';
import { MAX_MESSAGE_CHARS } from '../shared/constants.js';

/** Where one of the visitor's own messages is. */
export type Status = 'pending' | 'sent' | 'failed';

/** A message as the panel shows it. */
export interface ViewMessage {
  /** Stable key: the client id for own messages, else the relay's id. */
  key: string;
  id?: string;
  clientId?: string;
  /** Per-room offset; Infinity while an own message has not been stamped. */
  offset: number;
  senderId: string;
  senderName?: string;
  text: string;
  time: Date;
  mine: boolean;
  status?: Status;
  retry?: () => void;
}

/** The text of a message: `{"text": …}` JSON (what the widget and the demo send) or plain text. */
export function textOf(body: string, contentType: string | undefined): string {
  let text = body;
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as { text?: unknown };
      text = typeof parsed.text === 'string' ? parsed.text : '';
    } catch {
      text = '';
    }
  }
  return text.slice(0, MAX_MESSAGE_CHARS);
}

/** A delivered (or history) message as a view message. */
export function fromChat(m: ChatMessage, me: string | undefined): ViewMessage {
  const clientId = m.headers['parley-client-id'];
  const mine = m.sender.id === me;
  return {
    key: mine && clientId ? clientId : m.id,
    id: m.id,
    ...(clientId !== undefined && { clientId }),
    offset: m.offset,
    senderId: m.sender.id,
    ...(m.sender.name !== undefined && { senderName: m.sender.name }),
    text: textOf(m.body, m.headers['content-type']),
    time: m.timestamp,
    mine,
    ...(mine && { status: 'sent' as const }),
  };
}

/**
 * Adds or updates messages: one entry per key (an own message keeps its place when the relay's
 * copy arrives), stamped messages in offset order, unstamped own messages last.
 */
export function merge(
  list: readonly ViewMessage[],
  incoming: readonly ViewMessage[],
): ViewMessage[] {
  const byKey = new Map(list.map((m) => [m.key, m] as const));
  const ids = new Set(list.map((m) => m.id).filter(Boolean));
  for (const m of incoming) {
    const old = byKey.get(m.key);
    if (!old && m.id && ids.has(m.id)) continue;
    byKey.set(m.key, old ? { ...old, ...m, retry: m.retry ?? old.retry } : m);
    if (m.id) ids.add(m.id);
  }
  return [...byKey.values()].sort(
    (a, b) => a.offset - b.offset || a.time.getTime() - b.time.getTime(),
  );
}

/** Consecutive messages of one sender within five minutes. */
export interface Group {
  key: string;
  senderId: string;
  senderName?: string;
  mine: boolean;
  messages: ViewMessage[];
}

const GROUP_GAP_MS = 5 * 60_000;

export function group(list: readonly ViewMessage[]): Group[] {
  const groups: Group[] = [];
  for (const m of list) {
    const last = groups[groups.length - 1];
    const prev = last?.messages[last.messages.length - 1];
    if (
      last &&
      prev &&
      last.senderId === m.senderId &&
      m.time.getTime() - prev.time.getTime() < GROUP_GAP_MS
    ) {
      last.messages.push(m);
    } else {
      groups.push({
        key: m.key,
        senderId: m.senderId,
        ...(m.senderName !== undefined && { senderName: m.senderName }),
        mine: m.mine,
        messages: [m],
      });
    }
  }
  return groups;
}
