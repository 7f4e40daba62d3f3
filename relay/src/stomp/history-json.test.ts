import { describe, expect, it } from 'vitest';
import type { BrokerMessage } from '../broker/broker.js';
import { messageJson } from './history-json.js';

describe('messageJson', () => {
  it('shows relay fields only from the relay, whatever a stored message carries in headers', () => {
    const stored: BrokerMessage = {
      destination: '/topic/room.1',
      body: new TextEncoder().encode('hi'),
      headers: [
        ['content-type', 'text/plain'],
        ['\u00a0parley-sender', 'mallory'],
        ['Parley-Offset', '999'],
        ['parley-sender', 'mallory'],
        ['parley-kind', 'message'],
      ],
      sender: 'alice',
      id: 'ep-3',
      offset: 3,
      epoch: 'ep',
      timestamp: 1_700_000_000_000,
    };
    expect(messageJson(stored)).toMatchObject({
      sender: 'alice',
      offset: 3,
      timestamp: 1_700_000_000_000,
      headers: { 'content-type': 'text/plain', 'parley-kind': 'message' },
    });
    expect(Object.keys(messageJson(stored).headers)).toEqual(['content-type', 'parley-kind']);
  });
});
