import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, reconnectAfterHint, seededRandom, spreadDelay } from './backoff.js';

const policy = { initialDelayMs: 500, maxDelayMs: 30_000 };

afterEach(() => {
  vi.useRealTimers();
});

describe('backoffDelay (full jitter, capped exponential)', () => {
  it('stays within [0, min(max, initial·2^(n−1))]', () => {
    const random = seededRandom(42);
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(policy, attempt, random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(backoffDelay(policy, 1, () => 0.999999)).toBe(499);
    expect(backoffDelay(policy, 40, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('is reproducible with a seed and spreads clients out', () => {
    const a = Array.from({ length: 5 }, (_, i) => backoffDelay(policy, i + 1, seededRandom(7)));
    const b = Array.from({ length: 5 }, (_, i) => backoffDelay(policy, i + 1, seededRandom(7)));
    expect(a).toEqual(b);
    const r = seededRandom(1);
    const many = new Set(Array.from({ length: 100 }, () => backoffDelay(policy, 6, r)));
    expect(many.size).toBeGreaterThan(90);
  });

  it('drives timers: a retry fires only after its delay (fake timers)', () => {
    vi.useFakeTimers();
    const random = seededRandom(3);
    const delay = backoffDelay(policy, 4, random);
    const fired = vi.fn();
    setTimeout(fired, delay);
    vi.advanceTimersByTime(Math.max(0, delay - 1));
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
  });
});

describe('server-shutdown spread', () => {
  it('uses the relay hint as the upper bound', () => {
    expect(reconnectAfterHint({ 'parley-reconnect-after': '2500' })).toBe(2500);
    expect(reconnectAfterHint({ 'parley-reconnect-after': 'soon' })).toBeUndefined();
    expect(reconnectAfterHint({})).toBeUndefined();
    const r = seededRandom(9);
    for (let i = 0; i < 100; i++) {
      const d = spreadDelay(2500, r);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(2500);
    }
  });
});
