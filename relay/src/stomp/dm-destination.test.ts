import { describe, expect, it } from 'vitest';
import { StompError } from '../reasons.js';
import {
  checkDmUser,
  dmCopy,
  dmDestination,
  dmNoticeDestination,
  userIdProblem,
} from './dm-destination.js';

describe('direct-message destinations', () => {
  it('reads the owner and the peer of a conversation copy', () => {
    expect(dmCopy('/user/bob/queue/dm.alice')).toEqual({ owner: 'bob', peer: 'alice' });
    expect(dmCopy('/user/bob/queue/dm.a.b')).toEqual({ owner: 'bob', peer: 'a.b' });
    expect(dmCopy('/user/bob/queue/dm')).toBeUndefined();
    expect(dmCopy('/user/bob/queue/history')).toBeUndefined();
    expect(dmCopy('/topic/dm.alice')).toBeUndefined();
  });

  it('builds copies and notice queues', () => {
    expect(dmDestination('alice', 'bob')).toBe('/user/alice/queue/dm.bob');
    expect(dmCopy(dmDestination('alice', 'bob'))).toEqual({ owner: 'alice', peer: 'bob' });
    expect(dmNoticeDestination('bob')).toBe('/user/bob/queue/parley-dm');
  });

  it.each([
    ['', 'is empty'],
    ['a/b', 'contains "/"'],
    ['a\nb', 'contains control characters'],
    ['.', 'is "." or ".."'],
    ['..', 'is "." or ".."'],
  ])('refuses user id %j: %s', (id, problem) => {
    expect(userIdProblem(id)).toBe(problem);
    expect(() => checkDmUser(id, 'user id')).toThrow(StompError);
    expect(() => checkDmUser(id, 'user id')).toThrow(problem);
  });

  it('accepts ordinary ids, guests included', () => {
    for (const id of ['alice', 'guest-3f2a', 'user@example.com', '김철수', 'a.b']) {
      expect(userIdProblem(id)).toBeUndefined();
      expect(() => checkDmUser(id, 'user id')).not.toThrow();
    }
  });
});
