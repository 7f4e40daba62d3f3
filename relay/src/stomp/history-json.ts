import type { BrokerMessage, HistoryPage } from '../broker/broker.js';
import { userHeaders } from './reserved-headers.js';

/** The request/reply destination for history pages over STOMP. */
export const HISTORY_DESTINATION = '/parley/history';
/** Largest history page, over STOMP and HTTP. */
export const MAX_HISTORY_PAGE = 500;

/** A message as JSON, in history replies over STOMP and HTTP (docs/protocol.md#history). */
export interface MessageJson {
  id: string;
  destination: string;
  offset: number;
  epoch: string;
  timestamp: number;
  sender: string;
  senderName?: string;
  /**
   * The sender's headers (content-type, custom ones, `parley-kind`, `parley-client-id`). The
   * relay's own fields are the ones above; no header here can be a spelling of one of them.
   */
  headers: Record<string, string>;
  /** The body: text when it is valid UTF-8 and was not sent as binary, else base64. */
  body: string;
  encoding: 'utf8' | 'base64';
}

export interface HistoryJson {
  destination: string;
  epoch: string;
  first: number;
  last: number;
  messages: MessageJson[];
}

const strict = new TextDecoder('utf-8', { fatal: true });

export function messageJson(m: BrokerMessage): MessageJson {
  let body: string | undefined;
  if (!m.binary) {
    try {
      body = strict.decode(m.body);
    } catch {
      body = undefined;
    }
  }
  return {
    id: m.id,
    destination: m.destination,
    offset: m.offset,
    epoch: m.epoch,
    timestamp: m.timestamp,
    sender: m.sender,
    ...(m.senderName !== undefined && { senderName: m.senderName }),
    headers: Object.fromEntries(userHeaders(m.headers)),
    body: body ?? Buffer.from(m.body).toString('base64'),
    encoding: body === undefined ? 'base64' : 'utf8',
  };
}

export function historyJson(destination: string, page: HistoryPage): HistoryJson {
  return {
    destination,
    epoch: page.epoch,
    first: page.first,
    last: page.last,
    messages: page.messages.map(messageJson),
  };
}

/** Parses `before` / `after` / `limit` (strings from headers or a query string). */
export function historyQuery(
  raw: { before?: string | null; after?: string | null; limit?: string | null },
  maxLimit: number,
): { before?: number; after?: number; limit: number } | string {
  const num = (name: string, v: string | null | undefined): number | undefined | string => {
    if (v === undefined || v === null || v === '') return undefined;
    return /^\d{1,15}$/.test(v)
      ? Number(v)
      : `${name} must be a whole number, got "${v.slice(0, 32)}"`;
  };
  const before = num('before', raw.before);
  const after = num('after', raw.after);
  const limit = num('limit', raw.limit) ?? 50;
  for (const v of [before, after, limit]) if (typeof v === 'string') return v;
  if ((limit as number) < 1 || (limit as number) > maxLimit)
    return `limit must be between 1 and ${maxLimit}`;
  return {
    ...(before !== undefined && { before: before as number }),
    ...(after !== undefined && { after: after as number }),
    limit: limit as number,
  };
}
