import { describe, expect, it } from 'vitest';
import { isReservedHeader, isUserHeader, userHeaders } from './reserved-headers.js';

describe('reserved headers', () => {
  it.each([
    'parley-sender',
    'Parley-Sender',
    'PARLEY-OFFSET',
    'parley-Timestamp',
    'parley-kind',
    'Destination',
    'MESSAGE-ID',
    'Subscription',
    'ACK',
    'Content-Length',
    'receipt',
    'Transaction',
    'redelivered',
  ])('%s is reserved', (name) => {
    expect(isReservedHeader(name)).toBe(true);
  });

  it.each(['content-type', 'x-parley-sender', 'parley', 'x-thread'])('%s is not', (name) => {
    expect(isReservedHeader(name)).toBe(false);
  });

  it('lets a client set parley-kind and parley-client-id, spelled exactly so', () => {
    expect(isUserHeader('parley-kind')).toBe(true);
    expect(isUserHeader('parley-client-id')).toBe(true);
    expect(isUserHeader('Parley-Kind')).toBe(false);
    expect(isUserHeader('PARLEY-CLIENT-ID')).toBe(false);
  });

  it('keeps user headers (first of each name), drops reserved and non-token names', () => {
    expect(
      userHeaders([
        ['content-type', 'text/plain'],
        [' parley-sender', 'mallory'],
        ['\ufeffparley-sender', 'mallory'],
        ['Parley-Sender', 'mallory'],
        ['parley-sender', 'mallory'],
        ['Destination', '/x'],
        ['x-a', '1'],
        ['x-a', '2'],
        ['parley-kind', 'typing'],
      ]),
    ).toEqual([
      ['content-type', 'text/plain'],
      ['x-a', '1'],
      ['parley-kind', 'typing'],
    ]);
  });

  it('returns the same list when nothing is dropped', () => {
    const clean: Array<[string, string]> = [
      ['content-type', 'a'],
      ['X-Trace', 'b'],
    ];
    expect(userHeaders(clean)).toBe(clean);
  });
});
