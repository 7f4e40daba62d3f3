import { authorize, mapPrefix, ownUserDestination, validateDestination } from '../auth/acl.js';
import type { Access } from '../auth/acl.js';
import type { Principal } from '../auth/principal.js';
import { REASONS, StompError } from '../reasons.js';

/** How client destinations become internal ones. */
export interface DestinationRules {
  prefixMap: ReadonlyArray<readonly [string, string]>;
  maxLength: number;
  dev: boolean;
}

const USER_QUEUE = /^\/user\/[^/]+\/queue\/.+$/;

function knownKind(target: string, rules: DestinationRules): boolean {
  if (target.startsWith('/topic/') || target.startsWith('/queue/')) return true;
  if (target.startsWith('/user/')) return USER_QUEUE.test(target);
  return rules.prefixMap.some(([, to]) => target.startsWith(to));
}

/**
 * The internal destination for a SUBSCRIBE (`sub`) or SEND (`pub`): checked to be well-formed,
 * rewritten (`/user/queue/x` → `/user/<me>/queue/x`; prefix map), checked to be of a known kind,
 * and authorized against the principal's grants. Throws a StompError saying which rule failed.
 */
export function resolveDestination(
  principal: Principal,
  raw: string | undefined,
  access: Access,
  rules: DestinationRules,
): string {
  if (raw === undefined) {
    throw new StompError(
      REASONS.protocolError,
      `${access === 'sub' ? 'SUBSCRIBE' : 'SEND'} needs a destination header`,
    );
  }
  validateDestination(raw, rules.maxLength);
  const target = ownUserDestination(principal, raw) ?? mapPrefix(raw, rules.prefixMap);
  if (target !== raw) validateDestination(target, rules.maxLength);
  if (!knownKind(target, rules)) {
    const mapped = rules.prefixMap.map(([, to]) => to).join(', ');
    throw new StompError(
      REASONS.destinationInvalid,
      `destination "${raw}" is of no known kind: use /topic/, /queue/, /user/queue/, /user/<id>/queue/${mapped ? ` or ${mapped}` : ''}`,
    );
  }
  authorize(principal, access, target, rules.dev);
  return target;
}
