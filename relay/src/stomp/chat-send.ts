import { mapPrefix, ownUserDestination } from '../auth/acl.js';
import type { Principal } from '../auth/principal.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { READ_KIND } from '../reads/read-service.js';
import type { ChatHost } from './chat-host.js';
import { dmSend } from './dm.js';
import { dmCopy } from './dm-destination.js';
import { readMark } from './read-mark.js';
import { READS_DESTINATION, readsRequest } from './reads-request.js';
import type { ReceiptHeaders } from './session-subscriptions.js';

/**
 * The chat features a SEND may ask for: `/parley/reads` requests, read marks
 * (`parley-kind:read`) and direct messages (`/user/<peer>/queue/dm.<me>`). Returns the checked
 * SEND's effect, or undefined when the frame is an ordinary publish for the session to handle.
 * Throws a StompError naming the rule a chat SEND breaks.
 * @internal
 */
export function chatSend(
  frame: Frame,
  principal: Principal,
  host: ChatHost,
): (() => Promise<ReceiptHeaders>) | undefined {
  const raw = header(frame, 'destination');
  if (raw === undefined) return undefined;
  if (raw === READS_DESTINATION) return readsRequest(frame, principal, host);
  if (header(frame, 'parley-kind') === READ_KIND) return readMark(frame, principal, host, raw);
  if (!raw.includes('/queue/dm.')) return undefined;
  const target = ownUserDestination(principal, raw) ?? mapPrefix(raw, host.rules.prefixMap);
  const copy = dmCopy(target);
  // Notes to self (`/user/queue/dm.<me>`) are one copy: an ordinary publish.
  if (!copy || (copy.owner === principal.userId && copy.peer === principal.userId)) {
    return undefined;
  }
  return dmSend(frame, principal, host, copy);
}
