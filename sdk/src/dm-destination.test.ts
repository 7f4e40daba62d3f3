import { describe, expect, it } from 'vitest';
import { dmCopy, dmPeerCopy, wireDestination } from './dm-destination.js';

describe('DM destinations', () => {
  it('reads the own copy and writes to the peer’s copy', () => {
    expect(dmCopy('bob')).toBe('/user/queue/dm.bob');
    expect(dmPeerCopy('bob', 'alice')).toBe('/user/bob/queue/dm.alice');
    expect(dmPeerCopy('alice', 'alice')).toBe('/user/queue/dm.alice'); // notes to self
  });

  it('maps queued messages for the own copy once the user id is known', () => {
    expect(wireDestination('/user/queue/dm.bob', 'alice')).toBe('/user/bob/queue/dm.alice');
    expect(wireDestination('/user/queue/dm.bob', undefined)).toBe('/user/queue/dm.bob');
    expect(wireDestination('/topic/room.lobby', 'alice')).toBe('/topic/room.lobby');
    expect(wireDestination('/user/queue/dm.a.b@x', 'c')).toBe('/user/a.b@x/queue/dm.c');
  });

  it('refuses user ids that cannot be one destination segment', () => {
    for (const bad of ['', '.', '..', 'a/b', 'x\u0000', 'y\u0085']) {
      expect(() => dmCopy(bad)).toThrow(/invalid user id/);
    }
    expect(dmCopy('a.b@example.com')).toBe('/user/queue/dm.a.b@example.com');
  });
});
