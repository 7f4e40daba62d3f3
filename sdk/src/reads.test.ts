import { describe, expect, it } from 'vitest';
import { parseReadEvent, parseReads } from './reads.js';
import { parseDmNotice } from './dm-notice.js';

describe('read positions', () => {
  it('parses a /parley/reads reply, leaving out malformed entries', () => {
    const reply = parseReads(
      JSON.stringify({
        destination: '/topic/room.42',
        epoch: 'e1',
        newest: 1841,
        reads: [
          { user: 'bob', offset: 1841, at: 1767225601000, timestamp: 1767225600123 },
          { user: 'alice', offset: 1790, at: 1767225500000 },
          { user: 'mallory', offset: -1, at: 1 },
          { offset: 3 },
        ],
      }),
    );
    expect(reply.epoch).toBe('e1');
    expect(reply.newest).toBe(1841);
    expect([...reply.reads]).toEqual([
      ['bob', { offset: 1841, at: 1767225601000, timestamp: 1767225600123 }],
      ['alice', { offset: 1790, at: 1767225500000 }],
    ]);
    expect(reply.peer).toBeUndefined();
  });

  it('reads the peer of a conversation copy', () => {
    const base = { destination: '/user/queue/dm.bob', epoch: 'e', newest: 1, reads: [] };
    expect(parseReads(JSON.stringify({ ...base, peer: { user: 'bob' } })).peer).toEqual({
      user: 'bob',
    });
    expect(
      parseReads(JSON.stringify({ ...base, peer: { user: 'bob', timestamp: 5, at: 6 } })).peer,
    ).toEqual({ user: 'bob', timestamp: 5 });
  });

  it('refuses a body that is not a reads reply', () => {
    expect(() => parseReads('nope')).toThrow(/not JSON/);
    expect(() => parseReads('{"epoch":"e"}')).toThrow(/without reads/);
  });

  it('parses live read events: offset and timestamp, or only the timestamp (a DM peer)', () => {
    const headers = {
      'parley-kind': 'read',
      'parley-sender': 'bob',
      'parley-sender-name': 'Bob',
      'parley-offset': '0',
    };
    expect(
      parseReadEvent({
        headers: { ...headers, 'parley-read-offset': '3', 'parley-read-timestamp': '1700' },
        body: '',
      }),
    ).toEqual({ user: { id: 'bob', name: 'Bob' }, offset: 3, timestamp: 1700 });
    expect(
      parseReadEvent({ headers: { ...headers, 'parley-read-timestamp': '1700' }, body: '' }),
    ).toEqual({ user: { id: 'bob', name: 'Bob' }, timestamp: 1700 });
    expect(parseReadEvent({ headers, body: '' })).toBeUndefined();
    expect(
      parseReadEvent({ headers: { 'parley-read-offset': 'x3', 'parley-sender': 'a' }, body: '' }),
    ).toBeUndefined();
  });

  it('parses new-conversation notices', () => {
    expect(
      parseDmNotice(
        '{"from":"alice","name":"Alice","destination":"/user/queue/dm.alice","offset":7,"timestamp":9}',
      ),
    ).toEqual({
      from: 'alice',
      name: 'Alice',
      destination: '/user/queue/dm.alice',
      offset: 7,
      timestamp: 9,
    });
    expect(parseDmNotice('{"destination":"/user/queue/dm.x"}')).toBeUndefined();
    expect(parseDmNotice('garbage')).toBeUndefined();
  });
});
