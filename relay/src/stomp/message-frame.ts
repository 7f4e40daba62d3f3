import type { BrokerMessage } from '../broker/broker.js';
import { serialize } from '../codec/index.js';
import type { LocalSubscription } from './hub.js';

const cache = new WeakMap<BrokerMessage, Map<string, Uint8Array>>();

/**
 * The MESSAGE frame for one subscription. Subscribers that share a subscription id and
 * destination spelling (the common `sub-0` case) share one buffer per message.
 * @internal
 */
export function messageFrame(
  message: BrokerMessage,
  sub: LocalSubscription,
  escapes: boolean,
): Uint8Array {
  const key = `${escapes ? 1 : 0}\0${sub.id}\0${sub.destination}`;
  let perMessage = cache.get(message);
  const hit = perMessage?.get(key);
  if (hit) return hit;
  const headers: Array<[string, string]> = [
    ['destination', sub.destination],
    ['message-id', message.id],
    ['subscription', sub.id],
    ...message.headers,
    ['parley-sender', message.sender],
  ];
  if (message.senderName !== undefined) headers.push(['parley-sender-name', message.senderName]);
  headers.push(
    ['parley-timestamp', String(message.timestamp)],
    ['parley-offset', String(message.offset)],
    ['parley-epoch', message.epoch],
    ['content-length', String(message.body.length)],
  );
  const bytes = serialize({ command: 'MESSAGE', headers, body: message.body }, { escapes });
  if (!perMessage) cache.set(message, (perMessage = new Map()));
  perMessage.set(key, bytes);
  return bytes;
}
