import type { BrokerMessage } from '../broker/broker.js';
import type { ReceiptHeaders } from './session-subscriptions.js';

/**
 * The RECEIPT headers of a published SEND: what the broker stamped (`parley-offset`,
 * `parley-epoch`, `parley-message-id`), plus `parley-duplicate:true` when the SEND repeated a
 * `parley-client-id` the broker remembered — the stamp is then the first SEND's, and nothing was
 * stored or delivered again (docs/protocol.md#idempotent-send).
 * @internal
 */
export function sendReceipt(m: BrokerMessage): ReceiptHeaders {
  const headers: ReceiptHeaders = [
    ['parley-offset', String(m.offset)],
    ['parley-epoch', m.epoch],
    ['parley-message-id', m.id],
  ];
  if (m.duplicate) headers.push(['parley-duplicate', 'true']);
  return headers;
}
