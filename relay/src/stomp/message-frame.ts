import type { BrokerMessage } from '../broker/broker.js';
import type { Frame } from '../codec/index.js';
import { serialize } from '../codec/index.js';
import { GAP_HEADER, formatGap } from './gap.js';
import type { LocalSubscription } from './hub-contract.js';
import { userHeaders } from './reserved-headers.js';

/**
 * Frames of the message being fanned out right now. Only the latest message is kept: a cache
 * keyed by every message would live as long as the message does — in history, for hours.
 */
let cachedMessage: BrokerMessage | undefined;
let cachedFrames = new Map<string, Uint8Array>();

/**
 * The SEND headers that travel on into MESSAGE frames: user headers and the client-settable
 * `parley-kind` / `parley-client-id`, first occurrence each. Every name that is the relay's,
 * in any spelling of case (see reserved-headers.ts), is dropped, so it can't be forged.
 */
export function passThroughHeaders(frame: Frame): Array<[string, string]> {
  return userHeaders(frame.headers).slice();
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
 *
 * Header order is part of the protocol (docs/protocol.md#message): every header the relay
 * stamps — destination, message-id, subscription, ack, the `parley-` stamps, content-length —
 * comes before any header of the sender, and the sender's headers are re-checked against the
 * reserved names (history may hold messages stored before that rule), so a client that keeps
 * the first of repeated headers always reads the relay's.
 *
 * @throws StompParseError when a header cannot be written (STOMP 1.0: see {@link deliveryFrame})
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
  headers.push(['parley-sender', message.sender]);
  if (message.senderName !== undefined) headers.push(['parley-sender-name', message.senderName]);
  headers.push(
    ['parley-timestamp', String(message.timestamp)],
    ['parley-offset', String(message.offset)],
    ['parley-epoch', message.epoch],
  );
  if (extras.redelivered) headers.push(['parley-redelivered', 'true']);
  if (message.gap) headers.push([GAP_HEADER, formatGap(message.gap)]);
  headers.push(['content-length', String(message.body.length)], ...userHeaders(message.headers));
  const bytes = serialize({ command: 'MESSAGE', headers, body: message.body }, { escapes });
  if (shared) cachedFrames.set(key, bytes);
  return bytes;
}

/**
 * {@link messageFrame}, falling back to {@link unescapedSafe} when the frame cannot be written
 * (only STOMP 1.0 frames can fail: CR/LF in a value or `:` in a name cannot travel unescaped).
 * Every path that serializes a broker message for a subscriber goes through here.
 *
 * @throws StompParseError when even the safe copy cannot be written (e.g. a sender id with a
 * line break on a STOMP 1.0 connection): the caller drops that subscriber, never the sender.
 * @internal
 */
export function deliveryFrame(
  message: BrokerMessage,
  sub: LocalSubscription,
  escapes: boolean,
  extras: DeliveryExtras = {},
): Uint8Array {
  try {
    return messageFrame(message, sub, escapes, extras);
  } catch (err) {
    if (escapes) throw err;
    return messageFrame(unescapedSafe(message), sub, escapes, extras);
  }
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
