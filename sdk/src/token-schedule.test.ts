import { describe, expect, it } from 'vitest';
import { refreshDelay, tokenTimes } from './token-schedule.js';

function jwt(claims: object): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}.sig`;
}

describe('tokenTimes', () => {
  it('reads exp and iat from the base64url payload without verifying', () => {
    expect(tokenTimes(jwt({ sub: 'ä?>', exp: 2000, iat: 1000 }))).toEqual({ exp: 2000, iat: 1000 });
    expect(tokenTimes('not-a-jwt')).toEqual({ exp: undefined, iat: undefined });
    expect(tokenTimes('a.%%%.c')).toEqual({ exp: undefined, iat: undefined });
    expect(tokenTimes(jwt({ exp: 'soon' }))).toEqual({ exp: undefined, iat: undefined });
  });
});

describe('refreshDelay', () => {
  const now = 1_000_000_000_000;
  const s = now / 1000;

  it('refreshes an hour-long token 6 minutes early (10 % of its lifetime)', () => {
    expect(refreshDelay(s + 3600, s, now)).toBe((3600 - 360) * 1000);
  });

  it('keeps at least 30 s of margin for shorter tokens', () => {
    expect(refreshDelay(s + 120, s, now)).toBe(90_000);
  });

  it('refreshes very short tokens at half their lifetime, never sooner than 1 s', () => {
    expect(refreshDelay(s + 3, s, now)).toBe(1500);
    expect(refreshDelay(s + 1, s, now)).toBe(1000);
  });

  it('counts the lifetime from now when iat is missing or in the future', () => {
    expect(refreshDelay(s + 600, undefined, now)).toBe(540_000);
    expect(refreshDelay(s + 600, s + 100, now)).toBe(540_000);
  });

  it('schedules nothing for tokens without exp or already expired', () => {
    expect(refreshDelay(undefined, s, now)).toBeUndefined();
    expect(refreshDelay(s - 1, s - 100, now)).toBeUndefined();
  });
});
