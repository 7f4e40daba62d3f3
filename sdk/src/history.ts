import { ParleyError } from './errors.js';
import { toChatMessage } from './message.js';
import type { InboundFrame } from './message.js';
import type { ChatMessage } from './types.js';

/** A page of history, as the relay's JSON has it (docs/protocol.md#http-api). @internal */
interface WirePage {
  epoch?: unknown;
  first?: unknown;
  messages?: unknown;
}

interface WireMessage {
  id?: unknown;
  offset?: unknown;
  epoch?: unknown;
  timestamp?: unknown;
  sender?: unknown;
  senderName?: unknown;
  headers?: unknown;
  body?: unknown;
  encoding?: unknown;
}

/** A page of a room's history. @internal */
export interface HistoryPage {
  epoch: string;
  messages: ChatMessage[];
  /** The oldest offset the relay still keeps, when it says. */
  first?: number;
}

/** Which page of history to ask for (docs/protocol.md#history-and-recovery). @internal */
export interface HistoryQuery {
  /** Messages with offsets below this (the newest ones), if given. */
  before?: number;
  /** At most this many messages. */
  limit: number;
}

/**
 * The headers of a `/parley/history` request for `target`.
 *
 * @internal
 */
export function historyHeaders(target: string, query: HistoryQuery): Record<string, string> {
  return {
    'parley-target': target,
    'parley-limit': String(query.limit),
    ...(query.before !== undefined && { 'parley-before': String(query.before) }),
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function decodeBody(m: WireMessage): string {
  const body = str(m.body) ?? '';
  if (m.encoding !== 'base64') return body;
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/**
 * Turns one page of history JSON into chat messages of `room`, oldest first.
 *
 * @throws ParleyError `unknown` if the JSON is not a history page
 * @internal
 */
export function parseHistoryPage(room: string, json: string): HistoryPage {
  let page: WirePage;
  try {
    page = JSON.parse(json) as WirePage;
  } catch (error) {
    throw new ParleyError('unknown', 'history page: not JSON', {
      cause: error,
    });
  }
  if (!page || !Array.isArray(page.messages)) {
    throw new ParleyError('unknown', 'history page: no messages');
  }
  const messages = (page.messages as WireMessage[]).map((m) => {
    const userHeaders =
      m.headers && typeof m.headers === 'object' ? (m.headers as Record<string, string>) : {};
    const frame: InboundFrame = {
      headers: {
        ...userHeaders,
        'message-id': str(m.id) ?? '',
        'parley-sender': str(m.sender) ?? '',
        ...(str(m.senderName) !== undefined && { 'parley-sender-name': str(m.senderName) ?? '' }),
        'parley-timestamp': String(m.timestamp ?? ''),
        'parley-offset': String(m.offset ?? ''),
        'parley-epoch': str(m.epoch) ?? '',
      },
      body: decodeBody(m),
    };
    return toChatMessage(room, frame);
  });
  const epoch = str(page.epoch) ?? messages.at(-1)?.epoch ?? '';
  return typeof page.first === 'number'
    ? { epoch, messages, first: page.first }
    : { epoch, messages };
}
