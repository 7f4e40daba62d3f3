import { describe, expect, it } from 'vitest';
import { StompError } from '../reasons.js';
import { SUPPORTED_VERSIONS, negotiateHeartbeat, negotiateVersion } from './negotiate.js';

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

describe('negotiateVersion', () => {
  it('speaks 1.2, 1.1 and 1.0, best first', () => {
    expect(SUPPORTED_VERSIONS).toEqual(['1.2', '1.1', '1.0']);
  });

  it.each<[string | undefined, string]>([
    [undefined, '1.0'],
    ['1.0', '1.0'],
    ['1.1', '1.1'],
    ['1.2', '1.2'],
    ['1.1,1.2', '1.2'],
    ['1.0,1.1,1.2', '1.2'],
    ['1.2,1.1,1.0', '1.2'],
    ['1.0,1.1', '1.1'],
    ['1.0, 1.1', '1.1'],
    [' 1.2 ', '1.2'],
    ['1.2,2.0', '1.2'],
    ['3.0,1.1', '1.1'],
  ])('accept-version %j → %s', (accept, version) => {
    expect(negotiateVersion(accept)).toBe(version);
  });

  it.each(['2.0', '', '1.3', '1', '12', 'v12.stomp', '1.2.0'])(
    'refuses %j with version-unsupported and a version header',
    (accept) => {
      const err = stompError(() => negotiateVersion(accept));
      expect(err.reason).toBe('version-unsupported');
      expect(err.message).toBe(
        `no common STOMP version: client offers ${accept}, relay speaks 1.2,1.1,1.0`,
      );
      expect(err.headers).toEqual([['version', '1.2,1.1,1.0']]);
    },
  );

  it('quotes at most 40 characters of what the client offered', () => {
    const accept = `9.${'9'.repeat(100)}`;
    const err = stompError(() => negotiateVersion(accept));
    expect(err.message).toBe(
      `no common STOMP version: client offers ${accept.slice(0, 40)}, relay speaks 1.2,1.1,1.0`,
    );
  });
});

describe('negotiateHeartbeat', () => {
  it.each<[string | undefined, number, { send: number; receive: number }]>([
    [undefined, 10000, { send: 0, receive: 0 }],
    ['0,0', 10000, { send: 0, receive: 0 }],
    // cx=10000 (client can send), cy=5000 (client wants): send max(5000, 10000), expect max(10000, 10000).
    ['10000,5000', 10000, { send: 10000, receive: 10000 }],
    ['10000,5000', 0, { send: 0, receive: 0 }],
    ['20000,30000', 10000, { send: 30000, receive: 20000 }],
    ['1000,1000', 10000, { send: 10000, receive: 10000 }],
    ['1000,1000', 1000, { send: 1000, receive: 1000 }],
    ['0,5000', 10000, { send: 10000, receive: 0 }],
    ['5000,0', 10000, { send: 0, receive: 10000 }],
    [' 4000 , 6000 ', 5000, { send: 6000, receive: 5000 }],
  ])('heart-beat %j with server %i → %j', (value, serverMs, expected) => {
    expect(negotiateHeartbeat(value, serverMs)).toEqual(expected);
  });

  it.each(['x', '', '10000', '10000,', ',5000', '-1,0', '1.5,0', '1,2,3', '10000;5000'])(
    'refuses %j with protocol-error',
    (value) => {
      const err = stompError(() => negotiateHeartbeat(value, 10000));
      expect(err.reason).toBe('protocol-error');
      expect(err.message).toBe(`heart-beat header must be "cx,cy", got "${value}"`);
      expect(err.headers).toEqual([]);
    },
  );

  it('quotes at most 40 characters of a bad header', () => {
    const value = 'y'.repeat(100);
    const err = stompError(() => negotiateHeartbeat(value, 10000));
    expect(err.message).toBe(`heart-beat header must be "cx,cy", got "${'y'.repeat(40)}"`);
  });
});
