import type { ChatMessage } from '@parley/sdk';
import { describe, expect, it } from 'vitest';
import { fromChat, group, merge, textOf } from './messages.js';
import type { ViewMessage } from './messages.js';

const chat = (over: Partial<ChatMessage> & { headers?: Record<string, string> }): ChatMessage => ({
  id: 'm1',
  room: 'lobby',
  body: '{"text":"hi"}',
  json: () => ({}) as never,
  sender: { id: 'bob' },
  timestamp: new Date(1000),
  offset: 1,
  epoch: 'e',
  headers: { 'content-type': 'application/json' },
  ...over,
});

describe('messages', () => {
  it('reads {text} JSON and plain text', () => {
    expect(textOf('{"text":"안녕"}', 'application/json')).toBe('안녕');
    expect(textOf('plain', 'text/plain;charset=utf-8')).toBe('plain');
    expect(textOf('{oops', 'application/json')).toBe('');
  });

  it('puts the relay copy of an own message in place of the pending one (one entry)', () => {
    const pending: ViewMessage = {
      key: 'c1',
      clientId: 'c1',
      offset: Infinity,
      senderId: 'me',
      text: 'hi',
      time: new Date(2000),
      mine: true,
      status: 'pending',
    };
    const other = fromChat(chat({ id: 'm1', offset: 1 }), 'me');
    const echo = fromChat(
      chat({
        id: 'm2',
        offset: 2,
        sender: { id: 'me' },
        headers: { 'content-type': 'application/json', 'parley-client-id': 'c1' },
      }),
      'me',
    );
    const list = merge(merge([pending], [other]), [echo]);
    expect(list.map((m) => [m.key, m.offset, m.status])).toEqual([
      ['m1', 1, undefined],
      ['c1', 2, 'sent'],
    ]);
    // History that repeats a message does not add it twice.
    expect(merge(list, [fromChat(chat({ id: 'm1' }), 'me')])).toHaveLength(2);
  });

  it('groups consecutive messages of one sender within five minutes', () => {
    const at = (id: string, sender: string, t: number) =>
      fromChat(chat({ id, sender: { id: sender }, timestamp: new Date(t), offset: t }), 'x');
    const groups = group([
      at('a', 'bob', 1),
      at('b', 'bob', 2),
      at('c', 'ann', 3),
      at('d', 'ann', 400_000),
    ]);
    expect(groups.map((g) => g.messages.map((m) => m.key))).toEqual([['a', 'b'], ['c'], ['d']]);
  });
});
