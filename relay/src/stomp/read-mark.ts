import { isAllowed } from '../auth/acl.js';
import type { Principal } from '../auth/principal.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { READ_OFFSET_HEADER } from '../reads/read-service.js';
import { REASONS, StompError } from '../reasons.js';
import type { ChatHost } from './chat-host.js';
import { resolveDestination } from './destinations.js';
import { dmCopy, dmDestination, userIdProblem } from './dm-destination.js';
import { isQueue } from './hub-contract.js';
import type { ReceiptHeaders } from './session-subscriptions.js';

/**
 * `SEND <destination>` with `parley-kind:read` and `parley-read-offset:<n>`: checks it now
 * (a `sub` grant on the destination — reading is what is marked; no `pub` needed) and returns
 * its effect: the position is stored (at most the newest offset, never backwards within an
 * epoch) and, when it moved, announced live. The RECEIPT carries the stored position
 * (`parley-read-offset`, `parley-epoch`). Marks on a conversation go to one's own copy, and the
 * peer's copy hears the timestamp (docs/protocol.md#read-positions).
 * @internal
 */
export function readMark(
  frame: Frame,
  principal: Principal,
  host: ChatHost,
  raw: string,
): () => Promise<ReceiptHeaders> {
  const reads = host.reads;
  if (!reads) throw new StompError(REASONS.protocolError, 'this relay keeps no read positions');
  const value = header(frame, READ_OFFSET_HEADER);
  if (value === undefined || !/^\d{1,15}$/.test(value)) {
    throw new StompError(
      REASONS.protocolError,
      `a read mark needs ${READ_OFFSET_HEADER}:<offset of the newest message read>, a whole number`,
    );
  }
  let target: string;
  try {
    target = resolveDestination(principal, raw, 'sub', host.rules);
  } catch (err) {
    if (!(err instanceof StompError) || err.reason !== REASONS.forbidden) throw err;
    throw new StompError(
      REASONS.forbidden,
      `marking ${raw.slice(0, 80)} read needs a sub grant on it (a conversation is marked read on your own copy, /user/queue/dm.<peer>)`,
    );
  }
  if (isQueue(target)) {
    throw new StompError(
      REASONS.protocolError,
      'read positions are kept for broadcast destinations and your own queues, not /queue/',
    );
  }
  const me = principal.userId;
  const copy = dmCopy(target);
  let peerCopy: string | undefined;
  if (copy && copy.peer !== me && userIdProblem(copy.peer) === undefined) {
    const theirs = dmDestination(copy.peer, me);
    // The peer hears of it only if this user may write to them at all.
    if (isAllowed(principal, 'pub', theirs, host.rules.dev)) peerCopy = theirs;
  }
  const reader = { userId: me, ...(principal.name !== undefined && { name: principal.name }) };
  const offset = Number(value);
  return async () => {
    const { position } = await reads.mark(target, reader, offset, peerCopy);
    return [
      [READ_OFFSET_HEADER, String(position.offset)],
      ['parley-epoch', position.epoch],
    ];
  };
}
