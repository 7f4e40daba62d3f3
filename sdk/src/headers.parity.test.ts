import { describe, expect, it } from 'vitest';
import { checkSendHeader } from './headers.js';

/** Names a user header might be given: plain, reserved in every spelling, malformed. */
const NAMES = [
  'x-trace',
  'content-type',
  'priority',
  'parley-sender',
  'Parley-Sender',
  'PARLEY-KIND',
  'parley-kind',
  'parley-client-id',
  'parley-read-offset',
  'destination',
  'Destination',
  'message-id',
  'subscription',
  'ack',
  'ACK',
  'content-length',
  'redelivered',
  'receipt',
  'transaction',
  ' parley-sender',
  'parley-sender ',
  '\tparley-sender',
  '\u00a0parley-sender',
  '\ufeffparley-sender',
  'x\u0000y',
  'caf\u00e9',
  'a:b',
  'a\\b',
  '',
];

function sdkAccepts(name: string): boolean {
  try {
    checkSendHeader(name, 'v');
    return true;
  } catch {
    return false;
  }
}

describe('SEND header names: the SDK and the relay agree', () => {
  it.each(NAMES)('%j', async (name) => {
    const { isReservedHeader, isUserHeader } = await import('@parley/relay');
    // The SDK refuses what the relay would refuse or drop, and also the client-settable
    // parley- headers, which only the SDK itself sets (kind, client id, read offset).
    const relayKeeps = isUserHeader(name) && !isReservedHeader(name);
    expect(sdkAccepts(name)).toBe(relayKeeps);
  });
});
