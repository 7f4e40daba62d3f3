import { headerNameProblem } from '../codec/index.js';
import { RELAY_HEADERS, isReservedHeader } from '../stomp/reserved-headers.js';

/** One message of a `POST /api/publish` request, validated. */
export interface PublishItem {
  destination: string;
  body: Uint8Array;
  headers: Array<[string, string]>;
  binary: boolean;
  ephemeral: boolean;
  /** Only honoured for the API key (the backend speaks for itself or a named bot). */
  sender?: string;
  senderName?: string;
}

export interface PublishRequest {
  items: PublishItem[];
  /** The request used `{ "messages": [...] }`. */
  batch: boolean;
}

/** Most messages in one batch. */
export const MAX_BATCH = 100;

const KINDS = new Set(['message', 'typing', 'read']);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function item(raw: unknown, where: string): PublishItem | string {
  if (!isObject(raw)) return `${where} must be an object`;
  const { destination, body, headers, encoding, kind, sender, senderName } = raw;
  if (typeof destination !== 'string') return `${where}.destination must be a string`;
  if (typeof body !== 'string' && !isObject(body) && !Array.isArray(body)) {
    return `${where}.body must be a string or JSON`;
  }
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'base64') {
    return `${where}.encoding must be "utf8" or "base64"`;
  }
  if (encoding === 'base64' && (typeof body !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body))) {
    return `${where}.body must be base64 when encoding is "base64"`;
  }
  if (kind !== undefined && (typeof kind !== 'string' || !KINDS.has(kind))) {
    return `${where}.kind must be one of ${[...KINDS].join(', ')}`;
  }
  if (sender !== undefined && (typeof sender !== 'string' || !/^[^/\s]{1,200}$/.test(sender))) {
    return `${where}.sender must be a user id (no "/" or spaces)`;
  }
  if (senderName !== undefined && typeof senderName !== 'string')
    return `${where}.senderName must be a string`;
  const list: Array<[string, string]> = [];
  if (headers !== undefined) {
    if (!isObject(headers)) return `${where}.headers must be an object of strings`;
    for (const [k, v] of Object.entries(headers)) {
      const problem = headerNameProblem(k);
      if (problem !== undefined) return `${where}.headers: ${problem}`;
      if (typeof v !== 'string') return `${where}.headers.${k} must be a string`;
      if (/[\r\n]/.test(v)) return `${where}.headers.${k} must not contain CR or LF`;
      if (isReservedHeader(k)) {
        return `${where}.headers.${k} is reserved: parley-* (any case) and ${[...RELAY_HEADERS].join(', ')} are the relay's`;
      }
      list.push([k, v]);
    }
  }
  const json = typeof body !== 'string';
  if (!list.some(([k]) => k === 'content-type')) {
    list.unshift(['content-type', json ? 'application/json' : 'text/plain;charset=utf-8']);
  }
  if (kind !== undefined) list.push(['parley-kind', kind as string]);
  const bytes =
    encoding === 'base64'
      ? new Uint8Array(Buffer.from(body as string, 'base64'))
      : new TextEncoder().encode(json ? JSON.stringify(body) : (body as string));
  return {
    destination,
    body: bytes,
    headers: list,
    binary: encoding === 'base64',
    ephemeral: kind === 'typing' || kind === 'read',
    ...(typeof sender === 'string' && { sender }),
    ...(typeof senderName === 'string' && { senderName }),
  };
}

/**
 * Parses the JSON body of `POST /api/publish`: one message `{destination, body, ...}` or a batch
 * `{messages: [...]}`. Returns a message saying what is wrong instead of throwing.
 */
export function parsePublishRequest(text: string): PublishRequest | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'request body is not valid JSON';
  }
  if (!isObject(raw)) return 'request body must be a JSON object';
  if (raw.messages !== undefined) {
    if (!Array.isArray(raw.messages) || raw.messages.length === 0)
      return 'messages must be a non-empty array';
    if (raw.messages.length > MAX_BATCH) return `at most ${MAX_BATCH} messages per batch`;
    const items: PublishItem[] = [];
    for (const [i, m] of raw.messages.entries()) {
      const parsed = item(m, `messages[${i}]`);
      if (typeof parsed === 'string') return parsed;
      items.push(parsed);
    }
    return { items, batch: true };
  }
  const single = item(raw, 'request');
  return typeof single === 'string' ? single : { items: [single], batch: false };
}
