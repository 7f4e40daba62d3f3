import type { BrokerMessage } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { serialize } from '../codec/index.js';
import type { LocalSubscription } from './hub.js';

/**
 * Frames of the message being fanned out right now. Only the latest message is kept: a cache
 * keyed by every message would live as long as the message does — in history, for hours.
 */
let cachedMessage: BrokerMessage | undefined;
let cachedFrames = new Map<string, Uint8Array>();

/** Headers that are the relay's to set, never passed through from SEND to MESSAGE. */
const DROPPED_SEND_HEADERS = new Set([
  'destination',
  'receipt',
  'transaction',
  'content-length',
  'message-id',
  'subscription',
  'ack',
  'redelivered',
]);

/** The only `parley-` headers a client may set on SEND; every other one is dropped. */
const CLIENT_PARLEY_HEADERS = new Set(['parley-kind', 'parley-client-id']);

/**
 * The SEND headers that travel on into MESSAGE frames: user headers and the client-settable
 * `parley-kind` / `parley-client-id`, first occurrence each. Other `parley-` headers are the
 * relay's and are dropped, so they can't be forged.
 */
export function passThroughHeaders(frame: Frame): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const [k, v] of frame.headers) {
    if (DROPPED_SEND_HEADERS.has(k) || seen.has(k)) continue;
    if (k.startsWith('parley-') && !CLIENT_PARLEY_HEADERS.has(k)) continue;
    seen.add(k);
    headers.push([k, v]);
  }
  return headers;
}

/** Per-delivery extras that stop a frame from being shared between subscribers. */
export interface DeliveryExtras {
  ack?: string;
  redelivered?: boolean;
}

/**
 * The MESSAGE frame for one subscription. Subscribers that share a subscription id and
 * destination spelling (the common `sub-0` case) share one buffer per message; frames with an
 * `ack` id or a redelivery mark are built for their subscriber alone.
 * @internal
 */
export function messageFrame(
  message: BrokerMessage,
  sub: LocalSubscription,
  escapes: boolean,
  extras: DeliveryExtras = {},
): Uint8Array {
  const shared = extras.ack === undefined && !extras.redelivered;
  const key = `${escapes ? 1 : 0}\0${sub.id}\0${sub.destination}`;
  if (shared) {
    if (cachedMessage === message) {
      const hit = cachedFrames.get(key);
      if (hit) return hit;
    } else {
      cachedMessage = message;
      cachedFrames = new Map();
    }
  }
  const headers: Array<[string, string]> = [
    ['destination', sub.destination],
    ['message-id', message.id],
    ['subscription', sub.id],
  ];
  if (extras.ack !== undefined) headers.push(['ack', extras.ack]);
  headers.push(...message.headers, ['parley-sender', message.sender]);
  if (message.senderName !== undefined) headers.push(['parley-sender-name', message.senderName]);
  headers.push(
    ['parley-timestamp', String(message.timestamp)],
    ['parley-offset', String(message.offset)],
    ['parley-epoch', message.epoch],
  );
  if (extras.redelivered) headers.push(['parley-redelivered', 'true']);
  headers.push(['content-length', String(message.body.length)]);
  const bytes = serialize({ command: 'MESSAGE', headers, body: message.body }, { escapes });
  if (shared) cachedFrames.set(key, bytes);
  return bytes;
}

/** A copy of `message` without what a STOMP 1.0 frame cannot carry unescaped. */
export function unescapedSafe(message: BrokerMessage): BrokerMessage {
  return {
    ...message,
    headers: message.headers.filter(([k, v]) => !/[:\r\n]/.test(k) && !/[\r\n]/.test(v)),
    ...(message.senderName !== undefined && {
      senderName: message.senderName.replace(/[\r\n]/g, ' '),
    }),
  };
}

/**
 * A MESSAGE the relay writes to one subscription itself, not through the broker (history
 * replies, presence member lists): a JSON body and the given `parley-*` headers.
 */
export function directMessage(
  sub: LocalSubscription,
  messageId: string,
  extra: Array<[string, string]>,
  payload: unknown,
  escapes: boolean,
): Uint8Array {
  const headers: Array<[string, string]> = [
    ['destination', sub.destination],
    ['message-id', messageId],
    ['subscription', sub.id],
    ['content-type', 'application/json'],
    ...extra,
  ];
  const body = new TextEncoder().encode(JSON.stringify(payload));
  return serialize({ command: 'MESSAGE', headers, body }, { escapes });
}
