/**
 * Request/reply over STOMP (`SEND /parley/history`, `SEND /parley/reads`): the request names one
 * of the session's own subscriptions in `reply-to`, and the answer is one MESSAGE there with
 * `parley-kind:<kind>` and the request's `parley-request-id`.
 */
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import type { LocalSubscription } from './hub-contract.js';

/**
 * The subscription `reply-to` names. Throws a `protocol-error` naming `what` (e.g. "a history
 * request") and an `example` destination when there is none.
 * @internal
 */
export function replySubscription(
  frame: Frame,
  find: (destination: string) => LocalSubscription | undefined,
  what: string,
  example: string,
): LocalSubscription {
  const replyTo = header(frame, 'reply-to');
  const sub = replyTo === undefined ? undefined : find(replyTo);
  if (!sub) {
    throw new StompError(
      REASONS.protocolError,
      `${what} needs reply-to naming one of your subscriptions, e.g. ${example}`,
    );
  }
  return sub;
}

/**
 * Headers of a reply: `parley-kind`, then `extra`, then the request's `parley-request-id` when
 * it had one.
 * @internal
 */
export function replyHeaders(
  frame: Frame,
  kind: string,
  extra: Array<[string, string]>,
): Array<[string, string]> {
  const headers: Array<[string, string]> = [['parley-kind', kind], ...extra];
  const requestId = header(frame, 'parley-request-id');
  if (requestId !== undefined) headers.push(['parley-request-id', requestId]);
  return headers;
}
