import { DEFAULTS } from './defaults.js';

/** The time claims of a JWT, in seconds since 1970. @internal */
export interface TokenTimes {
  exp: number | undefined;
  iat: number | undefined;
}

function base64UrlDecode(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function seconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Reads `exp` and `iat` from a JWT's payload (base64url JSON). No signature check: the relay
 * verifies tokens; the SDK only needs to know when to get the next one. Anything unreadable
 * gives `undefined`s.
 *
 * @internal
 */
export function tokenTimes(jwt: string): TokenTimes {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return { exp: undefined, iat: undefined };
  try {
    const claims: unknown = JSON.parse(base64UrlDecode(payload));
    if (claims === null || typeof claims !== 'object') return { exp: undefined, iat: undefined };
    const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
    return { exp: seconds(exp), iat: seconds(iat) };
  } catch {
    return { exp: undefined, iat: undefined };
  }
}

/**
 * How long to wait before refreshing a token that expires at `exp`: until
 * `exp − max(30 s, 10 % of its lifetime)`, but at least half the lifetime away from the start
 * (short tokens) and never sooner than 1 s (so a provider handing out nearly-expired tokens
 * cannot cause a loop). `undefined` when there is nothing to schedule: no `exp`, or already
 * expired (the relay will refuse it, and the client's one-retry rule applies).
 *
 * @param exp - the token's `exp`, seconds since 1970
 * @param iat - the token's `iat`, if any (else the lifetime counts from `nowMs`)
 * @internal
 */
export function refreshDelay(
  exp: number | undefined,
  iat: number | undefined,
  nowMs: number,
): number | undefined {
  if (exp === undefined) return undefined;
  const expMs = exp * 1000;
  const remaining = expMs - nowMs;
  if (remaining <= 0) return undefined;
  const startMs = iat !== undefined && iat * 1000 <= nowMs ? iat * 1000 : nowMs;
  const lifetime = expMs - startMs;
  const margin = Math.min(
    Math.max(DEFAULTS.tokenRefreshMinMarginMs, lifetime * DEFAULTS.tokenRefreshMarginRatio),
    lifetime / 2,
  );
  return Math.max(DEFAULTS.tokenRefreshFloorMs, Math.round(expMs - margin - nowMs));
}
