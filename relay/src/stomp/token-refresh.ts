/**
 * Refreshing the token of a live connection (docs/protocol.md#refreshing-the-token-in-place):
 * `SEND /parley/token` with the new JWT as the body. The token is verified exactly as at CONNECT
 * (the same verifier), must name the same user, and then replaces the connection's grants and
 * expiry; subscriptions the new grants no longer cover are ended.
 */
import { isAllowed } from '../auth/acl.js';
import type { TokenVerifier } from '../auth/jwt.js';
import type { Principal } from '../auth/principal.js';
import type { Frame } from '../codec/index.js';
import { header } from '../codec/index.js';
import { REASONS, StompError } from '../reasons.js';
import type { Timers } from './heartbeat.js';
import type { ReceiptHeaders } from './session-subscriptions.js';

/** The reserved destination of a token refresh: never published, never subscribable. */
export const TOKEN_DESTINATION = '/parley/token';

/** Name of the session's re-armable deadline timer (token expiry or maximum age). */
const DEADLINE_TIMER = 'deadline';

/** When a session must end and with what ERROR (session-deadline.ts makes them). @internal */
export interface Deadline {
  /** ms since the epoch. */
  at: number;
  error: StompError;
}

/** The subscriptions of a session, as far as a refresh needs them. @internal */
export interface RefreshableSubscriptions {
  list(): ReadonlyArray<{ readonly id: string; readonly target: string }>;
  /** Ends one as UNSUBSCRIBE would. */
  end(id: string): Promise<void> | undefined;
}

/** What a token refresh needs from its session. @internal */
export interface TokenRefreshHost {
  /** The verifier CONNECT uses: same keys, algorithms, issuer, audience and `exp` rules. */
  verify: TokenVerifier;
  /** Largest token accepted, in bytes: the bound CONNECT puts on it (its header line). */
  maxTokenBytes: number;
  /** Development mode (a token without grants may use everything). */
  dev: boolean;
  /** The session's principal while it is connected; undefined once it has ended. */
  current(): Principal | undefined;
  subscriptions: RefreshableSubscriptions;
  /** Makes `next` the session's principal and moves its deadline to what `next` allows. */
  adopt(next: Principal): void;
}

/**
 * Checks a `SEND /parley/token` now (not in a transaction, a token of acceptable size) and
 * returns the refresh to run in the session's frame order. The refresh resolves to the RECEIPT
 * headers (`parley-token-exp`, `parley-revoked`); it rejects with the StompError CONNECT would
 * give the token, or `token-invalid` "token is for another user" — the session then sends ERROR
 * and closes.
 * @internal
 */
export function tokenRefresh(frame: Frame, host: TokenRefreshHost): () => Promise<ReceiptHeaders> {
  if (header(frame, 'transaction') !== undefined) {
    throw new StompError(REASONS.protocolError, 'a token refresh cannot be part of a transaction');
  }
  if (frame.body.length > host.maxTokenBytes) {
    throw new StompError(
      REASONS.frameTooLarge,
      `token is longer than ${host.maxTokenBytes} bytes, the limit at CONNECT`,
    );
  }
  const token = new TextDecoder().decode(frame.body).trim();
  if (token === '') {
    throw new StompError(
      REASONS.authRequired,
      `no token: send the new JWT as the body of SEND ${TOKEN_DESTINATION}`,
    );
  }
  return () => refresh(token, host);
}

async function refresh(token: string, host: TokenRefreshHost): Promise<ReceiptHeaders> {
  const next = await host.verify(token);
  const current = host.current();
  if (!current) return [];
  if (next.userId !== current.userId) {
    throw new StompError(REASONS.tokenInvalid, 'token is for another user');
  }
  const revoked = host.subscriptions
    .list()
    .filter((sub) => !isAllowed(next, 'sub', sub.target, host.dev))
    .map((sub) => sub.id);
  host.adopt(next);
  // Ending a subscription cannot fail the refresh: the hub logs what it could not release.
  await Promise.allSettled(revoked.map((id) => host.subscriptions.end(id)));
  const headers: ReceiptHeaders = [];
  if (next.expiresAt !== undefined) {
    headers.push(['parley-token-exp', String(Math.floor(next.expiresAt / 1000))]);
  }
  if (revoked.length > 0) headers.push(['parley-revoked', revoked.map(listItem).join(',')]);
  return headers;
}

/** A subscription id in the comma list of `parley-revoked`: `%` and `,` percent-encoded. */
function listItem(id: string): string {
  return id.replace(/[%,]/g, (c) => (c === '%' ? '%25' : '%2C'));
}

/**
 * Arms the session's deadline (see session-deadline.ts) under one re-armable timer, replacing
 * the one armed by an earlier refresh; without a deadline, cancels it.
 * @internal
 */
export function rearmDeadline(
  timers: Timers,
  deadline: Deadline | undefined,
  end: (error: StompError) => void,
  now: () => number = Date.now,
): void {
  if (deadline === undefined) {
    timers.cancel(DEADLINE_TIMER);
    return;
  }
  timers.rearm(DEADLINE_TIMER, deadline.at - now(), () => {
    if (now() >= deadline.at) end(deadline.error);
    else rearmDeadline(timers, deadline, end, now); // setTimeout caps at ~24.8 days
  });
}
