import type { Principal } from '../auth/principal.js';
import { REASONS, StompError } from '../reasons.js';
import type { Timers } from './heartbeat.js';

/** When a connected session must end, and the ERROR it ends with. @internal */
export interface SessionDeadline {
  /** ms since the epoch. */
  at: number;
  error: StompError;
}

/**
 * The earlier of the token's expiry and the session's maximum age (`maxSessionAgeMs`, 0 = none),
 * or undefined when neither applies. Both end the session with `token-expired`: the client's
 * answer is the same — reconnect with a fresh token.
 * @internal
 */
export function sessionDeadline(
  principal: Principal,
  connectedAt: number,
  maxSessionAgeMs: number,
): SessionDeadline | undefined {
  const expiry = principal.expiresAt;
  const ageLimit = maxSessionAgeMs > 0 ? connectedAt + maxSessionAgeMs : undefined;
  if (ageLimit !== undefined && (expiry === undefined || ageLimit < expiry)) {
    return {
      at: ageLimit,
      error: new StompError(
        REASONS.tokenExpired,
        `session reached its maximum age of ${maxSessionAgeMs} ms: reconnect with a fresh token`,
      ),
    };
  }
  if (expiry === undefined) return undefined;
  return {
    at: expiry,
    error: new StompError(REASONS.tokenExpired, 'token expired: reconnect with a fresh token'),
  };
}

/**
 * Calls `end` with the deadline's error once it has passed (re-arming past setTimeout's
 * ~24.8-day cap). Cleared with the session's other timers.
 * @internal
 */
export function scheduleDeadline(
  timers: Timers,
  deadline: SessionDeadline | undefined,
  end: (error: StompError) => void,
  now: () => number = Date.now,
): void {
  if (deadline === undefined) return;
  timers.after(deadline.at - now(), () => {
    if (now() >= deadline.at) end(deadline.error);
    else scheduleDeadline(timers, deadline, end, now);
  });
}
