import { describe, expect, it } from 'vitest';
import { applyPresence, parsePresence } from './members.js';
import type { Member, PresenceEvent } from './events.js';

const ids = (m: ReadonlyMap<string, Member>) => [...m.keys()];

describe('member set reducer', () => {
  it('starts from the member list, then applies joins and leaves as set operations', () => {
    let set: ReadonlyMap<string, Member> = new Map();
    const events: PresenceEvent[] = [
      { type: 'members', members: [{ id: 'alice', name: 'Alice' }, { id: 'bob' }] },
      { type: 'join', user: { id: 'bob' } }, // near the list: a repeat
      { type: 'join', user: { id: 'carol' } },
      { type: 'leave', user: { id: 'bob' } },
      { type: 'leave', user: { id: 'bob' } }, // again: nothing
    ];
    const seen: string[][] = [];
    for (const e of events) {
      set = applyPresence(set, e);
      seen.push(ids(set));
    }
    expect(seen).toEqual([
      ['alice', 'bob'],
      ['alice', 'bob'],
      ['alice', 'bob', 'carol'],
      ['alice', 'carol'],
      ['alice', 'carol'],
    ]);
    expect(set.get('alice')).toEqual({ id: 'alice', name: 'Alice' });
  });

  it('returns the same map when nothing changed (so no event is emitted)', () => {
    const set = applyPresence(new Map(), {
      type: 'members',
      members: [{ id: 'a' }, { id: 'b', name: 'B' }],
    });
    expect(applyPresence(set, { type: 'join', user: { id: 'a' } })).toBe(set);
    expect(applyPresence(set, { type: 'leave', user: { id: 'z' } })).toBe(set);
    expect(
      applyPresence(set, { type: 'members', members: [{ id: 'b', name: 'B' }, { id: 'a' }] }),
    ).toBe(set);
    // A new list (after a reconnect) replaces the set.
    const fresh = applyPresence(set, { type: 'members', members: [{ id: 'c' }] });
    expect(ids(fresh)).toEqual(['c']);
    // A join with a new name renames.
    expect(applyPresence(set, { type: 'join', user: { id: 'a', name: 'A' } }).get('a')).toEqual({
      id: 'a',
      name: 'A',
    });
  });

  it('parses the relay’s presence bodies and ignores anything else', () => {
    expect(
      parsePresence('{"type":"members","members":[{"id":"a","name":"A"},{"id":""},7]}'),
    ).toEqual({ type: 'members', members: [{ id: 'a', name: 'A' }] });
    expect(parsePresence('{"type":"join","user":{"id":"c"}}')).toEqual({
      type: 'join',
      user: { id: 'c' },
    });
    expect(parsePresence('{"type":"leave","user":{"id":"b","name":3}}')).toEqual({
      type: 'leave',
      user: { id: 'b' },
    });
    for (const bad of ['', 'null', '{"type":"join"}', '{"type":"kick","user":{"id":"x"}}', '[]']) {
      expect(parsePresence(bad)).toBeUndefined();
    }
  });
});
