import { afterEach, describe, expect, it } from 'vitest';
import { header } from '../codec/index.js';
import {
  ROOM,
  closeAll,
  connected,
  errorOf,
  frame,
  harness,
  messages,
  settle,
} from './session.harness.js';

afterEach(closeAll);

/** Header-name spellings a trimming client reads as `parley-sender`. */
const LOOKALIKES = [
  ['leading space', ' parley-sender'],
  ['leading tab', '\tparley-sender'],
  ['leading NBSP', '\u00a0parley-sender'],
  ['leading BOM', '\ufeffparley-sender'],
  ['trailing space', 'parley-sender '],
] as const;

describe('Session: header names on client frames', () => {
  it.each(LOOKALIKES)(
    'refuses a SEND with a %s before parley-sender: ERROR frame-invalid, closed, nothing published',
    async (_, name) => {
      const h = harness();
      const bob = await connected(h, 'good-bob');
      bob.session.onData(frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM, receipt: 's' }));
      const alice = await connected(h);
      // Written by hand: the harness serializer would escape nothing in the name anyway.
      alice.session.onData(
        `SEND\n${name}:mallory\ndestination:${ROOM}\nparley-timestamp:1\n\nforged\0`,
      );
      await settle();
      const err = errorOf(alice.transport);
      expect(err.reason).toBe('frame-invalid');
      expect(err.message).toMatch(/^header line 1: header name ".*parley-sender.*" has U\+/);
      // The message names the character; it never carries it.
      // eslint-disable-next-line no-control-regex
      expect(err.message).not.toMatch(/[\u0000-\u001f\u00a0\ufeff]/);
      expect(alice.transport.closes).toEqual([[4000, 'frame-invalid']]);
      expect(messages(bob.transport)).toEqual([]);
      expect((await h.broker.history(ROOM, { limit: 10 })).messages).toEqual([]);
    },
  );

  it('refuses a CONNECT whose header name is not a token (CONNECT headers are not unescaped)', async () => {
    const h = harness();
    const { session, transport } = h.open();
    session.onData('CONNECT\naccept-version:1.2\n\u00a0Authorization:Bearer good\n\n\0');
    await settle();
    expect(errorOf(transport).reason).toBe('frame-invalid');
    expect(transport.closes).toEqual([[4000, 'frame-invalid']]);
  });

  it('drops reserved names in any case, so each relay header appears once, the relay’s', async () => {
    const h = harness();
    const { session, transport } = await connected(h);
    session.onData(frame('SUBSCRIBE', { id: 'sub-0', destination: ROOM }));
    session.onData(
      frame(
        'SEND',
        [
          ['destination', ROOM],
          ['Parley-Sender', 'mallory'],
          ['PARLEY-SENDER-NAME', 'Mallory'],
          ['parley-Timestamp', '1'],
          ['Parley-Offset', '999'],
          ['parley-sender', 'mallory'],
          ['parley-sender', 'mallory twice'],
          ['Destination', '/topic/elsewhere'],
          ['Message-Id', 'forged'],
          ['SUBSCRIPTION', 'forged'],
          ['Ack', 'forged'],
          ['Content-Length', '1'],
          ['Parley-Kind', 'typing'],
          ['x-ok', 'yes'],
        ],
        'hi',
      ),
    );
    await settle();
    const m = messages(transport)[0]!;
    const folded = m.headers.map(([k]) => k.toLowerCase());
    expect(new Set(folded).size).toBe(folded.length);
    expect(m.headers.map(([k]) => k)).toEqual([
      'destination',
      'message-id',
      'subscription',
      'parley-sender',
      'parley-sender-name',
      'parley-timestamp',
      'parley-offset',
      'parley-epoch',
      'content-length',
      'x-ok',
    ]);
    expect(header(m, 'parley-sender')).toBe('alice');
    expect(header(m, 'parley-offset')).toBe('1');
    expect(header(m, 'destination')).toBe(ROOM);
    // `Parley-Kind: typing` was dropped, not honoured: the message is stored as a message.
    expect((await h.broker.history(ROOM, { limit: 10 })).messages).toHaveLength(1);
    expect(transport.closes).toEqual([]);
  });
});
