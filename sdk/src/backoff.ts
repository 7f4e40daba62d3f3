/** Backoff settings, in ms. @internal */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * "Full jitter" capped exponential backoff: attempt `n` (1, 2, …) waits a random time in
 * `[0, min(maxDelayMs, initialDelayMs · 2^(n−1))]`, so clients that lost the same relay at
 * the same moment spread out instead of reconnecting together.
 *
 * @param attempt - consecutive failed attempts, from 1
 * @param random - a number in `[0, 1)`
 * @internal
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * The delay after a relay `server-shutdown`: random in `[0, upperMs]`.
 *
 * @internal
 */
export function spreadDelay(upperMs: number, random: () => number): number {
  return Math.floor(random() * Math.max(0, upperMs));
}

/**
 * The relay's `parley-reconnect-after` hint (ms) from an ERROR's headers, if it is a number.
 *
 * @internal
 */
export function reconnectAfterHint(headers: Readonly<Record<string, string>>): number | undefined {
  const raw = headers['parley-reconnect-after'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const ms = Number(raw);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * A seeded pseudo-random generator (mulberry32) for tests and reproducible jitter.
 *
 * @internal
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
