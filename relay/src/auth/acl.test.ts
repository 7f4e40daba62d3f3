import { describe, expect, it } from 'vitest';
import { REASONS, StompError } from '../reasons.js';
import {
  DEFAULT_PREFIX_MAP,
  MAX_DESTINATION_LENGTH,
  authorize,
  isAllowed,
  mapPrefix,
  ownUserDestination,
  validateDestination,
} from './acl.js';
import type { Principal } from './principal.js';
import { matchPattern } from './wildcard.js';

/** The StompError `fn` throws (fails the test if it throws nothing or something else). */
function stompError(fn: () => unknown): StompError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StompError);
    return err as StompError;
  }
  throw new Error('expected a StompError, nothing was thrown');
}

const alice = (grants: Principal['grants']): Principal => ({ userId: 'alice', grants });

describe('validateDestination', () => {
  it.each([
    '/topic/room.42',
    '/user/queue/x',
    '/queue/work',
    '/sub/chat/room/1',
    '/a',
    '/topic/방.1',
    '/topic/a..b',
    '/topic/.hidden',
    `/${'x'.repeat(MAX_DESTINATION_LENGTH - 1)}`,
  ])('accepts %j', (dest) => {
    expect(() => validateDestination(dest)).not.toThrow();
  });

  it.each([
    ['', 'destination "" is empty'],
    ['topic/x', 'destination "topic/x" must start with "/"'],
    ['/a//b', 'destination "/a//b" has an empty segment'],
    ['//a', 'destination "//a" has an empty segment'],
    ['/', 'destination "/" ends with "/"'],
    ['/a/', 'destination "/a/" ends with "/"'],
    ['/a/../b', 'destination "/a/../b" has a "." or ".." segment'],
    ['/a/./b', 'destination "/a/./b" has a "." or ".." segment'],
    ['/..', 'destination "/.." has a "." or ".." segment'],
    ['/topic/a\nb', 'destination "/topic/a?b" contains control characters'],
    ['/topic/a\0b', 'destination "/topic/a?b" contains control characters'],
    ['/topic/a\rb', 'destination "/topic/a?b" contains control characters'],
    ['/topic/a\tb', 'destination "/topic/a?b" contains control characters'],
    ['/topic/a\x1fb', 'destination "/topic/a?b" contains control characters'],
    ['/topic/a\x7fb', 'destination "/topic/a?b" contains control characters'],
  ])('refuses %j', (dest, message) => {
    const err = stompError(() => validateDestination(dest));
    expect(err.reason).toBe(REASONS.destinationInvalid);
    expect(err.reason).toBe('destination-invalid');
    expect(err.message).toBe(message);
    expect(err.headers).toEqual([]);
  });

  it('refuses a destination longer than 255 characters, with a shortened name in the message', () => {
    expect(MAX_DESTINATION_LENGTH).toBe(255);
    const dest = `/${'x'.repeat(255)}`;
    expect(dest).toHaveLength(256);
    const err = stompError(() => validateDestination(dest));
    expect(err.reason).toBe('destination-invalid');
    expect(err.message).toBe(`destination "/${'x'.repeat(79)}…" is longer than 255 characters`);
  });

  it('honours a custom maximum length', () => {
    expect(() => validateDestination('/abcd', 5)).not.toThrow();
    expect(stompError(() => validateDestination('/abcde', 5)).message).toBe(
      'destination "/abcde" is longer than 5 characters',
    );
  });
});

describe('mapPrefix with DEFAULT_PREFIX_MAP', () => {
  it('is the Spring-style map of DESIGN.md', () => {
    expect(DEFAULT_PREFIX_MAP).toEqual([
      ['/pub/', '/sub/'],
      ['/app/', '/topic/'],
    ]);
  });

  it.each([
    ['/pub/chat/room/1', '/sub/chat/room/1'],
    ['/app/x', '/topic/x'],
    ['/topic/x', '/topic/x'],
    ['/sub/chat/room/1', '/sub/chat/room/1'],
    ['/public/x', '/public/x'],
    ['/application/x', '/application/x'],
    ['/pub', '/pub'],
    ['/x/pub/y', '/x/pub/y'],
  ])('%s → %s', (from, to) => {
    expect(mapPrefix(from, DEFAULT_PREFIX_MAP)).toBe(to);
  });

  it('applies only the first matching rule, once', () => {
    const map = [
      ['/a/', '/b/'],
      ['/b/', '/c/'],
    ] as const;
    expect(mapPrefix('/a/x', map)).toBe('/b/x');
    expect(mapPrefix('/b/x', map)).toBe('/c/x');
    expect(mapPrefix('/pub/pub/x', DEFAULT_PREFIX_MAP)).toBe('/sub/pub/x');
  });

  it('is the identity with an empty map', () => {
    expect(mapPrefix('/pub/x', [])).toBe('/pub/x');
  });
});

describe('matchPattern (grant patterns)', () => {
  it.each([
    ['/topic/room.42', '/topic/room.42', true],
    ['/topic/room.42', '/topic/roomX42', false],
    ['/topic/room.42', '/topic/room.420', false],
    ['/topic/room.42', 'x/topic/room.42', false],
    ['/topic/lobby.*', '/topic/lobby.1', true],
    ['/topic/lobby.*', '/topic/lobby.', true],
    ['/topic/lobby.*', '/topic/lobby.a/b', false],
    ['/topic/lobby.*', '/topic/lobbyX1', false],
    ['/topic/*', '/topic/a', true],
    ['/topic/*', '/topic/a/b', false],
    ['/topic/*/x', '/topic/a/x', true],
    ['/topic/*/x', '/topic/a/b/x', false],
    ['/sub/chat/**', '/sub/chat/room/1', true],
    ['/sub/chat/**', '/sub/chat/a/b/c', true],
    ['/sub/chat/**', '/sub/chatroom/1', false],
    ['/**', '/anything/at/all', true],
    ['**', '/x', true],
    ['/a/**/z', '/a/b/c/z', true],
    ['/a/**/z', '/a/b/c/y', false],
    ['/t/a+b', '/t/a+b', true],
    ['/t/a+b', '/t/aab', false],
    ['/t/(x|y)', '/t/(x|y)', true],
    ['/t/(x|y)', '/t/x', false],
    ['/t/[ab]', '/t/[ab]', true],
    ['/t/[ab]', '/t/a', false],
    ['/t/a?', '/t/a?', true],
    ['/t/a?', '/t/a', false],
    ['/t/$^{1}\\', '/t/$^{1}\\', true],
    ['/t/x{2}', '/t/xx', false],
  ])('%j on %j → %s', (pattern, dest, expected) => {
    expect(matchPattern(pattern, dest)).toBe(expected);
  });

  it('anchors both ends', () => {
    expect(matchPattern('/topic/a', '/topic/a')).toBe(true);
    expect(matchPattern('/topic/a', '/topic/ab')).toBe(false);
    expect(matchPattern('/topic/a', '/x/topic/a')).toBe(false);
    expect(matchPattern('/topic/*', '/x/topic/a')).toBe(false);
  });
});

describe('ownUserDestination', () => {
  it('resolves /user/queue/... to the principal’s own queue', () => {
    expect(ownUserDestination(alice(null), '/user/queue/x')).toBe('/user/alice/queue/x');
    expect(ownUserDestination(alice(null), '/user/queue/a/b')).toBe('/user/alice/queue/a/b');
  });

  it.each(['/user/bob/queue/x', '/user/queue', '/user/queuex', '/topic/x', '/users/queue/x'])(
    'leaves %j alone (undefined)',
    (dest) => {
      expect(ownUserDestination(alice(null), dest)).toBeUndefined();
    },
  );
});

describe('isAllowed', () => {
  const granted = alice({ sub: ['/topic/room.42', '/topic/lobby.*'], pub: ['/topic/room.42'] });

  it('always lets a user subscribe to their own /user/<id>/... destinations', () => {
    for (const p of [alice(null), alice({ sub: [], pub: [] }), granted]) {
      expect(isAllowed(p, 'sub', '/user/alice/queue/x', false)).toBe(true);
      expect(isAllowed(p, 'sub', '/user/alice/queue/a/b', false)).toBe(true);
    }
  });

  it('does not let a user subscribe to another user’s destinations', () => {
    for (const p of [alice(null), alice({ sub: ['/topic/**'], pub: ['/user/**'] }), granted]) {
      expect(isAllowed(p, 'sub', '/user/bob/queue/x', false)).toBe(false);
    }
    // Not even with grants that would cover them, nor in development mode.
    for (const p of [alice({ sub: ['/**'], pub: [] }), alice({ sub: ['/user/**'], pub: [] })]) {
      expect(isAllowed(p, 'sub', '/user/bob/queue/x', false)).toBe(false);
    }
    expect(isAllowed(alice(null), 'sub', '/user/bob/queue/x', true)).toBe(false);
    // A user id that is a prefix of another must not match it.
    expect(isAllowed(alice(null), 'sub', '/user/alice2/queue/x', false)).toBe(false);
    expect(isAllowed(alice(null), 'sub', '/user/alicequeue/x', false)).toBe(false);
  });

  it('gives a token without grants nothing else outside development mode', () => {
    const p = alice(null);
    expect(isAllowed(p, 'sub', '/topic/room.42', false)).toBe(false);
    expect(isAllowed(p, 'pub', '/topic/room.42', false)).toBe(false);
    expect(isAllowed(p, 'pub', '/user/bob/queue/x', false)).toBe(false);
  });

  it('gives a token without grants everything in development mode', () => {
    const p = alice(null);
    expect(isAllowed(p, 'sub', '/topic/room.42', true)).toBe(true);
    expect(isAllowed(p, 'pub', '/topic/anything', true)).toBe(true);
    expect(isAllowed(p, 'pub', '/user/bob/queue/x', true)).toBe(true);
  });

  it('gives empty grants nothing, even in development mode', () => {
    const p = alice({ sub: [], pub: [] });
    expect(isAllowed(p, 'sub', '/topic/room.42', true)).toBe(false);
    expect(isAllowed(p, 'pub', '/topic/room.42', true)).toBe(false);
  });

  it('checks sub and pub grants separately', () => {
    expect(isAllowed(granted, 'sub', '/topic/room.42', false)).toBe(true);
    expect(isAllowed(granted, 'pub', '/topic/room.42', false)).toBe(true);
    expect(isAllowed(granted, 'sub', '/topic/lobby.7', false)).toBe(true);
    expect(isAllowed(granted, 'pub', '/topic/lobby.7', false)).toBe(false);
    expect(isAllowed(granted, 'sub', '/topic/roomX42', false)).toBe(false);
    expect(isAllowed(granted, 'sub', '/topic/room.43', false)).toBe(false);
    const pubOnly = alice({ sub: [], pub: ['/topic/out'] });
    expect(isAllowed(pubOnly, 'pub', '/topic/out', false)).toBe(true);
    expect(isAllowed(pubOnly, 'sub', '/topic/out', false)).toBe(false);
  });

  it('lets a user send to their own queue without grants, but not to others’', () => {
    expect(isAllowed(alice(null), 'pub', '/user/alice/queue/x', false)).toBe(true);
    expect(isAllowed(alice(null), 'pub', '/user/bob/queue/x', false)).toBe(false);
    expect(
      isAllowed(alice({ sub: [], pub: ['/user/*/queue/dm'] }), 'pub', '/user/bob/queue/dm', false),
    ).toBe(true);
  });
});

describe('authorize', () => {
  const p = alice({ sub: ['/topic/room.*'], pub: ['/topic/room.1'] });

  it('returns quietly when allowed', () => {
    expect(() => authorize(p, 'sub', '/topic/room.5', false)).not.toThrow();
    expect(() => authorize(p, 'pub', '/topic/room.1', false)).not.toThrow();
    expect(() => authorize(p, 'sub', '/user/alice/queue/x', false)).not.toThrow();
  });

  it('throws a forbidden StompError naming the destination for sub', () => {
    const err = stompError(() => authorize(p, 'sub', '/topic/secret', false));
    expect(err.reason).toBe(REASONS.forbidden);
    expect(err.reason).toBe('forbidden');
    expect(err.message).toBe('not allowed to subscribe to /topic/secret');
    expect(err.headers).toEqual([]);
  });

  it('throws a forbidden StompError naming the destination for pub', () => {
    const err = stompError(() => authorize(p, 'pub', '/topic/room.5', false));
    expect(err.reason).toBe('forbidden');
    expect(err.message).toBe('not allowed to send to /topic/room.5');
  });

  it('refuses another user’s queue', () => {
    const err = stompError(() => authorize(alice(null), 'sub', '/user/bob/queue/x', false));
    expect(err.reason).toBe('forbidden');
    expect(err.message).toBe('not allowed to subscribe to /user/bob/queue/x');
  });

  it('refuses a token without grants outside development mode only', () => {
    expect(stompError(() => authorize(alice(null), 'pub', '/topic/x', false)).message).toBe(
      'not allowed to send to /topic/x',
    );
    expect(() => authorize(alice(null), 'pub', '/topic/x', true)).not.toThrow();
  });
});
