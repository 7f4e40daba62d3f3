import { describe, expect, it } from 'vitest';
import { NO_UNREAD, onMessage, onRead, onReads, unreadCount } from './unread.js';
import type { UnreadState } from './unread.js';

const m = (offset: number, epoch = 'e1') => ({ offset, epoch });

describe('unread count', () => {
  it('is the newest offset seen minus my read position', () => {
    let s: UnreadState = NO_UNREAD;
    for (const o of [1, 2, 3]) s = onMessage(s, m(o), false);
    expect(unreadCount(s)).toBe(3);
    s = onRead(s, 2);
    expect(unreadCount(s)).toBe(1);
    s = onRead(s, 1); // never backwards
    expect(s.read).toBe(2);
    expect(unreadCount(onRead(s, 9))).toBe(0); // never negative
  });

  it('counts my own messages as read (and everything before them)', () => {
    let s = onMessage(NO_UNREAD, m(1), false);
    s = onMessage(s, m(2), false);
    s = onMessage(s, m(3), true);
    expect(unreadCount(s)).toBe(0);
    s = onMessage(s, m(4), false);
    expect(unreadCount(s)).toBe(1);
  });

  it('ignores ephemeral offsets and takes the relay’s reads reply', () => {
    let s = onMessage(NO_UNREAD, m(0), false);
    expect(s).toBe(NO_UNREAD);
    s = onReads(s, { epoch: 'e1', newest: 40 }, 35);
    expect([s.newest, s.read, unreadCount(s)]).toEqual([40, 35, 5]);
    // A message seen while the request was on its way is kept.
    s = onMessage(s, m(41), false);
    s = onReads(s, { epoch: 'e1', newest: 40 }, 35);
    expect(unreadCount(s)).toBe(6);
    // A reply of the same epoch never moves my position back (an optimistic local mark).
    s = onRead(s, 41);
    expect(unreadCount(onReads(s, { epoch: 'e1', newest: 41 }, 35))).toBe(0);
  });

  it('starts over with a new epoch (history started over; so did every position)', () => {
    let s = onReads(NO_UNREAD, { epoch: 'e1', newest: 100 }, 90);
    s = onMessage(s, m(3, 'e2'), false);
    expect([s.epoch, s.newest, s.read]).toEqual(['e2', 3, 0]);
    s = onReads(s, { epoch: 'e3', newest: 5 }, 0);
    expect([s.epoch, s.newest, s.read]).toEqual(['e3', 5, 0]);
    // A reply that knows no epoch yet (an empty room) keeps what is known.
    expect(onReads(s, { epoch: '', newest: 0 }, 0)).toEqual(s);
  });
});
