/**
 * Direct-message destinations (docs/protocol.md#direct-messages). A conversation between alice
 * and bob lives in two copies, one per participant, each on its owner's per-user queue:
 * alice's copy is `/user/alice/queue/dm.bob`, bob's is `/user/bob/queue/dm.alice`. Alice
 * writes to bob with `SEND /user/bob/queue/dm.alice`; the relay stores that in bob's copy and
 * a mirror in hers.
 */
import { hasControl, withoutControls } from '../controls.js';
import { REASONS, StompError } from '../reasons.js';

/** Queue-name prefix of a conversation copy: `/user/<owner>/queue/dm.<peer>`. */
export const DM_QUEUE_PREFIX = 'dm.';
/** Queue name of new-conversation notices: `/user/<id>/queue/parley-dm`. */
export const DM_NOTICE_QUEUE = 'parley-dm';
/** `parley-kind` of a new-conversation notice. */
export const DM_NOTICE_KIND = 'dm';

/** One participant's copy of a conversation. */
export interface DmCopy {
  /** Whose queue it is. */
  owner: string;
  /** The other participant (the owner themself for notes to self). */
  peer: string;
}

const DM = /^\/user\/([^/]+)\/queue\/dm\.(.+)$/;

/** The copy an internal destination is, or undefined when it is no conversation copy. */
export function dmCopy(target: string): DmCopy | undefined {
  const m = DM.exec(target);
  return m ? { owner: m[1]!, peer: m[2]! } : undefined;
}

/** Internal destination of `owner`'s copy of the conversation with `peer`. */
export function dmDestination(owner: string, peer: string): string {
  return `/user/${owner}/queue/${DM_QUEUE_PREFIX}${peer}`;
}

/** Where `user` hears about conversations: `/user/<user>/queue/parley-dm`. */
export function dmNoticeDestination(user: string): string {
  return `/user/${user}/queue/${DM_NOTICE_QUEUE}`;
}

/** Why a user id cannot be one segment of a destination, or undefined when it can. */
export function userIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.includes('/')) return 'contains "/"';
  if (hasControl(id)) return 'contains control characters';
  if (id === '.' || id === '..') return 'is "." or ".."';
  return undefined;
}

/** Throws a `destination-invalid` StompError when `id` cannot take part in a conversation. */
export function checkDmUser(id: string, who: string): void {
  const problem = userIdProblem(id);
  if (problem === undefined) return;
  const shown = withoutControls(id).slice(0, 64);
  throw new StompError(
    REASONS.destinationInvalid,
    `${who} "${shown}" ${problem}: direct messages need user ids that can be one destination segment`,
  );
}
