import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../auth/principal.js';
import type { StompError } from '../reasons.js';
import { Timers } from './heartbeat.js';
import { scheduleDeadline, sessionDeadline } from './session-deadline.js';

const T0 = 1_700_000_000_000;
const alice = (expiresAt?: number): Principal => ({
  userId: 'alice',
  grants: null,
  ...(expiresAt !== undefined && { expiresAt }),
});

describe('sessionDeadline', () => {
  it('is the token expiry when there is no maximum age', () => {
    expect(sessionDeadline(alice(T0 + 5000), T0, 0)).toMatchObject({
      at: T0 + 5000,
      error: { reason: 'token-expired', message: 'token expired: reconnect with a fresh token' },
    });
  });

  it('is nothing for a token without exp and no maximum age', () => {
    expect(sessionDeadline(alice(), T0, 0)).toBeUndefined();
  });

  it('ends a session without exp at the maximum age', () => {
    expect(sessionDeadline(alice(), T0, 60_000)).toMatchObject({
      at: T0 + 60_000,
      error: {
        reason: 'token-expired',
        message: 'session reached its maximum age of 60000 ms: reconnect with a fresh token',
      },
    });
  });

  it('takes the earlier of expiry and maximum age', () => {
    expect(sessionDeadline(alice(T0 + 10_000), T0, 60_000)?.at).toBe(T0 + 10_000);
    expect(sessionDeadline(alice(T0 + 90_000), T0, 60_000)?.at).toBe(T0 + 60_000);
  });
});

describe('scheduleDeadline', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls end with the error once the deadline has passed, and not before', () => {
    vi.useFakeTimers({ now: T0 });
    const timers = new Timers();
    const ended: StompError[] = [];
    scheduleDeadline(timers, sessionDeadline(alice(), T0, 1000), (e) => ended.push(e));
    vi.advanceTimersByTime(999);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended.map((e) => e.reason)).toEqual(['token-expired']);
    timers.stop();
  });

  it('re-arms past the setTimeout cap (~24.8 days)', () => {
    vi.useFakeTimers({ now: T0 });
    const timers = new Timers();
    const ended: StompError[] = [];
    const thirtyDays = 30 * 86_400_000;
    scheduleDeadline(timers, sessionDeadline(alice(), T0, thirtyDays), (e) => ended.push(e));
    vi.advanceTimersByTime(2 ** 31 - 1);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(thirtyDays - (2 ** 31 - 1));
    expect(ended).toHaveLength(1);
    timers.stop();
  });

  it('does nothing without a deadline', () => {
    const timers = new Timers();
    scheduleDeadline(timers, undefined, () => expect.unreachable());
    timers.stop();
  });
});
