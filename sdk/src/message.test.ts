import { describe, expect, it } from 'vitest';
import { isParleyError } from './errors.js';
import { JSON_TYPE, TEXT_TYPE, encodeMessage, roomDestination, toChatMessage } from './message.js';

describe('encodeMessage', () => {
  it('sends strings as UTF-8 text', () => {
    expect(encodeMessage('안녕')).toEqual({ body: '안녕', headers: { 'content-type': TEXT_TYPE } });
  });

  it('sends objects (and arrays) as JSON', () => {
    expect(encodeMessage({ text: 'hi', n: 1 })).toEqual({
      body: '{"text":"hi","n":1}',
      headers: { 'content-type': JSON_TYPE },
    });
    expect(encodeMessage([1, 2]).body).toBe('[1,2]');
  });

  it('passes user headers (lower-cased) and lets content-type be overridden', () => {
    const out = encodeMessage('# hi', { 'Content-Type': 'text/markdown', 'x-thread': '7' });
    expect(out.headers).toEqual({ 'content-type': 'text/markdown', 'x-thread': '7' });
  });

  it.each(['destination', 'receipt', 'content-length', 'parley-sender', 'Parley-Offset'])(
    'refuses the reserved header %s',
    (name) => {
      expect(() => encodeMessage('x', { [name]: 'v' })).toThrow(/reserved/);
    },
  );

  it.each([
    'Message-Id',
    'SUBSCRIPTION',
    'ack',
    'Transaction',
    ' x-thread',
    '\u00a0x',
    '\ufeffx',
    'x y',
    'x:y',
    '',
  ])('refuses the header name %j (reserved, or not a token)', (name) => {
    expect(() => encodeMessage('x', { [name]: 'v' })).toThrow(
      expect.objectContaining({ reason: 'invalid-argument' }),
    );
  });

  it('refuses bodies that are neither strings nor JSON objects', () => {
    const check = (body: unknown) => {
      try {
        encodeMessage(body as string);
        return 'no error';
      } catch (error) {
        return isParleyError(error, 'invalid-argument') ? 'invalid-argument' : error;
      }
    };
    expect(check(null)).toBe('invalid-argument');
    expect(check(42)).toBe('invalid-argument');
    expect(check({ toJSON: () => undefined })).toBe('invalid-argument');
  });
});

describe('roomDestination', () => {
  it('maps an id to /topic/room.<id>', () => {
    expect(roomDestination('lobby')).toBe('/topic/room.lobby');
    expect(roomDestination('42')).toBe('/topic/room.42');
    expect(roomDestination('한국어')).toBe('/topic/room.한국어');
  });

  it.each(['', 'a/b', 'a*', '..', '.x', 'a..b', 'tab\there'])('refuses %j', (id) => {
    expect(() => roomDestination(id)).toThrow(
      expect.objectContaining({ reason: 'invalid-argument' }),
    );
  });
});

describe('toChatMessage', () => {
  const headers = {
    destination: '/topic/room.lobby',
    'message-id': 'm-9',
    subscription: 'sub-0',
    'parley-sender': 'alice',
    'parley-sender-name': 'Alice',
    'parley-timestamp': '1735689600000',
    'parley-offset': '41',
    'parley-epoch': 'ep-1',
    'content-type': JSON_TYPE,
    'x-thread': '7',
  };

  it('maps the relay stamps', () => {
    const message = toChatMessage('lobby', { headers, body: '{"text":"안녕하세요"}' });
    expect(message).toMatchObject({
      id: 'm-9',
      room: 'lobby',
      body: '{"text":"안녕하세요"}',
      sender: { id: 'alice', name: 'Alice' },
      offset: 41,
      epoch: 'ep-1',
    });
    expect(message.timestamp.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(message.headers['x-thread']).toBe('7');
    expect(message.json<{ text: string }>().text).toBe('안녕하세요');
  });

  it('is immutable and copies the headers', () => {
    const source = { ...headers };
    const message = toChatMessage('lobby', { headers: source, body: '' });
    source['parley-sender'] = 'mallory';
    expect(message.sender.id).toBe('alice');
    expect(Object.isFrozen(message)).toBe(true);
    expect(Object.isFrozen(message.headers)).toBe(true);
  });

  it('leaves name out when the relay sent none', () => {
    const { 'parley-sender-name': _, ...rest } = headers;
    expect('name' in toChatMessage('lobby', { headers: rest, body: '' }).sender).toBe(false);
  });

  it('falls back when stamps are missing or malformed', () => {
    const message = toChatMessage(
      'lobby',
      { headers: { 'parley-offset': '4x', 'parley-timestamp': 'soon' }, body: 'hi' },
      1000,
    );
    expect(message).toMatchObject({ id: '', sender: { id: '' }, offset: -1, epoch: '' });
    expect(message.timestamp.getTime()).toBe(1000);
  });

  it('reads stamps only under their exact names and strips other spellings of reserved ones', () => {
    // What @stomp/stompjs hands over: names trimmed, the first of repeated names kept. The relay
    // writes its stamps first, so the exact names are the relay's.
    const message = toChatMessage('lobby', {
      headers: {
        ...headers,
        'Parley-Sender': 'mallory',
        'PARLEY-OFFSET': '999',
        'parley-Timestamp': '1',
        'Message-Id': 'forged',
        'x-parley-note': 'kept',
      },
      body: '',
    });
    expect(message).toMatchObject({ id: 'm-9', sender: { id: 'alice' }, offset: 41 });
    expect(message.timestamp.getTime()).toBe(1735689600000);
    expect(Object.keys(message.headers).sort()).toEqual(
      [...Object.keys(headers), 'x-parley-note'].sort(),
    );
  });

  it('never takes a sender from a user header when the relay stamped none', () => {
    const { 'parley-sender-name': _, ...rest } = headers;
    const message = toChatMessage('lobby', {
      headers: { ...rest, 'Parley-Sender-Name': 'Mallory' },
      body: '',
    });
    expect(message.sender).toEqual({ id: 'alice' });
    expect(message.headers['Parley-Sender-Name']).toBeUndefined();
  });

  it('json() throws SyntaxError on a text body', () => {
    expect(() => toChatMessage('lobby', { headers, body: 'plain' }).json()).toThrow(SyntaxError);
  });
});
