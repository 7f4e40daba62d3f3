import { describe, expect, it } from 'vitest';
import { STOMP_PROTOCOLS, maxMessageBytes, pickProtocol } from './ws-handler.js';

describe('pickProtocol', () => {
  it('prefers STOMP 1.2, then 1.1, then 1.0', () => {
    expect(STOMP_PROTOCOLS).toEqual(['v12.stomp', 'v11.stomp', 'v10.stomp']);
  });

  it.each<[string, string | undefined]>([
    ['', ''],
    ['   ', ''],
    ['v12.stomp', 'v12.stomp'],
    ['v11.stomp', 'v11.stomp'],
    ['v10.stomp', 'v10.stomp'],
    ['v10.stomp, v12.stomp', 'v12.stomp'],
    ['v10.stomp,v11.stomp', 'v11.stomp'],
    ['v10.stomp, v11.stomp, v12.stomp', 'v12.stomp'],
    ['mqtt, v11.stomp', 'v11.stomp'],
    [' v12.stomp ', 'v12.stomp'],
    ['mqtt', undefined],
    ['mqtt, wamp.2.json', undefined],
    ['V12.STOMP', undefined],
    ['v12.stomp.extra', undefined],
    ['stomp', undefined],
  ])('%j → %j', (header, protocol) => {
    expect(pickProtocol(header)).toBe(protocol);
  });
});

describe('maxMessageBytes', () => {
  it('is twice the frame limit (or the pre-CONNECT allowance, if larger) plus 16 KiB, never 16 MiB', () => {
    expect(maxMessageBytes(64 * 1024, 16 * 1024)).toBe(144 * 1024);
    expect(maxMessageBytes(4096, 16 * 1024)).toBe(32 * 1024);
    expect(maxMessageBytes(1024 * 1024, 16 * 1024)).toBe(2 * 1024 * 1024 + 16 * 1024);
    expect(maxMessageBytes(64 * 1024, 16 * 1024)).toBeLessThan(16 * 1024 * 1024);
  });
});
