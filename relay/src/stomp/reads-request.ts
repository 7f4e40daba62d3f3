import type { Principal } from '../auth/principal.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import type { ChatHost } from './chat-host.js';
import { resolveDestination } from './destinations.js';
import { dmCopy, dmDestination, userIdProblem } from './dm-destination.js';
import type { ReceiptHeaders } from './session-subscriptions.js';

/** The request/reply destination for read positions over STOMP. */
export const READS_DESTINATION = '/parley/reads';
/** `parley-kind` of the reply. */
export const READS_KIND = 'reads';

/**
 * For a conversation copy `/user/<owner>/queue/dm.<peer>`: the peer and their own copy, whose
 * read position the reply reports as a timestamp. @internal
 */
export function peerOf(target: string): { user: string; copy: string } | undefined {
  const copy = dmCopy(target);
  if (!copy || copy.peer === copy.owner || userIdProblem(copy.peer) !== undefined) return undefined;
  return { user: copy.peer, copy: dmDestination(copy.peer, copy.owner) };
}

/**
 * `SEND /parley/reads` with `parley-target`, `reply-to` (one of this session's subscriptions)
 * and optionally `parley-request-id`: one MESSAGE `parley-kind:reads` with the positions as
 * JSON (docs/protocol.md#read-positions). Needs the same `sub` grant as subscribing to the
 * target.
 * @internal
 */
export function readsRequest(
  frame: Frame,
  principal: Principal,
  host: ChatHost,
): () => Promise<ReceiptHeaders> {
  const reads = host.reads;
  if (!reads) throw new StompError(REASONS.protocolError, 'this relay keeps no read positions');
  const requested = header(frame, 'parley-target');
  if (requested === undefined) {
    throw new StompError(REASONS.protocolError, 'a reads request needs parley-target');
  }
  const target = resolveDestination(principal, requested, 'sub', host.rules);
  return async () => {
    const sub = host.replySubscription(frame, 'a reads request', '/user/queue/reads');
    const peer = peerOf(target);
    const json = await reads.reads(requested, target, {
      requester: principal.userId,
      ...(peer && { peer }),
    });
    host.reply(frame, sub, READS_KIND, [['parley-epoch', json.epoch]], json);
    return [];
  };
}
