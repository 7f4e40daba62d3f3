import { describe, expect, it } from 'vitest';
import { StompError } from '../reasons.js';
import {
  DEFAULT_HEARTBEAT_MIN_MS,
  SUPPORTED_VERSIONS,
  negotiateHeartbeat,
  negotiateVersion,
} from './negotiate.js';

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
  // [client heart-beat, PARLEY_HEARTBEAT_MS, PARLEY_HEARTBEAT_MIN_MS, negotiated]
  it.each<[string | undefined, number, number, { send: number; receive: number }]>([
    // A client that does not ask (no header = "0,0", STOMP 1.2) gets no heart-beats.
    [undefined, 10000, 1000, { send: 0, receive: 0 }],
    ['0,0', 10000, 1000, { send: 0, receive: 0 }],
    // A client asking for 1000 gets 1000 (the relay's 10 s preference is not a floor).
    ['1000,1000', 10000, 1000, { send: 1000, receive: 1000 }],
    // A client asking for less than the floor gets the floor.
    ['200,200', 10000, 1000, { send: 1000, receive: 1000 }],
    ['200,5000', 10000, 1000, { send: 5000, receive: 1000 }],
    // cx=10000 (client can send), cy=5000 (client wants): each honoured as asked.
    ['10000,5000', 10000, 1000, { send: 5000, receive: 10000 }],
    // The default client of most libraries (stompjs: 10000,10000) gets the relay's default.
    ['10000,10000', 10000, 1000, { send: 10000, receive: 10000 }],
    ['20000,30000', 10000, 1000, { send: 30000, receive: 20000 }],
    // 0 on either side stays 0: the client's per direction, the relay's (PARLEY_HEARTBEAT_MS=0) for both.
    ['10000,5000', 0, 1000, { send: 0, receive: 0 }],
    ['1000,1000', 0, 1000, { send: 0, receive: 0 }],
    ['0,5000', 10000, 1000, { send: 5000, receive: 0 }],
    ['5000,0', 10000, 1000, { send: 0, receive: 5000 }],
    ['0,200', 10000, 1000, { send: 1000, receive: 0 }],
    [' 4000 , 6000 ', 5000, 1000, { send: 6000, receive: 4000 }],
    // Another floor.
    ['100,100', 10000, 300, { send: 300, receive: 300 }],
    ['1000,1000', 1000, 1000, { send: 1000, receive: 1000 }],
    // Longer than an hour is clamped to an hour (MAX_HEARTBEAT_MS).
    ['99999999999,7200000', 10000, 1000, { send: 3_600_000, receive: 3_600_000 }],
  ])('heart-beat %j, relay %i, floor %i → %j', (value, serverMs, minMs, expected) => {
    expect(negotiateHeartbeat(value, serverMs, minMs)).toEqual(expected);
  });

  it('uses a 1000 ms floor when none is given (PARLEY_HEARTBEAT_MIN_MS default)', () => {
    expect(DEFAULT_HEARTBEAT_MIN_MS).toBe(1000);
    expect(negotiateHeartbeat('1000,1000', 10000)).toEqual({ send: 1000, receive: 1000 });
    expect(negotiateHeartbeat('200,200', 10000)).toEqual({ send: 1000, receive: 1000 });
    expect(negotiateHeartbeat(undefined, 10000)).toEqual({ send: 0, receive: 0 });
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
