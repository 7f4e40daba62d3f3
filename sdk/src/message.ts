import { ParleyError } from './errors.js';
import { checkSendHeader, relayHeaders } from './headers.js';
import type { ChatMessage, MessageBody, SendHeaders } from './types.js';

/** @internal */
export const JSON_TYPE = 'application/json';
/** @internal */
export const TEXT_TYPE = 'text/plain;charset=utf-8';

/** A MESSAGE frame as the SDK sees it. @internal */
export interface InboundFrame {
  headers: Record<string, string>;
  body: string;
}

/** A SEND ready for the wire. @internal */
export interface OutboundMessage {
  body: string;
  headers: Record<string, string>;
}

// eslint-disable-next-line no-control-regex
const ROOM_ID = /^[^/\u0000-\u001f\u007f*]+$/;

/**
 * The destination of room `id`. Ids may not contain `/`, `*`, `..` or control characters.
 *
 * @internal
 */
export function roomDestination(id: string): string {
  if (typeof id !== 'string' || !ROOM_ID.test(id) || `.${id}`.includes('..')) {
    throw new ParleyError('invalid-argument', `invalid room id ${JSON.stringify(id)}`);
  }
  return `/topic/room.${id}`;
}

/**
 * Encodes a body and the user's headers into a SEND: strings as UTF-8 text, everything else as
 * JSON. Reserved headers (any case) and names that are not tokens are refused.
 *
 * @internal
 */
export function encodeMessage(body: MessageBody, headers: SendHeaders = {}): OutboundMessage {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    checkSendHeader(name, value);
    out[name.toLowerCase()] = value;
  }
  if (typeof body === 'string') {
    return { body, headers: { 'content-type': TEXT_TYPE, ...out } };
  }
  if (body === null || typeof body !== 'object') {
    throw new ParleyError('invalid-argument', 'a message body must be a string or an object');
  }
  const json = JSON.stringify(body);
  if (json === undefined) {
    throw new ParleyError('invalid-argument', 'the message body is not JSON-serializable');
  }
  return { body: json, headers: { 'content-type': JSON_TYPE, ...out } };
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Maps a MESSAGE frame of room `room` to a {@link ChatMessage}. Sender, time, offset and epoch
 * come only from the relay's stamps: other spellings of reserved names are left out.
 *
 * @internal
 */
export function toChatMessage(room: string, frame: InboundFrame, now = Date.now()): ChatMessage {
  const headers: Readonly<Record<string, string>> = Object.freeze(relayHeaders(frame.headers));
  const name = headers['parley-sender-name'];
  const sender = Object.freeze(
    name === undefined
      ? { id: headers['parley-sender'] ?? '' }
      : { id: headers['parley-sender'] ?? '', name },
  );
  const body = frame.body;
  return Object.freeze({
    id: headers['message-id'] ?? '',
    room,
    body,
    json<T = unknown>(): T {
      return JSON.parse(body) as T;
    },
    sender,
    timestamp: new Date(integer(headers['parley-timestamp']) ?? now),
    offset: integer(headers['parley-offset']) ?? -1,
    epoch: headers['parley-epoch'] ?? '',
    headers,
  });
}
