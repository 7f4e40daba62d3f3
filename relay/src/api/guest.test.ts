import { describe, expect, it } from 'vitest';
import { PerMinuteLimiter, originAllowed, requestedGuestId } from './guest.js';

describe('guest endpoint rules', () => {
  it('needs an Origin, from the allowed list when there is one', () => {
    expect(originAllowed('', [])).toBe(false);
    expect(originAllowed('null', [])).toBe(false);
    expect(originAllowed('http://a.example', [])).toBe(true);
    expect(originAllowed('http://a.example', ['http://b.example'])).toBe(false);
    expect(originAllowed('http://b.example', ['http://b.example'])).toBe(true);
    expect(originAllowed('http://c.example', ['*'])).toBe(true);
  });

  it('reads a stored guest id, or none, and refuses malformed ones', () => {
    const id = 'A'.repeat(22);
    expect(requestedGuestId('')).toBeUndefined();
    expect(requestedGuestId('{}')).toBeUndefined();
    expect(requestedGuestId(JSON.stringify({ guestId: id }))).toBe(id);
    expect(requestedGuestId(JSON.stringify({ guestId: 'short' }))).toBeNull();
    expect(requestedGuestId(JSON.stringify({ guestId: `${id}/..` }))).toBeNull();
    expect(requestedGuestId('not json')).toBeNull();
    expect(requestedGuestId('"x"')).toBeNull();
  });

  it('counts requests per address per minute', () => {
    let t = 0;
    const limiter = new PerMinuteLimiter(2, () => t);
    expect(limiter.take('a')).toBeUndefined();
    expect(limiter.take('a')).toBeUndefined();
    t = 15_000;
    expect(limiter.take('a')).toBe(45);
    expect(limiter.take('b')).toBeUndefined();
    t = 60_000;
    expect(limiter.take('a')).toBeUndefined();
    expect(new PerMinuteLimiter(0, () => 0).take('a')).toBeUndefined();
  });
});
