import { reconnectAfterHint } from './backoff.js';
import type { ParleyError } from './errors.js';
import type { CloseKind } from './state.js';

/** Relay answers to `SEND /parley/token` that mean "this relay cannot refresh in place". */
const REFRESH_UNSUPPORTED: ReadonlySet<string> = new Set([
  'destination-invalid',
  'protocol-error',
  'unknown-command',
  'unknown',
]);
/** The relay refused the token itself. */
const AUTH_REASONS: ReadonlySet<string> = new Set([
  'token-expired',
  'token-invalid',
  'auth-required',
]);

/** What the client knew when the session ended. @internal */
export interface CloseContext {
  /** The token is a fixed string: a fresh one cannot be had. */
  staticToken: boolean;
  /** An in-place token refresh was in flight. */
  refreshing: boolean;
  /** The link was being checked (page visible again) and found dead. */
  checkingLink: boolean;
  /** Upper bound of the spread after `server-shutdown` without a relay hint. */
  shutdownSpreadMs: number;
}

/**
 * Classifies how a session ended, for the state machine: the cause's reason decides between
 * retrying with backoff, retrying now, one fresh-token retry, and giving up.
 *
 * @internal
 */
export function classifyClose(
  cause: ParleyError | undefined,
  ctx: CloseContext,
): { kind: CloseKind; spreadMs?: number } {
  if (ctx.checkingLink) return { kind: 'stale' };
  if (!cause) return { kind: 'transient' };
  const { reason } = cause;
  if (reason === 'unauthorized') return { kind: 'unauthorized' };
  if (AUTH_REASONS.has(reason)) return { kind: ctx.staticToken ? 'fatal' : 'auth' };
  if (reason === 'version-unsupported') return { kind: 'fatal' };
  if (reason === 'server-shutdown') {
    return {
      kind: 'shutdown',
      spreadMs: reconnectAfterHint(cause.headers) ?? ctx.shutdownSpreadMs,
    };
  }
  if (ctx.refreshing && REFRESH_UNSUPPORTED.has(reason)) return { kind: 'refresh-unsupported' };
  return { kind: 'transient' };
}
