import { hasControl, withoutControls } from '../controls.js';
import { REASONS, StompError } from '../reasons.js';
import type { Principal } from './principal.js';
import { matchPattern } from './wildcard.js';

/** Longest destination accepted, in characters. */
export const MAX_DESTINATION_LENGTH = 255;

/** Spring-friendly prefix rewrites applied before matching: `/pub/x` → `/sub/x`, `/app/x` → `/topic/x`. */
export const DEFAULT_PREFIX_MAP: ReadonlyArray<readonly [string, string]> = [
  ['/pub/', '/sub/'],
  ['/app/', '/topic/'],
];

/** Throws a `destination-invalid` StompError unless `dest` is well-formed. */
export function validateDestination(dest: string, maxLength = MAX_DESTINATION_LENGTH): void {
  const bad = (why: string): never => {
    throw new StompError(REASONS.destinationInvalid, `destination "${printable(dest)}" ${why}`);
  };
  if (dest.length === 0) bad('is empty');
  if (dest.length > maxLength) bad(`is longer than ${maxLength} characters`);
  if (dest[0] !== '/') bad('must start with "/"');
  if (hasControl(dest)) bad('contains control characters');
  if (dest.endsWith('/')) bad('ends with "/"');
  for (const seg of dest.slice(1).split('/')) {
    if (seg === '') bad('has an empty segment');
    if (seg === '.' || seg === '..') bad('has a "." or ".." segment');
  }
}

function printable(s: string): string {
  const clean = withoutControls(s);
  return clean.length > 80 ? `${clean.slice(0, 80)}…` : clean;
}

/** Applies the first matching prefix rewrite. */
export function mapPrefix(dest: string, map: ReadonlyArray<readonly [string, string]>): string {
  for (const [from, to] of map) if (dest.startsWith(from)) return to + dest.slice(from.length);
  return dest;
}

function matchesAny(patterns: string[], dest: string): boolean {
  return patterns.some((p) => matchPattern(p, dest));
}

/** The internal destination of a user's own queue: `/user/queue/x` → `/user/<id>/queue/x`. */
export function ownUserDestination(principal: Principal, dest: string): string | undefined {
  return dest.startsWith('/user/queue/')
    ? `/user/${principal.userId}${dest.slice('/user'.length)}`
    : undefined;
}

export type Access = 'sub' | 'pub';

/**
 * Whether the principal may read (`sub`) or write (`pub`) an already mapped and validated
 * destination. A user's own `/user/<id>/...` destinations are always usable and nobody else's
 * are ever readable; writing to another user's (a DM) needs a `pub` grant. Tokens without
 * a `parley` claim get nothing else, except in development mode, where they get everything.
 */
export function isAllowed(
  principal: Principal,
  access: Access,
  dest: string,
  dev: boolean,
): boolean {
  if (dest.startsWith(`/user/${principal.userId}/`)) return true;
  // Other users' destinations are never readable, whatever the grants say.
  if (access === 'sub' && dest.startsWith('/user/')) return false;
  if (!principal.grants) return dev;
  return matchesAny(principal.grants[access], dest);
}

/** Throws a `forbidden` StompError when {@link isAllowed} says no. */
export function authorize(principal: Principal, access: Access, dest: string, dev: boolean): void {
  if (!isAllowed(principal, access, dest, dev)) {
    const verb = access === 'sub' ? 'subscribe to' : 'send to';
    throw new StompError(REASONS.forbidden, `not allowed to ${verb} ${printable(dest)}`);
  }
}
